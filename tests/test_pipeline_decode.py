"""DecodePipeline: encodings chosen, reasons, repairs, errors recorded, stats."""

from __future__ import annotations

import parsel
import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportItem
from crawler.pipelines.decode import DecodePipeline

TEXT = "（一）健全机构，强化领导。为规范政府信息公开工作，健全了以镇长为第一责任人的领导机构。"


def _pipeline(settings: dict | None = None):
    crawler = get_crawler(settings_dict=settings or {})
    crawler.stats.open_spider()
    return build_from_crawler(DecodePipeline, crawler), crawler.stats


def _html(text: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "reason"),
    [
        (_html(TEXT, "gb2312").encode("gbk"), "text/html; charset=gb2312", "gb18030", "http-header"),
        (_html(TEXT, "gb2312").encode("gbk"), "text/html", "gb18030", "meta"),
        (_html(TEXT).encode("utf-8"), "text/html; charset=UTF-8", "utf-8", "http-header"),
        ("\ufeff".encode() + _html(TEXT).encode("utf-8"), "text/html; charset=gbk", "utf-8", "bom"),
        (
            _html(TEXT, "gb2312").encode("gbk"),
            "text/html; charset=utf-8",
            "gb18030",
            "detected: http-header said utf-8 but",
        ),
        (_html(TEXT, "gbk").encode("utf-8"), "text/html; charset=gbk", "utf-8", "detected: "),
        (
            _html(TEXT).encode("big5hkscs", "replace"),
            "text/html; charset=gbk",
            "big5hkscs",
            "detected: http-header said gbk but implausible",
        ),
        (_html(TEXT).encode("gbk"), None, "gb18030", "detected: no declaration"),
    ],
)
def test_encoding_and_reason(body: bytes, content_type: str | None, encoding: str, reason: str) -> None:
    pipeline, _ = _pipeline()
    item = pipeline.process_item(ReportItem(body=body, content_type=content_type, url="u"))
    assert item["source_encoding"] == encoding
    assert item["encoding_reason"].startswith(reason)
    assert isinstance(item["tree"], parsel.Selector)
    assert item["tree"].root is not None


def test_repairs_recorded_and_counted() -> None:
    pipeline, stats = _pipeline()
    raw = _html("　　" + TEXT, "gbk").encode("gbk")
    cut = raw.index("（".encode("gbk")) - 1  # drop the last byte of the indentation
    item = pipeline.process_item(
        ReportItem(body=raw[:cut] + raw[cut + 1 :], content_type="text/html; charset=gbk", url="u")
    )
    assert TEXT in item["html"]
    assert item["repairs"][0]["kind"] == "gbk-dropped-byte"
    assert stats.get_value("decode/repaired_count") == 1


def test_utf8_mojibake_inside_a_page_is_repaired() -> None:
    pipeline, _ = _pipeline()
    mojibake = TEXT.encode("utf-8").decode("gb18030", "replace")
    item = pipeline.process_item(
        ReportItem(body=_html("报告：" + mojibake).encode("utf-8"), content_type="text/html; charset=utf-8", url="u")
    )
    assert "（一）健全机构，强化领导" in item["html"]
    assert item["repairs"][0]["kind"] == "utf8-as-gbk"


def test_missing_body_is_recorded_not_dropped() -> None:
    pipeline, stats = _pipeline()
    item = pipeline.process_item(ReportItem(body=None, url="u"))
    assert item["errors"][0]["stage"] == "decode"
    assert "html" not in item
    assert stats.get_value("decode/missing_body_count") == 1


def test_switched_off() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(DecodePipeline, get_crawler(settings_dict={"DECODE_ENABLED": False}))
