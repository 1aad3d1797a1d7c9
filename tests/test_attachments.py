"""Report attachments: detection, PDF/DOCX → HTML, the pipeline stage, cover-page links."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import parsel
import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.attachments import AttachmentError, is_attachment, to_html
from crawler.attachments.docx import DOCUMENT, W_NS
from crawler.attachments.links import attachment_to_follow, page_is_thin
from crawler.items import ReportItem
from crawler.pipelines.attachment import AttachmentPipeline

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "static_wuyi_attachments"
PDF_COUNTY = (SITE / "zwgk/ndbg/202501/P020250120384512.pdf").read_bytes()
DOCX_LIUCHENG = (SITE / "zwgk/ndbg/202401/P020240119360022.docx").read_bytes()
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_docx(body_xml: str, parts: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for name, text in (
            parts
            if parts is not None
            else {"word/document.xml": f'<w:document xmlns:w="{W_NS}"><w:body>{body_xml}</w:body></w:document>'}
        ).items():
            z.writestr(name, text)
    return buf.getvalue()


def zip_of(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "<x/>")
    return buf.getvalue()


def tree(html: str) -> parsel.Selector:
    return parsel.Selector(text=html, type="html")


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("content_type", "body", "url", "expected"),
    [
        ("application/pdf", PDF_COUNTY, "http://x/P0202501.pdf", "pdf"),
        ("application/octet-stream", PDF_COUNTY, "http://x/download.jsp?id=1", "pdf"),  # magic first
        ("text/html", b"\r\n%PDF-1.7\n...", "http://x/a", "pdf"),  # leading whitespace
        (DOCX_TYPE, DOCX_LIUCHENG, "http://x/a.docx", "docx"),
        ("application/octet-stream", DOCX_LIUCHENG, "http://x/W020230215.docx", "docx"),
        (None, DOCX_LIUCHENG, "http://x/file.bin", "docx"),
        ("application/msword", OLE2, "http://x/a.doc", "doc"),
        (None, OLE2, "http://x/P0202401.doc", "doc"),
        ("application/vnd.ms-excel", OLE2, "http://x/table.xls", None),  # OLE2, not Word
        (None, zip_of("xl/workbook.xml"), "http://x/table.xlsx", None),  # zip, not Word
        ("text/html", b"<!DOCTYPE html><html>404</html>", "http://x/report.pdf", None),  # error page at .pdf
        ("application/pdf", b"\xef\xbb\xbf <html><body>gone</body></html>", "http://x/r.pdf", None),
        ("application/pdf", b"\x00\x01garbage", "http://x/a", "pdf"),  # then the header
        (DOCX_TYPE.encode(), b"\x00garbage", "http://x/a", "docx"),  # header as bytes
        ("application/octet-stream", b"\x00garbage", "http://x/P0202401.PDF", "pdf"),  # then the extension
        (None, b"\x00garbage", "http://x/downfile.jsp?filename=%E5%B9%B4%E6%8A%A5.docx", "docx"),
        ("application/octet-stream", b"PK\x03\x04broken", "http://x/a.docx", "docx"),  # corrupt zip: extension
        ("text/html; charset=UTF-8", "<html>年报</html>".encode(), "http://x/t2024.html", None),
        ("text/plain", b"User-agent: *", "http://x/robots.txt", None),
        (None, b"\x00garbage", "http://x/a.html", None),
    ],
)
def test_is_attachment_by_magic_then_header_then_extension(content_type, body, url, expected):
    assert is_attachment(content_type, body, url) == expected


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def county_pdf() -> parsel.Selector:
    return tree(to_html("pdf", PDF_COUNTY))


def test_pdf_paragraphs_are_whole_and_in_reading_order(county_pdf):
    paras = county_pdf.xpath("//p/text()").getall()
    assert paras[0] == "武义县人民政府2024年政府信息公开工作年度报告"
    assert "一、总体情况" in paras and "六、其他需要报告的事项" in paras
    # a paragraph wrapped over several lines is one <p>, CJK lines joined without spaces
    assert (
        "（二）依申请公开。武义县人民政府严格落实政府信息公开申请登记、审核、办理、答复、归档等工作制度，"
        "全年共受理政府信息公开申请96件，均在法定期限内答复，未发生因答复不当引起的行政复议纠错或行政诉讼败诉。"
    ) in paras
    headings = [p for p in paras if p[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert headings == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert paras[-2:] == ["武义县人民政府办公室", "2025年1月20日"]


def test_pdf_drops_page_numbers_and_running_header(county_pdf):
    paras = county_pdf.xpath("//p/text()").getall()
    assert not [p for p in paras if p.strip("-— ").isdigit()]
    assert paras.count("武义县人民政府2024年政府信息公开工作年度报告") == 1  # the title, not the header on every page


def test_pdf_tables_are_real_tables_with_spans_and_not_repeated_as_text(county_pdf):
    tables = county_pdf.xpath("//table")
    assert len(tables) == 3
    active, apps, review = tables
    assert active.xpath("string(tr[7]/td[1])").get() == "行政许可"
    assert active.xpath("tr[7]/td[2]/@colspan").get() == "3" and active.xpath("string(tr[7]/td[2])").get() == "1,236"
    assert active.xpath("string(tr[14]/td[2])").get() == "12.6"
    head = apps.xpath("tr[1]/td[1]")
    assert (head.attrib["rowspan"], head.attrib["colspan"]) == ("3", "3")
    assert head.xpath("string(.)").get() == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert apps.xpath("tr[6]/td[1]/@rowspan").get() == "22"
    assert apps.xpath("string(tr[6]/td[1])").get() == "三、本年度办理结果"
    assert apps.xpath("tr[4]/td/text()").getall() == [
        "一、本年新收政府信息公开申请数量",
        "88",
        "5",
        "1",
        "0",
        "1",
        "1",
        "96",
    ]
    assert len(apps.xpath("tr")) == 28
    assert review.xpath("tr[4]/td/text()").getall() == ["3", "1", "0", "0", "4", "2", "0", "0", "1", "3"] + ["0"] * 5
    text = " ".join(county_pdf.xpath("//p/text()").getall())
    assert "本年制发件数" not in text and "申请人情况" not in text and "结果维持" not in text


@pytest.mark.parametrize(
    "body",
    [
        PDF_COUNTY[: len(PDF_COUNTY) // 3],  # truncated download
        b"%PDF-1.4\n% not really a PDF\n",
        b"\x00\x01\x02 served as application/pdf",
    ],
)
def test_corrupt_pdf_raises_a_named_error(body):
    with pytest.raises(AttachmentError, match="PDF"):
        to_html("pdf", body)


# ---------------------------------------------------------------- DOCX


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


MERGED_TABLE = (
    "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
    "<w:tr>"
    + tc("三、办理结果", '<w:vMerge w:val="restart"/>')
    + tc("（一）予以公开", '<w:gridSpan w:val="2"/>')
    + "</w:tr>"
    "<w:tr>"
    + tc("", "<w:vMerge/>")
    + tc("（三）不予公开", '<w:vMerge w:val="restart"/>')
    + tc("1.国家秘密")
    + "</w:tr>"
    "<w:tr>" + tc("", '<w:vMerge w:val="continue"/>') + tc("", "<w:vMerge/>") + tc("2.其他") + "</w:tr>"
    "<w:tr>" + tc("四、结转", '<w:gridSpan w:val="2"/>') + tc("7") + "</w:tr>"
    "</w:tbl>"
)


def test_docx_paragraphs_and_merged_cells():
    body = (
        '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>某局2023年政府信息</w:t></w:r>'
        "<w:r><w:rPr><w:b/></w:rPr><w:t>公开工作年度报告</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>"
        '<w:p><w:r><w:t xml:space="preserve">全年公开 </w:t></w:r><w:del><w:r><w:delText>删去</w:delText></w:r></w:del>'
        "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>12条。</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>控件里的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "<w:p/>" + MERGED_TABLE
    )
    sel = tree(to_html("docx", make_docx(body)))
    assert sel.xpath("//title/text()").get() == "某局2023年政府信息公开工作年度报告"
    assert [p.xpath("string(.)").get() for p in sel.xpath("//p")] == [
        "某局2023年政府信息公开工作年度报告",
        "一、总体情况",
        "全年公开 12条。第二行",
        "控件里的段落",
    ]
    assert sel.xpath("//p[3]/br")
    rows = [
        [(td.xpath("string(.)").get(), td.attrib.get("rowspan"), td.attrib.get("colspan")) for td in tr.xpath("td")]
        for tr in sel.xpath("//table/tr")
    ]
    assert rows == [
        [("三、办理结果", "3", None), ("（一）予以公开", None, "2")],
        [("（三）不予公开", "2", None), ("1.国家秘密", None, None)],
        [("2.其他", None, None)],
        [("四、结转", None, "2"), ("7", None, None)],
    ]


def test_docx_fixture_tables_keep_the_template_grid():
    sel = tree(to_html("docx", DOCX_LIUCHENG))
    apps = sel.xpath("//table")[1]
    assert (apps.xpath("tr[1]/td[1]/@rowspan").get(), apps.xpath("tr[1]/td[1]/@colspan").get()) == ("3", "3")
    assert apps.xpath("tr[6]/td[1]/@rowspan").get() == "22"
    assert apps.xpath("tr[3]/td[1]").get() == "<td>商业<br>企业</td>"
    assert len(apps.xpath("tr")) == 28 and all(len(tr.xpath("td")) <= 10 for tr in apps.xpath("tr"))


def damaged_deflate_docx() -> bytes:
    """A DOCX whose document.xml deflate stream is damaged (zlib, not zipfile, notices)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DOCUMENT, "<w:document>" + "一" * 3000 + "</w:document>")
    body = bytearray(buffer.getvalue())
    start = body.index(DOCUMENT.encode()) + len(DOCUMENT) + 5
    body[start : start + 32] = bytes(b ^ 0xFF for b in body[start : start + 32])
    return bytes(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PK\x03\x04 truncated zip", "corrupt DOCX"),
        (damaged_deflate_docx(), "corrupt DOCX: error"),
        (zip_of("xl/workbook.xml"), "no word/document.xml"),
        (make_docx("", {"word/document.xml": "<w:document><w:body><w:p>"}), "word/document.xml"),
        (make_docx("", {"word/document.xml": f'<w:document xmlns:w="{W_NS}"/>'}), "no w:body"),
    ],
)
def test_corrupt_docx_raises_a_named_error(body, message):
    with pytest.raises(AttachmentError, match=message):
        to_html("docx", body)


