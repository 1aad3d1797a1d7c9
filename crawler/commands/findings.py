"""`scrapy findings [--db PATH] [--all]`: recompute the findings of a report database.

A crawl does this itself when it closes, for the bodies whose reports
changed; this command does the same on demand (after a crawl was killed
before its end, or with ``--all`` after the findings code changed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.findings.store import queue_all, recompute_findings
from crawler.registry import load_registry
from crawler.storage import open_db


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--all]"

    def short_desc(self) -> str:
        return "Recompute cross-year, text-vs-table, outline, reuse, timeliness and rate findings"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB)")
        parser.add_argument("--all", action="store_true", help="recompute every report, not only the changed ones")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        db_path = Path(opts.db or self.settings.get("REPORTS_DB"))
        if not db_path.is_file():
            raise UsageError(f"no database at {db_path}; crawl first or pass --db")
        db = open_db(db_path)
        try:
            if opts.all:
                queue_all(db)
            columns = {p.id: p.name for p in load_registry().portals}
            done = recompute_findings(db, column_names=columns)
        finally:
            db.close()
        print(f"{db_path}: {done.queued} reports queued, findings recomputed for {len(done.bodies)} bodies")
