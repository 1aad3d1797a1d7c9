"""Plain HTML listings paged by 下一页 (or index_N.html) links.

The default adapter: a registry entry with only id, name, province and
start_urls works with it on a portal the project has never seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request

from crawler.cms.base import ListingPage, harvest_links, listing_area, next_page_urls

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal


class StaticAdapter:
    name = "static"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        links = harvest_links(listing_area(response, portal), response.url, portal.option("link_pattern"))
        pages = [Request(url) for url in next_page_urls(response.selector, response.url)]
        return ListingPage(links=links, next_requests=pages)


class BrowserAdapter(StaticAdapter):
    """Listings drawn by JavaScript: rendered in headless Chromium, then read as static.

    The spider marks this portal's listing requests with ``render``; the
    browser download handler does the rendering.
    """

    name = "browser"