def test_an_ole2_shell_that_holds_no_document_is_a_named_converter_error():
    # issue 16: .doc and .xls are converted now (LibreOffice, xlrd); an empty compound file is no document
    with pytest.raises(AttachmentError, match="doc corrupt: no Word document stream"):
        to_html("doc", OLE2)
    with pytest.raises(AttachmentError, match="xls corrupt"):
        to_html("xls", OLE2)
    with pytest.raises(ValueError, match="unknown attachment kind"):
        to_html("ppt", OLE2)


# ---------------------------------------------------------------- the pipeline stage


@pytest.fixture
def pipeline() -> AttachmentPipeline:
    return build_from_crawler(AttachmentPipeline, get_crawler(settings_dict={}))


def item(body: bytes, content_type: str | None, url: str = "http://127.0.0.1/a") -> ReportItem:
    return ReportItem(url=url, body=body, content_type=content_type, errors=[])


def test_pipeline_converts_a_pdf_before_decode(pipeline):
    out = pipeline.process_item(item(PDF_COUNTY, "application/pdf", "http://127.0.0.1/P0202501.pdf"))
    assert out["source_encoding"] == "pdf"
    assert out["encoding_reason"] == "attachment: pdf (pdfplumber)"
    assert out["tree"].xpath("count(//table)").get() == "3.0"
    assert out["html"].startswith("<!DOCTYPE html>") and out["errors"] == []
    assert pipeline.stats.get_value("attachment/converted_count") == 1


