"""CPU per report of the whole item pipeline, against trafilatura and lxml.

    .venv/bin/python bench/bench_pipeline.py [--rounds 20]

Runs every configured item pipeline stage, decode to store (a real SQLite
file, one transaction per report), on each fixture report page, and in the
same run times trafilatura's bare extraction and lxml's parse of the same
bytes.  Results are ratios (ours / theirs), so they hold across machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import lxml.html
import trafilatura
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_pages import report_pages

from crawler.attachments import is_attachment
from crawler.items import ReportItem


def build_pipelines(db_path: Path) -> list[object]:
    settings = get_project_settings().copy_to_dict()
    crawler = get_crawler(settings_dict={**settings, "REPORTS_DB": str(db_path), "TWISTED_REACTOR_ENABLED": False})
    stages = [
        build_from_crawler(load_object(p), crawler)
        for p in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))
    ]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    return stages


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of one call."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    pages = report_pages()
    with tempfile.TemporaryDirectory() as tmp:
        stages = build_pipelines(Path(tmp) / "bench.db")
        names = [type(s).__name__ for s in stages]

        def run(page, n=[0]):  # type: ignore[no-untyped-def]
            n[0] += 1
            item = ReportItem(
                url=f"http://127.0.0.1/{page.site}{page.path}",
                link_url=None,
                body=page.body,
                content_type=page.content_type,
                status=200,
                portal_id=page.site,
                province="bench",
                fetched_at="2026-01-01T00:00:00",
                errors=[],
            )
            for stage in stages:
                item = stage.process_item(item)

        store = next(s for s in stages if hasattr(s, "db"))

        def forget() -> None:
            """Untimed: empty the store, so every timed run stores a new report as a crawl does."""
            with store.db.conn:
                for table in ("checks", "table_cells", "sections", "report_urls", "reports"):
                    store.db.conn.execute(f"DELETE FROM {table}")

        # Interleaved: each round times ours, trafilatura and lxml on the same page back to back,
        # so a busy moment of the machine falls on all three; per-page figures are medians.
        samples: dict[int, list[tuple[float, float, float]]] = {i: [] for i in range(len(pages))}
        for page in pages:
            run(page)  # warm-up: converters, caches, imports
            forget()
        for _ in range(args.rounds):
            for i, page in enumerate(pages):
                ours = cpu(lambda: run(page))
                forget()
                theirs = cpu(lambda: trafilatura.bare_extraction(page.body))
                parse = cpu(lambda: lxml.html.document_fromstring(page.body))
                samples[i].append((ours, theirs, parse))
        rows = []
        for i, page in enumerate(pages):
            ours, theirs, parse = (statistics.median(s[k] for s in samples[i]) for k in range(3))
            rows.append((page, ours, theirs, parse, statistics.median(s[0] / s[1] for s in samples[i])))
    # trafilatura reads HTML only: PDF/DOCX attachments are reported apart,
    # in absolute CPU (pdfplumber's layout analysis is their cost).
    files = [r for r in rows if is_attachment(r[0].content_type, r[0].body, r[0].path)]
    rows = [r for r in rows if r not in files]
    total_ours = sum(r[1] for r in rows)
    total_theirs = sum(r[2] for r in rows)
    total_parse = sum(r[3] for r in rows)
    print(f"stages: {' → '.join(names)}")
    print(f"{'page':62} {'KB':>5} {'ours ms':>8} {'traf ms':>8} {'ours/traf':>9} {'ours/lxml':>9}")
    for page, ours, theirs, parse, ratio in rows:
        print(
            f"{page.site + page.path:62.62} {len(page.body) / 1024:5.0f} {ours * 1e3:8.2f} {theirs * 1e3:8.2f}"
            f" {ratio:9.2f} {ours / parse:9.1f}"
        )
    print(
        f"{'ALL (' + str(len(rows)) + ' pages)':62} {sum(len(r[0].body) for r in rows) / 1024:5.0f}"
        f" {total_ours * 1e3:8.2f} {total_theirs * 1e3:8.2f} {total_ours / total_theirs:9.2f}"
        f" {total_ours / total_parse:9.1f}"
    )
    worst = max(rows, key=lambda r: r[4])
    over = [r for r in rows if r[4] > 1.0]
    print(
        f"worst page ours/trafilatura: {worst[4]:.2f} ({worst[0].site}{worst[0].path}); "
        f"pages above 1.0: {len(over)} of {len(rows)}"
    )
    for page, ours, *_ in files:
        print(f"attachment {page.site + page.path}: {len(page.body) / 1024:.0f} KB, {ours * 1e3:.1f} ms CPU")


if __name__ == "__main__":
    main()
