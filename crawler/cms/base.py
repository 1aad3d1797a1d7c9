"""What every listing adapter returns, and the link harvesting they share."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.budgets import html_budget_error
from crawler.cms.links import is_index_page, is_next_page
from crawler.parsing.metadata import parse_date
from crawler.parsing.titles import is_report_title

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")

# Pages walked per column unless the entry's ``max_pages`` option (else the
# request's ``listing_max_pages`` meta, set by the spider) says otherwise: a
# pager that never ends (a next link to ever-new pages, an API that always
# answers) stops here, with a logged reason.
DEFAULT_MAX_PAGES = 200
# Links kept from one listing page unless the entry's ``max_links`` option (else
# the request's ``listing_max_links`` meta, the LISTING_MAX_LINKS setting) says
# otherwise: a page of 10,000 links keeps the first ones and the column is
# incomplete, saying so.
DEFAULT_MAX_LINKS = 5_000
# A page-supplied count above this is not believed (no 年报 column holds it).
ABSURD_COUNT = 1_000_000
PAGE_META = "listing_page"  # 1-based number of the listing page a request asks for
COLUMN_META = "listing_column"  # the sub-column (a year column) a request belongs to
# Fingerprints of the pages walked so far in this column (plain strings, so the
# request still travels as JSON through Redis): a page whose body, or whose set of
# report links, is one of them repeats an earlier page, and the walk stops there.
SEEN_META = "listing_seen"


@dataclass(frozen=True)
class Link:
    """A link found on a listing page."""

    url: str
    title: str
    date: str | None = None


@dataclass
class ListingPage:
    """What an adapter found on one listing page: candidate links, more pages.

    Besides links and requests, what the page *declares* about its column
    (``declared_records``: recordCount, totalRecord, 共N条, a JSON total;
    ``declared_pages``: 共N页, createPageHTML's count) and, where the adapter
    knows them exactly, how many records this page held (``record_count``:
    Hanweb records, JSON records).  ``page_number`` is this page's 1-based
    place in the walk; ``stop_reason`` says why the walk was cut short (page
    cap, a pager the adapter cannot follow), None when it ended by itself.
    The spider compares what it reached with what was declared before it
    calls a column complete.
    """

    links: list[Link] = field(default_factory=list)
    next_requests: list[Request] = field(default_factory=list)
    declared_records: int | None = None
    declared_pages: int | None = None
    page_number: int | None = None
    record_count: int | None = None
    stop_reason: str | None = None
    column: str | None = None  # the year column these counts belong to (None: the start URL's)


class ListingAdapter(Protocol):
    """A CMS family's way of listing a column's items and paging through them."""

    name: str

    def first_requests(self, portal: Portal, url: str) -> list[Request]: ...

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage: ...


def page_count(value: object, what: str, url: str, *, allow_zero: bool = False) -> int | None:
    """A page-supplied number as an int, or None (logged) when it cannot be trusted.

    Pages say "abc", "1.5", 0, -5 or 10**12 as often as a real count; each
    of those is ignored with a reason, never a crash or an endless walk.
    """
    if isinstance(value, bool):
        number: int | None = None
    elif isinstance(value, int):
        number = value
    elif (isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)) or (
        isinstance(value, float) and value.is_integer()
    ):
        number = int(value)
    else:
        number = None
    if number is None:
        logger.warning("Listing %s: %s %r is not a whole number; ignored", url, what, value)
        return None
    if number < 0 or (number == 0 and not allow_zero):
        logger.warning("Listing %s: %s %r is not positive; ignored", url, what, value)
        return None
    if number > ABSURD_COUNT:
        logger.warning("Listing %s: %s %r is absurdly large; ignored", url, what, value)
        return None
    return number


def pages_for(records: int | None, per_page: int | None) -> int | None:
    """How many pages `records` records fill at `per_page` a page."""
    if records is None or not per_page:
        return None
    return max(1, math.ceil(records / per_page))


def current_page(response: TextResponse) -> int:
    """The 1-based number of this listing page (1 when the request did not say)."""
    value = response.meta.get(PAGE_META, 1)
    return value if isinstance(value, int) and value > 0 else 1


def page_cap(response: TextResponse, portal: Portal) -> int:
    """Pages to walk at most: the entry's option, else request meta (the spider's setting), else the default."""
    return _cap(response, portal, "max_pages", DEFAULT_MAX_PAGES)


def links_cap(response: TextResponse, portal: Portal) -> int:
    """Links kept per page at most: the entry's option, else request meta (the spider's setting), else the default."""
    return _cap(response, portal, "max_links", DEFAULT_MAX_LINKS)


def _cap(response: TextResponse, portal: Portal, name: str, default: int) -> int:
    """The entry's option ``name``, else the request's ``listing_<name>`` meta, else ``default``; bad values skipped."""
    sources = ((f"option {name}", portal.option(name)), (f"meta listing_{name}", response.meta.get(f"listing_{name}")))
    for source, value in sources:
        if value is not None:
            cap = page_count(value, source, response.url)
            if cap is not None:
                return cap
    return default


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def page_fingerprints(response: TextResponse, page: ListingPage) -> tuple[str, str | None]:
    """("b:<hash of the body>", "l:<hash of its report links>" or None when it has none)."""
    next_urls = {r.url for r in page.next_requests}
    reports = sorted({link.url for link in page.links if link.url not in next_urls and is_report_title(link.title)})
    links = "l:" + _digest("\n".join(reports).encode("utf-8")) if reports else None
    return "b:" + _digest(response.body), links


def _cap_links(response: TextResponse, portal: Portal, page: ListingPage) -> None:
    cap = links_cap(response, portal)
    if len(page.links) <= cap:
        return
    reason = f"links cap reached: kept the first {cap} links of the page, it has more (LISTING_MAX_LINKS)"
    logger.warning("Listing %s: %s", response.url, reason)
    page.links = page.links[:cap]
    add_stop_reason(page, reason)


def add_stop_reason(page: ListingPage, reason: str) -> None:
    """Add `reason` to the page's ``stop_reason`` (a page may be cut for more than one)."""
    page.stop_reason = f"{page.stop_reason}; {reason}" if page.stop_reason else reason


