"""A test instrument for the hostile-corpus crawl: when each URL's work began and ended.

Loaded into the crawl under test by ``-s EXTENSIONS`` (tests/test_hostile_corpus.py;
this directory on PYTHONPATH).  It listens to Scrapy's own signals only: a
request reaching the downloader starts a URL's clock (time queued behind the
per-host slots is not the case's work); a response, a download leaving the
downloader, an item scraped/dropped/failed and a spider error move its end.
A redirected request's events count for the URL it started from too, and a
listing request's for its start URL.  At spider close the times (seconds
since the engine started) are written as JSON to ``HOSTILE_CLOCK_FILE``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from scrapy import signals


class CaseClock:
    def __init__(self, path: str):
        self.path = Path(path)
        self.started = time.monotonic()
        self.times: dict[str, list[float]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> CaseClock:
        clock = cls(crawler.settings.get("HOSTILE_CLOCK_FILE"))
        connect = crawler.signals.connect
        connect(clock.engine_started, signal=signals.engine_started)
        connect(clock.on_request, signal=signals.request_reached_downloader)
        connect(clock.on_request, signal=signals.request_left_downloader)
        connect(clock.on_request, signal=signals.request_dropped)
        connect(clock.on_response, signal=signals.response_received)
        connect(clock.on_item, signal=signals.item_scraped)
        connect(clock.on_item, signal=signals.item_dropped)
        connect(clock.on_item, signal=signals.item_error)
        connect(clock.on_error, signal=signals.spider_error)
        connect(clock.spider_closed, signal=signals.spider_closed)
        return clock

    def engine_started(self) -> None:
        self.started = time.monotonic()

    def mark(self, *keys: Any) -> None:
        now = time.monotonic() - self.started
        for key in {k for k in keys if isinstance(k, str) and k}:
            span = self.times.setdefault(key, [now, now])
            span[0], span[1] = min(span[0], now), max(span[1], now)

    def on_request(self, request: Any, **kwargs: Any) -> None:
        meta = request.meta
        self.mark(request.url, *(meta.get("redirect_urls") or [])[:1], meta.get("start_url"))

    def on_response(self, response: Any, request: Any, **kwargs: Any) -> None:
        self.on_request(request)

    def on_item(self, item: Any, **kwargs: Any) -> None:
        self.mark(item.get("url"), item.get("link_url"))

    def on_error(self, failure: Any, response: Any, **kwargs: Any) -> None:
        self.on_request(response.request)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.mark("(crawl)")
        self.path.write_text(json.dumps(self.times), "utf-8")
