"""`scrapy crawl`: Scrapy's own command, with the project's arguments checked first.

A mistyped province, a bad ``years``, a broken registry or an unusable
``REPORTS_DB`` ends in one line naming the fix and exit status 2, before
the engine (and its log) starts: see crawler/arguments.py.  So do paths
outside ``REPORTS_DATA_DIR`` (crawler/extensions/datadir.py).  A second
crawl of a ``REPORTS_DB`` another crawl is writing exits 75 (EX_TEMPFAIL)
with one line; a crawl whose database could not be written (full disk,
read-only) exits 74 (EX_IOERR) with one line: Scrapy itself exits 0 for
any crawl that got going, and cron and scrapyd only see the exit status.
A crawl that ran but left a portal failed entirely (none of its listing
pages fetched) or a listing incomplete exits 3, after the run report
(crawler/run_report.py) is logged, stored in ``runs`` and, with
``--report FILE``, written as Markdown.  Other spiders run unchanged.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import ArgumentError, check_crawl_arguments
from crawler.distributed.addon import redis_url
from crawler.extensions.datadir import check_data_dir
from crawler.pipelines.store import STORE_FAILED
from crawler.run_report import INCOMPLETE_EXIT, RunReport, build_report, store_run
from crawler.storage import DatabaseBusy, DatabaseLock, StoreError, lock_database, open_db

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider

logger = logging.getLogger(__name__)

CHECKED_SPIDER = "province_reports"
USAGE_ERROR = 2  # what Scrapy and argparse exit with for a usage error
DATABASE_BUSY = 75  # sysexits.h EX_TEMPFAIL: try again later
STORE_FAILED_EXIT = 74  # sysexits.h EX_IOERR


class Command(ScrapyCrawlCommand):
    lock: DatabaseLock | None = None

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--report", metavar="FILE", default=None, help="also write the end-of-crawl report as Markdown to FILE"
        )

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

        finish: list[str] = []

        def finished(spider: Spider, reason: str) -> None:  # a named function: signals hold weak references
            finish.append(reason)

        crawler.signals.connect(closed, signal=signals.spider_closed)
        crawler.signals.connect(finished, signal=signals.spider_closed)
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        if failures:
            print(f"error: {failures[0]}", file=sys.stderr)
            self.exitcode = STORE_FAILED_EXIT
        elif args[0] == CHECKED_SPIDER and finish and crawler.spider is not None:
            report = self._report(crawler, started_at, finish[0], opts.report)
            if report is not None and not report.ok and self.exitcode == 0:
                self.exitcode = INCOMPLETE_EXIT
        if self.lock is not None:
            self.lock.release()

    def _report(self, crawler: Any, started_at: str, reason: str, path: str | None) -> RunReport | None:
        """Build, log, store and (with --report) write the run report."""
        spider = crawler.spider
        db_path = crawler.settings.get("REPORTS_DB")
        db = open_db(db_path) if db_path else None
        try:
            report = build_report(
                run_id=f"{started_at}-{os.getpid()}",
                started_at=started_at,
                finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
                finish_reason=reason,
                stats=crawler.stats.get_stats(),
                portal_ids=[p.id for p in getattr(spider, "selected", [])],
                incomplete=getattr(spider, "incomplete_listings", []),
                db=db,
            )
            if db is not None:
                store_run(db, report, spider.name, 0 if report.ok else INCOMPLETE_EXIT)
        finally:
            if db is not None:
                db.close()
        logger.info("Run report:\n%s", report.markdown())
        for pid in report.failed_portals:
            logger.error("Portal %s failed entirely: none of its listing pages could be fetched", pid)
        if path:
            Path(path).write_text(report.markdown(), "utf-8")
        return report
