"""In a distributed crawl, hand reports and page records to the drain via Redis.

Workers never open SQLite: concurrent writers would fight over its lock, and
workers may run on other machines.  Each finished report (only the fields the
store writes: never raw ``body``, ``html`` or parsed trees) and every
``page_fetched`` record is pushed onto one Redis list, in order; ``scrapy
drain`` writes them with the same storage calls a single-process crawl uses.
Replaces SQLiteStorePipeline when ``REDIS_URL`` is set (crawler/distributed/addon.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.distributed.keys import Keys, encode
from crawler.signals import page_fetched
from crawler.storage import stored_record

if TYPE_CHECKING:
    import redis
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from crawler.items import ReportItem

logger = logging.getLogger(__name__)


class RedisQueuePipeline:
    def __init__(self, crawler: Crawler, server: redis.Redis):
        self.crawler, self.server = crawler, server
        self.keys = Keys("")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisQueuePipeline:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL is not set: reports go to SQLite directly")
        import redis

        pipeline = cls(crawler, redis.Redis.from_url(url))
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.page_fetched, signal=page_fetched)
        return pipeline

    def spider_opened(self, spider: Spider) -> None:
        self.keys = Keys(spider.name)

    def page_fetched(self, page: dict[str, Any]) -> None:
        if not self.keys.spider:  # robots.txt may be fetched before spider_opened
            self.keys = Keys(self.crawler.spidercls.name)
        self.server.lpush(self.keys.store, encode({"kind": "page", "page": page}))
        self.crawler.stats.inc_value("redis_queue/page_count")

    def process_item(self, item: ReportItem) -> ReportItem:
        self.server.lpush(self.keys.store, encode({"kind": "report", "record": stored_record(ItemAdapter(item))}))
        self.crawler.stats.inc_value("redis_queue/report_count")
        return item
