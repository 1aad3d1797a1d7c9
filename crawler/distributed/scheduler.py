"""The shared request queue: seeding a run, and de-duplicating across workers.

``scrapy seed`` calls :func:`seed`; workers use :class:`RedisScheduler` as
their ``SCHEDULER`` (set by :mod:`crawler.distributed.addon`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from scrapy_redis.scheduler import Scheduler

from crawler.distributed.keys import Keys

if TYPE_CHECKING:
    import redis
    from scrapy import Request

    from crawler.spiders.province_reports import ProvinceReportsSpider

# Meta keys of a request that is not fresh: retries, redirects and challenge
# retries of a request already let through are never filtered.
NOT_FRESH = ("retry_times", "redirect_times", "challenge")


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
