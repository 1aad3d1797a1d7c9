"""The normalise and metadata stages' shortcuts give what the work they skip gives, at their edges."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from lxml import etree

from crawler.parsing import metadata
from crawler.parsing.labels import compact
from crawler.text import extract
from crawler.text.page import page_text, parse_html

LONG = "年" * 301  # a cell of running text: over LAYOUT_CELL_CHARS
SPACED = "<span>年</span>\n" * 160  # 320 characters, 160 counted: a cell that only may be long


def _root(body: str) -> etree._Element:
    return parse_html(f"<html><head><title>t</title></head><body>{body}</body></html>").root


def _every_element_renders_as_walked(body: str) -> extract.Scan:
    root = _root(body)
    found = extract.scan(root)
    assert found.spans is not None
    for el in root.iter():
        if isinstance(el.tag, str):
            lines = extract.scanned_lines(found, el)
            if lines is not None:
                assert lines == extract.render_lines(el), el.tag
    return found


def test_a_data_table_renders_its_rows_with_cells_apart() -> None:
    found = _every_element_renders_as_walked(
        "<p>前言</p><table><caption>说明</caption><tr><th>项目</th><td>本年<br>新增</td></tr>"
        "<tr><td></td><td> </td></tr><tr><td>合计</td><td><p>12</p><p>件</p></td></tr></table><p>结语</p>"
    )
    body = next(el for el in found.spans or {} if el.tag == "body")
    assert extract.scanned_lines(found, body) == ["前言", "项目 | 本年 新增", "合计 | 12 件", "结语"]


@pytest.mark.parametrize(
    ("cell", "layout"),
    [
        (LONG, True),
        ("年" * 300, False),
        (SPACED, False),  # its text is 320 long, but counted (one per whitespace run) 160
        ("<span>年</span>" * 301, True),
        ("<script>" + "x" * 400 + "</script>年", True),  # the layout test reads a script's text too
        ("<noscript><table></table></noscript>", True),
    ],
)
def test_a_table_is_laid_out_by_the_same_rule_the_walk_reads(cell: str, layout: bool) -> None:
    found = _every_element_renders_as_walked(f"<div><table><tr><td>{cell}</td><td>二</td></tr></table></div>")
    table = next(el for el in found.spans or {} if el.tag == "table")
    assert extract._is_layout_table(table) is layout
    rendered = extract.scanned_lines(found, table) or []
    assert any(" | 二" in line for line in rendered) is not layout


@pytest.mark.parametrize(
    "body",
    [
        "<table><tr><td>一<div><tr><td>内</td></tr></div></td></tr></table>",  # a row in a cell: rendered after it
        "<table><tr><td>一</td></tr><noscript><tr><td>藏</td></tr></noscript></table>",  # a row in a skipped element
    ],
)
def test_a_row_the_walk_renders_out_of_order_leaves_the_page_to_the_walk(body: str) -> None:
    root = _root(body)
    found = extract.scan(root)
    assert found.spans is None
    assert extract.scanned_lines(found, root) is None
    assert list(extract.iter_lines(root)) == extract.render_lines(root)


def test_soft_breaks_and_comments_render_as_walked() -> None:
    found = _every_element_renders_as_walked(
        "<div>第一\n  段<!-- 注 -->落\n</div><div>one\r\n two<?pi x?> three\u3000\n four</div>"
        "<table><tr><td>甲\n乙</td><td>a\nb</td></tr></table>"
    )
    body = next(el for el in found.spans or {} if el.tag == "body")
    assert extract.scanned_lines(found, body) == ["第一段落", "one two three four", "甲乙 | a b"]


def test_the_metadata_block_is_left_out_of_the_main_text_as_the_walk_leaves_it() -> None:
    meta = "<div id='m'><span>索引号：123</span><span>发布机构：某县人民政府</span></div>"
    text = "<p>本县政府信息公开工作情况。</p>" * 3
    page = page_text(_root(f"<div>{meta}{text}<p>二、主动公开</p></div>"), traditional=False)
    assert page.main.tag == "div" and page.meta is not None and page.meta.get("id") == "m"
    assert page.meta_text == "索引号：123发布机构：某县人民政府"
    assert page.text.startswith("本县政府信息公开工作情况。") and "索引号" not in page.text
    assert page.text.endswith("二、主动公开")


def test_a_metadata_block_inside_a_data_table_cell_is_left_to_the_walk() -> None:
    root = _root(
        "<table><tr><td>标题</td><td><span>索引号：1</span><span>发布日期：2024-01-02</span></td></tr>"
        "<tr><td>正文</td><td>" + "内容" * 20 + "</td></tr></table>"
    )
    found = extract.scan(root)
    table = next(el for el in root.iter("table"))
    cell = next(el for el in root.iter("td") if el.text is None)
    assert extract.scanned_lines(found, table, cell) is None  # its cell would render without it
    assert extract.render_lines(table, cell)[0] == "标题 |"


def test_the_page_top_read_after_a_scan_is_the_walked_page_top() -> None:
    root = _root("<div>首页 &gt; 年报</div><div>发布机构：某镇人民政府</div><p>一、总体情况</p>")
    extract.scan(root)
    assert list(extract.iter_lines(root)) == ["首页 > 年报", "发布机构：某镇人民政府", "一、总体情况"]
    assert extract._LAST_SCAN == []  # its top read, the page is let go
    assert list(extract.iter_lines(root)) == ["首页 > 年报", "发布机构：某镇人民政府", "一、总体情况"]  # walked
    other = _root("<p>别的页面</p>")  # not the page scanned last: walked
    assert list(extract.iter_lines(other)) == ["别的页面"]


def test_nfkc_outside_the_listed_blocks_keeps_ideographs_and_spaces_as_they_are() -> None:
    """The fact metadata._marker_flat rests on, over every code point of this Python's Unicode."""
    outside = []
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or metadata._TO_IDEOGRAPHS_RE.match(char):
            continue
        folded = unicodedata.normalize("NFKC", char)
        if "\u4e00" <= char <= "\u9fff":
            if folded != char:
                outside.append(code)
        elif any("\u4e00" <= c <= "\u9fff" for c in folded) or char.isspace() != all(c.isspace() for c in folded):
            outside.append(code)
    assert outside == []


