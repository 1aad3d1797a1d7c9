"""JSON list APIs: the XHR behind a disclosure platform's listing (``cms: json``).

Province-wide 政府信息公开 platforms draw their lists in the browser from an
XHR answering records and a total, e.g. Guangdong's 信息公开目录 platform
(``/gkmlpt/index#721`` → ``GET /gkmlpt/api/all/721?page=N&sid=S`` →
``{"total": 145, "articles": [{"title", "url", "created_at"}…]}``), or
``POST`` endpoints taking ``pageNo``/``pageSize`` as a form or a JSON body.
Options (all optional but ``api`` where the start URL is an HTML page):

* ``api`` — the endpoint, absolute or relative to the start URL; ``{name}``
  placeholders are filled from ``page_values``.
* ``page_values`` — ``{name: regex}``: values read from the start page (the
  platform's site id ``SID: '662021'``); then the start page is fetched first.
* ``method`` — ``GET`` (query string, default), ``POST`` (form) or ``JSON``
  (a JSON body).
* ``page_param`` (``page``), ``first_page`` (1), ``size_param`` and
  ``page_size``, ``params`` (fixed parameters sent with every page).
* ``records``, ``total``, ``pages`` — dotted paths (``data.list``) to the
  record list, the declared record count and page count; found by their
  usual names when not given.
* ``title_field``, ``url_field``, ``date_field`` — record fields, found by
  their usual names when not given; ``url_template`` (``/art/{id}.html``)
  builds the URL from record fields when records carry none.

Each page asks for the next while the API declares more (total or pages)
or, when it declares nothing, while pages come back full.  A page that
repeats the previous one (an API ignoring the page parameter), an answer
that is not JSON, and the page cap each end the walk with a logged reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import FormRequest, Request
from scrapy.http import JsonRequest
from w3lib.url import add_or_replace_parameters, canonicalize_url

from crawler.cms.base import PAGE_META, Link, ListingPage, capped, page_count, pages_for
from crawler.parsing.metadata import parse_date

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

STATE = "json_api"
RECORD_LISTS = ("articles", "list", "records", "rows", "items", "data", "result", "datas", "docs", "content")
TOTALS = ("total", "totalCount", "totalRecord", "totalRecords", "recordCount", "total_count", "totalElements", "count")
PAGE_COUNTS = ("totalPage", "totalPages", "pageCount", "pages", "total_page", "pageTotal")
TITLES = ("title", "docTitle", "name", "doctitle", "subject")
URLS = ("url", "post_url", "link", "href", "linkUrl", "docUrl", "pageUrl", "docpuburl")
DATES = ("created_at", "publishTime", "publish_time", "pubDate", "date", "docreltime", "releaseTime", "createTime")


def at_path(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.list``), or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def find_records(data: Any, depth: int = 0) -> list[dict[str, Any]] | None:
    """The first list of objects with a title-like field, breadth first under the usual names."""
    if (
        isinstance(data, list)
        and data
        and all(isinstance(r, dict) for r in data)
        and any(any(k in r for k in TITLES) for r in data)
    ):
        return data
    if not isinstance(data, dict) or depth > 3:
        return None
    for key in RECORD_LISTS:
        if key in data:
            found = find_records(data[key], depth + 1)
            if found is not None:
                return found
    for value in data.values():
        if isinstance(value, (dict, list)):
            found = find_records(value, depth + 1)
            if found is not None:
                return found
    return None


def find_number(data: Any, names: tuple[str, ...], depth: int = 0) -> Any:
    """The first of `names` at this level or in nested objects (not in records)."""
    if not isinstance(data, dict) or depth > 3:
        return None
    for name in names:
        if name in data and not isinstance(data[name], (dict, list)):
            return data[name]
    for value in data.values():
        if isinstance(value, dict):
            found = find_number(value, names, depth + 1)
            if found is not None:
                return found
    return None


def _first(record: dict[str, Any], option: Any, names: tuple[str, ...]) -> Any:
    if option:
        return at_path(record, str(option))
    return next((record[n] for n in names if record.get(n) not in (None, "")), None)


def record_date(value: Any) -> str | None:
    """A record's date: a date string, or epoch seconds / milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(str(value)) if value else None


