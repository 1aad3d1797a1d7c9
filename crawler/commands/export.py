"""`scrapy export [--db PATH] [--out DIR]`: write the CSVs of a report database."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.export import export_all
from crawler.storage import open_db


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--out DIR]"

    def short_desc(self) -> str:
        return "Export reports, sections, table cells, checks and a wide applications table as CSV"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB)")
        parser.add_argument("--out", default="data/export", help="output directory (default: data/export)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        db_path = Path(opts.db or self.settings.get("REPORTS_DB"))
        if not db_path.is_file():
            raise UsageError(f"no database at {db_path}; crawl first or pass --db")
        db = open_db(db_path)
        counts = export_all(db, Path(opts.out))
        db.close()
        for name, n in counts.items():
            print(f"{Path(opts.out) / name}: {n} rows")
