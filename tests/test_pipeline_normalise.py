"""NormalisePipeline: main content, script, metadata text, chrome removed."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportItem
from crawler.pipelines.decode import DecodePipeline
from crawler.pipelines.normalise import NormalisePipeline

PAGE = """<html><body>
<div class="nav"><a href="/">首頁(yè)</a> <a href="/zwgk/">政務(wù)公開</a></div>
<div class="crumb">當(dāng)前位置：首頁(yè) &gt; 年報(bào)</div>
<table class="meta"><tr><td>索引號(hào)：001/2023-1</td><td>發(fā)布機(jī)構(gòu)：乾安縣人民政府</td></tr></table>
<div id="zoom">
<p>　　乾安縣(xiàn)２０２３年政府信息公開工作年度報(bào)告，著力推進(jìn)公開(單位:萬元)。</p>
<p>　　一、總體情況</p>
<p>　　本年度按照《中華人民共和國政府信息公開條例》要求，認真貫徹落實上級工作部署，不斷加強組織領導，明確工作任務，完善各項制度和措施，加強政府信息公開平臺建設，加大政府信息公開工作力度。</p>
<p>　　本年度按照《中華人民共和國政府信息公開條例》要求，認真貫徹落實上級工作部署，不斷加強組織領導，明確工作任務，完善各項制度和措施，加強政府信息公開平臺建設，加大政府信息公開工作力度。</p>
<p>　　本年度按照《中華人民共和國政府信息公開條例》要求，認真貫徹落實上級工作部署，不斷加強組織領導，明確工作任務，完善各項制度和措施，加強政府信息公開平臺建設，加大政府信息公開工作力度。</p>
<table><tr><td>信息內(nèi)容</td><td>本年新制作數(shù)量</td></tr><tr><td>規(guī)章</td><td>０</td></tr></table>
<p>【打印本頁(yè)】 【關(guān)閉窗口】</p>
</div>
<div class="foot">網(wǎng)站標(biāo)識(shí)碼：4107000001 豫ICP備05001234號(hào)</div>
</body></html>"""


def _run(body: bytes, content_type: str = "text/html; charset=utf-8") -> ReportItem:
    crawler = get_crawler()
    crawler.stats.open_spider()
    decode = build_from_crawler(DecodePipeline, crawler)
    normalise = build_from_crawler(NormalisePipeline, crawler)
    return normalise.process_item(decode.process_item(ReportItem(body=body, content_type=content_type, url="u")))


def test_traditional_page_with_pinyin() -> None:
    item = _run(PAGE.encode("gbk"), "text/html; charset=gbk")
    assert item["script"] == "traditional"
    assert item["text"].split("\n") == [
        "乾安县2023年政府信息公开工作年度报告，着力推进公开（单位：万元）。",
        "一、总体情况",
        "本年度按照《中华人民共和国政府信息公开条例》要求，认真贯彻落实上级工作部署，不断加强组织领导，"
        "明确工作任务，完善各项制度和措施，加强政府信息公开平台建设，加大政府信息公开工作力度。",
        "本年度按照《中华人民共和国政府信息公开条例》要求，认真贯彻落实上级工作部署，不断加强组织领导，"
        "明确工作任务，完善各项制度和措施，加强政府信息公开平台建设，加大政府信息公开工作力度。",
        "本年度按照《中华人民共和国政府信息公开条例》要求，认真贯彻落实上级工作部署，不断加强组织领导，"
        "明确工作任务，完善各项制度和措施，加强政府信息公开平台建设，加大政府信息公开工作力度。",
        "信息内容 | 本年新制作数量",
        "规章 | 0",
    ]
    assert item["meta_text"] == "索引号：001/2023-1 | 发布机构：乾安县人民政府"
    assert item["main"].attrib.get("id") == "zoom"
    assert item["main"].xpath(".//table")  # raw cells for the tables stage


def test_simplified_page_never_converted() -> None:
    page = "<html><body><div><p>吉林省乾安县2023年政府信息公开工作年度报告。乾县、於潜镇。</p></div></body></html>"
    item = _run(page.encode("utf-8"))
    assert item["script"] == "simplified"
    assert item["text"] == "吉林省乾安县2023年政府信息公开工作年度报告。乾县、於潜镇。"


def test_no_tree_is_recorded_not_dropped() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider()
    item = build_from_crawler(NormalisePipeline, crawler).process_item(ReportItem(url="u"))
    assert item["errors"] == [{"stage": "normalise", "error": "no parsed tree (decode failed)"}]


def test_switched_off() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(NormalisePipeline, get_crawler(settings_dict={"NORMALISE_ENABLED": False}))


def test_normalisation_never_creates_a_live_formula() -> None:
    """Full-width ＝ and ＠ stay full-width: as ASCII they would start a formula in Excel (issue 18)."""
    from crawler.text.normalise import normalise_fragment

    assert normalise_fragment("＝HYPERLINK(1)", traditional=False) == "＝HYPERLINK(1)"
    assert normalise_fragment("＠SUM(A1)", traditional=False) == "＠SUM(A1)"
    assert normalise_fragment("＋２", traditional=False) == "+2"  # signed numbers still read as numbers
