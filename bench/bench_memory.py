"""Memory stays flat however long the crawl: peak RSS of a small and a large crawl.

    .venv/bin/python bench/bench_memory.py [--small 300] [--large 3000]

Builds a synthetic plain-HTML portal (20 links per listing page, 下一页
paging) whose report pages are the guannan 2025 fixture with a distinct
索引号 each, serves it with the project's fixture server, and crawls it twice
through the real engine and the whole pipeline into SQLite.  Peak RSS comes
from Scrapy's MemoryUsage extension.  The small crawl is the baseline: a
ratio near 1.0 means memory does not grow with the number of reports.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
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


def crawl(reports: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        build_site(tmp / "fx", reports)
        with FixtureServer(tmp / "fx", workdir=tmp) as server:
            registry = render_registry(tmp / "fx" / "portals.yaml", server.sites, tmp / "portals.yaml")
            log = tmp / "crawl.log"
            start = time.monotonic()
            subprocess.run(
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
                ],
                cwd=ROOT,
                check=True,
            )
            elapsed = time.monotonic() - start
            text = log.read_text("utf-8")
    stat = {k: float(v) for k, v in re.findall(r"'(memusage/max|memusage/startup|item_scraped_count)': (\d+)", text)}
    stat["seconds"] = elapsed
    return stat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=3000)
    args = parser.parse_args()
    small, large = crawl(args.small), crawl(args.large)
    mib = 1024 * 1024
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