def _repeated(response: TextResponse, page: ListingPage) -> list[str]:
    """This column's fingerprints with this page's; stops the walk (saying why) when it repeats one.

    Next requests that open a column of their own (a year index's year
    columns) start with no fingerprints.
    """
    seen_before = response.meta.get(SEEN_META)
    seen = [str(s) for s in seen_before] if isinstance(seen_before, list) else []
    body, links = page_fingerprints(response, page)
    again = next((what for key, what in ((body, "body"), (links, "set of report links")) if key in seen), None)
    if again is not None and page.next_requests:
        walk_ahead = [r for r in page.next_requests if r.meta.get(COLUMN_META) == page.column]
        if walk_ahead:
            reason = f"repeated listing page: its {again} is that of a page already walked in this column"
            logger.warning("Listing %s: %s; not paging further", response.url, reason)
            add_stop_reason(page, reason)
            page.next_requests = [r for r in page.next_requests if r not in walk_ahead]
    return [*seen, body, *([links] if links else [])]


def capped(response: TextResponse, portal: Portal, page: ListingPage, number: int | None = None) -> ListingPage:
    """Number `page` and its next requests; cut links and pages over their budgets, saying so.

    Next requests inherit the column they walk (``COLUMN_META``) unless they
    name one of their own (a year index page's year columns).  Budgets:
    links per page (:func:`links_cap`), a page repeating an earlier one of
    the column by content (:func:`_repeated`), pages per column
    (:func:`page_cap`); each over-budget cut is the page's ``stop_reason``.
    """
    number = number or current_page(response)
    page.page_number = number
    page.column = response.meta.get(COLUMN_META)
    if page.column:
        page.next_requests = [
            r if COLUMN_META in r.meta else r.replace(meta={**r.meta, COLUMN_META: page.column})
            for r in page.next_requests
        ]
    _cap_links(response, portal, page)
    seen = _repeated(response, page)
    page.next_requests = [
        r.replace(meta={**r.meta, SEEN_META: seen}) if r.meta.get(COLUMN_META) == page.column else r
        for r in page.next_requests
    ]
    if not page.next_requests:
        return page
    cap = page_cap(response, portal)
    further = [r for r in page.next_requests if r.meta.get(PAGE_META, number + 1) > 1]
    if number >= cap and further:
        reason = f"page cap reached ({cap} pages); the pager offered more"
        logger.warning("Listing %s: %s", response.url, reason)
        add_stop_reason(page, reason)
        page.next_requests = [r for r in page.next_requests if r not in further]
    page.next_requests = [
        r if PAGE_META in r.meta else r.replace(meta={**r.meta, PAGE_META: number + 1}) for r in page.next_requests
    ]
    return page


