"""Listing budgets beyond the page cap: links per page, repeated pages by content, Hanweb perPage.

Each adapter's `parse` is run on hand-made pages, as the spider calls it; the
walk's completeness is read back from :class:`ListingWalks`, as the spider
does at the end of a crawl.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.cms import get_adapter
from crawler.cms.base import COLUMN_META, PAGE_META, SEEN_META
from crawler.cms.walks import ListingWalks
from crawler.registry import Portal

REPORT = "某县{n}年政府信息公开工作年度报告"


def portal(cms: str, **options: Any) -> Portal:
    return Portal(id="p", name="P", province="zhejiang", start_urls=("http://127.0.0.1/x",), cms=cms, options=options)


def listing(url: str, body: str, meta: dict[str, Any] | None = None) -> HtmlResponse:
    html = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", request=Request(url, meta=meta or {}))


def test_a_page_of_ten_thousand_links_keeps_the_first_ones_and_the_column_is_incomplete() -> None:
    anchors = "".join(f'<a href="/art/{n}.html">{REPORT.format(n=n)}</a>' for n in range(10_000))
    response = listing("http://127.0.0.1/big/index.html", f"<div>{anchors}</div>", {"listing_max_links": 300})
    started = time.process_time()
    page = get_adapter("static").parse(response, portal("static"))
    cost = time.process_time() - started
    assert [link.url for link in page.links] == [f"http://127.0.0.1/art/{n}.html" for n in range(300)]
    assert page.stop_reason == (
        "links cap reached: kept the first 300 links of the page, it has more (LISTING_MAX_LINKS)"
    )
    assert cost < 2.0, cost  # reading stops at the cap: not 10,000 rows
    walks = ListingWalks()
    walks.record(response.url, page, response.url)
    assert "links cap reached" in (walks.shortfall(response.url) or "")
    # The entry's option wins over the setting's meta.
    page = get_adapter("static").parse(response, portal("static", max_links=20))
    assert len(page.links) == 20 and page.stop_reason and "first 20 links" in page.stop_reason


def test_a_page_under_the_links_budget_is_left_alone() -> None:
    anchors = "".join(f'<a href="/art/{n}.html">{REPORT.format(n=n)}</a>' for n in range(30))
    page = get_adapter("static").parse(listing("http://127.0.0.1/l.html", anchors), portal("static", max_links=30))
    assert len(page.links) == 30 and page.stop_reason is None


def walk(pages: dict[str, str], start: str, cms: str = "static", **options: Any) -> tuple[list[str], ListingWalks]:
    """Walk `pages` (url -> body) as the spider does: every next request the adapter offers, in order."""
    adapter, entry, walks = get_adapter(cms), portal(cms, **options), ListingWalks()
    queue, visited = [Request(start)], []
    while queue and len(visited) < 50:
        request = queue.pop(0)
        visited.append(request.url)
        html = f"<html><head><meta charset='utf-8'></head><body>{pages[request.url]}</body></html>"
        response = HtmlResponse(request.url, body=html.encode(), encoding="utf-8", request=request)
        page = adapter.parse(response, entry)
        walks.record(start, page, request.url)
        queue += page.next_requests
    return visited, walks


def test_a_pager_into_ever_deeper_urls_with_the_same_body_stops_at_the_first_repeat() -> None:
    # A spider trap: a relative 下一页 link makes every page the same page one directory deeper.
    body = f'<a href="/art/1.html">{REPORT.format(n=2023)}</a> <a href="next/">下一页</a>'
    pages = {f"http://127.0.0.1/trap/{'next/' * n}": body for n in range(60)}
    visited, walks = walk(pages, "http://127.0.0.1/trap/")
    assert visited == ["http://127.0.0.1/trap/", "http://127.0.0.1/trap/next/"]
    assert "repeated listing page: its body is that of a page already walked in this column" in (
        walks.shortfall("http://127.0.0.1/trap/") or ""
    )


def test_a_pager_whose_pages_differ_but_list_the_same_reports_stops_at_the_first_repeat() -> None:
    def page(n: int) -> str:  # a counter in the page: the bodies differ, the reports do not
        links = "".join(f'<a href="/art/{k}.html">{REPORT.format(n=k)}</a>' for k in (2021, 2022, 2023))
        return f"{links}<p>第{n}页 访问量 {n * 7}</p><a href='list_{n + 1}.html'>下一页</a>"

    pages = {f"http://127.0.0.1/l/list_{n}.html": page(n) for n in range(1, 60)}
    visited, walks = walk(pages, "http://127.0.0.1/l/list_1.html")
    assert visited == ["http://127.0.0.1/l/list_1.html", "http://127.0.0.1/l/list_2.html"]
    assert "its set of report links is that of a page already walked" in (
        walks.shortfall("http://127.0.0.1/l/list_1.html") or ""
    )


def test_pages_with_new_reports_each_are_walked_to_their_end() -> None:
    def page(n: int) -> str:
        nxt = f"<a href='list_{n + 1}.html'>下一页</a>" if n < 4 else ""
        return f'<a href="/art/{n}.html">{REPORT.format(n=2000 + n)}</a>{nxt}'

    pages = {f"http://127.0.0.1/l/list_{n}.html": page(n) for n in range(1, 5)}
    visited, walks = walk(pages, "http://127.0.0.1/l/list_1.html")
    assert len(visited) == 4 and walks.shortfall("http://127.0.0.1/l/list_1.html") is None


def test_a_year_column_repeating_its_index_page_is_walked_all_the_same() -> None:
    # The fingerprints belong to one column: a year column opened from the index starts afresh.
    index = listing(
        "http://127.0.0.1/nb/index.html",
        f'<a href="/art/1.html">{REPORT.format(n=2023)}</a><a href="/nb/2023/">2023年</a>',
    )
    page = get_adapter("static").parse(index, portal("static", column_pattern=r"/nb/\d{4}/$"))
    [column] = page.next_requests
    assert column.meta[COLUMN_META] == "http://127.0.0.1/nb/2023/" and SEEN_META not in column.meta


def test_seen_fingerprints_travel_as_plain_strings() -> None:
    page = get_adapter("static").parse(
        listing("http://127.0.0.1/l/1.html", f'<a href="/a.html">{REPORT.format(n=1)}</a><a href="2.html">下一页</a>'),
        portal("static"),
    )
    [following] = page.next_requests
    seen = following.meta[SEEN_META]
    assert isinstance(seen, list) and len(seen) == 2 and all(isinstance(s, str) for s in seen)
    assert following.meta[PAGE_META] == 2


HANWEB_PAGE = """<script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>
<recordset>{records}</recordset></datastore></script>
<script>var columnid = 990099; var unitid = 1; {perpage}</script>"""


def hanweb_column(perpage: str, records: int = 3) -> HtmlResponse:
    rows = "".join(
        f"<record><![CDATA[<li><a href='/art/{n}.html'>{REPORT.format(n=2000 + n)}</a></li>]]></record>"
        for n in range(records)
    )
    return listing("http://127.0.0.1/col/col990099/index.html", HANWEB_PAGE.format(records=rows, perpage=perpage))


@pytest.mark.parametrize(
    "perpage, asked",
    [
        ("perpage: 0", 3),  # zero: paged by the records the page holds
        ("perpage: -15", 3),
        ("perpage: pageSize", 3),  # a JS variable
        ("perpage: 1.5", 3),
        ("perpage: 20", 20),
        ("perpage: 100000", 40),  # over the links budget: no more than it a request
        ("perpage: 100000000", 3),  # absurd: not believed at all
    ],
)
def test_hanweb_refuses_non_positive_or_absurd_per_page(
    perpage: str, asked: int, caplog: pytest.LogCaptureFixture
) -> None:
    response = hanweb_column(perpage)
    response = response.replace(request=Request(response.url, meta={"listing_max_links": 40}))
    with caplog.at_level(logging.WARNING):
        page = get_adapter("hanweb").parse(response, portal("hanweb"))
    [proxy] = page.next_requests
    assert f"startrecord=4&endrecord={3 + asked}&perpage={asked}" in proxy.url
    if asked != 20:
        assert any("perPage" in r.getMessage() for r in caplog.records)


def test_a_hanweb_proxy_that_always_answers_the_same_records_stops_at_the_first_repeat() -> None:
    adapter, entry = get_adapter("hanweb"), portal("hanweb")
    page = adapter.parse(hanweb_column("perpage: 3"), entry)
    answer = HANWEB_PAGE.split("<script>var")[0].format(
        records="".join(
            f"<record><![CDATA[<li><a href='/art/x{n}.html'>{REPORT.format(n=1990 + n)}</a></li>]]></record>"
            for n in range(3)
        )
    )
    pages = 1
    while page.next_requests and pages < 20:
        [request] = page.next_requests
        page = adapter.parse(HtmlResponse(request.url, body=answer.encode(), request=request), entry)
        pages += 1
    assert pages == 3  # the column page, the first answer, its repeat
    assert page.stop_reason and page.stop_reason.startswith("repeated listing page")


def test_a_registry_entry_may_set_its_links_budget(tmp_path: Any) -> None:
    from crawler.registry import RegistryError, load_registry

    path = tmp_path / "portals.yaml"
    entry = "  - {id: p, name: P, province: zhejiang, start_urls: ['http://127.0.0.1/x'], options: {max_links: %s}}\n"
    path.write_text("portals:\n" + entry % "300", "utf-8")
    [loaded] = load_registry(str(path)).select()
    assert loaded.option("max_links") == 300
    path.write_text("portals:\n" + entry % "0", "utf-8")
    with pytest.raises(RegistryError, match="max_links"):
        load_registry(str(path))
