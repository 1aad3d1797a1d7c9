"""Issue 16: which bodies are the new attachment kinds, and which cover-page links lead to them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from parsel import Selector

from crawler.attachments import is_attachment
from crawler.attachments.formats.detect import word_encrypted
from crawler.attachments.links import attachment_to_follow

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "formats_qingxi" / "zwgk" / "ndbg"


def fixture(path: str) -> bytes:
    return (SITE / path).read_bytes()


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("202402/P020240205100001.doc", "application/octet-stream", "doc"),
        ("202402/P020240212100002.wps", "application/octet-stream", "wps"),  # Word 97 stream, WPS name
        ("202403/P020240301100003.xls", "application/octet-stream", "xls"),  # Workbook stream
        ("202403/P020240315100005.et", None, "et"),
        ("202403/P020240308100004.xlsx", "application/octet-stream", "xlsx"),  # OPC package with a workbook
        ("202403/W020240320100006.png", "application/octet-stream", "image"),
        ("202403/P020240325100007.pdf", "application/pdf", "pdf"),  # a scan is a PDF until it has no text
    ],
)
def test_each_format_fixture_is_detected_by_its_bytes(path, content_type, expected):
    # Without its name a WPS file is a Word 97 file and a WPS sheet a BIFF8 workbook, which they are.
    bare = {"wps": "doc", "et": "xls"}.get(expected, expected)
    assert is_attachment(content_type, fixture(path), "http://127.0.0.1/download.jsp?id=7") == bare
    assert is_attachment(content_type, fixture(path), f"http://127.0.0.1/{path}") == expected


def test_a_jpeg_and_a_typed_download_are_images():
    assert is_attachment(None, b"\xff\xd8\xff\xe0" + b"\x00" * 64, "http://x/a.bin") == "image"
    assert is_attachment("image/png", b"\x00garbage", "http://x/download.jsp?id=3") == "image"
    assert is_attachment(None, b"\x00garbage", "http://x/biao.JPG") == "image"


def test_a_zip_with_a_workbook_but_no_content_types_is_no_spreadsheet():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    assert is_attachment(None, buf.getvalue(), "http://x/table.xlsx") is None


def test_word_encryption_is_read_from_the_file_information_block():
    assert word_encrypted(fixture("encrypted/P020240501000001.doc"))
    assert not word_encrypted(fixture("202402/P020240205100001.doc"))
    assert not word_encrypted(fixture("202402/P020240212100002.wps"))


COVER = '<body><p>详见附件。</p><p>附件：<a href="{href}">{text}</a></p></body>'


@pytest.mark.parametrize(
    ("href", "text", "followed"),
    [
        ("t.png", "青溪县2023年政府信息公开工作年度报告.png", True),
        ("t.xls", "青溪县2023年政府信息公开工作年度报告.xls", True),
        ("t.wps", "附件下载", True),  # a word-processor file labelled 附件 is followed like a .doc
        ("t.xlsx", "2024年部门预算表.xlsx", False),  # a sheet only labelled 附件: a budget as often as a report
        ("t.jpg", "现场照片.jpg", False),
    ],
)
def test_a_cover_page_hands_over_to_a_sheet_or_image_only_when_the_link_names_a_report(href, text, followed):
    url = attachment_to_follow(Selector(text=COVER.format(href=href, text=text)), "http://127.0.0.1/a.html")
    assert (url == f"http://127.0.0.1/{href}") is followed
