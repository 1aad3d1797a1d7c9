"""Decode + Normalise every seed fixture page and compare with the hand-checked text."""

from __future__ import annotations

import re

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from text_fixture_pages import ROOT, SEED_PAGES, page

from crawler.items import ReportItem
from crawler.pipelines.decode import DecodePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.text import charsets
from crawler.text.script import script_counts

EXPECTED = ROOT / "expected" / "text"
PINYIN_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def _run(site: str, path: str) -> ReportItem:
    crawler = get_crawler()
    decode = build_from_crawler(DecodePipeline, crawler)
    normalise = build_from_crawler(NormalisePipeline, crawler)
    body, content_type = page(site, path)
    item = ReportItem(body=body, content_type=content_type, url=path)
    return normalise.process_item(decode.process_item(item))


SEEDS = [pytest.param(site, path, id=seed) for seed, (site, path) in SEED_PAGES.items()]


@pytest.mark.parametrize(("site", "path"), SEEDS)
def test_seed_page_text_matches_expected(site: str, path: str) -> None:
    item = _run(site, path)
    expected = (EXPECTED / site / (path.lstrip("/") + ".txt")).read_text(encoding="utf-8")
    assert item["text"] + "\n" == expected
    assert "errors" not in item


@pytest.mark.parametrize(("site", "path"), SEEDS)
def test_seed_page_text_is_clean_simplified(site: str, path: str) -> None:
    text = _run(site, path)["text"]
    assert charsets.suspicious_count(text) == 0
    assert PINYIN_RE.search(text) is None
    assert script_counts(text)[0] == 0
    assert "\ufffd" not in text and "?" not in text


def test_seed_001_is_repaired_from_gbk_traditional_pinyin() -> None:
    site, path = SEED_PAGES["001"]
    item = _run(site, path)
    assert item["source_encoding"] == "gb18030"
    assert item["script"] == "traditional"
    kinds = [r["kind"] for r in item["repairs"]]
    assert kinds.count("gbk-dropped-byte") == 6
    assert "（一）健全机构，强化领导。" in item["text"]
    assert "（五）强化学习，提升素质。" in item["text"]
    assert item["meta_text"] == "发布时间：2017-02-10 来源：送庄镇"


def test_seed_003_keeps_tables_and_meta() -> None:
    site, path = SEED_PAGES["003"]
    item = _run(site, path)
    assert "规章 | 0 | 0 | 0" in item["text"]
    assert item["main"].xpath(".//table")
    assert "索引号 | 014133461/2025-00008" in item["meta_text"]
