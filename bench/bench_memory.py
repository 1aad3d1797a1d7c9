"""Memory stays flat however long the crawl: peak RSS of a small and a large crawl.

    .venv/bin/python bench/bench_memory.py [--small 300] [--large 3000]
    .venv/bin/python bench/bench_memory.py --sizes 500 5000 20000 [--workers N] [-s NAME=VALUE ...]

Builds a synthetic plain-HTML portal (20 links per listing page, 下一页
paging) whose report pages are the guannan 2025 fixture with a distinct
索引号 each, serves it with the project's fixture server, and crawls it twice
through the real engine and the whole pipeline into SQLite.  Peak RSS comes
from Scrapy's MemoryUsage extension.  The small crawl is the baseline: a
ratio near 1.0 means memory does not grow with the number of reports.

With ``--sizes`` each size is crawled once and compared with the first;
``--workers`` sets ``PARSE_WORKERS`` (default: the project's, one parse worker
per core); ``-s NAME=VALUE`` passes any other setting to every crawl
(``-s FINDINGS_ENABLED=0`` leaves out the findings recompute at the end,
which over one synthetic body of 20,000 reports is not what a crawl of real
bodies of ~10 reports each costs).  The parse workers are processes of
their own, which MemoryUsage does not see, so the whole process tree (crawl,
fork server, workers) is sampled from /proc every 0.5 s too: its peak summed
PSS (shared pages counted once, split between the processes sharing them)
and RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from fixture_server import FixtureServer, render_registry  # noqa: E402

TEMPLATE = ROOT / "fixtures/sites/static_guannan/xxgk/zfxxgknb/2025/0121/c58213.html"
INDEX_NO = b"014133461/2025-00008"
PER_PAGE = 20


def build_site(root: Path, reports: int) -> None:
    site = root / "sites" / "synthetic"
    (site / "nb").mkdir(parents=True)
    (site / "site.yaml").write_text('headers:\n  "*": {Content-Type: "text/html; charset=utf-8"}\n', "utf-8")
    template = TEMPLATE.read_bytes()
    for n in range(reports):
        (site / "nb" / f"r{n}.html").write_bytes(template.replace(INDEX_NO, b"014133461/2025-%06d" % n))
    pages = (reports + PER_PAGE - 1) // PER_PAGE
    for p in range(pages):
        items = "".join(
            f'<li><a href="r{n}.html">北陈集镇{2000 + n % 25}年政府信息公开工作年度报告（{n}）</a>'
            f"<span>2025-01-21</span></li>"
            for n in range(p * PER_PAGE, min(reports, (p + 1) * PER_PAGE))
        )
        nxt = f'<a href="list_{p + 2}.html">下一页</a>' if p + 1 < pages else ""
        name = "index.html" if p == 0 else f"list_{p + 1}.html"
        (site / "nb" / name).write_text(
            f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>{nxt}</body></html>', "utf-8"
        )
    (root / "portals.yaml").write_text(
        'portals:\n  - {id: synthetic, name: 合成门户, province: jiangsu, cms: static, start_urls: ["{site:synthetic}/nb/index.html"]}\n',
        "utf-8",
    )


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def tree_memory(pid: int) -> tuple[int, int]:
    """(summed PSS, summed RSS) in bytes of ``pid``'s process tree now."""
    pss = rss = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Pss:", "Rss:")):
                    kib = int(line.split()[1]) * 1024
                    if line.startswith("Pss:"):
                        pss += kib
                    else:
                        rss += kib
        except OSError:
            continue
    return pss, rss


