"""Plain HTML listings: 下一页 / index_N links, ``?page=N`` query pagers, ASP.NET postbacks.

The default adapter: a registry entry with only id, name, province and
start_urls works with it on a portal the project has never seen.

Options besides the common ones:

* ``page_param`` — the query parameter of a ``list.jsp?cur_page=N`` /
  ``index.html?uid=…&pageNum=N`` / ``list.aspx?page=N`` pager; page N+1 is
  asked for while the page declares more pages (共N页) or links to N+1.
* ``first_page`` — the number of the first page in that parameter (1).
* ``column_pattern`` — a regular expression for the links of a year index
  page (``2023nb/``, ``xxgknb2020/``) that are columns of their own: each is
  walked as a listing, with its own pager.

ASP.NET WebForms pagers (``javascript:__doPostBack('AspNetPager1','2')``)
are followed without an option: the page's form is posted back with
``__EVENTTARGET``/``__EVENTARGUMENT`` and its ``__VIEWSTATE``
(``FormRequest.from_response``), as the browser does.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from form2request import form2request
from scrapy import Request
from w3lib.url import canonicalize_url

from crawler.cms.base import (
    COLUMN_META,
    PAGE_META,
    ListingPage,
    capped,
    current_page,
    declared_in_text,
    harvest_links,
    links_cap,
    listing_area,
    next_page_urls,
    page_count,
)
from crawler.cms.links import is_next_page

if TYPE_CHECKING:
    from parsel import Selector
    from scrapy.http import TextResponse

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

POSTBACK = re.compile(r"""__doPostBack\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]*)['"]\s*\)""")


def pager_text(selector: Selector) -> str:
    """The words of the pager: elements whose class or id says page/pager, else the page."""
    parts = selector.xpath(
        "//*[contains(translate(@class,'PAGE','page'),'page') or contains(translate(@id,'PAGE','page'),'page')]//text()"
    ).getall()
    return " ".join(parts) if parts else " ".join(selector.xpath("//body//text()").getall())


def with_param(url: str, name: str, value: int) -> str:
    """`url` with query parameter `name` set to `value` (added when absent)."""
    split = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return canonicalize_url(urlunsplit(split._replace(query=urlencode(query))))


def param_value(url: str, name: str) -> str | None:
    return next((v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k == name), None)


def postback_request(response: TextResponse, data: dict[str, str], meta: dict[str, Any]) -> Request:
    """The page's first form posted back with `data` over its hidden fields (__VIEWSTATE …).

    form2request is what Scrapy recommends in place of the deprecated
    ``FormRequest.from_response``.
    """
    return form2request(response.css("form")[0], data, click=False).to_scrapy(callback=None, meta=meta)


class StaticAdapter:
    name = "static"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        area, pattern = listing_area(response, portal), portal.option("link_pattern")
        links = harvest_links(area, response.url, pattern, limit=links_cap(response, portal))
        records, pages = declared_in_text(pager_text(response.selector), response.url)
        page = ListingPage(links=links, declared_records=records, declared_pages=pages)
        number = current_page(response)
        postbacks = self._postbacks(response)
        if postbacks:
            page.next_requests = postbacks
        elif portal.option("page_param"):
            page.next_requests, number = self._query_pages(response, portal, pages)
        else:
            page.next_requests = [Request(url) for url in next_page_urls(response.selector, response.url)]
        page.next_requests += self._columns(response, portal)
        return capped(response, portal, page, number)

    def _query_pages(self, response: TextResponse, portal: Portal, declared: int | None) -> tuple[list[Request], int]:
        """Page N+1 of a ``?page=N`` pager, when the page declares or links it."""
        name = str(portal.option("page_param"))
        first = page_count(portal.option("first_page", 1), "option first_page", response.url, allow_zero=True)
        first = 1 if first is None else first
        raw = param_value(response.url, name)
        here = page_count(raw, f"query {name}", response.url, allow_zero=True) if raw is not None else first
        here = first if here is None else here
        number = here - first + 1  # 1-based place in the walk
        target = with_param(response.url, name, here + 1)
        linked = any(
            param_value(urljoin(response.url, href), name) == str(here + 1)
            for href in response.css("a::attr(href)").getall()
        )
        if (declared is not None and number < declared) or (declared is None and linked):
            return [Request(target, meta={PAGE_META: number + 1})], number
        return [], number

    def _postbacks(self, response: TextResponse) -> list[Request]:
        """The 下一页 anchor of an ASP.NET pager, posted back through the page's form."""
        for anchor in response.css("a[href]"):
            match = POSTBACK.search(anchor.attrib.get("href", ""))
            text = " ".join(anchor.xpath(".//text()").getall()) or anchor.attrib.get("title", "")
            if not match or not is_next_page(text):
                continue
            target, argument = match.groups()
            if not response.css("form"):
                logger.warning("Listing %s: a postback pager but no form to post; not paging", response.url)
                return []
            number = page_count(argument, "__EVENTARGUMENT page", response.url)
            meta = {PAGE_META: number} if number else {}
            request = postback_request(response, {"__EVENTTARGET": target, "__EVENTARGUMENT": argument}, meta)
            return [request]
        return []

    def _columns(self, response: TextResponse, portal: Portal) -> list[Request]:
        """Year columns linked from a year index page (only from the column's own first page)."""
        pattern = portal.option("column_pattern")
        if not pattern or response.meta.get(COLUMN_META):
            return []
        regex = re.compile(pattern)
        urls: list[str] = []
        for href in response.css("a::attr(href)").getall():
            url = canonicalize_url(urljoin(response.url, href.strip()), keep_fragments=False)
            if regex.search(url) and url not in urls and url != canonicalize_url(response.url):
                urls.append(url)
        return [Request(url, meta={COLUMN_META: url, PAGE_META: 1}) for url in urls]


class BrowserAdapter(StaticAdapter):
    """Listings drawn by JavaScript: rendered in headless Chromium, then read as static.

    The spider marks this portal's listing requests with ``render``; the
    browser download handler does the rendering.
    """

    name = "browser"
