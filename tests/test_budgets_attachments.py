"""Attachment budgets: a 2,000-page PDF, a DOCX bomb, deep nesting, slow conversions stop with a named error.

Each case runs the real converters (pdfplumber, zipfile + lxml) and, where
the report matters, the whole core (:func:`crawler.core.parse_report`): the
report comes back with the budget named in its errors, not an exception.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest

from crawler import budgets
from crawler.attachments import to_html
from crawler.attachments.docx import W_NS
from crawler.budgets import BudgetExceeded, Budgets
from crawler.core import parse_report


@pytest.fixture
def limits() -> Iterator[None]:
    """Tests change the budgets in force through :func:`budgets.configure`; restored after."""
    previous = budgets.current()
    yield
    budgets.configure(previous)


def pdf_with_pages(pages: int, declared: int | None = None) -> bytes:
    """A PDF of `pages` pages, one line of text each; its page tree declares `declared` (default: the truth)."""
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: None,  # the content stream, shared by every page
    }
    text = b"BT /F1 12 Tf 72 720 Td (Annual report page) Tj ET"
    kids = []
    for n in range(pages):
        number = 5 + n
        kids.append(f"{number} 0 R")
        objects[number] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        )
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages if declared is None else declared} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        if number == 4:
            out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream\nendobj\n"
        else:
            out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode()
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def docx_of(document_xml: str | bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def test_a_small_pdf_within_the_budgets_converts() -> None:
    html = to_html("pdf", pdf_with_pages(3))
    assert html is not None and html.count("Annual report page") >= 1


def test_a_2000_page_pdf_stops_at_the_page_budget_before_reading_a_page() -> None:
    body = pdf_with_pages(2000)
    started = time.process_time()
    report = parse_report(body, "application/pdf", "http://127.0.0.1/r.pdf")
    assert time.process_time() - started < 10  # parsing 2,000 pages takes minutes
    assert {"stage": "attachment", "error": "budget: PDF has 2000 pages, over PDF_MAX_PAGES=200"} in report.errors
    assert report.tree is None and report.text is None  # the PDF bytes are not read as HTML either


def test_a_pdf_whose_page_tree_hides_pages_stops_at_the_first_page_past_the_budget(limits: None) -> None:
    budgets.configure(Budgets(pdf_max_pages=5))
    with pytest.raises(BudgetExceeded, match=r"^budget: PDF has more than 5 pages, over PDF_MAX_PAGES=5$"):
        to_html("pdf", pdf_with_pages(40, declared=1))
    assert to_html("pdf", pdf_with_pages(5)) is not None


def test_the_pdf_time_budget_is_checked_between_pages(limits: None) -> None:
    budgets.configure(Budgets(pdf_max_seconds=1e-9))
    with pytest.raises(BudgetExceeded, match=r"PDF parse took .* s \(0 of 3 pages read\), over PDF_MAX_SECONDS="):
        to_html("pdf", pdf_with_pages(3))


def test_a_docx_bomb_is_refused_without_inflating_it() -> None:
    # 200 MB of one repeated paragraph deflates to a few hundred KB.
    paragraph = f'<w:p xmlns:w="{W_NS}"><w:r><w:t>年度报告</w:t></w:r></w:p>'.encode()
    body_xml = b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body>'
    body_xml += paragraph * (200 * 1024 * 1024 // len(paragraph)) + b"</w:body></w:document>"
    bomb = docx_of(body_xml)
    del body_xml
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        report = parse_report(bomb, "application/octet-stream", "http://127.0.0.1/r.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (error,) = [e["error"] for e in report.errors if e["stage"] == "attachment"]
    assert error.startswith("budget: DOCX word/document.xml declares ")
    assert error.endswith(f"bytes, over DOCX_MAX_XML_BYTES={16 * 1024 * 1024}")
    assert peak < 32 * 1024 * 1024


def test_a_docx_part_is_counted_while_it_inflates(limits: None) -> None:
    budgets.configure(Budgets(docx_max_xml_bytes=1024 * 1024))
    big = f'<w:document xmlns:w="{W_NS}"><w:body>' + "<w:p/>" * 400_000 + "</w:body></w:document>"
    with pytest.raises(BudgetExceeded, match="DOCX_MAX_XML_BYTES=1048576"):
        to_html("docx", docx_of(big))


def test_docx_nesting_past_the_depth_budget_is_refused() -> None:
    depth = 150
    nested = "<w:sdt><w:sdtContent>" * depth + "<w:p/>" + "</w:sdtContent></w:sdt>" * depth
    with pytest.raises(BudgetExceeded, match="nests elements more than 100 deep, over DOCX_MAX_XML_DEPTH=100"):
        to_html("docx", docx_of(f'<w:document xmlns:w="{W_NS}"><w:body>{nested}</w:body></w:document>'))
    shallow = "<w:sdt><w:sdtContent>" * 20 + "<w:p><w:r><w:t>控件</w:t></w:r></w:p>" + "</w:sdtContent></w:sdt>" * 20
    html = to_html("docx", docx_of(f'<w:document xmlns:w="{W_NS}"><w:body>{shallow}</w:body></w:document>'))
    assert html is not None and "控件" in html


def test_the_docx_converter_time_budget_stops_a_long_conversion(limits: None) -> None:
    budgets.configure(Budgets(converter_max_seconds=1e-9))
    rows = "<w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>" * 10
    xml = f'<w:document xmlns:w="{W_NS}"><w:body><w:p/><w:tbl>{rows}</w:tbl></w:body></w:document>'
    with pytest.raises(
        BudgetExceeded, match=r"DOCX conversion took .* s \(0 blocks read\), over CONVERTER_MAX_SECONDS="
    ):
        to_html("docx", docx_of(xml))


def test_docx_merges_down_thousands_of_rows_in_one_pass() -> None:
    def row(first: bool) -> str:
        merge = '<w:vMerge w:val="restart"/>' if first else "<w:vMerge/>"
        return (
            f"<w:tr><w:tc><w:tcPr>{merge}</w:tcPr><w:p><w:r><w:t>合并</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>"
        )

    rows = 8000
    table = "<w:tbl>" + "".join(row(i == 0) for i in range(rows)) + "</w:tbl>"
    body = docx_of(f'<w:document xmlns:w="{W_NS}"><w:body>{table}</w:body></w:document>')
    started = time.process_time()
    html = to_html("docx", body)
    assert time.process_time() - started < 5  # ~0.4 s; the quadratic walk took ~16 s
    assert html is not None and f'<td rowspan="{rows}">合并</td>' in html


def test_docx_spans_that_are_not_numbers_read_as_one_column() -> None:
    cells = "".join(
        f'<w:tc><w:tcPr><w:gridSpan w:val="{value}"/></w:tcPr><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc>'
        for n, value in enumerate(("abc", "-3", "0", "2", "99999999999"))
    )
    xml = f'<w:document xmlns:w="{W_NS}"><w:body><w:tbl><w:tr>{cells}</w:tr></w:tbl></w:body></w:document>'
    html = to_html("docx", docx_of(xml))
    assert html is not None
    assert '<td>0</td><td>1</td><td>2</td><td colspan="2">3</td><td colspan="200">4</td>' in html
