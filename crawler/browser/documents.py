"""Fetch rendered documents ourselves so Chromium reads them in the right charset.

A page that declares no charset is read by Chromium as windows-1252, and
every title of a Chinese portal comes back as ``å¹´æ”¿åºœ…``.  Document
responses are therefore fetched through a Playwright route, and the charset
rule of the HTTP path (:func:`crawler.text.encoding.choose_encoding`) is
applied to their bytes before Chromium parses them: a page whose BOM or
declaration the text bears out is left alone; any other (undeclared, or
declared wrongly) gets the charset the rule chose in its ``Content-Type``,
so the browser reads the page as the HTTP path would decode it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

from crawler.security.browser import guard_page
from crawler.text.encoding import choose_encoding

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Request

logger = logging.getLogger(__name__)

HTML_TYPES = ("", "text/html", "application/xhtml+xml")
DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
TRUSTED = ("bom", "http-header", "meta")  # reasons under which Chromium reads the page right by itself
WEB_LABELS = {"big5hkscs": "big5-hkscs", "cp1252": "windows-1252"}  # Python codec → label browsers know


def web_label(codec: str) -> str:
    """The WHATWG label of a Python codec name, for a ``Content-Type`` header.

    >>> web_label("gb18030"), web_label("big5hkscs"), web_label("euc_jp")
    ('gb18030', 'big5-hkscs', 'euc-jp')
    """
    return WEB_LABELS.get(codec, codec.replace("_", "-"))


def declare_charset(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Headers with the chosen charset set, unless the page's own declaration holds.

    >>> declare_charset({"content-type": "text/html"}, "<p>年报</p>".encode())["content-type"]
    'text/html; charset=utf-8'
    >>> declare_charset({"content-type": "text/html"}, "<p>年报</p>".encode("gbk"))["content-type"]
    'text/html; charset=gb18030'
    >>> declare_charset({"content-type": "text/html; charset=GBK"}, b"")["content-type"]
    'text/html; charset=GBK'
    """
    headers = {k: v for k, v in headers.items() if k.lower() not in DROP_HEADERS}
    ctype = headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime not in HTML_TYPES:
        return headers
    choice = choose_encoding(body, ctype)
    if choice.reason in TRUSTED:
        return headers
    headers["content-type"] = f"{mime or 'text/html'}; charset={web_label(choice.encoding)}"
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
