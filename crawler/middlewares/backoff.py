"""Retries that wait before trying again: exponential backoff with jitter.

Scrapy's RetryMiddleware re-schedules at once; a struggling government
server is better served by waiting 1 s, 2 s, 4 s… (RETRY_BACKOFF_BASE,
RETRY_BACKOFF_MAX).  The wait is asynchronous: other requests go on.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings, base: float = 1.0, cap: float = 60.0):  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(
            crawler.settings,
            crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0),
            crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0),
        )
        mw.crawler = crawler
        return mw

    async def _wait(self, result: Request | Response) -> Request | Response:
        if isinstance(result, Request):
            tries = result.meta.get("retry_times", 1)
            delay = min(self.cap, self.base * 2 ** (tries - 1)) * random.uniform(0.8, 1.2)
            self.crawler.stats.inc_value("retry/backoff_seconds", round(delay, 2))
            await asyncio.sleep(delay)
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if result is None:
            return None
        return await self._wait(result)
