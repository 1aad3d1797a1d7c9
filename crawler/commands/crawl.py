"""`scrapy crawl`: Scrapy's own command, with the project's arguments checked first.

A mistyped province, a bad ``years``, a broken registry or an unusable
``REPORTS_DB`` ends in one line naming the fix and exit status 2, before
the engine (and its log) starts: see crawler/arguments.py.  So do paths
outside ``REPORTS_DATA_DIR`` (crawler/extensions/datadir.py).  A second
crawl of a ``REPORTS_DB`` another crawl is writing exits 75 (EX_TEMPFAIL)
with one line; a crawl whose database could not be written (full disk,
read-only) exits 74 (EX_IOERR) with one line: Scrapy itself exits 0 for
any crawl that got going, and cron and scrapyd only see the exit status.
Other spiders run unchanged.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import ArgumentError, check_crawl_arguments
from crawler.distributed.addon import redis_url
from crawler.extensions.datadir import check_data_dir
from crawler.pipelines.store import STORE_FAILED
from crawler.storage import DatabaseBusy, DatabaseLock, StoreError, lock_database

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider

CHECKED_SPIDER = "province_reports"
USAGE_ERROR = 2  # what Scrapy and argparse exit with for a usage error
DATABASE_BUSY = 75  # sysexits.h EX_TEMPFAIL: try again later
STORE_FAILED_EXIT = 74  # sysexits.h EX_IOERR


class Command(ScrapyCrawlCommand):
    lock: DatabaseLock | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            check_data_dir(self.settings)  # before anything (the log file included) is written
        except ArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(USAGE_ERROR)
        if args and args[0] == CHECKED_SPIDER:
            # A distributed worker writes no store (crawler/distributed/addon.py empties REPORTS_DB).
            reports_db = "" if redis_url(self.settings) else self.settings.get("REPORTS_DB") or ""
            try:
                check_crawl_arguments(opts.spargs, reports_db)
            except ArgumentError as exc:
                print(f"error: {exc}", file=sys.stderr)
                sys.exit(USAGE_ERROR)
            if reports_db:
                try:
                    self.lock = lock_database(reports_db)  # held until this process ends
                except DatabaseBusy as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    sys.exit(DATABASE_BUSY)
                except StoreError as exc:  # no lock file next to it: a read-only folder or file system
                    print(f"error: {exc}", file=sys.stderr)
                    sys.exit(USAGE_ERROR)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's run, plus a non-zero exit status when the store failed mid-crawl."""
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        failures: list[str] = []

        def closed(spider: Spider, reason: str) -> None:
            if reason == STORE_FAILED:
                assert crawler.stats is not None
                failures.append(str(crawler.stats.get_value("store/failed") or reason))

        crawler.signals.connect(closed, signal=signals.spider_closed)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        if failures:
            print(f"error: {failures[0]}", file=sys.stderr)
            self.exitcode = STORE_FAILED_EXIT
        if self.lock is not None:
            self.lock.release()
