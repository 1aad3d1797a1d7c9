"""What every listing adapter returns, and the link harvesting they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.cms.links import is_index_page, is_next_page
from crawler.parsing.metadata import parse_date

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from crawler.registry import Portal

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")


@dataclass(frozen=True)
class Link:
    """A link found on a listing page."""

    url: str
    title: str
    date: str | None = None


@dataclass
class ListingPage:
    """What an adapter found on one listing page: candidate links, more pages."""

    links: list[Link] = field(default_factory=list)
    next_requests: list[Request] = field(default_factory=list)


class ListingAdapter(Protocol):
    """A CMS family's way of listing a column's items and paging through them."""

    name: str

    def first_requests(self, portal: Portal, url: str) -> list[Request]: ...

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage: ...


def link_date(anchor: Selector) -> str | None:
    """The date printed beside a link: in its title/text, or its row's text."""
    for text in (
        " ".join(anchor.xpath(".//text()").getall()),
        " ".join(anchor.xpath("./ancestor::*[self::li or self::tr or self::dd or self::div][1]//text()").getall()),
    ):
        found = parse_date(text)
        if found:
            return found
    return None


def harvest_links(selector: Selector, base_url: str, link_pattern: str | None = None) -> list[Link]:
    """Every usable <a href> under `selector`, absolute, with title and date."""
    from urllib.parse import urljoin

    pattern = re.compile(link_pattern) if link_pattern else None
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in selector.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        url = canonicalize_url(urljoin(base_url, href), keep_fragments=False)
        if url in seen or (pattern and not pattern.search(url)):
            continue
        seen.add(url)
        title = (anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall())).strip()
        links.append(Link(url=url, title=re.sub(r"\s+", " ", title), date=link_date(anchor)))
    return links


def next_page_urls(selector: Selector, base_url: str) -> list[str]:
    """Pagination links: 下一页-style anchors and index_N.html links."""
    from urllib.parse import urljoin

    urls: list[str] = []
    for anchor in selector.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        text = " ".join(anchor.xpath(".//text()").getall()) or anchor.attrib.get("title", "")
        if is_next_page(text) or is_index_page(href):
            url = canonicalize_url(urljoin(base_url, href), keep_fragments=False)
            if url not in urls:
                urls.append(url)
    return urls


def listing_area(response: TextResponse, portal: Portal) -> Selector:
    """The part of the page holding the list (the whole page by default)."""
    css = portal.option("list_selector")
    if css:
        found = response.css(css)
        if found:
            return found[0]
    return response.selector
