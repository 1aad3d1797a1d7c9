"""大汉 Hanweb listings: a jpage datastore in the page, then dataproxy.jsp POSTs.

The column page embeds its first records as CDATA inside
``<script type="text/xml"><datastore>…</datastore></script>``; the browser's
jpage.js fetches the rest by POSTing the column's ids to
``/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P``.
We do the same, one page of records per request, newest first.  The proxy's
path varies by deployment (``/module/jpage/``, ``/module/jslib/jquery/jpage/``):
the one the page names is used, or the entry's ``proxy_path`` option.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy import FormRequest, Request

from crawler.cms.base import PAGE_META, ListingPage, capped, harvest_links, links_cap, page_count, pages_for

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL = re.compile(r"(?:<totalrecord>\s*([^<\s]+)\s*</totalrecord>|totalRecord\s*[=:]\s*['\"]?(-?[\w.]+))", re.I)
TOTAL_PAGES = re.compile(r"<totalpage>\s*([^<\s]+)\s*</totalpage>", re.I)
PROXY_IN_PAGE = re.compile(r"""['"]((?:/[\w.-]+)*/\w*dataproxy\.jsp)['"]""")
PARAM = {
    name: re.compile(rf"\b{name}\s*[=:]\s*['\"]?([\w%.-]+)", re.I)
    for name in ("columnid", "unitid", "webid", "perpage", "webname", "appid")
}
DEFAULTS = {"perpage": "15", "appid": "1", "webid": "1"}


def page_params(text: str, portal: Portal) -> dict[str, str]:
    """Column ids and page size: registry options win over what the page says."""
    params = dict(DEFAULTS)
    for name, pattern in PARAM.items():
        match = pattern.search(text)
        if match:
            params[name] = match.group(1)
    params.update({k: str(v) for k, v in portal.options.items() if k in PARAM})
    return params


def records(text: str) -> Selector:
    """All record fragments of a datastore as one selector."""
    return Selector(text="<ul>" + "".join(RECORD.findall(text)) + "</ul>")


def proxy_path(text: str, portal: Portal) -> str:
    """The dataproxy endpoint: the entry's option, the one the page names, else the usual one."""
    option = portal.option("proxy_path")
    if option:
        return str(option)
    match = PROXY_IN_PAGE.search(text)
    return match.group(1) if match else DATAPROXY


class HanwebAdapter:
    name = "hanweb"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        text = response.text
        found = RECORD.findall(text)
        links = harvest_links(
            records(text), response.url, portal.option("link_pattern"), limit=links_cap(response, portal)
        )
        state: dict[str, Any] = response.meta.get("hanweb") or {}
        total = self._total(text, response.url)
        page = ListingPage(links=links, declared_records=total, record_count=len(found))
        if not state:  # the column page itself
            params = page_params(text, portal)
            if "columnid" not in params:
                return capped(response, portal, page, 1)
            perpage = page_count(params["perpage"], "jpage perPage", response.url)
            if perpage is None:
                perpage = len(found) or int(DEFAULTS["perpage"])
                logger.warning("Listing %s: paging by %d records a request instead", response.url, perpage)
            cap = links_cap(response, portal)
            if perpage > cap:  # one request must not ask for more records than a page may keep
                logger.warning(
                    "Listing %s: jpage perPage %d is over the links budget (LISTING_MAX_LINKS=%d); paging by %d",
                    response.url,
                    perpage,
                    cap,
                    cap,
                )
                perpage = cap
            params["perpage"] = str(perpage)
            state = {"params": params, "next": len(found) + 1, "page": 1, "proxy": proxy_path(text, portal)}
        else:
            state = {**state, "next": state["next"] + int(state["params"]["perpage"]), "page": state["page"] + 1}
        perpage = int(state["params"]["perpage"])
        page.declared_pages = self._pages(text, response.url) or pages_for(total, perpage)
        more = total is None or state["next"] <= total
        if not found and total is not None and state["next"] <= total + perpage:
            page.stop_reason = f"the proxy returned no records though the column declares {total}"
            logger.warning("Listing %s: %s", response.url, page.stop_reason)
            more = False
        if found and more:
            page.next_requests = [self._proxy_request(response.url, state)]
        return capped(response, portal, page, state["page"])

    @staticmethod
    def _total(text: str, url: str) -> int | None:
        match = TOTAL.search(text)
        if not match:
            return None
        return page_count(next(g for g in match.groups() if g), "totalRecord", url, allow_zero=True)

    @staticmethod
    def _pages(text: str, url: str) -> int | None:
        match = TOTAL_PAGES.search(text)
        return page_count(match.group(1), "totalpage", url) if match else None

    def _proxy_request(self, page_url: str, state: dict[str, Any]) -> Request:
        params = state["params"]
        start, perpage = state["next"], int(params["perpage"])
        path = state.get("proxy") or DATAPROXY
        url = urljoin(page_url, f"{path}?startrecord={start}&endrecord={start + perpage - 1}&perpage={perpage}")
        form = {
            "col": "1",
            "appid": params["appid"],
            "webid": params["webid"],
            "path": "/",
            "columnid": params["columnid"],
            "sourceContentType": "1",
            "unitid": params.get("unitid", ""),
            "webname": params.get("webname", ""),
            "permissiontype": "0",
        }
        return FormRequest(url, formdata=form, meta={"hanweb": state, PAGE_META: state["page"] + 1})
