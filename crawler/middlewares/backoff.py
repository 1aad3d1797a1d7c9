"""Retries that wait before trying again: exponential backoff with jitter.

Scrapy's RetryMiddleware re-schedules at once; a struggling government
server is better served by waiting 1 s, 2 s, 4 s… (RETRY_BACKOFF_BASE,
RETRY_BACKOFF_MAX).  The wait must not hold a download slot, or waiting
retries would use up CONCURRENT_REQUESTS: the retry request (built by
Scrapy's own get_retry_request, so retry_times and the priority adjust are
kept) is returned to the engine at once, kept out of the scheduler by a
`request_scheduled` handler, and crawled again when its delay is over.
While retries wait, `spider_idle` keeps the spider open.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.utils.asyncio import CallLaterResult, call_later

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# Meta key set on a retry that still has to wait; removed when it is released.
DELAY_KEY = "backoff_delay"


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings, base: float = 1.0, cap: float = 60.0):
        super().__init__(settings)
        self.base, self.cap = base, cap
        self.waiting: dict[int, tuple[Request, CallLaterResult]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(
            crawler.settings,
            crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0),
            crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0),
        )
        mw.crawler = crawler
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(mw.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def delay_for(self, retry_times: int) -> float:
        """Seconds before retry number `retry_times` (1, 2, …): doubling, capped, ±20 % jitter."""
        return min(self.cap, self.base * 2 ** (retry_times - 1)) * random.uniform(0.8, 1.2)

    def _mark(self, result: Request | Response | None) -> Request | Response | None:
        if isinstance(result, Request):
            delay = self.delay_for(result.meta.get("retry_times", 1))
            if delay > 0:
                result.meta[DELAY_KEY] = delay
        return result

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = self._mark(super().process_response(request, response))
        assert result is not None  # RetryMiddleware returns the retry or the response
        return result

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        return self._mark(super().process_exception(request, exception))

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        """Hold a retry that must wait: out of the scheduler, back in when its delay is over."""
        delay = request.meta.pop(DELAY_KEY, None)
        if delay is None:
            return
        self.crawler.stats.inc_value("retry/backoff_seconds", round(delay, 2))
        self.crawler.stats.inc_value("retry/backoff_delayed_count")
        timer = call_later(delay, self._release, request)
        self.waiting[id(request)] = (request, timer)
        logger.debug("Retry of %s waits %.2f s (%d waiting)", request.url, delay, len(self.waiting))
        raise IgnoreRequest("retry waits for its backoff delay")

    def _release(self, request: Request) -> None:
        self.waiting.pop(id(request), None)
        engine = self.crawler.engine
        if engine is None or engine.spider is None:  # closing: the retry is cancelled
            return
        engine.crawl(request)

    def spider_idle(self, spider: Spider) -> None:
        if self.waiting:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """A crawl closed for another reason (cancelled, item limit) drops its waiting retries."""
        if self.waiting:
            logger.info("Dropping %d retries still waiting for their backoff delay", len(self.waiting))
            self.crawler.stats.inc_value("retry/backoff_dropped_count", len(self.waiting))
        for _, timer in self.waiting.values():
            timer.cancel()
        self.waiting.clear()