DECLARED_RECORDS = re.compile(r"共\s*(?:有\s*)?(\d+)\s*(?:条|篇|项|个)(?:记录|信息|数据)?")
DECLARED_PAGES = re.compile(r"共\s*(\d+)\s*页|页次\s*\d+\s*/\s*(\d+)")


def declared_in_text(text: str, url: str) -> tuple[int | None, int | None]:
    """(records, pages) a pager's words declare: 共25条 / 共3页 / 第1页/共3页 / 页次1/3 (AspNetPager)."""
    records = DECLARED_RECORDS.search(text)
    pages = DECLARED_PAGES.search(text)
    return (
        page_count(records.group(1), "共N条 record count", url, allow_zero=True) if records else None,
        page_count(pages.group(1) or pages.group(2), "共N页 page count", url) if pages else None,
    )


# Compiled once and run on lxml elements: a listing of 10,000 links made 40,000 parsel
# selectors through .xpath(), seconds of a blocked reactor on a busy machine.
_ANCHORS = etree.XPath("descendant-or-self::a[@href]")
_TEXTS = etree.XPath(".//text()", smart_strings=False)
_ROW = etree.XPath("./ancestor::*[self::li or self::tr or self::dd or self::div][1]")


def _text(element: Any) -> str:
    return " ".join(_TEXTS(element))


def link_date(anchor: Selector | Any, rows: dict[Any, str | None] | None = None) -> str | None:
    """The date printed beside a link: in its title/text, or its row's text.

    ``rows`` caches each enclosing row's date, so a listing of N links in one
    element reads that element's text once, not N times.
    """
    element = anchor.root if isinstance(anchor, Selector) else anchor
    found = parse_date(_text(element))
    if found:
        return found
    enclosing = _ROW(element)
    if not enclosing:
        return None
    key = enclosing[0]
    if rows is not None and key in rows:
        return rows[key]
    date = parse_date(_text(key))
    if rows is not None:
        rows[key] = date
    return date


def absolute_url(base_url: str, href: str) -> str | None:
    """`href` made absolute and canonical, or None (logged) when it is not a URL at all.

    >>> absolute_url("http://h/a/", "b.html"), absolute_url("http://h/", "http://[::1")
    ('http://h/a/b.html', None)
    """
    try:
        return canonicalize_url(urljoin(base_url, href), keep_fragments=False)
    except ValueError as exc:  # "Invalid IPv6 URL", a port out of range, ...
        logger.info("Listing %s: link %r is not a URL (%s); skipped", base_url, href[:200], exc)
        return None


def _anchors(selector: Selector) -> list[Any]:
    root = selector.root
    return _ANCHORS(root) if isinstance(root, etree._Element) else []


def harvest_links(
    selector: Selector, base_url: str, link_pattern: str | None = None, limit: int | None = None
) -> list[Link]:
    """Every usable <a href> under `selector`, absolute, with title and date.

    With `limit`, reading stops one link past it (enough for :func:`capped`
    to see the page is over its links budget, without reading 10,000 rows).
    """
    pattern = re.compile(link_pattern) if link_pattern else None
    links: list[Link] = []
    seen: set[str] = set()
    rows: dict[Any, str | None] = {}
    for anchor in _anchors(selector):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        url = absolute_url(base_url, href)
        if url is None or url in seen or (pattern and not pattern.search(url)):
            continue
        seen.add(url)
        if limit is not None and len(links) > limit:
            break
        title = (anchor.get("title") or _text(anchor)).strip()
        links.append(Link(url=url, title=re.sub(r"\s+", " ", title), date=link_date(anchor, rows)))
    return links


def next_page_urls(selector: Selector, base_url: str) -> list[str]:
    """Pagination links: 下一页-style anchors and index_N.html links."""
    urls: list[str] = []
    for anchor in _anchors(selector):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        text = _text(anchor) or anchor.get("title", "")
        if is_next_page(text) or is_index_page(href):
            url = absolute_url(base_url, href)
            if url is not None and url not in urls:
                urls.append(url)
    return urls


def oversized(response: TextResponse) -> ListingPage | None:
    """A listing page too big for the HTML parser (``HTML_MAX_BYTES``): not parsed, the column cut, saying so."""
    error = html_budget_error(response.body, "the listing page")
    if error is None:
        return None
    logger.warning("Listing %s: %s; not read", response.url, error)
    return ListingPage(stop_reason=error)


def listing_area(response: TextResponse, portal: Portal) -> Selector:
    """The part of the page holding the list (the whole page by default)."""
    css = portal.option("list_selector")
    if css:
        found = response.css(css)
        if found:
            return found[0]
    return response.selector
