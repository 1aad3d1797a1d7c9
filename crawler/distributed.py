"""Distributed crawls: several workers, one Redis, one SQLite store.

With ``REDIS_URL`` set (see the end of ``crawler/settings.py``) every worker
runs the unchanged spider on a shared scrapy-redis request queue, and:

* ``scrapy seed`` starts a run: it clears the queue and dupefilter, puts in
  the very requests a single-process crawl would start with (the spider's own
  ``start_requests()``), and publishes which reports and listings the store
  already holds, so workers stay incremental without opening SQLite.
* workers never write SQLite.  :class:`~crawler.pipelines.redis_queue.RedisQueuePipeline`
  pushes each finished report (stored fields only) and every page-log record
  onto one Redis list; ``scrapy drain`` is the single writer that moves them
  into the store with the same ``store_report``/``log_page`` calls as a
  single-process crawl.  SQLite wants one writer; Redis lists are the
  hand-off, and a message is only removed once its transaction committed.
* :class:`RedisScheduler` applies the shared dupefilter to every *fresh*
  request, even ``dont_filter`` ones: the spider de-duplicates per process,
  and two workers must not fetch the same report twice.  Retries, redirects
  and challenge retries are never filtered.
* :class:`WorkerExtension` keeps an idle worker alive while another one is
  still busy (its work may yet fill the queue), and reports which listings
  it walked to the end, so the drain can mark them complete as the spider
  does after a single-process crawl.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.scheduler import Scheduler

from crawler.storage import log_page, mark_listings_complete, store_report

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

BUSY_TTL = 120  # seconds a busy or alive mark outlives a worker that died silently
NOT_FRESH = ("retry_times", "redirect_times", "challenge")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Keys:
    """Redis keys of one spider's distributed crawl."""

    spider: str

    @property
    def requests(self) -> str:  # scrapy-redis defaults
        return f"{self.spider}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.spider}:dupefilter"

    @property
    def store(self) -> str:  # reports and page records waiting for the drain
        return f"{self.spider}:store"

    @property
    def processing(self) -> str:  # taken by the drain, not yet committed
        return f"{self.spider}:store:processing"

    @property
    def failed(self) -> str:  # messages the drain could not handle, kept for inspection
        return f"{self.spider}:store:failed"

    @property
    def known(self) -> str:
        return f"{self.spider}:known"

    @property
    def complete(self) -> str:
        return f"{self.spider}:complete"

    def busy(self, worker: str = "*") -> str:  # crawling now
        return f"{self.spider}:busy:{worker}"

    def alive(self, worker: str = "*") -> str:  # running, maybe waiting for others
        return f"{self.spider}:alive:{worker}"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def encode(message: dict[str, Any]) -> str:
    """JSON with non-ASCII escaped: a lone surrogate (an undecodable byte a stage
    kept) survives the trip through Redis and reaches the store unchanged."""
    return json.dumps(message, ensure_ascii=True, default=str)


def queue_length(server: redis.Redis, key: str) -> int:
    """Requests waiting in a scrapy-redis queue: a sorted set (priority) or a list."""
    kind = server.type(key)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    return server.zcard(key) if kind == "zset" else server.llen(key) if kind == "list" else 0


def busy_workers(server: redis.Redis, keys: Keys, pattern: str | None = None) -> list[str]:
    return [
        k.decode() if isinstance(k, bytes) else k for k in server.scan_iter(match=pattern or keys.busy(), count=100)
    ]


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler, de-duplicating fresh requests across workers."""

    def enqueue_request(self, request: Request) -> bool:
        fresh = not any(key in request.meta for key in NOT_FRESH)
        if (fresh or not request.dont_filter) and self.df.request_seen(request):
            self.df.log(request, self.spider)
            if self.stats:
                self.stats.inc_value("distributed/duplicate_request_count")
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True


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
        import redis

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
        known = {m.decode() for m in self.server.smembers(self.keys.known)}
        complete = {m.decode() for m in self.server.smembers(self.keys.complete)}
        if hasattr(spider, "known") and not getattr(spider, "refresh", False):
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
        ended = getattr(spider, "ended_listings", set()) | getattr(spider, "complete", set())
        done = [[p.id, url] for p in getattr(spider, "selected", []) for url in p.start_urls if url in ended]
        self.server.lpush(
            self.keys.store,
            encode(
                {"kind": "worker_closed", "worker": self.worker, "reason": reason, "failures": failures, "done": done}
            ),
        )
        self.server.delete(self.keys.busy(self.worker), self.keys.alive(self.worker))


def seed(
    server: redis.Redis, spider: Spider, scheduler: RedisScheduler, known: Iterable[str], complete: Iterable[str]
) -> int:
    """Start a run: fresh queue and dupefilter, the spider's start requests, what is stored."""
    keys = Keys(spider.name)
    scheduler.flush()
    count = sum(1 for request in spider.start_requests() if scheduler.enqueue_request(request))
    pipe = server.pipeline()
    pipe.delete(keys.known, keys.complete)
    for key, values in ((keys.known, list(known)), (keys.complete, list(complete))):
        for start in range(0, len(values), 1000):
            pipe.sadd(key, *values[start : start + 1000])
    pipe.execute()
    return count


