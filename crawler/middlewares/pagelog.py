"""Record every fetch, successful or not, for the `pages` table.

Placed next to the downloader, this middleware sees each attempt before
retries and redirects are decided: a 503 that is later retried, a reset
connection, a 301, robots.txt.  It sends a `page_fetched` signal; whatever
stores items (SQLite, or Redis in a distributed crawl) writes it down.
Requests refused before download (crawler/security/offsite.py) are recorded
through `send_page` too, so a report that was never fetched says why.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.signals import page_fetched

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def page_kind(request: Request) -> str:
    if request.url.endswith("/robots.txt"):
        return "robots"
    return request.meta.get("page_kind", "other")


def send_page(crawler: Crawler, request: Request, stat: str, **fields: Any) -> None:
    """Send one `pages` record for `request` (fields override the defaults) and count it as `stat`."""
    page = {
        "url": request.url,
        "method": request.method,
        "fingerprint": crawler.request_fingerprinter.fingerprint(request).hex(),
        "kind": page_kind(request),
        "portal_id": request.meta.get("portal_id"),
        "attempt": request.meta.get("retry_times", 0) + 1,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": None,
        "error": None,
        "content_type": None,
        "size": None,
        **fields,
    }
    crawler.stats.inc_value(f"pagelog/{stat}_count")
    crawler.signals.send_catch_log(page_fetched, page=page)


class PageLogMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageLogMiddleware:
        return cls(crawler)

    def _send(self, request: Request, **fields: Any) -> None:
        send_page(self.crawler, request, "error" if fields.get("error") else "response", **fields)

    def process_response(self, request: Request, response: Response) -> Response:
        ctype = response.headers.get("Content-Type")
        error = None if response.status < 400 else f"HTTP {response.status}"
        self._send(
            request,
            status=response.status,
            error=error,
            size=len(response.body),
            content_type=ctype.decode("latin-1") if ctype else None,
        )
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if getattr(exception, "page_recorded", False):  # refused before download, recorded by its refuser
            return None
        self._send(request, error=f"{type(exception).__name__}: {exception}"[:500])
        return None
