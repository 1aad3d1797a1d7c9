"""Issue 16, flipbooks: a FlipBuilder-style book's pageN.html pages read as one report.

The book (fixtures/sites/formats_flipbook/, written by formats_src/build.py)
stacks a 22-row label one character per div, wraps long labels over several
divs and breaks the applications table across a page; expected values are
the numbers typed into the builder (expected.json).
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from conftest import FIXTURES
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
