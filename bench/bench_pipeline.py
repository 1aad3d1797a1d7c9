"""CPU per report of the whole item pipeline, against trafilatura and lxml.

    .venv/bin/python bench/bench_pipeline.py [--rounds 20]

Runs the parsing core (:func:`crawler.core.parse_report`: attachment to the
dedup key) and the store (a real SQLite file, one transaction per report) on
each fixture report page, as a crawl does, and in the same run times
trafilatura's bare extraction and lxml's parse of the same bytes.  Results
are ratios (ours / theirs), so they hold across machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_pages import Page, report_pages

from crawler.attachments import is_attachment
from crawler.core import STAGE_NAMES, parse_report
from crawler.storage import open_db, store_report, stored_record


def cpu(fn: Callable[[Any], object], arg: Any) -> float:
    """CPU seconds of one call."""
    start = time.process_time()
    fn(arg)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    pages = report_pages()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        names = [*STAGE_NAMES, "store"]

        def run(page: Page) -> None:
            report = parse_report(page.body, page.content_type, f"http://127.0.0.1/{page.site}{page.path}")
            fetch = {"portal_id": page.site, "province": "bench", "fetched_at": "2026-01-01T00:00:00"}
            store_report(db, {**fetch, **stored_record(dict(report.filled()))}, "2026-01-01T00:00:00")

        def forget() -> None:
            """Untimed: empty the store, so every timed run stores a new report as a crawl does."""
            with db.conn:
                for table in ("checks", "table_cells", "sections", "report_urls", "reports"):
                    db.conn.execute(f"DELETE FROM {table}")

        # Interleaved: each round times ours, trafilatura and lxml on the same page back to back,
        # so a busy moment of the machine falls on all three; per-page figures are medians.
        samples: dict[int, list[tuple[float, float, float]]] = {i: [] for i in range(len(pages))}
        for page in pages:
            run(page)  # warm-up: converters, caches, imports
            forget()
        for _ in range(args.rounds):
            for i, page in enumerate(pages):
                ours = cpu(run, page)
                forget()
                theirs = cpu(trafilatura.bare_extraction, page.body)
                parse = cpu(lxml.html.document_fromstring, page.body)
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
