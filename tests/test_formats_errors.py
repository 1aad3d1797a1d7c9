"""Issue 16: a corrupt, encrypted or oversized file of each format fails with a named error within its time cap.

The damaged and password-protected files are the fixture portal's own
(fixtures/sites/formats_qingxi/zwgk/ndbg/{broken,encrypted}/, written by the
real tools); oversized inputs are made here in memory.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from crawler import budgets
from crawler.attachments import AttachmentError, is_attachment, to_html
from crawler.attachments.formats import office
from crawler.attachments.formats.sheet import MAX_CELLS
from crawler.core import parse_report
from crawler.ocr import ScanError, available, scanned_pdf_blocks

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "formats_qingxi" / "zwgk" / "ndbg"
DOC = (SITE / "202402" / "P020240205100001.doc").read_bytes()
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HAVE_SOFFICE = shutil.which("soffice") is not None
HAVE_OCR = available() and shutil.which("pdftoppm") is not None
needs_soffice = pytest.mark.skipif(not HAVE_SOFFICE, reason="needs LibreOffice (scripts/setup.sh)")
needs_ocr = pytest.mark.skipif(not HAVE_OCR, reason="needs tesseract-ocr-chi-sim and poppler-utils (scripts/setup.sh)")
pytestmark = pytest.mark.converters


def convert(path: str, content_type: str) -> tuple[str, float]:
    """The named error converting a fixture file, and how long it took."""
    body = (SITE / path).read_bytes()
    kind = is_attachment(content_type, body, f"http://127.0.0.1/{path}")
    assert kind is not None
    start = time.monotonic()
    with pytest.raises(AttachmentError) as caught:
        to_html(kind, body)
    return str(caught.value), time.monotonic() - start


@needs_soffice
@pytest.mark.parametrize(
    ("path", "content_type", "error"),
    [
        ("broken/P020240401000001.doc", "application/msword", "doc corrupt"),  # its directory is in the lost half
        ("encrypted/P020240501000001.doc", "application/msword", "doc encrypted"),
    ],
)
def test_a_damaged_or_encrypted_doc_is_a_named_error_within_the_libreoffice_cap(path, content_type, error):
    message, took = convert(path, content_type)
    assert message.startswith(error)
    assert took < office.TIMEOUT


@pytest.mark.parametrize(
    ("path", "content_type", "error"),
    [
        ("broken/P020240401000002.xlsx", "application/octet-stream", "xlsx corrupt"),
        ("broken/P020240401000003.xls", "application/vnd.ms-excel", "xls corrupt"),
        ("encrypted/P020240501000003.xls", "application/vnd.ms-excel", "xls encrypted"),
        ("encrypted/P020240501000004.pdf", "application/pdf", "encrypted PDF"),
        ("broken/P020240401000005.pdf", "application/pdf", "corrupt PDF"),
    ],
)
def test_a_damaged_or_encrypted_spreadsheet_or_pdf_is_a_named_error_at_once(path, content_type, error):
    if path.endswith(".xls") and path.startswith("broken"):
        message = ""
        with pytest.raises(AttachmentError) as caught:
            to_html("xls", (SITE / path).read_bytes())  # its directory is lost: only the URL says .xls
        message, took = str(caught.value), 0.0
    else:
        message, took = convert(path, content_type)
    assert message.startswith(error)
    assert took < 5.0


@needs_ocr
def test_a_damaged_table_image_is_a_named_error():
    message, took = convert("broken/W020240401000004.png", "image/png")
    assert message.startswith("image corrupt")
    assert took < 5.0


def test_an_oversized_office_file_is_refused_unread():
    start = time.monotonic()
    with pytest.raises(AttachmentError, match="doc too large"):
        office.convert(OLE2 + b"\x00" * (office.MAX_BYTES + 1), "doc", "docx", infilter="MS Word 97")
    assert time.monotonic() - start < 1.0


@needs_soffice
def test_a_conversion_past_its_time_cap_is_a_named_error():
    start = time.monotonic()
    with pytest.raises(AttachmentError, match=r"doc converter timed out after 0\.2 s"):
        office.convert(DOC, "doc", "docx", infilter="MS Word 97", timeout=0.2)
    assert time.monotonic() - start < 5.0


def test_an_oversized_or_bomb_xlsx_is_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (65 * 1024 * 1024))
    assert is_attachment(None, bomb.getvalue(), "http://x/a.xlsx") == "xlsx"
    with pytest.raises(AttachmentError, match="xlsx too large: unzipped"):
        to_html("xlsx", bomb.getvalue())

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(MAX_CELLS // 100 + 2):
        sheet.cell(r + 1, 100, 1)
    big = io.BytesIO()
    book.save(big)
    with pytest.raises(AttachmentError, match=f"xlsx too large: more than {MAX_CELLS} cells"):
        to_html("xlsx", big.getvalue())


@needs_ocr
def test_an_image_of_too_many_pixels_is_refused_before_decoding():
    image = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(image, format="PNG")
    with pytest.raises(AttachmentError, match="image too large: 8000x8000 pixels"):
        to_html("image", image.getvalue())


@needs_ocr
def test_a_scan_past_its_whole_document_cap_is_a_named_error():
    body = (SITE / "202403" / "P020240325100007.pdf").read_bytes()
    with pytest.raises(ScanError, match=r"scanned PDF: OCR timed out after 0\.01 s"):
        scanned_pdf_blocks(body, total=0.01)


@needs_soffice
def test_a_compound_file_that_is_no_word_document_is_never_imported_as_text():
    junk = OLE2 + bytes(range(256)) * 8  # LibreOffice's text filter would "read" this without an input filter
    with pytest.raises(AttachmentError, match="doc corrupt: no Word document stream"):
        to_html("doc", junk)
    with pytest.raises(AttachmentError, match="doc converter failed"):
        office.convert(junk, "doc", "docx", infilter="MS Word 97")


@pytest.fixture
def restore_budgets() -> Iterator[None]:
    previous = budgets.current()
    yield
    budgets.configure(previous)


SCAN_TYPED = json.loads((SITE.parent.parent / "expected.json").read_text("utf-8"))["scan"]["tables"]


@needs_ocr
def test_a_scan_over_ocr_report_max_seconds_keeps_the_pages_read_in_time(restore_budgets: None) -> None:
    budgets.configure(budgets.from_settings({"OCR_REPORT_MAX_SECONDS": "0.5"}))  # one page takes longer here
    body = (SITE / "202403" / "P020240325100007.pdf").read_bytes()
    report = parse_report(body, "application/pdf", "http://127.0.0.1/zwgk/ndbg/202403/P020240325100007.pdf")
    errors = [e["error"] for e in report.errors if e["stage"] == "attachment"]
    assert errors == ["budget: scanned PDF OCR ran out (1 of 5 pages read), over OCR_REPORT_MAX_SECONDS=0.5"]
    got = {(c["table_code"], c["row_code"], c["col_code"]): c["value"] for c in report.cells or []}
    active = {("active", r, c): v for r, cols in SCAN_TYPED["active"].items() for c, v in cols.items()}
    assert {k: v for k, v in got.items() if k[0] == "active"} == active  # page 1's table, as printed
    assert not [k for k in got if k[0] != "active"]


@needs_ocr
def test_scanned_pages_over_ocr_max_seconds_are_killed_and_named(restore_budgets: None) -> None:
    budgets.configure(budgets.from_settings({"OCR_MAX_SECONDS": "0.05"}))
    body = (SITE / "202403" / "P020240325100007.pdf").read_bytes()
    started = time.monotonic()
    report = parse_report(body, "application/pdf", "http://127.0.0.1/zwgk/ndbg/202403/P020240325100007.pdf")
    assert time.monotonic() - started < 30  # five pages cut at 0.05 s of OCR each (pdftoppm aside)
    (error,) = [e["error"] for e in report.errors if e["stage"] == "attachment"]
    assert error.startswith("budget: 5 of 5 scanned pages not read: OCR of scanned page 1 took ")
    assert error.endswith(", over OCR_MAX_SECONDS=0.05")
    assert not report.cells
