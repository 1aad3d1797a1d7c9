"""A FlipBuilder-style book linked as a report: every page fetched, one after another, and stored as one report.

A book is ``…/files/basic-html/index.html`` listing ``page1.html … pageN.html``
(or a viewer page linking that index, or a pageN.html whose navigation lists
the others).  The spider hands the response here (:func:`follow`); the pages
are requested in order through the spider's own ``parse_report`` /
``report_failed`` (so the host policy, retries and the distributed queue
treat them like any report request), each page's links adding pages the
index did not list, at most ``FLIPBOOK_MAX_PAGES``.  When the last page is
in, :func:`~crawler.attachments.formats.flipbook.flipbook_to_html` joins them
into one HTML report (tables continued across a page joined) and the core
reads that like any page.  A page that cannot be fetched is named on the
report, which keeps what the other pages printed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from crawler.attachments.formats.flipbook import PAGE_LINK, flipbook_to_html, page_urls
from crawler.attachments.render import AttachmentError
from crawler.budgets import BudgetExceeded
from crawler.security.offsite import refusal_of
from crawler.spiders.chains import linked_url, report_meta

if TYPE_CHECKING:
    from crawler.items import ReportItem
    from crawler.spiders.province_reports import ProvinceReportsSpider

logger = logging.getLogger(__name__)

META = "flipbook"  # request meta key holding the book being read
BOOK_INDEX = re.compile(r"/basic-html/(?:index\.html?)?$", re.I)
BOOK_LINK = re.compile(r"(?:^|/)files/basic-html/index\.html?$", re.I)
# Searched in the lower-cased bytes: with re.I the scan had no literal to look for and cost ~1 ms a page.
MAYBE_BOOK_PAGE = re.compile(rb"page\d+\.htm")
VIEWER_MAX_TEXT = 2_000  # characters: a page with more text of its own is a report, not a book's viewer


def may_be_book(body: bytes) -> bool:
    """False when no byte of the page could name a book's pages (``page3.html``, ``basic-html``).

    >>> may_be_book(b'<a href="files/basic-html/PAGE2.HTML">2</a>'), may_be_book(b"<p>2023</p>")
    (True, False)
    """
    low = body.lower()
    return b"basic-html" in low or MAYBE_BOOK_PAGE.search(low) is not None


def _text_length(response: TextResponse) -> int:
    return sum(
        len(t.strip()) for t in response.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
    )


def _is_book(response: TextResponse, urls: list[str]) -> bool:
    """The response is a book's page index: its basic-html index, or a book page listing the others."""
    path = urlsplit(response.url).path
    if not urls:
        return False
    if BOOK_INDEX.search(path) or PAGE_LINK.search(path):
        return True
    return len(urls) >= 2 and _text_length(response) < VIEWER_MAX_TEXT


def _viewer_link(response: TextResponse) -> str | None:
    """The basic-html index a book's viewer page (FlipBuilder's JavaScript index.html) links, if any."""
    if _text_length(response) >= VIEWER_MAX_TEXT:
        return None
    for href in response.xpath("//a/@href|//iframe/@src|//frame/@src").getall():
        if BOOK_LINK.search(href.split("?")[0].split("#")[0]):
            return urljoin(response.url, href)
    return None


def follow(spider: ProvinceReportsSpider, response: TextResponse) -> Iterable[Request] | None:
    """Requests reading the book `response` is (or links); None when it is no book."""
    if not may_be_book(response.body):  # most report pages: no parse needed to know
        return None
    urls = page_urls(response.text, response.url, limit=None)
    if not _is_book(response, urls):
        viewer = _viewer_link(response)
        if viewer is None or META in response.meta or "flipbook_viewer" in response.meta:
            return None
        return _viewer_request(spider, response, viewer)
    return _start(spider, response, urls)


def _viewer_request(spider: ProvinceReportsSpider, response: TextResponse, index: str) -> Iterable[Request]:
    meta = report_meta(response.meta)
    meta.update(page_kind="report", flipbook_viewer=_link_url(response))
    request = Request(
        index,
        callback=spider.parse_report,
        errback=spider.report_failed,
        priority=10,
        dont_filter=True,
        meta=meta,
    )
    if spider._first_time(request):
        logger.info("Report %s is a flipbook viewer: reading its pages from %s", response.url, index)
        yield request


def _link_url(response: Response) -> str:
    return response.meta.get("flipbook_viewer") or linked_url(response)


