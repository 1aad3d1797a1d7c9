"""Issue 16, flipbooks: a FlipBuilder-style book's pageN.html pages read as one report.

The book (fixtures/sites/formats_flipbook/, written by formats_src/build.py)
stacks a 22-row label one character per div, wraps long labels over several
divs and breaks the applications table across a page; expected values are
the numbers typed into the builder (expected.json).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, Crawl
from formats_fixtures import crawl_stats, expected, portal_registry, typed_cells
from parsel import Selector

from crawler.attachments import AttachmentError
from crawler.attachments.formats.flipbook import flipbook_to_html, page_urls
from crawler.core import parse_report
from fixture_server import FixtureServer

BOOK = FIXTURES / "sites" / "formats_flipbook" / "books" / "2023ndbg" / "files" / "basic-html"
EXPECTED = json.loads((FIXTURES / "sites" / "formats_qingxi" / "expected.json").read_text("utf-8"))["flipbook"]
INDEX_URL = "http://127.0.0.1/books/2023ndbg/files/basic-html/index.html"


def pages() -> list[bytes]:
    urls = page_urls((BOOK / "index.html").read_text("utf-8"), INDEX_URL)
    return [(BOOK / url.rsplit("/", 1)[1]).read_bytes() for url in urls]


def test_the_book_index_lists_its_pages_in_order() -> None:
    urls = page_urls((BOOK / "index.html").read_text("utf-8"), INDEX_URL)
    assert [u.rsplit("/", 1)[1] for u in urls] == [f"page{n}.html" for n in range(1, len(urls) + 1)]
    assert len(urls) == len(list(BOOK.glob("page*.html"))) >= 3


def test_a_flipbook_is_one_report_with_every_cell_of_its_three_tables() -> None:
    report = parse_report(flipbook_to_html(pages()).encode(), "text/html; charset=utf-8", INDEX_URL)
    got = {(c["table_code"], c["row_code"], c["col_code"]): c["value"] for c in report.cells or []}
    want = {(t, r, c): v for t, rows in EXPECTED["tables"].items() for r, cols in rows.items() for c, v in cols.items()}
    assert got == want
    assert [s["code"] for s in report.sections or []] == [
        "overview",
        "active",
        "applications",
        "review_litigation",
        "problems",
        "other",
    ]
    assert report.errors == []


def test_a_table_broken_across_pages_is_joined_and_vertical_and_wrapped_labels_read_whole() -> None:
    tree = Selector(text=flipbook_to_html(pages()))
    assert len(tree.xpath("//table")) == 3
    labels = tree.xpath("//td/text()").getall()
    assert "三、本年度办理结果" in labels  # stacked one character per div
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels  # wrapped over several divs
    assert not any("- " in t for t in tree.xpath("//p/text()").getall())  # page numbers dropped


def test_the_pages_fetched_from_the_fixture_server_give_the_same_report(tmp_path) -> None:
    with FixtureServer(FIXTURES, workdir=tmp_path) as server:
        base = server.sites["formats_flipbook"] + "/books/2023ndbg/files/basic-html/index.html"
        with urllib.request.urlopen(base, timeout=10) as response:
            urls = page_urls(response.read().decode("utf-8"), base)
        fetched = []
        for url in urls:
            with urllib.request.urlopen(url, timeout=10) as response:
                fetched.append(response.read())
    assert flipbook_to_html(fetched) == flipbook_to_html(pages())


@pytest.mark.parametrize(
    ("book", "error"),
    [
        ([], "flipbook empty"),
        ([b"<html><body><p>no positioned text</p></body></html>"], "flipbook empty"),
        ([b"<div style='left:1px;top:1px'>x</div>" + b" " * (6 * 1024 * 1024)], "flipbook page too large"),
        ([b"<div style='left:1px;top:99999px'>x</div>"], "flipbook page too large"),
        ([b"<div>x</div>"] * 201, "flipbook too large"),
    ],
)
def test_an_empty_or_oversized_book_raises_a_named_error(book: list[bytes], error: str) -> None:
    with pytest.raises(AttachmentError, match=error):
        flipbook_to_html(book)


# ---------------------------------------------------------------- through the real engine (fixtures/sites/formats_flipbook)

BOOKS = expected("formats_flipbook")


@pytest.fixture(scope="module")
def book_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("books")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.registry = portal_registry(server.sites, "fx-formats-flipbook", tmp / "portals.yaml")
        crawl.run()
        yield crawl


def stored_book(crawl: Crawl, path: str) -> tuple[str, str, list[dict[str, str]]]:
    rows = crawl.query(
        "SELECT r.report_id, r.url, r.errors FROM reports r JOIN report_urls u USING (report_id) WHERE u.url = ?",
        crawl.url("formats_flipbook", path),
    )
    assert rows, f"{path} not stored"
    report_id, url, errors = rows[0]
    return str(report_id), str(url), json.loads(errors or "[]")


def book_cells(crawl: Crawl, report_id: str) -> dict[tuple[str, str, str], object]:
    rows = crawl.query("SELECT table_code, row_code, col_code, value FROM table_cells WHERE report_id = ?", report_id)
    return {(t, r, c): v for t, r, c, v in rows}


def test_a_flipbook_linked_from_a_listing_is_stored_once_with_every_cell_of_its_pages(book_crawl: Crawl) -> None:
    report_id, url, errors = stored_book(book_crawl, EXPECTED["path"])
    assert errors == []
    assert url == book_crawl.url("formats_flipbook", EXPECTED["path"])
    cells = book_cells(book_crawl, report_id)
    assert len(cells) == 200
    assert cells == typed_cells(EXPECTED["tables"])
    assert book_crawl.query("SELECT count(*) FROM reports WHERE title = ?", EXPECTED["title"]) == [(1,)]
    paths = [r["path"] for r in book_crawl.server.requests()]
    assert [p for p in paths if p.startswith("/books/2023ndbg/")] == [
        "/books/2023ndbg/files/basic-html/index.html",
        *(f"/books/2023ndbg/files/basic-html/page{n}.html" for n in range(1, 5)),
    ]


def test_a_flipbook_behind_its_viewer_page_is_read_from_the_basic_html_copy(book_crawl: Crawl) -> None:
    book = BOOKS["book2022"]
    report_id, url, errors = stored_book(book_crawl, book["path"])  # the listing's link: the viewer page
    assert errors == []
    assert url == book_crawl.url("formats_flipbook", "/books/2022ndbg/files/basic-html/index.html")
    assert book_cells(book_crawl, report_id) == typed_cells(book["tables"])


def test_a_flipbook_with_a_missing_page_is_stored_with_the_page_named_and_what_the_others_print(
    book_crawl: Crawl,
) -> None:
    book = BOOKS["book2021"]
    report_id, _, errors = stored_book(book_crawl, book["path"])
    page3 = book_crawl.url("formats_flipbook", book["path"].replace("index.html", "page3.html"))
    assert [e for e in errors if e["stage"] == "flipbook"] == [
        {"stage": "flipbook", "error": f"flipbook page 3 of 4 missing: {page3} (HTTP 404); the other pages are kept"}
    ]
    got, typed = book_cells(book_crawl, report_id), typed_cells(book["tables"])
    assert {k: v for k, v in got.items() if k[0] == "active"} == {k: v for k, v in typed.items() if k[0] == "active"}
    applications = {k: v for k, v in got.items() if k[0] == "applications"}
    assert applications and all(typed[k] == v for k, v in applications.items())  # page 2's rows, as printed
    assert not [k for k in got if k[0] == "review_litigation"]  # it was on page 3
    assert crawl_stats(book_crawl.log())["flipbook/missing_pages_count"] == 1


def test_a_book_over_flipbook_max_pages_is_read_to_the_cap_and_says_so(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES, log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        crawl = Crawl(server, tmp_path)
        crawl.registry = portal_registry(server.sites, "fx-formats-flipbook", tmp_path / "portals.yaml")
        crawl.run(FLIPBOOK_MAX_PAGES="2")
        report_id, _, errors = stored_book(crawl, EXPECTED["path"])
        got = book_cells(crawl, report_id)
        paths = [r["path"] for r in server.requests()]
    assert [e["error"] for e in errors if e["stage"] == "flipbook"] == [
        "budget: flipbook lists 4 pages, over FLIPBOOK_MAX_PAGES=2; the first 2 were read"
    ]
    assert "/books/2023ndbg/files/basic-html/page3.html" not in paths
    typed = typed_cells(EXPECTED["tables"])
    assert {k: v for k, v in got.items() if k[0] == "active"} == {k: v for k, v in typed.items() if k[0] == "active"}


TEXT_LAYER_PAGE = """<html><head><title>Page 2 - 青溪县某局2023年政府信息公开工作年度报告</title></head><body>
<div class="toolbar"><a href="index.html">Table of Contents</a> <a href="page1.html">Prev</a> <a href="page3.html">Next</a></div>
<code>
一、总体情况
    本年度主动公开政府信息1203条，
