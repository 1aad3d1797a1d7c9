"""Write each report (one transaction) and every fetch to the SQLite store.

A database that cannot be written (disk full, file or file system read-only,
I/O error, locked past the timeout) fails every report after the first, so
the first such error stops the crawl: the spider closes with reason
``store_failed``, the error is kept in the stats (``store/failed``) and the
``crawl`` command exits non-zero with it, so cron and scrapyd see a failure.
What was stored stays consistent: each report is one transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.arguments import one_line
from crawler.items import add_error
from crawler.signals import page_fetched
from crawler.storage import DatabaseLock, log_page, open_db, store_report, stored_record

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.crawler import Crawler

    from crawler.items import ReportItem

logger = logging.getLogger(__name__)

STORE_FAILED = "store_failed"  # the spider's close reason when the database cannot be written
MB = 1024 * 1024


class SQLiteStorePipeline:
    def __init__(self, crawler: Crawler, path: str):
        self.crawler, self.path = crawler, path
        self.max_bytes = int(crawler.settings.getfloat("REPORTS_DB_MAX_MB", 0) * MB)
        self.db: sqlite_utils.Database | None = None
        self.lock = DatabaseLock(path)
        self.failed: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteStorePipeline:
        path = crawler.settings.get("REPORTS_DB")
        if not path:
            raise NotConfigured("REPORTS_DB is empty: not storing to SQLite")
        pipeline = cls(crawler, path)
        crawler.signals.connect(pipeline.page_fetched, signal=page_fetched)
        return pipeline

    def _open(self) -> sqlite_utils.Database:
        if self.db is None:
            self.lock.acquire()  # the crawl command holds it already; other runners take it here
            self.db = open_db(self.path, self.max_bytes)
        return self.db

    def open_spider(self) -> None:
        self._open()  # page_fetched (robots.txt) may have opened it already
        logger.info("Storing reports in %s", self.path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        self.lock.release()

    def page_fetched(self, page: dict[str, Any]) -> None:
        if self.failed:
            return
        try:
            log_page(self._open(), page)
        except sqlite3.OperationalError as exc:
            self._fail(exc)

    def process_item(self, item: ReportItem) -> ReportItem:
        if self.failed:
            raise DropItem("not stored: the crawl is stopping (store failed)", log_level="DEBUG")
        record = stored_record(ItemAdapter(item))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            kept, error = store_report(self._open(), record, now)
        except sqlite3.OperationalError as exc:
            self._fail(exc)
            raise DropItem("not stored: the store failed (logged above)", log_level="DEBUG") from None
        if error is not None:
            add_error(item, "store", error)
            self.crawler.stats.inc_value("store/report_bare_count")
        self.crawler.stats.inc_value("store/report_kept_count" if kept else "store/report_duplicate_count")
        return item

    def _fail(self, exc: sqlite3.OperationalError) -> None:
        """Stop the crawl on the first error of the database itself; later reports would fail alike."""
        stored = self.crawler.stats.get_value("store/report_kept_count", 0)
        self.failed = (
            f"REPORTS_DB={self.path} cannot be written ({one_line(exc)}); the crawl stopped after storing "
            f"{stored} reports: fix the cause and run the same command again (stored reports are not fetched again)"
        )
        logger.error("%s", self.failed)
        self.crawler.stats.set_value("store/failed", self.failed)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=STORE_FAILED))
