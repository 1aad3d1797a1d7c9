"""The shared request queue: seeding a run, and de-duplicating across workers.

``scrapy seed`` calls :func:`seed`; workers use :class:`RedisScheduler` as
their ``SCHEDULER`` (set by :mod:`crawler.distributed.addon`).  Requests are
queued as JSON (:mod:`crawler.distributed.serializer`): a payload that is not
one of ours (a pickle, say) is logged, counted and dropped, never executed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from scrapy_redis.scheduler import Scheduler

from crawler.distributed.keys import Keys

if TYPE_CHECKING:
    import redis
    from scrapy import Request

    from crawler.spiders.province_reports import ProvinceReportsSpider

logger = logging.getLogger(__name__)

# Meta keys of a request that is not fresh: retries, redirects and challenge
# retries of a request already let through are never filtered.
NOT_FRESH = ("retry_times", "redirect_times", "challenge")
REFUSED_IN_A_ROW = 100  # refused payloads skipped in one call before the engine is given a turn


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler, de-duplicating fresh requests across workers."""

    def enqueue_request(self, request: Request) -> bool:
        fresh = not any(key in request.meta for key in NOT_FRESH)
        if (fresh or not request.dont_filter) and self.df.request_seen(request):
            self.df.log(request, self.spider)
            if self.stats:
                self.stats.inc_value("distributed/duplicate_request_count")
            return False
        try:
            self.queue.push(request)
        except TypeError as exc:  # the JSON serializer: more than plain data in the request
            logger.error("Distributed: %s cannot be queued in Redis: %s", request, exc)
            if self.stats:
                self.stats.inc_value("distributed/unqueueable_request_count")
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        """The next queued request; a payload that is not a JSON request of ours is dropped, never executed.

        After a refused payload the next one is taken at once (up to
        :data:`REFUSED_IN_A_ROW`), so a worker does not idle on it.
        """
        for _ in range(REFUSED_IN_A_ROW):
            try:
                return super().next_request()
            except (ValueError, TypeError, KeyError) as exc:  # RefusedPayload, or a dict request_from_dict refuses
                logger.error("Distributed: refused a payload from %s (dropped, not executed): %s", self.queue.key, exc)
                if self.stats:
                    self.stats.inc_value("distributed/refused_payload_count")
        return None


def seed(
    server: redis.Redis,
    spider: ProvinceReportsSpider,
    scheduler: RedisScheduler,
    known: Iterable[str],
    complete: Iterable[str],
) -> int:
    """Start a run: fresh queue and dupefilter, the spider's start requests, what is stored."""
    keys = Keys(spider.name)
    scheduler.flush()
    count = sum(scheduler.enqueue_request(request) for request in spider.start_requests())
    pipe = server.pipeline()
    pipe.delete(keys.known, keys.complete)
    for key, values in ((keys.known, list(known)), (keys.complete, list(complete))):
        for start in range(0, len(values), 1000):
            pipe.sadd(key, *values[start : start + 1000])
    pipe.execute()
    return count