def _start(spider: ProvinceReportsSpider, response: TextResponse, urls: list[str]) -> Iterable[Request]:
    spider.crawler.stats.inc_value("flipbook/books_count")
    title = (response.xpath("//title/text()").get() or "").strip() or None
    ctype = response.headers.get("Content-Type")
    index = {
        "url": canonicalize_url(response.url),
        "status": response.status,
        "content_type": ctype.decode("latin-1") if ctype else None,
        "body": response.body,
    }
    book = {
        "index": index,
        "link_url": _link_url(response),
        "title": title,
        "urls": urls,
        "pages": {},  # page URL -> bytes read, None for a missing one (the URLs' order is the book's)
        "errors": [],
    }
    logger.info("Flipbook %s: %d pages listed", response.url, len(urls))
    yield from _next(spider, report_meta(response.meta), book)


def _cap(spider: ProvinceReportsSpider, book: dict[str, Any]) -> None:
    """At most ``FLIPBOOK_MAX_PAGES`` pages; the first time a book lists more, it is named on the report."""
    limit = spider.crawler.settings.getint("FLIPBOOK_MAX_PAGES", 200)
    if len(book["urls"]) <= limit:
        return
    if not book.get("capped"):
        error = BudgetExceeded(f"flipbook lists {len(book['urls'])} pages", "FLIPBOOK_MAX_PAGES", limit)
        book["errors"].append(f"{error}; the first {limit} were read")
        book["capped"] = True
        spider.crawler.stats.inc_value("flipbook/capped_count")
    book["urls"] = book["urls"][:limit]


def _next(spider: ProvinceReportsSpider, meta: dict[str, Any], book: dict[str, Any]) -> Iterable[Any]:
    """The request for the book's next page, or (all read) the report item."""
    _cap(spider, book)
    # The first listed page not yet tried: pages a page's navigation adds may sort before ones already read.
    todo = next((url for url in book["urls"] if url not in book["pages"]), None)
    if todo is not None:
        yield Request(
            todo,
            callback=spider.parse_report,
            errback=spider.report_failed,
            priority=20,  # finish a book before starting other reports: its pages ride in memory
            dont_filter=True,
            meta={**meta, "page_kind": "flipbook_page", META: book},
        )
        return
    yield _item(spider, meta, book)


def page_arrived(spider: ProvinceReportsSpider, response: Response) -> Iterable[Any]:
    """One page of the book is in: keep it, add pages its navigation lists, go on."""
    book = response.meta[META]
    book["pages"][response.request.url if response.request else response.url] = response.body
    spider.crawler.stats.inc_value("flipbook/pages_count")
    if isinstance(response, TextResponse) and not book.get("capped"):
        known = set(book["urls"])
        extra = [u for u in page_urls(response.text, response.url, limit=None) if u not in known]
        if extra:
            book["urls"] = _in_page_order(book["urls"] + extra)
    yield from _next(spider, report_meta(response.meta), book)


def page_failed(spider: ProvinceReportsSpider, failure: Any) -> Iterable[Any]:
    """A page could not be fetched: named on the report; the other pages are still read."""
    request = failure.request
    book = request.meta[META]
    urls = book["urls"]
    n, total = (urls.index(request.url) + 1 if request.url in urls else len(book["pages"]) + 1), len(urls)
    response = getattr(failure.value, "response", None)  # HttpError: the server answered, not with the page
    if refusal_of(failure) is not None:
        why = "refused by the host policy"
    elif response is not None:
        why = f"HTTP {response.status}"
    else:
        why = f"{type(failure.value).__name__}: {failure.value}"
    book["errors"].append(f"flipbook page {n} of {total} missing: {request.url} ({why}); the other pages are kept")
    book["pages"][request.url] = None
    spider.crawler.stats.inc_value("flipbook/missing_pages_count")
    logger.warning("Flipbook page %s missing: %s", request.url, why)
    yield from _next(spider, report_meta(request.meta), book)


def _in_page_order(urls: list[str]) -> list[str]:
    def number(url: str) -> int:
        match = PAGE_LINK.search(urlsplit(url).path)
        return int(match.group(1)) if match else 0

    return sorted(dict.fromkeys(urls), key=number)


def _item(spider: ProvinceReportsSpider, meta: dict[str, Any], book: dict[str, Any]) -> ReportItem:
    """The book as one report: its pages joined, or (nothing readable) the index page, with what went wrong."""
    portal = spider._portal(meta["portal_id"])
    read = [book["pages"][url] for url in book["urls"] if book["pages"].get(url) is not None]
    errors = list(book["errors"])
    index = book["index"]
    page = {"url": index["url"], "status": index["status"], "content_type": "text/html; charset=utf-8"}
    try:
        page["body"] = flipbook_to_html(read, book["title"]).encode("utf-8")
    except AttachmentError as exc:
        errors.append(str(exc))
        page["body"], page["content_type"] = index["body"], index["content_type"]
    spider.crawler.stats.inc_value("flipbook/stored_count")
    return spider._report_item(
        portal, meta, page, book["link_url"], [{"stage": "flipbook", "error": e} for e in errors]
    )
