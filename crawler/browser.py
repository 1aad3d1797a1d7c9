"""Render pages in headless Chromium (scrapy-playwright), only when asked to.

Listing requests of portals with ``cms: browser`` or ``render: true`` carry
``meta["render"]``; :class:`BrowserDownloadHandler` sends exactly those (and
anti-bot retries, see ``crawler/middlewares/browser.py``) through Playwright
and every other request through Scrapy's own HTTP handler.  The browser is
started on the first rendered request, so a crawl that renders nothing never
starts Playwright at all.

Two things a stock setup gets wrong on Chinese government portals:

* A page that declares no charset is read by Chromium as windows-1252, and
  every title comes back as ``å¹´æ”¿åºœ…``.  Document responses are therefore
  fetched through a Playwright route which, when neither the header nor the
  page declares a charset, sniffs it from the bytes (BOM, strict UTF-8, else
  GB18030) and adds it to ``Content-Type`` before Chromium parses the page.
* An anti-bot challenge (HTTP 412/202 with a script that sets a cookie and
  reloads) leaves Playwright holding the *first* response.  After the page
  settles, the status of the document actually shown is read back from the
  Navigation Timing API and replaces it, and the browser's cookies are handed
  to the response so plain requests can reuse them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

HTML_TYPES = ("", "text/html", "application/xhtml+xml")
DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
# Status of the document the page shows now (Chromium ≥ 109), not of the first load.
NAVIGATION_STATUS = (
    "() => { const e = performance.getEntriesByType('navigation')[0];"
    " return e && e.responseStatus ? e.responseStatus : null; }"
)


def sniff_charset(body: bytes) -> str:
    """The charset of an undeclared page: BOM, else strict UTF-8, else GB18030.

    >>> sniff_charset("年报".encode("utf-8"))
    'utf-8'
    >>> sniff_charset("年报".encode("gbk"))
    'gb18030'
    """
    bom, _ = read_bom(body)
    if bom:
        return bom
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def declare_charset(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Headers with a charset added when neither they nor the HTML declare one.

    >>> declare_charset({"content-type": "text/html"}, "<p>年报</p>".encode())["content-type"]
    'text/html; charset=utf-8'
    >>> declare_charset({"content-type": "text/html; charset=GBK"}, b"")["content-type"]
    'text/html; charset=GBK'
    """
    headers = {k: v for k, v in headers.items() if k.lower() not in DROP_HEADERS}
    ctype = headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime not in HTML_TYPES or http_content_type_encoding(ctype):
        return headers
    if read_bom(body)[0] or html_body_declared_encoding(body[:4096]):
        return headers
    headers["content-type"] = f"{mime or 'text/html'}; charset={sniff_charset(body)}"
    return headers


async def route_documents(page: Page, request: Request) -> None:
    """Page init callback: fetch documents ourselves to fix undeclared charsets.

    Registered after scrapy-playwright's own route, so it runs first; other
    resources fall back to scrapy-playwright's handler.  The Scrapy request's
    method and body are applied to the first navigation, as scrapy-playwright
    does.
    """
    first = {"pending": True}

    async def handle(route: Route, pw_request: PlaywrightRequest) -> None:
        if pw_request.resource_type != "document":
            await route.fallback()
            return
        kwargs: dict[str, Any] = {"max_redirects": 0}  # let the browser follow redirects itself
        if (
            first["pending"]
            and pw_request.is_navigation_request()
            and pw_request.url.rstrip("/") == request.url.rstrip("/")
        ):
            first["pending"] = False
            if request.method.upper() != pw_request.method.upper():
                kwargs["method"] = request.method
            if request.body:
                kwargs["post_data"] = request.body
        try:
            fetched = await route.fetch(**kwargs)
            body = await fetched.body()
        except PlaywrightError as exc:
            logger.debug("Browser fetch of %s failed: %s", pw_request.url, exc)
            await route.abort("failed")
            return
        headers: dict[str, str] = {}
        for header in fetched.headers_array:
            name = header["name"].lower()
            headers[name] = f"{headers[name]}\n{header['value']}" if name in headers else header["value"]
        await route.fulfill(status=fetched.status, headers=declare_charset(headers, body), body=body)

    await page.route("**", handle)


async def settle(page: Page, challenge_statuses: list[int], timeout: float) -> dict[str, Any]:
    """Page method: wait until scripts are done and any challenge has reloaded.

    Returns the status of the document now shown and the context's cookies.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    status: int | None = None
    while True:
        try:
            await page.wait_for_load_state("networkidle", timeout=max(0.5, deadline - loop.time()) * 1000)
            status = await page.evaluate(NAVIGATION_STATUS)
        except PlaywrightError:  # navigating (a challenge reloading) or timed out
            status = None
        if (status is not None and status not in challenge_statuses) or loop.time() >= deadline:
            break
        await asyncio.sleep(0.1)
    cookies = await page.context.cookies(page.url)
    return {
        "status": status,
        "url": page.url,
        "cookies": [{"name": c["name"], "value": c["value"], "path": c.get("path", "/")} for c in cookies],
    }


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

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
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
            {"user_agent": user_agent.decode("latin-1") if user_agent else None, "locale": "zh-CN"},
        )
        meta["playwright_page_init_callback"] = "crawler.browser.route_documents"
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
