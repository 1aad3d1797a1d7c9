"""大汉 Hanweb listings: a jpage datastore in the page, then dataproxy.jsp POSTs.

The column page embeds its first records as CDATA inside
``<script type="text/xml"><datastore>…</datastore></script>``; the browser's
jpage.js fetches the rest by POSTing the column's ids to
``/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P``.
We do the same, one page of records per request, newest first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy import FormRequest, Request

from crawler.cms.base import ListingPage, harvest_links

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL = re.compile(r"(?:<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[=:]\s*['\"]?(\d+))", re.I)
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


class HanwebAdapter:
    name = "hanweb"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        text = response.text
        found = RECORD.findall(text)
        links = harvest_links(records(text), response.url, portal.option("link_pattern"))
        state: dict[str, Any] = response.meta.get("hanweb") or {}
        if not state:  # the column page itself
            params = page_params(text, portal)
            if "columnid" not in params:
                return ListingPage(links=links)
            state = {"params": params, "next": len(found) + 1}
        else:
            state = {**state, "next": state["next"] + int(state["params"]["perpage"])}
        total_match = TOTAL.search(text)
        total = int(next(g for g in total_match.groups() if g)) if total_match else None
        more = bool(found) and (total is None or state["next"] <= total)
        if not more:
            return ListingPage(links=links)
        return ListingPage(links=links, next_requests=[self._proxy_request(response.url, state)])

    def _proxy_request(self, page_url: str, state: dict[str, Any]) -> Request:
        params = state["params"]
        start, perpage = state["next"], int(params["perpage"])
        url = urljoin(page_url, f"{DATAPROXY}?startrecord={start}&endrecord={start + perpage - 1}&perpage={perpage}")
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
        return FormRequest(url, formdata=form, meta={"hanweb": state})