@pytest.mark.parametrize(
    "text",
    [
        "本年制发件数 本年废止件数 本年新制作数量",
        "本年 制发\n件数｜本年新制作数量、本年新公开数量",
        "依申请公开政府资讯情况",  # a Taiwan word read as the mainland one
        "\uf967予公开政府信息情况",  # 不 as a compatibility ideograph: NFKC makes the marker
        "⼀、总体情况 本年新\u3000公开数量",  # a Kangxi radical (⼀) and an ideographic space
        "本年收费金额\u200b",
        "",
    ],
)
def test_the_format_read_without_nfkc_is_the_format_read_with_it(text: str) -> None:
    assert metadata._format_of(metadata._marker_flat(text), 2020) == metadata.detect_format(text, 2020)
    flat, folded = metadata._marker_flat(text), compact(text)
    for marker in itertools.chain(*metadata._FLAT_MARKERS.values()):
        assert (marker in flat) == (marker in folded), marker


LOOKBEHIND_SOFT = re.compile(
    r"(?<=[\u3400-\u9fff，。、；：）])\x01+(?=[\u3400-\u9fff（])"
)  # the rule, as first written


def test_soft_breaks_vanish_between_hanzi_as_the_lookbehind_rule_says() -> None:
    assert extract._unsoft("中\x01文\x01字") == "中文字"
    assert extract._unsoft("中\x01，\x01\x01文") == "中 ，文"
    assert extract._unsoft("a\x01中\x01（b）\x01b") == "a 中（b） b"
    for size in range(1, 7):
        for chars in itertools.product("中，（a\x01", repeat=size):
            text = "".join(chars)
            assert extract._unsoft(text) == LOOKBEHIND_SOFT.sub("", text).replace("\x01", " "), repr(text)


def test_a_long_page_top_read_block_by_block_is_the_walked_one() -> None:
    paragraphs = "".join(f"<p>第{i}段\n落</p><span>甲</span>\n<span>乙</span>" for i in range(200))
    table = "<table><tr><td>项目</td><td>数\n量</td></tr></table>"
    root = _root(f"<div>{paragraphs}{table}{paragraphs}</div>")
    found = extract.scan(root)
    assert len(found.pieces) > 3 * extract.SLICE_PIECES and found.data_tables
    assert list(extract.iter_lines(root)) == extract.render_lines(root)
