"""One worker's part in a distributed crawl, as a Scrapy extension.

Marks the worker busy while it crawls and alive while it waits, so an idle
worker stays while another one is busy (its work may yet fill the shared
queue); loads the reports and listings the store already holds into the
spider; and tells the drain, through the store list, when it opened and
closed and which listings it walked to the end.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from crawler.distributed.keys import Keys, busy_workers, decoded, encode, queue_length

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

BUSY_TTL = 120  # seconds a busy or alive mark outlives a worker that died silently


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class WorkerExtension:
    """One worker's part in a distributed crawl: busy marks, known reports, listing ends."""

    def __init__(self, crawler: Crawler, server: redis.Redis):
        self.crawler, self.server = crawler, server
        self.worker = worker_id()
        self.keys = Keys("")
        self.last_mark = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerExtension:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL is not set: not a distributed worker")
        ext = cls(crawler, redis.Redis.from_url(url))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.mark_busy, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.mark_busy, signal=signals.response_received)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.keys = Keys(spider.name)
        self.mark_busy(force=True)
        known = {decoded(m) for m in self.server.smembers(self.keys.known)}
        complete = {decoded(m) for m in self.server.smembers(self.keys.complete)}
        if hasattr(spider, "known") and hasattr(spider, "complete") and not getattr(spider, "refresh", False):
            spider.known |= known
            spider.complete |= complete
        self.server.lpush(self.keys.store, encode({"kind": "worker_opened", "worker": self.worker}))
        logger.info(
            "Distributed worker %s: %d known reports, %d complete listings, %d requests queued",
            self.worker,
            len(known),
            len(complete),
            queue_length(self.server, self.keys.requests),
        )

    def mark_busy(self, *args: Any, force: bool = False, **kwargs: Any) -> None:
        if force or time.monotonic() - self.last_mark > 1.0:
            self.server.set(self.keys.busy(self.worker), "1", ex=BUSY_TTL)
            self.server.set(self.keys.alive(self.worker), "1", ex=BUSY_TTL)
            self.last_mark = time.monotonic()

    def spider_idle(self, spider: Spider) -> None:
        """Stay while others work: what they find lands in the shared queue."""
        self.server.delete(self.keys.busy(self.worker))
        self.server.set(self.keys.alive(self.worker), "1", ex=BUSY_TTL)
        self.last_mark = 0.0
        others = busy_workers(self.server, self.keys)
        if others or queue_length(self.server, self.keys.requests):
            self.crawler.stats.inc_value("distributed/idle_wait_count")
            raise DontCloseSpider(f"other workers busy: {', '.join(others)}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        failures = (stats.get_value("report/failed_count", 0) or 0) + (stats.get_value("listing/failed_count", 0) or 0)
        message = {"kind": "worker_closed", "worker": self.worker, "reason": reason, "failures": failures}
        self.server.lpush(self.keys.store, encode({**message, **listing_walks(spider)}))
        self.server.delete(self.keys.busy(self.worker), self.keys.alive(self.worker))


def listing_walks(spider: Spider) -> dict[str, list[list[Any]]]:
    """What this worker reached of each listing, for the drain to add up with the other workers'.

    Each worker parses only some pages of a listing, so none can tell alone
    whether it was walked to its end: ``walks`` holds its column walks
    (``[portal_id, start_url, column, ColumnWalk fields]``), ``known_complete``
    the listings it was told are complete and walked none of.
    """
    walks = getattr(spider, "walks", None)
    complete: set[str] = getattr(spider, "complete", set())
    out: dict[str, list[list[Any]]] = {"walks": [], "known_complete": []}
    for portal in getattr(spider, "selected", []):
        for url in portal.start_urls:
            columns = walks.columns(url) if walks is not None else {}
            for column, walk in columns.items():
                out["walks"].append([portal.id, url, column, dataclasses.asdict(walk)])
            if not columns and url in complete:
                out["known_complete"].append([portal.id, url])
    return out
