"""When a crawl closes: recompute the findings for the bodies whose reports changed, and index new text for search.

Settings: ``FINDINGS_ENABLED`` (default True).  Runs only where the crawl
writes SQLite itself (``REPORTS_DB`` set); in a distributed crawl the drain
does it (crawler/distributed/drain.py).  A failure here is logged and
counted; it never costs the stored reports, and the queue stays for the
next run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import search
from crawler.findings.store import recompute_findings
from crawler.storage import open_db

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class FindingsExtension:
    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler, self.db_path = crawler, db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("FINDINGS_ENABLED", True):
            raise NotConfigured("FINDINGS_ENABLED is off")
        path = crawler.settings.get("REPORTS_DB")
        if not path:
            raise NotConfigured("REPORTS_DB is empty: findings are computed where reports are stored")
        extension = cls(crawler, path)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        columns = column_names(getattr(spider, "selected", []))
        stats = self.crawler.stats
        try:
            db = open_db(self.db_path)
            try:
                done = recompute_findings(db, column_names=columns)
                indexed = search.index_pending(db)  # the two-character search index, in step with the store
            finally:
                db.close()
        except Exception:  # the reports are stored; the findings queue waits for the next run
            logger.exception("Findings could not be recomputed; they will be on the next run")
            stats.inc_value("findings/failed_count")
            return
        stats.set_value("findings/queued_count", done.queued)
        stats.set_value("findings/bodies_count", len(done.bodies))
        stats.set_value("findings/reports_count", done.reports)
        stats.set_value("search/indexed_count", indexed)


def column_names(portals: Any) -> dict[str, str]:
    """portal_id → column name, for reports that print their body nowhere."""
    return {p.id: p.name for p in portals}
