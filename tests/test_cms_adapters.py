"""Listing adapters on hand-made listing pages (the crawl tests use real fixtures)."""

from __future__ import annotations

import pytest
from scrapy import FormRequest
from scrapy.http import HtmlResponse, Request, XmlResponse

from crawler.cms import UnknownAdapter, get_adapter
from crawler.cms.trs import parse_create_page
from crawler.registry import Portal


def portal(cms: str, **options: object) -> Portal:
    return Portal(
        id="p", name="P", province="zhejiang", start_urls=("http://127.0.0.1/x",), cms=cms, options=dict(options)
    )


def html(url: str, body: str, meta: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta or {}))


@pytest.mark.parametrize(
    "script, expected",
    [
        ('createPageHTML(3, 0, "index", "html");', (3, 0, "index", "html")),
        ("createPageHTML(12,11,'index','shtml')", (12, 11, "index", "shtml")),
        ("createPageHTML('page_div',7, 2,'index','html',98);", (7, 2, "index", "html")),
        ("var x = 1;", None),
    ],
)
def test_trs_pager_call_is_read(script: str, expected: tuple | None) -> None:
    assert parse_create_page(script) == expected


def test_trs_adapter_asks_for_the_next_index_file_until_the_last() -> None:
    adapter = get_adapter("trs")
    first = html(
        "http://127.0.0.1/nb/index.html",
        '<a href="./202101/t20210107_1.html">x</a><script>createPageHTML(3, 0, "index", "html");</script>',
    )
    last = html("http://127.0.0.1/nb/index_2.html", '<script>createPageHTML(3, 2, "index", "html");</script>')
    page = adapter.parse(first, portal("trs"))
    assert [r.url for r in page.next_requests] == ["http://127.0.0.1/nb/index_1.html"]
    assert [link.url for link in page.links] == ["http://127.0.0.1/nb/202101/t20210107_1.html"]
    assert adapter.parse(last, portal("trs")).next_requests == []


def test_static_adapter_follows_next_page_link_and_reads_dates() -> None:
    page = get_adapter("static").parse(
        html(
            "http://127.0.0.1/nb/list.asp?page=1",
            """
        <ul><li><a href="show.asp?id=7" title="2021年政府信息公开工作年度报告">2021年…</a><span>2022-01-21</span></li></ul>
        <a href="list.asp?page=1">上一页</a><a href="list.asp?page=2">下一页</a>""",
        ),
        portal("static"),
    )
    assert page.links[0].title == "2021年政府信息公开工作年度报告"
    assert page.links[0].date == "2022-01-21"
    assert [r.url for r in page.next_requests] == ["http://127.0.0.1/nb/list.asp?page=2"]


def test_static_adapter_restricts_links_to_list_selector() -> None:
    body = '<div id="nav"><a href="/a.html">2020年政府信息公开年报</a></div><div class="list"><a href="/b.html">2021年政府信息公开年报</a></div>'
    page = get_adapter("static").parse(html("http://127.0.0.1/", body), portal("static", list_selector="div.list"))
    assert [link.url for link in page.links] == ["http://127.0.0.1/b.html"]


HANWEB_PAGE = """<div id="4567"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=1229&unitid=4567&webname=%E9%BB%84&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2024/1/20/art_1229_5.html" title="2023年政府信息公开工作年度报告">2023…</a><span>2024-01-20</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/1/20/art_1229_4.html" title="2022年政府信息公开工作年度报告">2022…</a><span>2023-01-20</span></li>]]></record></recordset></datastore></script>
<script>$('#4567').jpage({dataStore: dataStore, perPage: 2, totalRecord: 5, proxyUrl: '/module/web/jpage/dataproxy.jsp'});</script></div>"""


def test_hanweb_adapter_reads_the_datastore_and_posts_for_the_next_records() -> None:
    page = get_adapter("hanweb").parse(html("http://127.0.0.1/col/col1229/index.html", HANWEB_PAGE), portal("hanweb"))
    assert [link.url for link in page.links] == [
        "http://127.0.0.1/art/2024/1/20/art_1229_5.html",
        "http://127.0.0.1/art/2023/1/20/art_1229_4.html",
    ]
    (request,) = page.next_requests
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.url == "http://127.0.0.1/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2"
    assert b"columnid=1229" in request.body and b"unitid=4567" in request.body and b"webid=3" in request.body


