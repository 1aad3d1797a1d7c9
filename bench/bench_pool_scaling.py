"""What each parse worker adds on this machine: the pool alone, with 1 .. N workers (issue 17).

    .venv/bin/python bench/bench_pool_scaling.py [--workers 2] [--reports 600] [--rounds 3]

Feeds ``ParsePool`` the report pages of ``bench_crawl_hosts.py`` (the same 16
fixture templates, each copy with its own 索引号) with no crawl around it,
interleaving the worker counts round by round, and prints reports/s for
each count and its speed-up over one worker, measured in the same run.

Why it exists: ``bench_crawl_hosts.py``'s c/a compares a crawl that keeps
every core busy (c) with one that keeps one core busy (a).  How far c can
go is bounded by what the second core really adds for this workload.  On
a machine where two busy cores share caches or memory bandwidth, that is
less than 2x, and the bound on c/a falls by the same factor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_crawl_hosts import INDEX, build_templates  # noqa: E402

from crawler.core.pool import ParsePool  # noqa: E402
from crawler.core.report import Report  # noqa: E402


def reports(templates: list[dict[str, object]], count: int, offset: int) -> list[Report]:
    """``count`` distinct report pages, as the benchmark server serves them."""
    out = []
    for serial in range(offset, offset + count):
        template = templates[serial % len(templates)]
        index = f"{serial:09d}/2025-{serial:05d}" if template["coded"] else f"{serial:06d}"
        body = str(template["body"]).encode("latin-1").replace(INDEX, index.encode())
        out.append(
            Report(url=f"http://127.0.0.2/nb/r{serial}.html", body=body, content_type=str(template["content_type"]))
        )
    return out


def rate(workers: int, batch: list[Report]) -> float:
    """Reports/s of a pool of ``workers`` over ``batch`` (its start-up and warm-up not counted)."""
    with ParsePool(workers, timeout=300) as pool:
        for future in [pool.parse(r) for r in batch[: 4 * workers]]:  # every worker up and warm
            future.result(300)
        start = time.perf_counter()
        for future in [pool.parse(r) for r in batch]:
            future.result(300)
        return len(batch) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="up to this many")
    parser.add_argument("--reports", type=int, default=600, help="reports per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_templates(Path(tmp) / "templates.json")
        templates = json.loads((Path(tmp) / "templates.json").read_text("utf-8"))
    counts = list(range(1, args.workers + 1))
    rates: dict[int, list[float]] = {n: [] for n in counts}
    for round_no in range(args.rounds):
        for n in counts if round_no % 2 == 0 else reversed(counts):
            rates[n].append(rate(n, reports(templates, args.reports, 100_000 * round_no + 1000 * n)))
            print(f"round {round_no + 1}: {n} worker(s) {rates[n][-1]:.1f} reports/s", flush=True)
    one = statistics.median(rates[1])
    print(f"\nmedians over {args.rounds} rounds, {args.reports} reports each, {os.cpu_count()} CPUs:")
    for n in counts:
        per_round = ", ".join(f"{r / o:.2f}" for r, o in zip(rates[n], rates[1], strict=True))
        print(
            f"  {n} worker(s): {statistics.median(rates[n]):.1f} reports/s = {statistics.median(rates[n]) / one:.2f}x one"
            f" (rounds: {per_round})"
        )


if __name__ == "__main__":
    main()