按时办结依申请公开。
二、主动公开政府信息情况
信息内容        本年制发件数    本年废止件数    现行有效件数
规章            0               0               0
- 2 -
</code></body></html>""".encode()


def test_a_book_page_with_only_a_code_text_layer_keeps_its_text_as_paragraphs_not_cells() -> None:
    tree = Selector(text=flipbook_to_html([TEXT_LAYER_PAGE]))
    paragraphs = tree.xpath("//p/text()").getall()
    assert paragraphs[:3] == [
        "一、总体情况",
        "本年度主动公开政府信息1203条，按时办结依申请公开。",
        "二、主动公开政府信息情况",
    ]
    assert "信息内容 本年制发件数 本年废止件数 现行有效件数" in paragraphs  # columns of spaces: text, not a table
    assert not any("- 2 -" in p for p in paragraphs)
    assert tree.xpath("count(//table)").get() == "0.0"


def test_pages_a_pages_navigation_adds_before_those_read_are_still_read_in_page_order() -> None:
    """Entered at page 3 (its index listed 3 and 4), page 3's navigation lists 1–4: page 1 is fetched next."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.spiders import flipbook
    from crawler.spiders.province_reports import ProvinceReportsSpider

    crawler = get_crawler(ProvinceReportsSpider, {"REPORTS_DB": ""})
    spider = crawler._create_spider()
    base = "http://127.0.0.1/files/basic-html/"
    book = {
        "index": {},
        "link_url": base,
        "title": None,
        "urls": [base + "page3.html", base + "page4.html"],
        "pages": {},
        "errors": [],
    }
    meta = {"portal_id": "p", "listing_url": None, "link_title": None, "link_date": None, flipbook.META: book}
    nav = "".join(f'<a href="page{n}.html">{n}</a>' for n in range(1, 5))
    page3 = HtmlResponse(
        base + "page3.html",
        body=f"<html><body>{nav}</body></html>".encode(),
        encoding="utf-8",
        request=Request(base + "page3.html", meta=meta),
    )
    (nxt,) = list(flipbook.page_arrived(spider, page3))
    assert nxt.url == base + "page1.html"
    assert book["urls"] == [base + f"page{n}.html" for n in range(1, 5)]
    page1 = HtmlResponse(nxt.url, body=b"<html><body>1</body></html>", encoding="utf-8", request=nxt)
    (nxt,) = list(flipbook.page_arrived(spider, page1))
    assert nxt.url == base + "page2.html"
