"""Issue 16: tables printed as images inside an HTML report — which images the spider should fetch, and the
OCR'd tables spliced back into the page so the table stage reads them with the rest of the report."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, Crawl
from formats_fixtures import crawl_stats, expected, portal_registry, typed_cells
from parsel import Selector

from crawler import budgets
from crawler.attachments.formats.images import MAX_IMAGES, splice_table_images, table_image_urls
from crawler.core import parse_report
from crawler.ocr import available
from fixture_server import FixtureServer

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "formats_qingxi"
EXPECTED = json.loads((SITE / "expected.json").read_text("utf-8"))["image"]
PNG = (SITE / EXPECTED["path"].lstrip("/")).read_bytes()
BASE = "http://127.0.0.1/zwgk/ndbg/202403/t20240320_6.html"

PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{EXPECTED["title"]}</title></head><body>
<div class="header"><img src="/images/logo.png" width="300" height="120"></div>
<div id="nav"><a href="/"><img src="/images/home.png" width="400" height="200"></a></div>
<div class="content">
<h1>{EXPECTED["title"]}</h1>
<p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>
<p>一、总体情况</p><p>全年主动公开政府信息一千余条。</p>
<p>二、主动公开政府信息情况</p>
<p><img src="W020240320100006.png" width="800" height="1400" alt="统计表"></p>
<p>五、存在的主要问题及改进情况</p><p>政策解读形式较为单一。</p>
<p><img src="/images/banner_2024.jpg" width="1200" height="90"></p>
<p><img src="/upload/2024/photo.jpg" width="120" height="80"></p>
<p><img src="data:image/png;base64,iVBORw0KGgo="></p>
</div>
<div class="footer"><img src="/images/gongan.png"></div>
</body></html>"""


def test_only_body_images_that_look_like_tables_are_to_be_fetched():
    assert table_image_urls(Selector(text=PAGE), BASE) == ["http://127.0.0.1/zwgk/ndbg/202403/W020240320100006.png"]


def test_images_without_any_size_are_candidates_and_at_most_six_are_fetched():
    page = "<body>" + "".join(f'<p><img src="/u/{i}.png"></p>' for i in range(10)) + "</body>"
    urls = table_image_urls(Selector(text=page), BASE)
    assert urls == [f"http://127.0.0.1/u/{i}.png" for i in range(MAX_IMAGES)]


INLINE = json.loads((SITE / "expected.json").read_text("utf-8"))["inline"]
INLINE_URL = "http://127.0.0.1" + INLINE["path"]


