"""`scrapy crawl`: Scrapy's own command, with the project's arguments checked first.

A mistyped province, a bad ``years``, a broken registry or an unusable
``REPORTS_DB`` ends in one line naming the fix and exit status 2, before
the engine (and its log) starts: see crawler/arguments.py.  Other spiders
run unchanged.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import ArgumentError, check_crawl_arguments

if TYPE_CHECKING:
    import argparse

CHECKED_SPIDER = "province_reports"
USAGE_ERROR = 2  # what Scrapy and argparse exit with for a usage error


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args and args[0] == CHECKED_SPIDER:
            assert self.settings is not None
            try:
                check_crawl_arguments(opts.spargs, self.settings.get("REPORTS_DB") or "")
            except ArgumentError as exc:
                print(f"error: {exc}", file=sys.stderr)
                sys.exit(USAGE_ERROR)
