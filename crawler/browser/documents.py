"""Fetch rendered documents ourselves so Chromium reads them in the right charset.

A page that declares no charset is read by Chromium as windows-1252, and
every title of a Chinese portal comes back as ``å¹´æ”¿åºœ…``.  Document
responses are therefore fetched through a Playwright route which, when
neither the header nor the page declares a charset, sniffs it from the bytes
(BOM, strict UTF-8, else GB18030) and adds it to ``Content-Type`` before
Chromium parses the page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.security.browser import guard_page

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Request

logger = logging.getLogger(__name__)

HTML_TYPES = ("", "text/html", "application/xhtml+xml")
DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


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
    await guard_page(page, request)  # last, so it runs first: other hosts are aborted before fetching
