"""Issue 16: tables printed as images inside an HTML report — which images the spider should fetch, and the
OCR'd tables spliced back into the page so the table stage reads them with the rest of the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from parsel import Selector

from crawler.attachments.formats.images import MAX_IMAGES, splice_table_images, table_image_urls
from crawler.core import parse_report
from crawler.ocr import available

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
