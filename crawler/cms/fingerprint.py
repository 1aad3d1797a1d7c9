"""Which CMS family serves a listing page, and the registry options it needs.

`scrapy discover` names the ``cms`` of a column it found, and `scrapy
portals --check` tells a column whose declared ``cms`` no longer fits
(``wrong_cms``) from one that died.  Both read the signals the adapters
themselves read (fixtures/sites/PAGERS.md says where each was seen):

* ``json`` — a 信息公开目录 platform shell (``window._CONFIG = {SID: …,
  TREE: […]}`` under ``/gkmlpt/``), or a page whose script asks a list API
  (``fetch``/``$.ajax``/``$.post``/``axios`` with ``pageNo``-like fields);
* ``hanweb`` — a jpage datastore (``<datastore><recordset><record>``) or a
  ``dataproxy.jsp`` the page names;
* ``trs`` — ``list2.trsapi``/``listModel`` (动静结合), a ``createPageHTML``
  call, a ``Pager({size, current…})`` call;
* ``static`` — an ASP.NET postback pager, a ``?cur_page=``/``pageNum=``
  query pager (``page_param``), a year index of per-year columns
  (``column_pattern``), or plain 下一页/``index_N`` links.

Pure functions of the page text and URL: no request is made here.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.cms.hanweb import PROXY_IN_PAGE, RECORD
from crawler.cms.links import is_index_page, is_next_page
from crawler.cms.static import POSTBACK, param_value, with_param
from crawler.cms.trs import LIST2, PAGER_CALL, parse_create_page_call

logger = logging.getLogger(__name__)

PAGE_PARAMS = ("cur_page", "pageNum", "pageNo", "pageIndex", "PageIndex", "currPage", "curPage", "page", "pn")
API_PAGE_FIELDS = ("pageNo", "pageNum", "page", "currentPageNum", "pageIndex", "curPage", "current", "currPage")
API_SIZE_FIELDS = ("pageSize", "rows", "size", "limit", "perPage", "perpage", "pagesize")
GKMLPT_SID = re.compile(r"""\bSID\s*:\s*(['"])(\d+)\1""")
GKMLPT_TREE = re.compile(r"\bTREE\s*:\s*(\[.*?\])\s*,\s*\n", re.S)
ANNUAL = re.compile(r"年报|年度报告")
API_CALL = re.compile(r"(fetch|\$\.ajax|\$\.post|\$\.get|\$\.getJSON|axios\.post|axios\.get|axios)\s*\(")
STRING = re.compile(r"""(['"])([^'"\n]{1,300})\1""")
JS_PAIR = re.compile(r"""['"]?([A-Za-z_$][\w$]*)['"]?\s*:\s*(?:'([^'\n]*)'|"([^"\n]*)"|(-?\d+))""")
YEAR_DIR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class Fingerprint:
    """One CMS family the page shows: its registry ``cms`` and options, and what gave it away."""

    cms: str
    signals: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    start_url: str | None = None  # the column's start URL when it is not the page's own


def fingerprints(text: str, url: str) -> list[Fingerprint]:
    """Every CMS family whose signals `text` shows, most specific first (plain ``static`` last)."""
    selector = Selector(text=text or "<html></html>")
    scripts = "\n".join(selector.xpath("//script/text()").getall())
    found: list[Fingerprint] = []
    for finder in (_gkmlpt, _json_api, _hanweb, _trs):
        result = finder(text, scripts, url)
        if result is not None:
            found.append(result)
    found.extend(_static(selector, scripts, url))
    return found


def best_fingerprint(text: str, url: str) -> Fingerprint:
    """The most specific family the page shows (``static`` when it shows none)."""
    return fingerprints(text, url)[0]


def _gkmlpt(text: str, scripts: str, url: str) -> Fingerprint | None:
    """A 信息公开目录 platform shell: ``window._CONFIG`` naming the site id, the list is ``/gkmlpt/api/all/<id>``."""
    sid = GKMLPT_SID.search(scripts)
    if sid is None or ("gkmlpt" not in url and "/gkmlpt/" not in text):
        return None
    column = urlsplit(url).fragment
    if not column.isdigit():
        column = next((str(node["id"]) for node in annual_tree_nodes(scripts)), "")
    if not column:
        return Fingerprint("json", ("gkmlpt platform shell (window._CONFIG SID) without a 年报 column in its TREE",))
    quote = re.escape(sid.group(1))
    base = url.split("#", 1)[0]
    return Fingerprint(
        "json",
        (f"gkmlpt platform shell, SID {sid.group(2)}, 年报 column {column}",),
        {
            "api": f"/gkmlpt/api/all/{column}?sid={{sid}}",
            "page_values": {"sid": rf"SID:\s*{quote}(\d+){quote}"},
            "records": "articles",
            "total": "total",
        },
        start_url=f"{base}#{column}",
    )


def annual_tree_nodes(scripts: str) -> list[dict[str, Any]]:
    """The nodes of a gkmlpt ``TREE`` whose name says 年报/年度报告 (depth first)."""
    match = GKMLPT_TREE.search(scripts)
    if not match:
        return []
    try:
        tree = json.loads(match.group(1))
    except ValueError:
        return []
    found: list[dict[str, Any]] = []

    def walk(nodes: Any) -> None:
        for node in nodes if isinstance(nodes, list) else []:
            if isinstance(node, dict):
                if ANNUAL.search(str(node.get("name", ""))) and node.get("id") is not None:
                    found.append(node)
                walk(node.get("children"))

    walk(tree)
    return found


def _json_api(text: str, scripts: str, url: str) -> Fingerprint | None:
    """A list API the page's script asks, with a page-number field: ``cms: json`` and its request shape."""
    for call in API_CALL.finditer(scripts):
        chunk = scripts[call.end() : call.end() + 800]
        fn = call.group(1)
        url_field = re.search(r"""\burl\s*:\s*(['"])([^'"]+)\1""", chunk)
        first = STRING.match(chunk.lstrip())
        api = url_field.group(2) if url_field else (first.group(2) if first else None)
        if not api or (api.startswith(("http:", "https:")) and urlsplit(api).netloc != urlsplit(url).netloc):
            continue
        body = re.search(r"JSON\.stringify\(\s*(\{[^{}]*\})", chunk)
        data = body or re.search(r"\bdata\s*:\s*(\{[^{}]*\})", chunk) or re.search(r",\s*(\{[^{}]*\})\s*\)", chunk)
        fields = (
            {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in JS_PAIR.finditer(data.group(1))}
            if data
            else {}
        )
        page_field = next((f for f in API_PAGE_FIELDS if f in fields), None)
        if page_field is None:
            continue
        declared = re.search(r"""\b(?:method|type)\s*:\s*['"](\w+)['"]""", chunk)
        if body is not None:
            method = "JSON"
        elif (declared and declared.group(1).upper() == "POST") or fn.endswith("post"):
            method = "POST"
        else:
            method = "GET"
        options: dict[str, Any] = {"api": api, "method": method, "page_param": page_field}
        if fields[page_field] not in ("1", ""):
            options["first_page"] = int(fields[page_field]) if fields[page_field].isdigit() else 1
        size_field = next((f for f in API_SIZE_FIELDS if f in fields), None)
        if size_field and fields[size_field].isdigit():
            options["size_param"], options["page_size"] = size_field, int(fields[size_field])
        rest = {k: v for k, v in fields.items() if k not in (page_field, size_field)}
        if rest:
            options["params"] = rest
        return Fingerprint("json", (f"list API {method} {api} paged by {page_field}",), options)
    return None


def _hanweb(text: str, scripts: str, url: str) -> Fingerprint | None:
    """A jpage datastore in the page, or the dataproxy.jsp it posts to."""
    signals = []
    if RECORD.search(text) or "<datastore>" in text:
        signals.append("Hanweb jpage datastore")
    proxy = PROXY_IN_PAGE.search(text)
    if proxy:
        signals.append(f"Hanweb dataproxy {proxy.group(1)}")
    return Fingerprint("hanweb", tuple(signals)) if signals else None


def _trs(text: str, scripts: str, url: str) -> Fingerprint | None:
    if LIST2.search(scripts):
        return Fingerprint("trs", ("TRS list2.trsapi list model (动静结合)",))
    call = parse_create_page_call(scripts)
    if call:
        return Fingerprint("trs", (f"TRS createPageHTML({call[0]} pages, {call[2]}_N.{call[3]})",))
    if PAGER_CALL.search(scripts):
        return Fingerprint("trs", ("TRS-style Pager({size, current, prefix, suffix})",))
    return None


def _static(selector: Selector, scripts: str, url: str) -> list[Fingerprint]:
    """The plain-HTML pagers: postback, query parameter, year index, 下一页 links; always ends with plain static."""
    found: list[Fingerprint] = []
    hrefs = [h.strip() for h in selector.css("a::attr(href)").getall()]
    if any(POSTBACK.search(h) for h in hrefs) and selector.css("input[name=__VIEWSTATE]"):
        found.append(Fingerprint("static", ("ASP.NET postback pager (__doPostBack, __VIEWSTATE)",)))
    query = _query_pager(hrefs, scripts, url)
    if query is not None:
        found.append(query)
    years = _year_index(hrefs, url)
    if years is not None:
        found.append(years)
    anchors = selector.css("a[href]")
    nexts = [a for a in anchors if is_next_page(" ".join(a.xpath(".//text()").getall()))]
    signals = ["下一页 links"] if nexts else []
    if any(is_index_page(h) for h in hrefs):
        signals.append("index_N links")
    found.append(Fingerprint("static", tuple(signals) or ("plain HTML list",)))
    return found


def _query_pager(hrefs: list[str], scripts: str, url: str) -> Fingerprint | None:
    """``?cur_page=N``-style pagers: links that set a page parameter, or a script that builds them."""
    for name in PAGE_PARAMS:
        pattern = re.compile(rf"[?&]{re.escape(name)}=(\d+)")
        linked = [(h, int(m.group(1))) for h in hrefs if (m := pattern.search(h))]
        built = re.search(rf"""[?&]{re.escape(name)}=['"]\s*\+""", scripts)
        if not linked and not built:
            continue
        start = url
        options: dict[str, Any] = {"page_param": name}
        if linked and param_value(url, name) is None:
            first_link, value = min(linked, key=lambda pair: pair[1])
            first = value if value <= 1 else 1
            # The server wants the pager's other parameters (uid=…) too: start from the pager's page 1.
            candidate = with_param(urljoin(url, first_link), name, first)
            if urlsplit(candidate).path == urlsplit(url).path:
                start = candidate
            if first != 1:
                options["first_page"] = first
        how = "links" if linked else "a script"
        return Fingerprint("static", (f"query pager: {how} set {name}=N",), options, start_url=start)
    return None


def _year_index(hrefs: list[str], url: str) -> Fingerprint | None:
    """A year index: two or more links below this page into per-year directories (2024nb/, xxgknb2023/)."""
    here = urlsplit(url).path.rsplit("/", 1)[0] + "/"
    shapes: dict[str, set[str]] = {}
    for href in hrefs:
        path = urlsplit(urljoin(url, href)).path
        if not path.startswith(here):
            continue
        head, _, rest = path[len(here) :].partition("/")
        directory = re.fullmatch(r"(index\.s?html?)?", rest) is not None  # 2024nb/ itself, not a report below it
        if head and directory and YEAR_DIR.search(head) and "." not in head:
            shape = YEAR_DIR.sub("20\\\\d\\\\d", re.escape(head), count=1)
            shapes.setdefault(shape, set()).add(head)
    best = max(shapes.items(), key=lambda item: len(item[1]), default=None)
    if best is None or len(best[1]) < 2:
        return None
    shape, heads = best
    pattern = f"{re.escape(here.rstrip('/').rsplit('/', 1)[-1])}/{shape}/(index\\.s?html?)?$"
    return Fingerprint(
        "static",
        (f"year index: {len(heads)} per-year columns ({', '.join(sorted(heads))})",),
        {"column_pattern": pattern},
    )
