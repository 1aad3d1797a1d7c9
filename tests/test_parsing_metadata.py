"""Metadata: 索引号, dates, publisher, report year, 文号, format."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.parsing.metadata import (
    detect_format,
    extract_metadata,
    find_title,
    index_key,
    meta_fields,
    parse_date,
    publisher_from_title,
    report_year,
    signature,
)

SEED_000_META = "索引号: 002590622/2022-79879 公开方式: 主动公开\n文号: 公开日期: 2022-01-21 15:41\n发布单位: 盖北镇"
SEED_002_META = "发布时间: 2021-01-07      发布机构:茶棚乡人民政府      字体:[  ]\n体裁分类:政府信息公开年报  主题分类:综合政务 索引号:18685"


@pytest.mark.parametrize(
    ("meta_text", "expected"),
    [
        (
            SEED_000_META,
            {"index_no": "002590622/2022-79879", "publish_date": "2022-01-21 15:41", "publisher": "盖北镇"},
        ),
        (
            SEED_002_META,
            {
                "publish_date": "2021-01-07",
                "publisher": "茶棚乡人民政府",
                "index_no": "18685",
            },
        ),
        (
            "索 引 号：11330000/2021-00123\n发文字号：浙政办发〔2021〕3号\n成文日期：2021年3月1日",
            {"index_no": "11330000/2021-00123", "doc_no": "浙政办发〔2021〕3号", "publish_date": "2021年3月1日"},
        ),
    ],
)
def test_meta_fields_reads_labelled_values_and_skips_empty_ones(meta_text, expected):
    assert meta_fields(meta_text) == expected


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("2022-01-21 15:41", "2022-01-21"),
        ("20211月7", "2021-01-07"),  # seed 002 signature: 年 and 日 lost
        ("2021年1月7日", "2021-01-07"),
        ("2021/3/5", "2021-03-05"),
        ("２０２１年０３月０５日", "2021-03-05"),
        ("二〇二一年一月二十七日", "2021-01-27"),
        ("2021-13-45", None),
        ("无", None),
    ],
)
def test_parse_date_returns_iso_and_repairs_lost_characters(printed, iso):
    assert parse_date(printed) == iso


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("００２５９０６２２／2022－79879", "002590622/2022-79879"),
        (" 11330000 / 2021-00123 ", "11330000/2021-00123"),
        ("abc-2021—001", "ABC-2021-001"),
        ("", None),
        (None, None),
    ],
)
def test_index_key_folds_width_spaces_dashes_and_case(printed, key):
    assert index_key(printed) == key


@pytest.mark.parametrize(
    ("title", "text", "published", "year"),
    [
        ("秦皇岛市抚宁区茶棚乡人民政府2020年政府信息公开年度报告", "", "2021-01-07", 2020),
        ("黄岩区2020年度政府信息公开工作年度报告", "", "2021-03-01", 2020),
        ("政府信息公开工作年度报告", "现将2021年度政府信息公开工作情况报告如下", "2022-01-21", 2021),
        (None, "", "2022-01-21", 2021),
    ],
)
def test_report_year_is_the_year_reported_on_not_published(title, text, published, year):
    assert report_year(title, text, published) == year


def test_signature_gives_body_and_repaired_date():
    text = "六、其他需要报告的事项\n继续推进。\n\n                               秦皇岛市抚宁区茶棚乡人民政府\n\n                                20211月7\n"
    assert signature(text) == ("秦皇岛市抚宁区茶棚乡人民政府", "2021-01-07")


@pytest.mark.parametrize(
    ("title", "publisher"),
    [
        ("灌南县北陈集镇2024年政府信息公开工作年度报告", "灌南县北陈集镇"),
        ("2024年政府信息公开工作年度报告", None),
    ],
)
def test_publisher_from_title_is_the_body_before_the_year(title, publisher):
    assert publisher_from_title(title) == publisher


@pytest.mark.parametrize(
    ("text", "year", "fmt"),
    [
        ("信息内容 本年制发件数 本年废止件数 现行有效件数", 2020, "2021"),
        ("信息内容 本年新制作数量 本年新公开数量 对外公开总数量 政府集中采购", 2021, "2019"),
        ("四、政府信息公开的收费及减免情况", 2021, "legacy"),
        ("一、总体情况 二、主动公开政府信息情况", 2020, "2019"),
        ("一、总体情况 二、主动公开政府信息情况", 2023, "2021"),
        ("一、概述", 2016, "legacy"),
    ],
)
def test_format_is_decided_by_template_wording_before_year(text, year, fmt):
    assert detect_format(text, year) == fmt


def test_extract_metadata_from_seed_002_page_shape():
    text = (
        "秦皇岛市抚宁区茶棚乡人民政府2020年政府信息公开年度报告\n一、总体情况\n第二十条第(一)项\n信息内容\n"
        "本年新\n制作数量\n规章\n0\n六、其他需要报告的事项\n无。\n秦皇岛市抚宁区茶棚乡人民政府\n20211月7"
    )
    fields = extract_metadata(text=text, meta_text=SEED_002_META)
    assert fields == {
        "title": "秦皇岛市抚宁区茶棚乡人民政府2020年政府信息公开年度报告",
        "index_no": "18685",
        "index_key": "18685",
        "publisher": "茶棚乡人民政府",
        "publisher_source": "field",
        "publish_date": "2021-01-07",
        "report_year": 2020,
        "doc_no": None,
        "format": "2019",
    }


def test_extract_metadata_prefers_meta_tags_when_page_has_no_block():
    tree = Selector(
        text='<html><head><title>2021年报_某局</title><meta name="ArticleTitle" content="某市某局2021年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2022-01-28 09:00"><meta name="ContentSource" content="某市某局"></head></html>'
    )
    fields = extract_metadata(text="一、总体情况\n正文。", tree=tree)
    assert (fields["title"], fields["publish_date"], fields["publisher"], fields["report_year"]) == (
        "某市某局2021年政府信息公开工作年度报告",
        "2022-01-28",
        "某市某局",
        2021,
    )


def test_extract_metadata_falls_back_to_title_for_publisher_without_block():
    fields = extract_metadata(
        text="灌南县北陈集镇2024年政府信息公开工作年度报告\n一、总体情况\n正文。", link_date="2025-01-20"
    )
    assert (fields["publisher"], fields["publish_date"], fields["index_no"]) == ("灌南县北陈集镇", "2025-01-20", None)


def test_title_skips_sidebar_links_to_work_reports_and_notices():
    tree = Selector(
        text="<html><head><title>政府信息公开</title></head><body>"
        "<h3>2024年政府工作报告</h3><h3>关于做好2023年政府信息公开工作年度报告编制工作的通知</h3>"
        "<h1>某县2023年政府信息公开工作年度报告</h1></body></html>"
    )
    fields = extract_metadata(text="一、总体情况\n正文。", tree=tree)
    assert fields["title"] == "某县2023年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("line", "publisher"),
    [
        # adjacent <span>s rendered without a separator: the value ends at the next known label
        ("发布机构：澜溪区人民政府办公室发布日期：2024-01-25浏览次数：", "澜溪区人民政府办公室"),
        ("来源：澜溪区教育局字号：大中小", "澜溪区教育局"),  # font-size chrome right after the name
        ("发布时间：2011-03-28    信息来源：县政府办    【大 中 小】", "县政府办"),  # a 【 control after it
        ("来源：本站　　发布时间：2022-01-21 10:48", None),  # the site, not a body
        ("发布机构： 发布日期：2024-01-02", None),  # empty field, then the next label
        ("发布机构：【", None),  # a lone glyph
    ],
)
def test_a_publisher_field_yields_a_body_name_or_nothing(line: str, publisher: str | None) -> None:
    assert meta_fields(line).get("publisher") == publisher


@pytest.mark.parametrize(
    ("title", "is_report"),
    [
        ("石苇镇人民政府政府信息公开工作年度报告", True),  # no year, but a body before the report words
        ("政府信息公开年度报告", False),  # the column's own name
        ("某市人民政府2020年政府信息公开工作报告（全文）", True),  # 工作报告 without 年度
        ("某县审计局2023年度政务信息公开工作开展年度报告", True),  # nonstandard words, an 审计局
        ("2010年度政府資訊公開年度報告", True),  # Taiwan vocabulary
        ("图解：某县人民政府2021年政府信息公开工作年度报告", False),
        ("一图读懂某县2020年政府信息公开工作年度报告", False),
        ("某市审计局关于2022年度市级预算执行的审计工作报告", False),
    ],
)
def test_report_titles_in_real_shapes(title: str, is_report: bool) -> None:
    from crawler.parsing.titles import is_report_title

    assert is_report_title(title) is is_report


def test_the_documents_own_centred_heading_wins_over_the_cms_page_title():
    html = (
        "<html><head><title>2019年柘源县政府信息公开工作年度报告</title></head><body>"
        "<h1>2019年柘源县政府信息公开工作年度报告</h1>"
        "<p style='text-align: center'><b>柘源县人民政府2019年政府信息公开工作年度报告</b></p>"
        "<p>根据条例规定……</p></body></html>"
    )
    tree = Selector(text=html)
    assert find_title("", tree, None) == "柘源县人民政府2019年政府信息公开工作年度报告"


def test_a_quanwen_tail_is_not_part_of_the_title():
    tree = Selector(text="<h1>鹤泉市人民政府2020年政府信息公开工作报告（全文）</h1>")
    assert find_title("", tree, None) == "鹤泉市人民政府2020年政府信息公开工作报告"


def test_a_title_printed_over_two_lines_is_joined():
    text = "云杉县自然资源局\n2021 年政府信息公开工作年度报告\n根据……"
    assert find_title(text, None, None) == "云杉县自然资源局2021年政府信息公开工作年度报告"


def test_a_label_alone_on_its_line_takes_the_next_line_as_its_value():
    found = meta_fields("基本介绍\n中文名\n某县2010年度年报\n发布单位\n某县林业局\n目录")
    assert found == {"publisher": "某县林业局"}


def test_a_pdf_title_line_repeated_by_the_signature_is_not_dropped_as_a_running_header():
    from pathlib import Path

    from crawler.core import parse_report

    pdf = Path(__file__).parent.parent / "fixtures/sites/shape_static_yunshan/xxgk/ndbg/2022/0121/P020220121563318.pdf"
    report = parse_report(pdf.read_bytes(), "application/pdf", "http://127.0.0.1/a.pdf")
    assert report.text.splitlines()[0] == "云杉县自然资源局"
    assert report.title == "云杉县自然资源局2021年政府信息公开工作年度报告"


def test_a_bracketed_label_reads_like_a_label_with_a_colon():
    found = meta_fields("【发布机构】青衡县卫生健康局   【发布日期】2023-01-17   【字体：大 中 小】")
    assert found == {"publisher": "青衡县卫生健康局", "publish_date": "2023-01-17"}


@pytest.mark.parametrize(
    ("page", "publisher", "source"),
    [
        ("<div class='info'>发布机构：某县审计局</div><p>一、总体情况</p>", "某县审计局", "field"),
        (
            "<div class='info'>某市人民政府 www.moushi.gov.cn 2021-01-29</div><p>一、总体情况</p>",
            "某市人民政府",
            "byline",
        ),
        ("<p>一、总体情况</p><p>全年……</p><p>某镇人民政府</p><p>2022年1月20日</p>", "某镇人民政府", "signature"),
        ("<h1>某县林业局2021年政府信息公开工作年度报告</h1><p>一、总体情况</p>", "某县林业局", "title"),
    ],
)
def test_publisher_says_where_it_was_read(page, publisher, source):
    from crawler.core import parse_report

    report = parse_report(page.encode("utf-8"), "text/html; charset=utf-8", "http://127.0.0.1/a.html")
    assert (report.publisher, report.publisher_source) == (publisher, source)


def test_what_a_reader_sees_names_the_report_before_the_html_head_does():
    """A generic heading: the report's own first sentence beats <title> and the meta tag."""
    html = (
        "<html><head><title>澜溪区东湖镇2021年政府信息公开工作年度报告</title>"
        "<meta name='ArticleTitle' content='澜溪区东湖镇2021年政府信息公开工作年度报告'></head><body>"
        "<div class='art-title'>政府信息公开年报</div>"
        "<p>根据条例规定，东湖镇人民政府编制了东湖镇2021年政府信息公开工作年度报告。本报告统计期限为2021年。</p>"
        "</body></html>"
    )
    text = "根据条例规定，东湖镇人民政府编制了东湖镇2021年政府信息公开工作年度报告。本报告统计期限为2021年。"
    assert find_title(text, Selector(text=html), None) == "东湖镇2021年政府信息公开工作年度报告"


def test_a_cms_title_box_is_a_visible_heading():
    html = (
        "<html><head><meta name='ArticleTitle' content='某区2022年度政府信息公开工作年度报告'></head><body>"
        "<div class='art-title'>关于某区市场监督管理局2022年度政府信息公开工作年度报告</div>"
        "<p>现将某区市场监督管理局2022年度政府信息公开工作年度报告公布如下。</p></body></html>"
    )
    assert find_title("", Selector(text=html), None) == "关于某区市场监督管理局2022年度政府信息公开工作年度报告"
