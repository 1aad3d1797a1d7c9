"""TRS WCM listings: index.html, index_1.html, … announced by a script pager.

TRS pages carry no 下一页 href; a script draws the pager in the browser.
Three forms are read (fixtures/sites/PAGERS.md says where each was seen):

* ``createPageHTML(5, 0, "index", "html")`` — page count, current page from
  0, file prefix, suffix; newer templates add a leading element id and a
  trailing record count; the function itself often lives in another file,
  and the call may pass variables (``createPageHTML(countPage, currentPage,
  …)`` after ``var countPage = 5``), which are looked up in the page.
* ``Pager({size:7, current:0, prefix:'index', suffix:'html'})``.
* ``list2.trsapi`` with ``quickMode: "动静结合"``: a list model declaring
  ``maxStaticIndex``, ``prepage`` and ``recordCount``.  Pages index,
  index_1 … index_{maxStaticIndex} are static files; the rest come from
  TRS's list service, whose request this adapter does not know: the walk
  stops there, saying so (option ``past_static: index`` asks for further
  index_N files instead, for sites that publish them).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy import Request

from crawler.cms.base import (
    PAGE_META,
    ListingPage,
    capped,
    declared_in_text,
    harvest_links,
    links_cap,
    listing_area,
    next_page_urls,
    page_count,
    pages_for,
)
from crawler.cms.static import pager_text

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
ARG = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|(-?\d+)|([A-Za-z_$][\w$.]*))\s*""")
VARIABLE_BEFORE = r"(?:\bvar\s+|\blet\s+|\bconst\s+|[;{\s]|^)"
VARIABLE_AFTER = r"""\s*=\s*['"]?(-?\d+)['"]?"""
PAGER_CALL = re.compile(r"\bPager\s*\(\s*\{([^{}]*)\}\s*\)")
LIST2 = re.compile(r"list2\.trsapi|listModel\s*\(|quickMode\s*:")
INDEX_FILE = re.compile(r"(?:^|/)(?P<prefix>[A-Za-z]+)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")


def _field(text: str, name: str) -> str | None:
    """The raw value of ``name: value`` in a script object (quotes dropped)."""
    match = re.search(rf"""\b{name}\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}}\s]+))""", text)
    if not match:
        return None
    return next(g for g in match.groups() if g is not None)


def _resolve(name: str, script_text: str) -> int | None:
    match = re.search(VARIABLE_BEFORE + re.escape(name) + VARIABLE_AFTER, script_text)
    return int(match.group(1)) if match else None


def parse_create_page(script_text: str) -> tuple[int, int, str, str] | None:
    """(page_count, current, prefix, suffix) from a createPageHTML call.

    Handles the classic 4-argument form, the newer one with a leading
    element id and a trailing record count, and variables defined in the page.

    >>> parse_create_page('createPageHTML(3, 0, "index", "html");')
    (3, 0, 'index', 'html')
    >>> parse_create_page("createPageHTML('page_div',7, 2,'index','shtml',98);")
    (7, 2, 'index', 'shtml')
    >>> parse_create_page("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){} "
    ...                   "createPageHTML(3, 1, 'index', 'html');")
    (3, 1, 'index', 'html')
    >>> parse_create_page('var countPage = 4; var currentPage = 1; createPageHTML(countPage, currentPage, "index", "htm");')
    (4, 1, 'index', 'htm')
    """
    call = parse_create_page_call(script_text)
    return call[:4] if call else None


def parse_create_page_call(script_text: str) -> tuple[int, int, str, str, int | None] | None:
    """Like :func:`parse_create_page`, plus the trailing record count when the call has one."""
    for match in CREATE_PAGE.finditer(script_text):  # skips the function's own definition
        args: list[str | int | None] = []
        for m in ARG.finditer(match.group(1)):
            if m.group(1) is not None or m.group(2) is not None:
                args.append(m.group(1) if m.group(1) is not None else m.group(2))
            elif m.group(3) is not None:
                args.append(int(m.group(3)))
            else:
                args.append(_resolve(m.group(4), script_text))
        ints = [i for i, a in enumerate(args) if isinstance(a, int)]
        if len(ints) < 2 or ints[1] != ints[0] + 1:
            continue
        count, current = [a for a in args if isinstance(a, int)][:2]  # args[ints[0]], args[ints[1]]
        strings = [a for a in args[ints[1] :] if isinstance(a, str)]
        prefix, suffix = (strings + ["index", "html"])[:2]
        tail = args[ints[1] + 1 :]
        records = tail[2] if len(tail) > 2 and isinstance(tail[2], int) else None
        return count, current, prefix, suffix, records
    return None


