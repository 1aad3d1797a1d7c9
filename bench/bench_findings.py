"""Cost per report of the findings, for 5,000 reports, as a ratio to storing them.

    .venv/bin/python bench/bench_findings.py [--bodies 1000] [--years 5]

Builds a database of ``bodies × years`` reports whose texts, cells and
sections are taken from the fixture report pages (parsed once by the core),
each body with its own name and a shuffled selection of sentences, so reuse
and cross-year checks have real work.  Times, in the same run: storing the
reports (``save_report``, the baseline), the first recomputation of every
body's findings, and a recomputation after one body's report changed (what
a re-crawl costs).  CPU time (process_time).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_pages import report_pages

from crawler.core import parse_report
from crawler.findings.store import recompute_findings
from crawler.storage import open_db, save_report, stored_record


def templates() -> list[dict[str, object]]:
    """Parsed fixture reports with cells, as records to vary."""
    out = []
    for page in report_pages():
        report = parse_report(page.body, page.content_type, f"http://127.0.0.1/{page.site}{page.path}")
        if report.cells and report.text:
            out.append(stored_record(dict(report.filled())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    base = templates()
    records = []
    for b in range(args.bodies):
        name = f"测试{b:04d}县"
        for y in range(args.years):
            year = 2019 + y
            record = dict(rng.choice(base))
            lines = str(record["text"]).splitlines()
            rng.shuffle(lines)
            record.update(
                report_id=f"r{b:04d}-{year}",
                url=f"http://127.0.0.1/b{b}/{year}.html",
                report_year=year,
                title=f"{name}{year}年政府信息公开工作年度报告",
                publisher=f"{name}人民政府",
                publish_date=f"{year + 1}-0{rng.randint(1, 5)}-15",
                province="bench",
                level="county",
                portal_id="bench",
                text="\n".join(lines[: max(5, len(lines) * 2 // 3)]),
            )
            records.append(record)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        t = time.process_time()
        for record in records:
            save_report(db, record, "2026-01-01T00:00:00")
        store = time.process_time() - t
        t = time.process_time()
        first = recompute_findings(db)
        findings = time.process_time() - t
        changed = dict(records[0], text=str(records[0]["text"]) + "\n新增一段本年度的工作说明，内容与往年不同。")
        save_report(db, changed, "2026-01-02T00:00:00")
        t = time.process_time()
        again = recompute_findings(db)
        rerun = time.process_time() - t
        size = (Path(tmp) / "bench.db").stat().st_size
    n = len(records)
    print(f"reports: {n} ({args.bodies} bodies × {args.years} years)")
    print(f"store (baseline): {store:.2f} s CPU, {store / n * 1e3:.2f} ms per report")
    print(
        f"findings, first run: {findings:.2f} s CPU, {findings / n * 1e3:.2f} ms per report, "
        f"{findings / store:.2f} × the store; {len(first.bodies)} bodies"
    )
    print(
        f"findings after one report changed: {rerun * 1e3:.1f} ms CPU, {len(again.bodies)} body recomputed "
        f"({again.reports} reports)"
    )
    print(f"database: {size / n / 1024:.1f} KB per report")


if __name__ == "__main__":
    main()