def test_pipeline_converts_a_docx_served_as_octet_stream(pipeline):
    out = pipeline.process_item(item(DOCX_LIUCHENG, "application/octet-stream"))
    assert (out["source_encoding"], out["encoding_reason"]) == ("docx", "attachment: docx (word/document.xml)")


def test_pipeline_leaves_html_pages_to_decode(pipeline):
    page = "<html><body><p>一、总体情况</p></body></html>".encode()
    out = pipeline.process_item(item(page, "text/html; charset=UTF-8"))
    assert "tree" not in out and "html" not in out


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (OLE2, "application/msword", "doc corrupt"),  # issue 16: converted, and this shell fails by name
        (b"%PDF-1.4\nbroken", "application/pdf", "corrupt PDF"),
        (
            damaged_deflate_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "corrupt DOCX",
        ),
    ],
)
def test_pipeline_records_unparsed_attachments_and_keeps_the_item(pipeline, body, content_type, error):
    out = pipeline.process_item(item(body, content_type))
    assert len(out["errors"]) == 1 and out["errors"][0]["stage"] == "attachment"
    assert out["errors"][0]["error"].startswith(error)
    assert "tree" not in out and out["body"] == body


def test_pipeline_can_be_switched_off():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        build_from_crawler(AttachmentPipeline, get_crawler(settings_dict={"ATTACHMENTS_ENABLED": False}))


