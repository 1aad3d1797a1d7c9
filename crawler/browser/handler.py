"""Render pages in headless Chromium (scrapy-playwright), only when asked to.

Listing requests of portals with ``cms: browser`` or ``render: true`` carry
``meta["render"]``; :class:`BrowserDownloadHandler` sends exactly those (and
anti-bot retries, see :mod:`crawler.browser.challenge`) through Playwright
and every other request through Scrapy's own HTTP handler.  The browser is
started on the first rendered request, so a crawl that renders nothing never
starts Playwright at all.

Each rendered page gets two hooks: :func:`crawler.browser.documents.route_documents`
declares the charset of undeclared documents before Chromium parses them, and
:func:`crawler.browser.settle.settle` waits out challenge reloads; the status
it reads back replaces the first response's, and the browser's cookies are
handed to the response so plain requests can reuse them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from crawler.browser.settle import settle

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

ROUTE_DOCUMENTS = "crawler.browser.documents.route_documents"


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright for requests marked ``render``; Scrapy's HTTP handler for the rest."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.challenge_statuses = [int(s) for s in settings.getlist("BROWSER_CHALLENGE_STATUSES", [412, 202])]
        self.settle_timeout = settings.getfloat("BROWSER_SETTLE_TIMEOUT", 15.0)
        self.launched = False
        self.launch_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start: Playwright starts with the first rendered request."""

    async def download_request(self, request: Request) -> Response:
        if not (request.meta.get("render") or request.meta.get("playwright")):
            return await super().download_request(request)
        self._prepare(request)
        async with self.launch_lock:
            if not self.launched:
                await self._maybe_future_from_coro(self._launch())
                self.launched = True
        response = await super().download_request(request)
        return self._settled(request, response)

    def _prepare(self, request: Request) -> None:
        meta = request.meta
        meta["playwright"] = True
        user_agent = request.headers.get("User-Agent")
        meta.setdefault(
            "playwright_context_kwargs",
            {
                "user_agent": user_agent.decode("latin-1") if user_agent else None,
                "locale": "zh-CN",
                "service_workers": "block",  # their requests pass no page route (crawler/security/browser.py)
            },
        )
        meta["playwright_page_init_callback"] = ROUTE_DOCUMENTS
        methods = [m for m in meta.get("playwright_page_methods") or [] if getattr(m, "method", None) is not settle]
        meta["playwright_page_methods"] = [*methods, PageMethod(settle, self.challenge_statuses, self.settle_timeout)]
        self.stats.inc_value("browser/request_count")

    def _settled(self, request: Request, response: Response) -> Response:
        result = (
            next(
                (m.result for m in request.meta["playwright_page_methods"] if getattr(m, "method", None) is settle),
                None,
            )
            or {}
        )
        request.meta["browser_cookies"] = result.get("cookies") or []
        status = result.get("status")
        if status and status != response.status:
            logger.info(
                "Browser: %s settled from HTTP %d to %d (%s)",
                request.url,
                response.status,
                status,
                "challenge passed" if response.status in self.challenge_statuses else "reloaded",
            )
            self.stats.inc_value("browser/settled_status_count")
            response = response.replace(status=status)
        return response