@dataclass
class Drain:
    """The single writer: moves reports and page records from Redis into SQLite."""

    server: redis.Redis
    db: sqlite_utils.Database
    keys: Keys
    counts: dict[str, int] = field(default_factory=lambda: {"report": 0, "kept": 0, "page": 0, "failed": 0})
    open_workers: set[str] = field(default_factory=set)
    closed: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, raw: bytes) -> None:
        message = json.loads(raw)
        kind = message.get("kind")
        if kind == "report":
            self.counts["report"] += 1
            kept, _error = store_report(self.db, message["record"], now())
            self.counts["kept"] += kept
        elif kind == "page":
            self.counts["page"] += 1
            log_page(self.db, message["page"])
        elif kind == "worker_opened":
            self.open_workers.add(message["worker"])
        elif kind == "worker_closed":
            self.open_workers.discard(message["worker"])
            self.closed.append(message)
            logger.info(
                "Drain: worker %s closed (%s, %d failure(s)); %d still open",
                message["worker"],
                message["reason"],
                message["failures"],
                len(self.open_workers),
            )
            if not self.open_workers and not queue_length(self.server, self.keys.requests):
                self.finish_run()
        else:
            logger.warning("Drain: unknown message kind %r; skipped", kind)

    def take(self, raw: bytes) -> None:
        """Handle one message, then release it; one that cannot be handled is set aside, not retried forever.

        Redis or SQLite being unavailable is not the message's fault: that
        error stops the drain and the message stays in ``processing``, to be
        handled first on restart.
        """
        try:
            self.handle(raw)
        except (redis.RedisError, sqlite3.OperationalError):
            raise
        except Exception:
            logger.exception("Drain: message could not be handled; kept in %s", self.keys.failed)
            self.server.lpush(self.keys.failed, raw)
            self.counts["failed"] += 1
        self.server.lrem(self.keys.processing, 1, raw)

    def finish_run(self) -> None:
        """Every worker has closed: mark listings complete, as the spider does alone."""
        closed, self.closed = self.closed, []
        if not closed:
            return
        if any(m["reason"] != "finished" or m["failures"] for m in closed):
            logger.info("Drain: run ended with failures or unfinished workers; listings not marked complete")
            return
        done = {(pid, url) for m in closed for pid, url in m["done"]}
        mark_listings_complete(self.db, [(url, pid) for pid, url in sorted(done)], now())
        logger.info("Drain: run finished by %d worker(s); %d listing(s) complete", len(closed), len(done))

    def idle(self) -> bool:
        return not (
            self.server.llen(self.keys.store)
            or queue_length(self.server, self.keys.requests)
            or busy_workers(self.server, self.keys, self.keys.alive())
        )

    def run(self, until_idle: bool = False, idle_seconds: float = 5.0, poll: float = 1.0) -> dict[str, int]:
        """Drain forever, or until nothing is queued or busy for `idle_seconds`."""
        for raw in reversed(self.server.lrange(self.keys.processing, 0, -1)):  # left by a killed drain
            self.take(raw)
        quiet_since: float | None = None
        while True:
            raw = self.server.blmove(self.keys.store, self.keys.processing, poll, "RIGHT", "LEFT")
            if raw is not None:
                self.take(raw)
                quiet_since = None
                continue
            if not until_idle:
                continue
            if not self.idle():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= idle_seconds:
                break
        if self.closed and not self.open_workers:
            self.finish_run()
        return self.counts
