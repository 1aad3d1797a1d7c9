"""TRS WCM listings: index.html, index_1.html, … announced by createPageHTML().

TRS pages carry no 下一页 href; a script call such as
``createPageHTML(5, 0, "index", "html")`` (page count, current page from 0,
file prefix, suffix) draws the pager in the browser.  We read the call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy import Request

from crawler.cms.base import ListingPage, harvest_links, listing_area, next_page_urls

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal

CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
ARG = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|(-?\d+))\s*""")


def parse_create_page(script_text: str) -> tuple[int, int, str, str] | None:
    """(page_count, current, prefix, suffix) from a createPageHTML call.

    Handles both the classic 4-argument form and the newer one with a
    leading element id and a trailing record count.

    >>> parse_create_page('createPageHTML(3, 0, "index", "html");')
    (3, 0, 'index', 'html')
    >>> parse_create_page("createPageHTML('page_div',7, 2,'index','shtml',98);")
    (7, 2, 'index', 'shtml')
    >>> parse_create_page("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){} "
    ...                   "createPageHTML(3, 1, 'index', 'html');")
    (3, 1, 'index', 'html')
    """
    for match in CREATE_PAGE.finditer(script_text):  # skip the function's own definition
        args: list[str | int] = [
            m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else int(m.group(3))
            for m in ARG.finditer(match.group(1))
        ]
        ints = [i for i, a in enumerate(args) if isinstance(a, int)]
        if len(ints) < 2:
            continue
        numbers = [a for a in args if isinstance(a, int)]  # the same two as args[ints[0]], args[ints[1]]
        strings = [a for a in args[ints[0] :] if isinstance(a, str)]
        prefix, suffix = (strings + ["index", "html"])[:2]
        return numbers[0], numbers[1], prefix, suffix
    return None


class TrsAdapter:
    name = "trs"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        links = harvest_links(listing_area(response, portal), response.url, portal.option("link_pattern"))
        pager = parse_create_page(" ".join(response.xpath("//script/text()").getall()))
        if pager:
            count, current, prefix, suffix = pager
            pages = [urljoin(response.url, f"{prefix}_{current + 1}.{suffix}")] if current + 1 < count else []
        else:
            pages = next_page_urls(response.selector, response.url)
        return ListingPage(links=links, next_requests=[Request(u) for u in pages])