@pytest.mark.converters
@pytest.mark.skipif(not available() or shutil.which("tesseract") is None, reason="needs tesseract-ocr-chi-sim")
def test_a_report_whose_three_tables_are_images_is_read_whole_once_they_are_spliced_back():
    page = (SITE / INLINE["path"].lstrip("/")).read_text("utf-8")
    urls = table_image_urls(Selector(text=page), INLINE_URL)
    assert [u.rsplit("/", 1)[1] for u in urls] == [f"W020240320100006_{n}.png" for n in (1, 2, 3)]  # no logo
    images = {u: (SITE / INLINE["path"].lstrip("/")).with_name(u.rsplit("/", 1)[1]).read_bytes() for u in urls}
    spliced, errors = splice_table_images(page, INLINE_URL, images)
    assert errors == []
    tree = Selector(text=spliced)
    assert tree.xpath("count(//div[@class='article']//img)").get() == "0.0"
    assert tree.xpath("count(//div[@class='ocr-table-image']/table)").get() == "3.0"
    assert all(td.attrib.get("data-confidence") for td in tree.xpath("//div[@class='ocr-table-image']//td"))
    report = parse_report(spliced.encode("utf-8"), "text/html; charset=utf-8", INLINE_URL)
    got = {(c["table_code"], c["row_code"], c["col_code"]): c["value"] for c in report.cells or []}
    want = {(t, r, c): v for t, rows in INLINE["tables"].items() for r, cols in rows.items() for c, v in cols.items()}
    right = sum(1 for key, value in want.items() if got.get(key) == value)
    assert right / len(want) >= 0.99, {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    assert [s["code"] for s in report.sections or []][:4] == ["overview", "active", "applications", "review_litigation"]


@pytest.mark.converters
@pytest.mark.skipif(not available(), reason="needs tesseract-ocr-chi-sim")
def test_an_unreadable_table_image_stays_an_image_and_its_error_is_named():
    url = table_image_urls(Selector(text=PAGE), BASE)[0]
    spliced, errors = splice_table_images(PAGE, BASE, {url: PNG[: len(PNG) // 3]})
    assert len(errors) == 1 and errors[0].startswith(f"table image {url}: image corrupt")
    assert Selector(text=spliced).xpath("count(//img[@alt='统计表'])").get() == "1.0"


# ---------------------------------------------------------------- through the real engine (fixtures/sites/formats_inline)

INLINE_SITE = expected("formats_inline")
CRAWL_SETTINGS = {"TABLE_IMAGE_MAX_BYTES": "400000", "TABLE_IMAGES_MAX_PER_REPORT": "3"}
needs_ocr = pytest.mark.skipif(not available(), reason="needs tesseract-ocr-chi-sim (scripts/setup.sh)")


@pytest.fixture(scope="module")
def inline_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("inline")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.registry = portal_registry(server.sites, "fx-formats-inline", tmp / "portals.yaml")
        crawl.run(**CRAWL_SETTINGS)
        yield crawl


def stored(crawl: Crawl, path: str) -> tuple[str, list[dict[str, str]]]:
    rows = crawl.query(
        "SELECT r.report_id, r.errors FROM reports r JOIN report_urls u USING (report_id) WHERE u.url = ?",
        crawl.url("formats_inline", path),
    )
    assert rows, f"{path} not stored"
    return str(rows[0][0]), json.loads(rows[0][1] or "[]")


def stored_cells(crawl: Crawl, report_id: str) -> dict[tuple[str, str, str], tuple[object, str | None, float | None]]:
    rows = crawl.query(
        "SELECT table_code, row_code, col_code, value, source, confidence FROM table_cells WHERE report_id = ?",
        report_id,
    )
    return {(t, r, c): (v, s, conf) for t, r, c, v, s, conf in rows}


@pytest.mark.converters
@needs_ocr
def test_a_report_with_tables_as_images_is_stored_once_with_its_ocr_cells_at_99_percent(inline_crawl: Crawl) -> None:
    part = INLINE_SITE["images"]
    report_id, errors = stored(inline_crawl, part["path"])
    assert errors == []
    got, want = stored_cells(inline_crawl, report_id), typed_cells(part["tables"])
    right = sum(1 for key, value in want.items() if key in got and got[key][0] == value)
    assert right / len(want) >= 0.99, {k: (v, got.get(k)) for k, v in want.items() if got.get(k, (None,))[0] != v}
    assert not set(got) - set(want)
    assert all(source == "ocr" and conf is not None and 0.0 <= conf <= 1.0 for _, source, conf in got.values())
    (count,) = inline_crawl.query("SELECT count(*) FROM reports WHERE title = ?", part["title"])[0]
    assert count == 1


@pytest.mark.converters
@needs_ocr
def test_the_four_checks_run_on_the_ocr_tables(inline_crawl: Crawl) -> None:
    report_id, _ = stored(inline_crawl, INLINE_SITE["images"]["path"])
    statuses = inline_crawl.query("SELECT check_code, status FROM checks WHERE report_id = ?", report_id)
    assert {code for code, _ in statuses} >= {"applications_applicants"}
    assert [c for c, s in statuses if s == "fail"] == []
    assert sum(1 for _, s in statuses if s == "pass") >= 20


@pytest.mark.converters
@needs_ocr
def test_an_unreadable_table_image_is_named_and_the_rest_of_the_report_is_kept(inline_crawl: Crawl) -> None:
    part = INLINE_SITE["corrupt"]
    report_id, errors = stored(inline_crawl, part["path"])
    image = inline_crawl.url("formats_inline", part["image"])
    assert [e["error"] for e in errors if e["stage"] == "images"] == [
        f"table image {image}: image corrupt: OSError: image file is truncated"
    ]
    got = stored_cells(inline_crawl, report_id)
    assert {k: v for k, (v, _, _) in got.items()} == typed_cells(part["tables"])  # the two tables printed in HTML
    assert all(source is None for _, source, _ in got.values())


@pytest.mark.converters
@needs_ocr
def test_oversized_images_are_stored_with_named_budget_errors_and_offsite_or_surplus_ones_never_fetched(
    inline_crawl: Crawl,
) -> None:
    part = INLINE_SITE["oversized"]
    _, errors = stored(inline_crawl, part["path"])
    big = inline_crawl.url("formats_inline", part["too_many_bytes"])
    huge = inline_crawl.url("formats_inline", part["too_many_pixels"])
    assert [e["error"] for e in errors if e["stage"] == "images"] == [
        "budget: 4 table images in the page, over TABLE_IMAGES_MAX_PER_REPORT=3; the first 3 were fetched",
        f"budget: table image {big} is {part['sizes'][part['too_many_bytes']]} bytes, over TABLE_IMAGE_MAX_BYTES=400000;"
        " not fetched",
        f"table image {huge}: image too large: 9000x7000 pixels > 60000000",
    ]
    paths = [r["path"] for r in inline_crawl.server.requests()]
    assert paths.count(part["too_many_bytes"]) == 1  # cut once, not retried
    assert part["over_count"] not in paths
    assert part["no_table"] in paths
    stats = crawl_stats(inline_crawl.log())
    assert not [k for k in stats if k.startswith("offsite/")]  # the other host's image was never even requested
    assert stats["images/fetched_count"] == 3 + 1 + 2
    assert stats["images/failed_count"] == 1
    assert stats["images/skipped_count"] == 2  # the off-host one and the fourth on-host one
    assert stats["images/offsite_count"] == 1


@pytest.fixture
def ocr_budgets() -> Iterator[None]:
    previous = budgets.current()
    yield
    budgets.configure(previous)


@pytest.mark.converters
@needs_ocr
def test_tesseract_over_ocr_max_seconds_is_killed_and_named(ocr_budgets: None) -> None:
    budgets.configure(budgets.from_settings({"OCR_MAX_SECONDS": "0.05"}))
    page = (SITE / INLINE["path"].lstrip("/")).read_text("utf-8")
    urls = table_image_urls(Selector(text=page), INLINE_URL)
    images = {u: (SITE / INLINE["path"].lstrip("/")).with_name(u.rsplit("/", 1)[1]).read_bytes() for u in urls}
    started = time.monotonic()
    spliced, errors = splice_table_images(page, INLINE_URL, images)
    assert time.monotonic() - started < 10  # three images, each cut at 0.05 s (the normal read takes seconds)
    assert len(errors) == 3
    for url, error in zip(urls, errors, strict=True):
        assert error.startswith("budget: OCR of one image took ") and error.endswith(f"(table image {url})")
        assert ", over OCR_MAX_SECONDS=0.05" in error
    assert Selector(text=spliced).xpath("count(//div[@class='article']//img)").get() == "3.0"  # left as printed


@pytest.mark.converters
@needs_ocr
def test_a_report_over_its_ocr_time_keeps_the_tables_read_in_time_and_names_the_budget(tmp_path: Path) -> None:
    part = INLINE_SITE["images"]
    with FixtureServer(FIXTURES, workdir=tmp_path) as server:
        crawl = Crawl(server, tmp_path)
        crawl.registry = portal_registry(server.sites, "fx-formats-inline", tmp_path / "portals.yaml")
        crawl.run(**CRAWL_SETTINGS, OCR_REPORT_MAX_SECONDS="0.5")  # one image takes longer than that here
        report_id, errors = stored(crawl, part["path"])
        got = stored_cells(crawl, report_id)
    budget = [e["error"] for e in errors if e["stage"] == "images"]
    assert len(budget) == 1 and budget[0].startswith("budget: OCR of the table images took "), budget
    assert budget[0].endswith("(1 of 3 images read), over OCR_REPORT_MAX_SECONDS=0.5")
    active = {k: v for k, v in typed_cells(part["tables"]).items() if k[0] == "active"}
    assert {k: v for k, (v, _, _) in got.items()} == active  # the first image, read before the budget ran out