# ---------------------------------------------------------------- cover pages

CHROME = (
    '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政府信息公开</a></div>'
    '<ul class="side"><li><a href="/zn/P0201.pdf">政府信息公开指南.pdf</a></li></ul>'
)
FULL_TEXT = "".join(
    f"<p>{h}</p><p>{'本机关认真落实条例要求，' * 20}</p>"
    for h in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # 详见附件 + a report-titled PDF: the PDF is the report (never the sidebar guide)
        (
            CHROME
            + '<p>现将报告全文公布，详见附件。</p><p>附件：<a href="P0202401.pdf">某局2023年政府信息公开工作年度报告.pdf</a></p>',
            "http://x/nb/P0202401.pdf",
        ),
        # a download script labelled 附件 with the file name as the link text
        (
            CHROME
            + '<p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;fileid=88">某镇2023年年报.docx</a></p>',
            "http://x/module/download/downfile.jsp?classid=0&fileid=88",
        ),
        # 下载 label on an unnamed DOC link
        (CHROME + '<p><a href="/u/W0202301.doc">点击下载</a></p>', "http://x/u/W0202301.doc"),
        # full text with a PDF copy: keep the HTML
        (CHROME + FULL_TEXT + '<p>附件：<a href="P0202401.pdf">某局2023年政府信息公开工作年度报告.pdf</a></p>', None),
        # a thin page whose only file is the sidebar guide: nothing to follow
        (CHROME + "<p>报告内容见图片。</p><img src='nb.png'>", None),
    ],
)
def test_cover_page_hands_over_to_its_attachment(body, expected):
    sel = tree(f"<html><body>{body}</body></html>")
    assert attachment_to_follow(sel, "http://x/nb/t20240125_1.html") == expected


def test_fixture_cover_page_is_thin_and_full_report_is_not():
    cover = tree((SITE / "zwgk/ndbg/202401/t20240125_4410.html").read_text("utf-8"))
    full = tree((SITE / "zwgk/ndbg/202301/t20230118_3301.html").read_text("utf-8"))
    assert page_is_thin(cover) and not page_is_thin(full)
    assert (
        attachment_to_follow(cover, "http://x/zwgk/ndbg/202401/t20240125_4410.html")
        == "http://x/zwgk/ndbg/202401/P020240125513307.pdf"
    )
