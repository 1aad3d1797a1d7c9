"""`scrapy search WORD... [--db PATH]`: reports whose title or text contains every word.

One line per hit: report_id, year, title, URL (tab-separated).  Exit 1 when
nothing is found, 2 for a usage error (no word, a word of one character, no
database).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.search import search
from crawler.storage import StoreError, open_db

USAGE_ERROR = 2
NOTHING_FOUND = 1


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "WORD [WORD ...] [--db PATH]"

    def short_desc(self) -> str:
        return "Find reports containing every word (Chinese words of two or more characters)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB)")

    def _fail(self, message: str, status: int) -> None:
        print(f"scrapy search: {message}", file=sys.stderr)
        self.exitcode = status

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            return self._fail("give a word to search for, e.g. scrapy search 卫生", USAGE_ERROR)
        assert self.settings is not None  # set by Scrapy before run()
        db_path = Path(opts.db or self.settings.get("REPORTS_DB"))
        if not db_path.is_file():
            return self._fail(f"no database at {db_path}; crawl first or pass --db", USAGE_ERROR)
        words = " ".join(args)
        try:
            db = open_db(db_path)
        except StoreError as exc:
            return self._fail(f"{exc}", USAGE_ERROR)
        try:
            hits = search(db, words)
        except ValueError:
            return self._fail(f"search words need at least two characters: {words!r}", USAGE_ERROR)
        finally:
            db.close()
        if not hits:
            return self._fail(f"no report contains {words!r} in {db_path}", NOTHING_FOUND)
        for hit in hits:
            print(
                "\t".join(str(v) if v is not None else "" for v in (hit.report_id, hit.report_year, hit.title, hit.url))
            )
        return None
