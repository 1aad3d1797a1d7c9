"""The spider's byte-level test before it parses a report page for an attachment link (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.attachments.detect import may_link_attachment
from crawler.attachments.links import attachment_links

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    f
    for folder in (ROOT / "fixtures" / "sites", ROOT / "tests")
    for f in folder.rglob("*")
    if f.is_file() and f.suffix.lower() in (".html", ".htm", ".shtml")
)
PLAIN_PAGE = "<html><body><img src='/logo.png'><h1>2023年报</h1><a href='/art/2.html'>上一篇</a></body></html>"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_the_byte_test_rules_out_has_no_attachment_link(page: Path) -> None:
    body = page.read_bytes()
    url = "http://127.0.0.1/" + page.name
    if not may_link_attachment(body, url):
        assert attachment_links(HtmlResponse(url, body=body).selector, url) == []


def test_most_fixture_report_pages_are_not_parsed_for_a_link() -> None:
    reports = [p for p in PAGES if "/ndbg/" in str(p) or "/xxgknb/" in str(p) or "/art/" in str(p)]
    ruled_out = [p for p in reports if not may_link_attachment(p.read_bytes(), "http://127.0.0.1/" + p.name)]
    assert len(reports) > 50
    assert len(ruled_out) > 0.8 * len(reports)


def test_images_inside_img_tags_are_no_links() -> None:
    assert not may_link_attachment(PLAIN_PAGE.encode("utf-8"), "http://127.0.0.1/art/1.html")
    assert not may_link_attachment(PLAIN_PAGE.encode("gbk"), "http://127.0.0.1/art/1.html")


@pytest.mark.parametrize(
    "html",
    [
        "<a href='/up/P0202401.PDF'>附件</a>",
        "<a href='/up/report.docx'>x</a>",
        "<a href='/up/a%2Epdf'>x</a>",
        "<a href='/up/a.%70df'>x</a>",
        "<a href='/up/a&#46;pdf'>x</a>",
        "<a href='/up/a.p&#100;f'>x</a>",
        "<a href='/module/download/downfile.jsp?classid=0&filename=1'>下载</a>",
        "<a href='/up/big.jpg'><img src='/up/small.jpg'></a>",
        "<a href='/x' title='2023年报.png'>2023年报</a>",
        "<p>附件：<a href='/x'>2023年报.jpeg</a></p>",
        "<a href='/up/a.wpſ'>x</a>",
    ],
)
def test_anything_a_file_link_could_be_is_parsed(html: str) -> None:
    assert may_link_attachment(html.encode("utf-8"), "http://127.0.0.1/art/1.html")


def test_pages_it_cannot_read_as_bytes_are_parsed() -> None:
    utf16 = PLAIN_PAGE.replace("/art/2.html", "/up/a.pdf").encode("utf-16")
    assert may_link_attachment(utf16, "http://127.0.0.1/art/1.html")
    assert may_link_attachment(PLAIN_PAGE.encode("utf-16"), "http://127.0.0.1/art/1.html")
    # a link of only a query keeps the page's own path, and that names a file
    assert may_link_attachment(b"<a href='?v=2'>x</a>", "http://127.0.0.1/up/report.pdf")