class JsonAdapter:
    name = "json"

    def first_requests(self, portal: Portal, url: str) -> list[Request]:
        if not portal.option("api"):  # the start URL is the API itself
            return [self._page_request(portal, url, {}, 1, url)]
        if not portal.option("page_values"):
            return [self._page_request(portal, urljoin(url, str(portal.option("api"))), {}, 1, url)]
        return [Request(url, dont_filter=True)]

    def parse(self, response: TextResponse, portal: Portal) -> ListingPage:
        state: dict[str, Any] | None = response.meta.get(STATE)
        if state is None:  # the HTML start page: read its values, ask for page 1
            values = self._page_values(response, portal)
            if values is None:
                page = ListingPage(stop_reason="the start page lacks the values the API needs")
                return capped(response, portal, page, 1)
            template = str(portal.option("api") or response.url)
            try:
                api = urljoin(response.url, template.format(**values))
            except (KeyError, IndexError, ValueError) as exc:
                page = ListingPage(stop_reason=f"option api {template!r} cannot be filled: {exc}")
                logger.warning("Listing %s: %s", response.url, page.stop_reason)
                return capped(response, portal, page, 1)
            return ListingPage(next_requests=[self._page_request(portal, api, values, 1, response.url)])
        return self._api_page(response, portal, state)

    def _page_values(self, response: TextResponse, portal: Portal) -> dict[str, str] | None:
        values: dict[str, str] = {}
        for name, pattern in dict(portal.option("page_values") or {}).items():
            match = re.search(str(pattern), response.text)
            if not match:
                logger.warning("Listing %s: no %s in the page (pattern %r)", response.url, name, pattern)
                return None
            values[str(name)] = match.group(1) if match.groups() else match.group(0)
        return values

    def _page_request(self, portal: Portal, api: str, values: dict[str, str], number: int, referer: str) -> Request:
        first = page_count(portal.option("first_page", 1), "option first_page", api, allow_zero=True)
        first = 1 if first is None else first
        params: dict[str, Any] = dict(portal.option("params") or {})
        params[str(portal.option("page_param", "page"))] = first + number - 1
        if portal.option("size_param") and portal.option("page_size"):
            params[str(portal.option("size_param"))] = portal.option("page_size")
        state = {"api": api, "values": values, "page": number}
        meta = {STATE: state, PAGE_META: number}
        headers = {"Referer": referer, "X-Requested-With": "XMLHttpRequest"}
        method = str(portal.option("method", "GET")).upper()
        if method == "JSON":
            return JsonRequest(api, data=params, meta=meta, headers=headers)
        if method == "POST":
            return FormRequest(api, formdata={k: str(v) for k, v in params.items()}, meta=meta, headers=headers)
        return Request(
            add_or_replace_parameters(api, {k: str(v) for k, v in params.items()}), meta=meta, headers=headers
        )

    def _api_page(self, response: TextResponse, portal: Portal, state: dict[str, Any]) -> ListingPage:
        number = int(state.get("page", 1))
        try:
            data = json.loads(response.text)
        except ValueError:
            page = ListingPage(stop_reason="the API answered something that is not JSON")
            logger.warning("Listing %s: %s", response.url, page.stop_reason)
            return capped(response, portal, page, number)
        path = portal.option("records")
        found = at_path(data, str(path)) if path else find_records(data)
        records = [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []
        links = self._links(records, portal, response.url)
        total_raw = at_path(data, str(portal.option("total"))) if portal.option("total") else find_number(data, TOTALS)
        pages_raw = (
            at_path(data, str(portal.option("pages"))) if portal.option("pages") else find_number(data, PAGE_COUNTS)
        )
        total = page_count(total_raw, "API total", response.url, allow_zero=True) if total_raw is not None else None
        pages = page_count(pages_raw, "API page count", response.url) if pages_raw is not None else None
        seen = int(state.get("seen", 0)) + len(records)
        if total is not None and total < seen:
            logger.warning("Listing %s: API total %d is below the %d records seen; ignored", response.url, total, seen)
            total = None
        size = (
            page_count(portal.option("page_size"), "option page_size", response.url)
            if portal.option("page_size")
            else None
        )
        per_page = size or state.get("per_page") or (len(records) or None)
        page = ListingPage(
            links=links,
            declared_records=total,
            declared_pages=pages or pages_for(total, per_page),
            record_count=len(records),
        )
        digest = hashlib.sha1("\n".join(link.url for link in links).encode()).hexdigest()
        if not records:
            if total is not None and seen < total:
                page.stop_reason = f"page {number} held no records though the API declares {total} ({seen} seen)"
                logger.warning("Listing %s: %s", response.url, page.stop_reason)
            return capped(response, portal, page, number)
        if digest == state.get("digest"):
            page.stop_reason = f"page {number} repeats page {number - 1} (the API ignores the page parameter)"
            logger.warning("Listing %s: %s", response.url, page.stop_reason)
            return capped(response, portal, page, number)
        if pages is not None:
            more = number < pages
        elif total is not None:
            more = seen < total
        else:
            more = per_page is None or len(records) >= per_page
        if more:
            request = self._page_request(portal, state["api"], state.get("values") or {}, number + 1, response.url)
            request.meta[STATE].update(seen=seen, digest=digest, per_page=per_page)
            page.next_requests = [request]
        return capped(response, portal, page, number)

    def _links(self, records: list[dict[str, Any]], portal: Portal, base_url: str) -> list[Link]:
        links: list[Link] = []
        for record in records:
            title = _first(record, portal.option("title_field"), TITLES)
            url = _first(record, portal.option("url_field"), URLS)
            if not url and portal.option("url_template"):
                try:
                    url = str(portal.option("url_template")).format(**record)
                except (KeyError, IndexError, ValueError):
                    url = None
            if not url or not title or not isinstance(url, str):
                continue
            date = record_date(_first(record, portal.option("date_field"), DATES))
            absolute = canonicalize_url(urljoin(base_url, url.strip()), keep_fragments=False)
            links.append(Link(url=absolute, title=re.sub(r"\s+", " ", str(title)).strip(), date=date))
        return links
