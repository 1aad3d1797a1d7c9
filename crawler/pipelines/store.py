"""Write each report (one transaction) and every fetch to the SQLite store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.items import add_error
from crawler.signals import page_fetched
from crawler.storage import log_page, open_db, store_report, stored_record

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.crawler import Crawler

    from crawler.items import ReportItem

logger = logging.getLogger(__name__)


class SQLiteStorePipeline:
    def __init__(self, crawler: Crawler, path: str):
        self.crawler, self.path = crawler, path
        self.db: sqlite_utils.Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteStorePipeline:
        path = crawler.settings.get("REPORTS_DB")
        if not path:
            raise NotConfigured("REPORTS_DB is empty: not storing to SQLite")
        pipeline = cls(crawler, path)
        crawler.signals.connect(pipeline.page_fetched, signal=page_fetched)
        return pipeline

    def open_spider(self) -> None:
        if self.db is None:  # page_fetched (robots.txt) may have opened it already
            self.db = open_db(self.path)
        logger.info("Storing reports in %s", self.path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def page_fetched(self, page: dict[str, Any]) -> None:
        if self.db is None:  # robots.txt may be fetched before open_spider
            self.db = open_db(self.path)
        log_page(self.db, page)

    def process_item(self, item: ReportItem) -> ReportItem:
        if self.db is None:
            self.db = open_db(self.path)
        record = stored_record(ItemAdapter(item))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        kept, error = store_report(self.db, record, now)
        if error is not None:
            add_error(item, "store", error)
            self.crawler.stats.inc_value("store/report_bare_count")
        self.crawler.stats.inc_value("store/report_kept_count" if kept else "store/report_duplicate_count")
        return item
