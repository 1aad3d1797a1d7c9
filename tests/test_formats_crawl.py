"""Issue 16 through the real engine: each attachment format of the 青溪县 fixture portal is stored with its cells.

Expected values are the numbers typed into fixtures/sites/formats_src/build.py
(its expected.json), never read back through the crawler.  A damaged file of
each format is stored with a named error, within the converters' time caps.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from conftest import FIXTURES, Crawl
from formats_fixtures import portal_registry

from crawler.ocr import available
from fixture_server import FixtureServer

SITE = FIXTURES / "sites" / "formats_qingxi"
EXPECTED = json.loads((SITE / "expected.json").read_text("utf-8"))
FORMATS = [k for k in EXPECTED if k not in ("broken", "encrypted", "flipbook", "inline")]  # these two need the spider
OCR_FORMATS = ("image", "scan")
# The truncated .xls is left out: its directory (and so the "Workbook" stream name) is in the lost half,
# and an OLE2 file at a .xls URL with no readable directory is not an attachment (test_attachments.py).
BROKEN_ERRORS = {
    "doc": "doc corrupt",
    "xlsx": "xlsx corrupt",
    "image": "image corrupt",
    "scan": "corrupt PDF",
}

pytestmark = [
    pytest.mark.converters,
    pytest.mark.skipif(
        shutil.which("soffice") is None or not available() or shutil.which("pdftoppm") is None,
        reason="needs LibreOffice, tesseract-ocr-chi-sim and poppler-utils (scripts/setup.sh)",
    ),
]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("formats")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.registry = portal_registry(server.sites, "fx-formats-qingxi", tmp / "portals-formats.yaml")
        crawl.run()
        yield crawl


def report_id(crawl: Crawl, path: str) -> str:
    rows = crawl.query("SELECT report_id FROM report_urls WHERE url = ?", crawl.url("formats_qingxi", path))
    assert rows, f"{path} not stored"
    return str(rows[0][0])


def cells(crawl: Crawl, path: str) -> dict[tuple[str, str, str], object]:
    rows = crawl.query(
        "SELECT table_code, row_code, col_code, value FROM table_cells WHERE report_id = ?", report_id(crawl, path)
    )
    return {(t, r, c): v for t, r, c, v in rows}


def expected_cells(kind: str) -> dict[tuple[str, str, str], object]:
    tables = EXPECTED[kind]["tables"]
    return {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}


@pytest.mark.parametrize("kind", [k for k in FORMATS if k not in OCR_FORMATS])
def test_every_office_format_is_stored_with_all_its_cells(crawled: Crawl, kind: str) -> None:
    assert cells(crawled, EXPECTED[kind]["path"]) == expected_cells(kind)


@pytest.mark.parametrize("kind", OCR_FORMATS)
def test_ocr_tables_of_clean_images_reach_the_store_at_99_percent_cell_accuracy(crawled: Crawl, kind: str) -> None:
    got, want = cells(crawled, EXPECTED[kind]["path"]), expected_cells(kind)
    right = sum(1 for key, value in want.items() if got.get(key) == value)
    wrong = {key: (value, got.get(key)) for key, value in want.items() if got.get(key) != value}
    assert right / len(want) >= 0.99, wrong
    assert not set(got) - set(want)


@pytest.mark.parametrize("kind", FORMATS)
def test_each_format_report_is_stored_with_its_converter_named(crawled: Crawl, kind: str) -> None:
    rows = crawled.query(
        "SELECT encoding_reason, errors FROM reports WHERE report_id = ?", report_id(crawled, EXPECTED[kind]["path"])
    )
    reason, errors = rows[0]
    assert reason.startswith("attachment: ")
    assert "attachment" not in {e["stage"] for e in json.loads(errors or "[]")}


ENCRYPTED_ERRORS = {"doc": "doc encrypted", "xls": "xls encrypted", "scan": "encrypted PDF"}


@pytest.mark.parametrize("kind", sorted(ENCRYPTED_ERRORS))
def test_a_password_protected_file_of_each_format_is_stored_with_a_named_error(crawled: Crawl, kind: str) -> None:
    path = EXPECTED["encrypted"][kind]["path"]
    (errors,) = crawled.query("SELECT errors FROM reports WHERE report_id = ?", report_id(crawled, path))[0]
    stages = {e["stage"]: e["error"] for e in json.loads(errors)}
    assert stages["attachment"].startswith(ENCRYPTED_ERRORS[kind]), stages
    assert cells(crawled, path) == {}


@pytest.mark.parametrize("kind", sorted(BROKEN_ERRORS))
def test_a_damaged_file_of_each_format_is_stored_with_a_named_error(crawled: Crawl, kind: str) -> None:
    path = EXPECTED["broken"][kind]["path"]
    (errors,) = crawled.query("SELECT errors FROM reports WHERE report_id = ?", report_id(crawled, path))[0]
    stages = {e["stage"]: e["error"] for e in json.loads(errors)}
    assert stages["attachment"].startswith(BROKEN_ERRORS[kind]), stages
    assert cells(crawled, path) == {}


def test_every_ocr_cell_carries_its_source_and_confidence() -> None:
    from parsel import Selector

    from crawler.attachments import to_html

    html = to_html("image", (SITE / EXPECTED["image"]["path"].lstrip("/")).read_bytes())
    tds = Selector(text=html).xpath("//td")
    assert len(tds) > 200
    for td in tds:
        assert td.attrib["data-source"] == "ocr"
        assert 0.0 <= float(td.attrib["data-confidence"]) <= 1.0


@pytest.mark.parametrize("kind", FORMATS)
def test_ocr_cells_are_stored_with_source_ocr_and_their_confidence_and_printed_cells_without(
    crawled: Crawl, kind: str
) -> None:
    rows = crawled.query(
        "SELECT source, confidence FROM table_cells WHERE report_id = ?", report_id(crawled, EXPECTED[kind]["path"])
    )
    assert len(rows) == len(expected_cells(kind))
    if kind in OCR_FORMATS:
        assert all(source == "ocr" and 0.0 <= confidence <= 1.0 for source, confidence in rows)
    else:
        assert all(source is None and confidence is None for source, confidence in rows)
