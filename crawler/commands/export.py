"""`scrapy export [--db PATH] [--out DIR] [--xlsx]`: write the CSVs (and the workbook) of a report database."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.export import export_all, export_xlsx
from crawler.storage import open_db


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--out DIR] [--xlsx]"

    def short_desc(self) -> str:
        return "Export reports, sections, table cells, checks, a wide applications table and a codebook as CSV; --xlsx: one workbook too"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB)")
        parser.add_argument("--out", default="data/export", help="output directory (default: data/export)")
        parser.add_argument(
            "--xlsx",
            action="store_true",
            help="also write OUT/reports.xlsx: one workbook with every sheet and a codebook",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None  # set by Scrapy before run()
        db_path = Path(opts.db or self.settings.get("REPORTS_DB"))
        if not db_path.is_file():
            raise UsageError(f"no database at {db_path}; crawl first or pass --db")
        db = open_db(db_path)
        counts = export_all(db, Path(opts.out))
        sheets = export_xlsx(db, Path(opts.out) / "reports.xlsx") if opts.xlsx else {}
        db.close()
        for name, n in counts.items():
            print(f"{Path(opts.out) / name}: {n} rows")
        for name, n in sheets.items():
            print(f"{Path(opts.out) / 'reports.xlsx'} [{name}]: {n} rows")