class TreeSampler(threading.Thread):
    """Peak PSS and RSS of a process tree, sampled every ``interval`` seconds until it ends."""

    def __init__(self, proc: subprocess.Popen[bytes], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.proc, self.interval = proc, interval
        self.pss = self.rss = 0

    def run(self) -> None:
        while self.proc.poll() is None:
            pss, rss = tree_memory(self.proc.pid)
            self.pss, self.rss = max(self.pss, pss), max(self.rss, rss)
            time.sleep(self.interval)


def crawl(reports: int, extra: dict[str, str] | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        build_site(tmp / "fx", reports)
        with FixtureServer(tmp / "fx", workdir=tmp) as server:
            registry = render_registry(tmp / "fx" / "portals.yaml", server.sites, tmp / "portals.yaml")
            log = tmp / "crawl.log"
            start = time.monotonic()
            settings = [f"{k}={v}" for k, v in (extra or {}).items()]
            proc = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "scrapy"),
                    "crawl",
                    "province_reports",
                    "-a",
                    f"portals={registry}",
                    "-s",
                    f"REPORTS_DB={tmp / 'r.db'}",
                    "-s",
                    f"LOG_FILE={log}",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=0",
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    "ROBOTSTXT_OBEY=0",
                    "-s",
                    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                    "-s",
                    "MEMUSAGE_CHECK_INTERVAL_SECONDS=0.5",
                    "-s",
                    f"LISTING_MAX_PAGES={reports // PER_PAGE + 10}",  # the column is walked to its end
                    *(arg for setting in settings for arg in ("-s", setting)),
                ],
                cwd=ROOT,
            )
            sampler = TreeSampler(proc)
            sampler.start()
            try:
                if proc.wait() != 0:
                    raise SystemExit(f"crawl of {reports} reports failed ({proc.returncode}); see {log}")
            finally:
                if proc.poll() is None:
                    proc.kill()
            sampler.join()
            elapsed = time.monotonic() - start
            text = log.read_text("utf-8")
    stat = {k: float(v) for k, v in re.findall(r"'(memusage/max|memusage/startup|item_scraped_count)': (\d+)", text)}
    stat["seconds"] = elapsed
    stat["tree_pss"], stat["tree_rss"] = sampler.pss, sampler.rss
    return stat


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers and crawls started here are stopped too
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=3000)
    parser.add_argument("--sizes", type=int, nargs="+", help="crawl each size once; ratios to the first")
    parser.add_argument("--workers", help="PARSE_WORKERS for the crawls (default: the project's)")
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for every crawl (repeatable)"
    )
    args = parser.parse_args()
    extra = {"PARSE_WORKERS": args.workers} if args.workers is not None else {}
    extra.update(setting.split("=", 1) for setting in args.set)
    mib = 1024 * 1024
    if args.sizes:
        shown = " ".join(f"{k}={v}" for k, v in extra.items()) or "project defaults"
        print(f"settings: {shown}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
        runs = []
        for size in args.sizes:
            s = crawl(size, extra)
            runs.append(s)
            print(
                f"{s['item_scraped_count']:.0f} reports in {s['seconds']:.1f} s: crawl process peak "
                f"{s['memusage/max'] / mib:.0f} MiB (startup {s['memusage/startup'] / mib:.0f}); process tree peak "
                f"PSS {s['tree_pss'] / mib:.0f} MiB, RSS {s['tree_rss'] / mib:.0f} MiB; load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        base = runs[0]
        for size, s in zip(args.sizes[1:], runs[1:], strict=True):
            print(
                f"{size} / {args.sizes[0]} reports: crawl process peak {s['memusage/max'] / base['memusage/max']:.2f}, "
                f"tree PSS {s['tree_pss'] / base['tree_pss']:.2f}, tree RSS {s['tree_rss'] / base['tree_rss']:.2f}"
            )
        return
    small, large = crawl(args.small, extra), crawl(args.large, extra)
    for name, s in (("small", small), ("large", large)):
        print(
            f"{name}: {s['item_scraped_count']:.0f} reports in {s['seconds']:.1f} s, "
            f"startup {s['memusage/startup'] / mib:.0f} MiB, peak {s['memusage/max'] / mib:.0f} MiB"
        )
    print(
        f"peak RSS large/small: {large['memusage/max'] / small['memusage/max']:.2f} "
        f"for {large['item_scraped_count'] / small['item_scraped_count']:.0f}x the reports"
    )
    growth_small = small["memusage/max"] - small["memusage/startup"]
    growth_large = large["memusage/max"] - large["memusage/startup"]
    print(f"growth above startup: small {growth_small / mib:.1f} MiB, large {growth_large / mib:.1f} MiB")


if __name__ == "__main__":
    main()
