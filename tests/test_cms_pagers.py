"""The pagers of real CMSes (issue 13), on the pager fixture portals.

One crawl of fixtures/portals-pagers.yaml through the real engine: for each
pager, the exact listing requests (``pages``, kind listing, and the bodies
the fixture server received) and the exact report URLs stored.  Then, on the
fixture pages themselves, what each listing page declares about its column
(record and page counts), and hostile page-supplied numbers.

Expected report URLs are read from the fixture files (every report page the
fixture holds, distractors excluded by their own marker text), never from
the crawler's code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FIXTURES, Crawl
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

from crawler.cms import get_adapter
from crawler.cms.base import COLUMN_META, PAGE_META, ListingPage, page_count
from crawler.cms.trs import parse_create_page_call
from crawler.cms.walks import ListingWalks
from crawler.registry import Portal
from crawler.run_report import INCOMPLETE_EXIT
from fixture_server import FixtureServer, render_registry

SITES = FIXTURES / "sites"
DISTRACTOR = "本页为说明性内容"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """The pager registry crawled once (about ten seconds) for every test of this module."""
    tmp = tmp_path_factory.mktemp("pagers")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.registry = render_registry(FIXTURES / "portals-pagers.yaml", server.sites, tmp / "portals-pagers.yaml")
        # The registry holds columns that end short of what they declare (list2, the hostile ones)
        # on purpose: the crawl says so with its exit status.
        proc = crawl.run(check=False)
        assert proc.returncode == INCOMPLETE_EXIT, proc.stderr[-3000:]
        yield crawl


def listings(crawl: Crawl, portal_id: str, site: str) -> list[tuple[str, str]]:
    base = crawl.server.sites[site]
    rows = crawl.query("SELECT method, url FROM pages WHERE kind = 'listing' AND portal_id = ? ORDER BY id", portal_id)
    return sorted((method, url.removeprefix(base)) for method, url in rows)


def stored(crawl: Crawl, portal_id: str, site: str) -> set[str]:
    base = crawl.server.sites[site]
    return {
        url.removeprefix(base) for (url,) in crawl.query("SELECT url FROM report_urls WHERE portal_id = ?", portal_id)
    }


def fixture_reports(site: str, under: str, pattern: str = "*.*htm*") -> set[str]:
    """URL paths of the report pages a fixture site holds under `under` (distractors excluded)."""
    root = SITES / site
    return {
        "/" + path.relative_to(root).as_posix()
        for path in (root / under.strip("/")).rglob(pattern)
        if not path.name.startswith("index") and DISTRACTOR not in path.read_text("utf-8")
    }


def bodies(crawl: Crawl, site: str, path: str) -> list[str]:
    return [r["body"] for r in crawl.server.requests() if r["site"] == site and r["path"].startswith(path)]


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_trs_list2_walks_every_static_page_of_the_column(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-trs-list2", "pager_trs_list2") == [
        ("GET", "/zwgk/zfxxgknb/index.htm"),
        ("GET", "/zwgk/zfxxgknb/index_1.htm"),
        ("GET", "/zwgk/zfxxgknb/index_2.htm"),
    ]
    reports = stored(crawled, "fx-pager-trs-list2", "pager_trs_list2")
    assert reports == fixture_reports("pager_trs_list2", "zwgk/zfxxgknb") and len(reports) == 24


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_trs_list2_stops_where_the_static_pages_end_and_says_why(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-trs-list2-departments", "pager_trs_list2") == [
        ("GET", "/zwgk/bmnb/index.htm"),
        ("GET", "/zwgk/bmnb/index_1.htm"),
    ]
    assert len(stored(crawled, "fx-pager-trs-list2-departments", "pager_trs_list2")) == 20
    assert "the column declares 4 pages but only index..index_1 are static" in crawled.log()


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_trs_create_page_with_variables_and_six_arguments_reaches_every_page(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-trs-createpage", "pager_trs_createpage") == [
        ("GET", "/xxgk/xxgknb/index.shtml"),
        ("GET", "/xxgk/xxgknb/index_1.shtml"),
        ("GET", "/xxgk/xxgknb/index_2.shtml"),
    ]
    reports = stored(crawled, "fx-pager-trs-createpage", "pager_trs_createpage")
    assert reports == fixture_reports("pager_trs_createpage", "xxgk/xxgknb") and len(reports) == 23


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_hanweb_posts_to_the_proxy_path_the_page_names(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-hanweb-proxy", "pager_hanweb_proxy") == [
        ("GET", "/col/col1229650012/index.html"),
        ("POST", "/module/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10"),
        ("POST", "/module/jpage/dataproxy.jsp?startrecord=21&endrecord=30&perpage=10"),
    ]
    for body in bodies(crawled, "pager_hanweb_proxy", "/module/jpage/dataproxy.jsp"):
        assert "columnid=1229650012" in body and "unitid=5566" in body and "webid=88" in body
    reports = stored(crawled, "fx-pager-hanweb-proxy", "pager_hanweb_proxy")
    assert reports == fixture_reports("pager_hanweb_proxy", "art") and len(reports) == 21


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_query_pager_asks_for_each_cur_page_the_pager_declares(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-query-jsp", "pager_query_jsp") == [
        ("GET", "/info/iList.jsp?cat_id=2031"),
        ("GET", "/info/iList.jsp?cat_id=2031&cur_page=2"),
        ("GET", "/info/iList.jsp?cat_id=2031&cur_page=3"),
    ]
    reports = stored(crawled, "fx-pager-query-jsp", "pager_query_jsp")
    assert reports == fixture_reports("pager_query_jsp", "info", "*.htm") and len(reports) == 26


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_hanweb_page_num_pager_follows_the_pages_it_links(crawled: Crawl) -> None:
    column = "/col/col42150/index.html?"
    assert listings(crawled, "fx-pager-hanweb-pagenum", "pager_hanweb_pagenum") == [
        ("GET", f"{column}pageNum={n}&uid=380055") for n in (2, 3)
    ] + [("GET", f"{column}uid=380055&pageNum=1")]
    reports = stored(crawled, "fx-pager-hanweb-pagenum", "pager_hanweb_pagenum")
    assert reports == fixture_reports("pager_hanweb_pagenum", "art") and len(reports) == 21


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_aspnet_pager_posts_the_form_back_with_each_pages_viewstate(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-aspnet", "pager_aspnet") == [
        ("GET", "/gkml/nbList.aspx"),
        ("POST", "/gkml/nbList.aspx"),
        ("POST", "/gkml/nbList.aspx"),
    ]
    posted = sorted(bodies(crawled, "pager_aspnet", "/gkml/nbList.aspx"))
    assert len(posted) == 3 and posted[0] == ""  # the GET, then two postbacks
    forms = [dict(re.findall(r"([^=&]+)=([^&]*)", body)) for body in posted[1:]]
    assert [(f["__EVENTTARGET"], f["__EVENTARGUMENT"]) for f in forms] == [("AspNetPager1", "2"), ("AspNetPager1", "3")]
    # each postback carries the __VIEWSTATE of the page it was posted from
    assert [f["__VIEWSTATE"] for f in forms] == [
        "%2FwEPDwULLTE2NjQ1MzAwNTRkZGhhaXBhbnBhZ2V1",
        "%2FwEPDwULLTE2NjQ2MzAwNTRkZGhhaXBhbnBhZ2V2",
    ]
    shown = {f"/gkml/nbShow.aspx?id={p.stem}" for p in (SITES / "pager_aspnet/gkml/_show").glob("*.html")}
    shown = {
        u for u in shown if DISTRACTOR not in (SITES / f"pager_aspnet/gkml/_show/{u[-4:]}.html").read_text("utf-8")
    }
    reports = stored(crawled, "fx-pager-aspnet", "pager_aspnet")
    assert reports == shown and len(reports) == 21


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_json_platform_reads_the_site_id_then_pages_the_api(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-json-gkmlpt", "pager_json_gkmlpt") == [
        ("GET", "/gkmlpt/api/all/2841?sid=710052&page=1"),
        ("GET", "/gkmlpt/api/all/2841?sid=710052&page=2"),
        ("GET", "/gkmlpt/api/all/2841?sid=710052&page=3"),
        ("GET", "/gkmlpt/index#2841"),
    ]
    reports = stored(crawled, "fx-pager-json-gkmlpt", "pager_json_gkmlpt")
    assert reports == fixture_reports("pager_json_gkmlpt", "gkmlpt/content") and len(reports) == 24


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_json_api_posted_as_a_json_body(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-json-post", "pager_json_post") == [("POST", "/portal/api/list")] * 3
    sent = sorted(json.loads(body)["pageNo"] for body in bodies(crawled, "pager_json_post", "/portal/api/list"))
    assert sent == [1, 2, 3]
    assert {json.dumps(json.loads(b), sort_keys=True) for b in bodies(crawled, "pager_json_post", "/portal")} == {
        json.dumps({"pageNo": n, "pageSize": 10, "columnCode": "zfxxgkndbg"}, sort_keys=True) for n in (1, 2, 3)
    }
    reports = stored(crawled, "fx-pager-json-post", "pager_json_post")
    assert reports == fixture_reports("pager_json_post", "xxgk/ndbg") and len(reports) == 20


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_year_index_walks_each_year_column_and_its_pages(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-year-index", "pager_year_index") == [
        ("GET", "/zwgk/zfxxgknb/2022nb/index.html"),
        ("GET", "/zwgk/zfxxgknb/2023nb/index.html"),
        ("GET", "/zwgk/zfxxgknb/2023nb/index_1.html"),
        ("GET", "/zwgk/zfxxgknb/2024nb/index.html"),
        ("GET", "/zwgk/zfxxgknb/index.html"),
    ]
    reports = stored(crawled, "fx-pager-year-index", "pager_year_index")
    assert reports == fixture_reports("pager_year_index", "zwgk/zfxxgknb") and len(reports) == 26


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_a_next_link_to_ever_new_pages_ends_at_the_page_cap(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-hostile-endless", "pager_hostile") == [
        ("GET", "/endless/" + "more/" * n) for n in range(5)
    ]
    assert "/endless/more/more/more/more/: page cap reached (5 pages); the pager offered more" in crawled.log()


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_a_json_api_that_always_answers_ends_at_the_page_cap(crawled: Crawl) -> None:
    assert listings(crawled, "fx-pager-hostile-json", "pager_hostile") == [
        ("GET", f"/api/always?page={n}") for n in range(1, 5)
    ]
    assert "/api/always?page=4: page cap reached (4 pages); the pager offered more" in crawled.log()


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_hostile_page_sizes_are_ignored_with_a_reason(crawled: Crawl) -> None:
    log = crawled.log()
    assert listings(crawled, "fx-pager-hostile-list2", "pager_hostile") == [("GET", "/list2bad/index.html")]
    assert "list2 prepage 'abc' is not a whole number; ignored" in log
    assert "the list2 pager declares records but no usable page size; not paging" in log
    assert listings(crawled, "fx-pager-hostile-hanweb", "pager_hostile") == [
        ("GET", "/col/col990005/index.html"),
        ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=4"),
    ]
    assert "jpage perPage '-5' is not positive; ignored" in log
    assert len(stored(crawled, "fx-pager-hostile-hanweb", "pager_hostile")) == 8


# ---------------------------------------------------------------- what each page declares


def portal(cms: str, **options: Any) -> Portal:
    return Portal(id="p", name="P", province="zhejiang", start_urls=("http://127.0.0.1/x",), cms=cms, options=options)


def fixture_page(site: str, path: str, url_path: str | None = None, meta: dict[str, Any] | None = None) -> TextResponse:
    url = "http://127.0.0.1" + (url_path or path)
    body = (SITES / site / path.lstrip("/")).read_bytes()
    cls = XmlResponse if path.endswith(".xml") else HtmlResponse
    return cls(url, body=body, encoding="utf-8", request=Request(url, meta=meta or {}))


@pytest.mark.parametrize(
    "path, records, pages, number, next_urls",
    [
        ("/zwgk/zfxxgknb/index.htm", 26, 3, 1, ["/zwgk/zfxxgknb/index_1.htm"]),
        ("/zwgk/zfxxgknb/index_2.htm", 26, 3, 3, []),
        ("/zwgk/bmnb/index_1.htm", 35, 4, 2, []),
    ],
)
def test_trs_list2_pages_declare_the_columns_records_and_pages(
    path: str, records: int, pages: int, number: int, next_urls: list[str]
) -> None:
    page = get_adapter("trs").parse(fixture_page("pager_trs_list2", path), portal("trs"))
    assert (page.declared_records, page.declared_pages, page.page_number) == (records, pages, number)
    assert [r.url.removeprefix("http://127.0.0.1") for r in page.next_requests] == next_urls
    assert (page.stop_reason is not None) == (path == "/zwgk/bmnb/index_1.htm")


@pytest.mark.parametrize(
    "path, records, number",
    [
        ("/xxgk/xxgknb/index.shtml", None, 1),
        ("/xxgk/xxgknb/index_1.shtml", None, 2),
        ("/xxgk/xxgknb/index_2.shtml", 24, 3),
    ],
)
def test_trs_create_page_declares_its_page_count(path: str, records: int | None, number: int) -> None:
    page = get_adapter("trs").parse(fixture_page("pager_trs_createpage", path), portal("trs"))
    assert (page.declared_pages, page.declared_records, page.page_number) == (3, records, number)


def test_hanweb_page_and_proxy_answers_declare_the_total() -> None:
    adapter = get_adapter("hanweb")
    first = adapter.parse(fixture_page("pager_hanweb_proxy", "/col/col1229650012/index.html"), portal("hanweb"))
    assert (first.declared_records, first.declared_pages, first.page_number, first.record_count) == (23, 3, 1, 10)
    (request,) = first.next_requests
    assert request.url == "http://127.0.0.1/module/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10"
    answer = XmlResponse(
        request.url, body=(SITES / "pager_hanweb_proxy/_proxy/21-30.xml").read_bytes(), request=request
    )
    last = adapter.parse(answer, portal("hanweb"))
    assert (last.declared_records, last.declared_pages, last.page_number, last.record_count) == (23, 3, 2, 3)


@pytest.mark.parametrize("number, records", [(1, 10), (2, 10), (3, 7)])
def test_query_pager_pages_declare_records_and_pages(number: int, records: int) -> None:
    url = "/info/iList.jsp?cat_id=2031" + (f"&cur_page={number}" if number > 1 else "")
    page = get_adapter("static").parse(
        fixture_page("pager_query_jsp", f"/_pages/page{number}.html", url), portal("static", page_param="cur_page")
    )
    assert (page.declared_records, page.declared_pages, page.page_number) == (27, 3, number)
    assert len(page.next_requests) == (1 if number < 3 else 0)


def test_aspnet_pager_declares_records_and_pages() -> None:
    page = get_adapter("static").parse(
        fixture_page("pager_aspnet", "/_pages/page1.html", "/gkml/nbList.aspx"), portal("static")
    )
    assert (page.declared_records, page.declared_pages, page.page_number) == (22, 3, 1)
    (request,) = page.next_requests
    assert request.method == "POST" and request.meta[PAGE_META] == 2
    assert b"__EVENTARGUMENT=2" in request.body and b"__EVENTTARGET=AspNetPager1" in request.body


def test_json_pages_declare_the_api_total() -> None:
    options = {"api": "/gkmlpt/api/all/2841?sid={sid}", "page_values": {"sid": r"SID:\s*'(\d+)'"}}
    adapter = get_adapter("json")
    shell = adapter.parse(fixture_page("pager_json_gkmlpt", "/gkmlpt/index"), portal("json", **options))
    (request,) = shell.next_requests
    assert request.url == "http://127.0.0.1/gkmlpt/api/all/2841?sid=710052&page=1"
    answer = TextResponse(
        request.url, body=(SITES / "pager_json_gkmlpt/_api/2841-1.json").read_bytes(), request=request
    )
    page = adapter.parse(answer, portal("json", **options))
    assert (page.declared_records, page.declared_pages, page.page_number, page.record_count) == (25, 3, 1, 10)
    assert page.links[0].date == "2025-01-03"
    assert page.next_requests[0].url.endswith("page=2")


def test_json_dates_in_epoch_milliseconds_are_read() -> None:
    request = Request(
        "http://127.0.0.1/portal/api/list", meta={"json_api": {"api": "http://127.0.0.1/portal/api/list", "page": 1}}
    )
    answer = TextResponse(request.url, body=(SITES / "pager_json_post/_api/list-3.json").read_bytes(), request=request)
    page = get_adapter("json").parse(answer, portal("json", date_field="publishDate", page_size=10))
    assert (page.declared_records, page.declared_pages, page.page_number, page.record_count) == (22, 3, 1, 2)
    assert all(re.fullmatch(r"20\d\d-\d\d-\d\d", link.date or "") for link in page.links)


# ---------------------------------------------------------------- hostile numbers


@pytest.mark.parametrize("value", [0, -5, "abc", 1.5, "1.5", "0", "-5", 10**12, True, None])
def test_untrustworthy_page_numbers_are_ignored(value: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.cms.base"):
        assert page_count(value, "perpage", "http://127.0.0.1/x") is None
    assert "perpage" in caplog.text and "ignored" in caplog.text


LIST2 = """<ul><li><a href="./202401/t1.htm" title="示例县2023年政府信息公开工作年度报告">x</a></li></ul>
<script>require(['list2.trsapi'], function (l) {{ l.listModel({{ quickMode: "动静结合", maxStaticIndex: 5,
pagebar: {{ prepage: {prepage}, recordCount: '40' }} }}); }});</script>"""


@pytest.mark.parametrize("prepage", ["0", "-5", "'abc'", "1.5"])
def test_list2_with_a_hostile_prepage_does_not_page_and_says_why(prepage: str) -> None:
    url = "http://127.0.0.1/nb/index.html"
    response = HtmlResponse(url, body=LIST2.format(prepage=prepage).encode(), encoding="utf-8", request=Request(url))
    page = get_adapter("trs").parse(response, portal("trs"))
    assert page.next_requests == [] and page.declared_records == 40 and page.declared_pages is None
    assert page.stop_reason == "the list2 pager declares records but no usable page size; not paging"


HANWEB = """<div id="1"><script type="text/xml"><datastore><recordset>
<record><![CDATA[<li><a href="/art/1.html" title="示例县2023年政府信息公开工作年度报告">x</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2.html" title="示例县2022年政府信息公开工作年度报告">x</a></li>]]></record>
</recordset></datastore></script>
<script>$('#1').jpage({{ perPage: {perpage}, totalRecord: 6, columnid: '77', unitid: '1' }});</script></div>"""


@pytest.mark.parametrize("perpage", ["0", "-5", "'abc'", "1.5"])
def test_hanweb_with_a_hostile_perpage_pages_by_the_records_it_holds(perpage: str) -> None:
    url = "http://127.0.0.1/col/col77/index.html"
    response = HtmlResponse(url, body=HANWEB.format(perpage=perpage).encode(), encoding="utf-8", request=Request(url))
    page = get_adapter("hanweb").parse(response, portal("hanweb"))
    (request,) = page.next_requests
    assert request.url == "http://127.0.0.1/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2"
    assert page.declared_records == 6 and page.declared_pages == 3


@pytest.mark.parametrize("total", ['"abc"', "-5", "1.5", "0"])
def test_json_with_a_hostile_total_follows_full_pages_only(total: str) -> None:
    request = Request("http://127.0.0.1/api?page=1", meta={"json_api": {"api": "http://127.0.0.1/api", "page": 1}})
    records = ",".join(f'{{"title": "t{i}", "url": "/a/{i}.html"}}' for i in range(3))
    body = f'{{"total": {total}, "list": [{records}]}}'.encode()
    page = get_adapter("json").parse(TextResponse(request.url, body=body, request=request), portal("json", page_size=3))
    # "0" is a number, but the three records on the page contradict it: not believed either
    assert page.declared_records is None and page.declared_pages is None
    assert [r.url for r in page.next_requests] == ["http://127.0.0.1/api?page=2"]


def test_create_page_with_a_hostile_count_asks_for_nothing() -> None:
    for script in ('createPageHTML(0, 0, "index", "html");', 'createPageHTML(-5, 0, "index", "html");'):
        url = "http://127.0.0.1/nb/index.html"
        response = HtmlResponse(url, body=f"<script>{script}</script>".encode(), request=Request(url))
        page = get_adapter("trs").parse(response, portal("trs"))
        assert page.next_requests == [] and page.declared_pages is None
    assert parse_create_page_call("createPageHTML('p', 4, 1, 'index', 'html', 31);") == (4, 1, "index", "html", 31)


def test_a_json_api_repeating_its_page_stops_with_a_reason() -> None:
    body = b'{"list": [{"title": "t", "url": "/a.html"}]}'
    first_req = Request("http://127.0.0.1/api?page=1", meta={"json_api": {"api": "http://127.0.0.1/api", "page": 1}})
    adapter = get_adapter("json")
    first = adapter.parse(TextResponse(first_req.url, body=body, request=first_req), portal("json"))
    (second_req,) = first.next_requests
    second = adapter.parse(TextResponse(second_req.url, body=body, request=second_req), portal("json"))
    assert (
        second.next_requests == []
        and second.stop_reason == "page 2 repeats page 1 (the API ignores the page parameter)"
    )


def test_the_page_cap_is_the_entrys_option_else_the_requests_meta() -> None:
    url = "http://127.0.0.1/endless/"
    body = (SITES / "pager_hostile/_endless.html").read_bytes()
    response = HtmlResponse(url, body=body, request=Request(url, meta={PAGE_META: 3, "listing_max_pages": 50}))
    page = get_adapter("static").parse(response, portal("static", max_pages=3))
    assert page.next_requests == [] and page.stop_reason == "page cap reached (3 pages); the pager offered more"
    page = get_adapter("static").parse(
        response.replace(request=Request(url, meta={PAGE_META: 3, "listing_max_pages": 3})), portal("static")
    )
    assert page.next_requests == [] and page.stop_reason is not None
    page = get_adapter("static").parse(response.replace(request=Request(url, meta={PAGE_META: 3})), portal("static"))
    assert [r.meta[PAGE_META] for r in page.next_requests] == [4]


# ---------------------------------------------------------------- completeness against what pages declare


def test_a_column_walked_to_its_declared_last_page_is_complete() -> None:
    walks, adapter = ListingWalks(), get_adapter("trs")
    for n, name in enumerate(("index", "index_1", "index_2")):
        path = f"/zwgk/zfxxgknb/{name}.htm"
        response = fixture_page("pager_trs_list2", path, meta={PAGE_META: n + 1} if n else None)
        walks.record("start", adapter.parse(response, portal("trs")), response.url)
    assert walks.shortfall("start") is None


def test_a_column_whose_pager_stops_short_is_incomplete_with_the_reason() -> None:
    walks, adapter = ListingWalks(), get_adapter("trs")
    for n, name in enumerate(("index", "index_1")):
        response = fixture_page("pager_trs_list2", f"/zwgk/bmnb/{name}.htm", meta={PAGE_META: n + 1})
        walks.record("start", adapter.parse(response, portal("trs")), response.url)
    assert walks.shortfall("start") == (
        "listing: http://127.0.0.1/zwgk/bmnb/index_1.htm: the column declares 4 pages but only index..index_1 "
        "are static; the rest come from TRS's list service, which is not followed"
    )


def test_fewer_pages_or_records_than_declared_is_incomplete() -> None:
    walks = ListingWalks()
    walks.record("a", ListingPage(declared_pages=3, page_number=1), "p1", followed=[Request("http://x/2")])
    walks.record("a", ListingPage(declared_pages=3, page_number=2), "p2", followed=[])
    assert walks.shortfall("a") == "listing: reached 2 of the 3 pages its pager declares"
    walks.record("b", ListingPage(declared_records=23, page_number=1, record_count=10), "p1")
    walks.record("b", ListingPage(declared_records=23, page_number=2, record_count=10), "p2")
    assert walks.shortfall("b") == "listing: reached 20 of the 23 records its pager declares"
    walks.record("c", ListingPage(declared_records=23, page_number=1, record_count=10), "p1", followed=[])
    walks.record("c", ListingPage(declared_records=23, page_number=1), "p1", stopped_known=True)
    assert walks.shortfall("c") is None  # an incremental crawl stopping on known reports of a complete listing
    assert walks.shortfall("never") == "no listing page was parsed"


def test_a_year_column_short_of_its_pages_makes_the_listing_incomplete() -> None:
    walks = ListingWalks()
    year = Request("http://x/2023nb/", meta={COLUMN_META: "http://x/2023nb/"})
    walks.record("idx", ListingPage(page_number=1, next_requests=[year]), "http://x/")
    walks.record("idx", ListingPage(page_number=1, declared_pages=2, column="http://x/2023nb/"), "http://x/2023nb/")
    assert walks.shortfall("idx") == "http://x/2023nb/: reached 1 of the 2 pages its pager declares"


@pytest.mark.services  # reads the module's crawl of the pager portals
def test_a_column_walked_short_of_what_it_declares_is_incomplete_with_the_reason(crawled: Crawl) -> None:
    status = {pid: (s, r) for pid, s, r in crawled.query("SELECT portal_id, status, reason FROM listing_runs")}
    # list2 declares 4 pages, only index..index_1 are static: reached 2 of 4
    assert status["fx-pager-trs-list2-departments"][0] == "incomplete"
    assert "only index..index_1 are static" in status["fx-pager-trs-list2-departments"][1]
    for endless in ("fx-pager-hostile-endless", "fx-pager-hostile-json"):
        assert status[endless][0] == "incomplete" and "page cap" in status[endless][1]
    for whole in ("fx-pager-trs-list2", "fx-pager-trs-createpage", "fx-pager-hanweb-proxy", "fx-pager-json-gkmlpt"):
        assert status[whole] == ("complete", None), whole
    assert "listing/incomplete_count" in crawled.log()


@pytest.mark.services
def test_an_incomplete_column_is_walked_again_on_the_next_crawl(crawled: Crawl) -> None:
    before = len(crawled.server.requests())
    assert crawled.run(check=False).returncode == INCOMPLETE_EXIT
    again = [r["path"] for r in crawled.server.requests()[before:] if r["site"] == "pager_trs_list2"]
    assert "/zwgk/bmnb/index_1.htm" in again  # the incomplete column is walked to its end again
    assert "/zwgk/zfxxgknb/index_1.htm" not in again  # the complete one stops at its first, all-known page