class TrsAdapter:
    name = "trs"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        area, pattern = listing_area(response, portal), portal.option("link_pattern")
        links = harvest_links(area, response.url, pattern, limit=links_cap(response, portal))
        scripts = " ".join(response.xpath("//script/text()").getall())
        page = ListingPage(links=links)
        if LIST2.search(scripts):
            page = self._list2(response, portal, scripts, page)
            return capped(response, portal, page, page.page_number)
        call = parse_create_page_call(scripts)
        pager = PAGER_CALL.search(scripts)
        if call:
            count, current, prefix, suffix, records = call
            current = max(current, 0)
            page.declared_pages = page_count(count, "createPageHTML page count", response.url)
            page.declared_records = (
                page_count(records, "createPageHTML record count", response.url, allow_zero=True)
                if records is not None
                else None
            )
            return capped(response, portal, self._index_pages(response, page, current, prefix, suffix), current + 1)
        if pager:
            body = pager.group(1)
            size, at = _field(body, "size"), _field(body, "current")
            page.declared_pages = page_count(size, "Pager size", response.url)
            here = page_count(at, "Pager current", response.url, allow_zero=True) or 0
            prefix, suffix = _field(body, "prefix") or "index", _field(body, "suffix") or "html"
            return capped(response, portal, self._index_pages(response, page, here, prefix, suffix), here + 1)
        page.declared_records, page.declared_pages = declared_in_text(pager_text(response.selector), response.url)
        page.next_requests = [Request(u) for u in next_page_urls(response.selector, response.url)]
        return capped(response, portal, page)

    def _index_pages(
        self, response: TextResponse, page: ListingPage, current: int, prefix: str, suffix: str
    ) -> ListingPage:
        """Ask for {prefix}_{current+1}.{suffix} while the declared count goes on."""
        if page.declared_pages is not None and current + 1 < page.declared_pages:
            url = urljoin(response.url, f"{prefix}_{current + 1}.{suffix}")
            page.next_requests = [Request(url, meta={PAGE_META: current + 2})]
        return page

    def _list2(self, response: TextResponse, portal: Portal, scripts: str, page: ListingPage) -> ListingPage:
        """动静结合: the static index_N files up to maxStaticIndex, then stop (or go on, if told)."""
        url = response.url
        per_page = page_count(_field(scripts, "prepage"), "list2 prepage", url)
        page.declared_records = page_count(_field(scripts, "recordCount"), "list2 recordCount", url, allow_zero=True)
        page.declared_pages = pages_for(page.declared_records, per_page)
        static_max = page_count(_field(scripts, "maxStaticIndex"), "list2 maxStaticIndex", url, allow_zero=True)
        found = INDEX_FILE.search(url.split("?", 1)[0])
        if found is None:
            found = INDEX_FILE.search("index.html")
            base = urljoin(url if url.endswith("/") else url + "/", ".")
        else:
            base = url
        assert found is not None
        here = int(found.group("n") or 0)  # index.html is 0, index_1.html is 1, …
        prefix, ext = found.group("prefix"), found.group("ext")
        page.page_number = here + 1
        if page.declared_pages is None:
            if page.declared_records:
                page.stop_reason = "the list2 pager declares records but no usable page size; not paging"
                logger.warning("Listing %s: %s", url, page.stop_reason)
            return page
        if here + 1 >= page.declared_pages:
            return page
        beyond_static = static_max is not None and here + 1 > static_max
        if beyond_static and portal.option("past_static") != "index":
            page.stop_reason = (
                f"the column declares {page.declared_pages} pages but only index..index_{static_max} are static; "
                "the rest come from TRS's list service, which is not followed"
            )
            logger.warning("Listing %s: %s", url, page.stop_reason)
            return page
        page.next_requests = [Request(urljoin(base, f"{prefix}_{here + 1}.{ext}"), meta={PAGE_META: here + 2})]
        return page