def test_hanweb_adapter_stops_after_the_last_record() -> None:
    adapter = get_adapter("hanweb")
    first = adapter.parse(html("http://127.0.0.1/col/col1229/index.html", HANWEB_PAGE), portal("hanweb"))
    req = first.next_requests[0]
    body = b'<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>5</totalrecord><recordset><record><![CDATA[<li><a href="/art/x5.html">x</a></li>]]></record></recordset></datastore>'
    resp = XmlResponse(req.url, body=body, request=req)
    resp_meta_request = req  # meta travels with the request
    second = adapter.parse(resp, portal("hanweb"))
    assert second.next_requests[0].url.endswith("startrecord=5&endrecord=6&perpage=2")
    last_req = second.next_requests[0]
    last = adapter.parse(XmlResponse(last_req.url, body=body, request=last_req), portal("hanweb"))
    assert last.next_requests == [] and resp_meta_request.meta["hanweb"]["next"] == 3


def test_unknown_cms_is_a_clear_error() -> None:
    with pytest.raises(UnknownAdapter, match="no listing adapter 'joomla'"):
        get_adapter("joomla")


def test_trs_pager_object_form_asks_for_the_next_index_file() -> None:
    body = """<a href="./202401/t1.html">x</a>
    <script>Pager({size:3, current:1, prefix:'index',suffix:'shtml'});</script>"""
    page = get_adapter("trs").parse(html("http://127.0.0.1/nb/index_1.shtml", body), portal("trs"))
    assert [r.url for r in page.next_requests] == ["http://127.0.0.1/nb/index_2.shtml"]
    assert (page.declared_pages, page.page_number) == (3, 2)


def test_static_pages_declare_what_their_pager_says() -> None:
    body = '<ul><li><a href="/a.html">x</a></li></ul><div class="pagination">共 45 条记录 第1页/共5页</div>'
    page = get_adapter("static").parse(html("http://127.0.0.1/list.html", body), portal("static"))
    assert (page.declared_records, page.declared_pages, page.page_number, page.next_requests) == (45, 5, 1, [])


def test_json_form_post_api_sends_the_page_as_a_form_field() -> None:
    options = {"api": "/dynamic/document/search", "method": "POST", "page_param": "currentPageNum"}
    options |= {"size_param": "pageSize", "page_size": 30, "params": {"oc": 7}}
    (request,) = get_adapter("json").first_requests(portal("json", **options), "http://127.0.0.1/zwgk/nb/")
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.url == "http://127.0.0.1/dynamic/document/search"
    assert sorted(request.body.decode().split("&")) == ["currentPageNum=1", "oc=7", "pageSize=30"]


def test_year_index_links_become_their_own_columns() -> None:
    body = """<a href="2024nb/">2024年</a><a href="2023nb/index.html">2023年</a>
    <a href="/zwgk/zfxxgkzn/">政府信息公开指南</a>"""
    adapter, entry = get_adapter("static"), portal("static", column_pattern=r"/20\d\dnb/(index\.html)?$")
    index = adapter.parse(html("http://127.0.0.1/zfxxgknb/index.html", body), entry)
    assert [(r.url, r.meta["listing_column"]) for r in index.next_requests] == [
        ("http://127.0.0.1/zfxxgknb/2024nb/", "http://127.0.0.1/zfxxgknb/2024nb/"),
        ("http://127.0.0.1/zfxxgknb/2023nb/index.html", "http://127.0.0.1/zfxxgknb/2023nb/index.html"),
    ]
    column = html(
        "http://127.0.0.1/zfxxgknb/2024nb/", body + '<a href="index_1.html">下一页</a>', index.next_requests[0].meta
    )
    page = adapter.parse(column, entry)  # a year column follows its own pager, not the year links again
    assert [r.url for r in page.next_requests] == ["http://127.0.0.1/zfxxgknb/2024nb/index_1.html"]
    assert page.column == "http://127.0.0.1/zfxxgknb/2024nb/" and page.next_requests[0].meta["listing_page"] == 2
