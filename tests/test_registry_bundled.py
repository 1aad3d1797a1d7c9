"""The bundled registry: it loads, every entry is grounded, every province is accounted for."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.registry import load_registry
from crawler.registry.provinces import PROVINCES
from crawler.registry.schema import CMS_NAMES, thin_notes, validate_registry

DATA: dict[str, Any] = yaml.safe_load((resources.files("crawler.registry") / "portals.yaml").read_text("utf-8"))
ENTRIES: list[dict[str, Any]] = DATA["portals"]
IDS = [e["id"] for e in ENTRIES]
COVERED = {e["province"] for e in ENTRIES}
NOT_YET = {item["province"]: item["reason"] for item in DATA.get("not_yet_grounded") or []}
CORPORA = {"pages", "code", "docs", "issues"}
THIN = thin_notes(DATA)


def test_bundled_registry_loads():
    registry = load_registry()
    assert len(registry.portals) == len(ENTRIES) > 0
    # Empty once every province has an entry; what matters is that it matches the entries.
    assert {item["province"] for item in registry.not_yet_grounded} == set(NOT_YET)


def test_whole_bundled_document_validates():
    validate_registry(DATA, "bundled portals.yaml")


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_validates_on_its_own(entry):
    validate_registry({"version": 1, "portals": [entry]}, "bundled portals.yaml")


def test_ids_are_unique():
    assert len(IDS) == len(set(IDS)), sorted({i for i in IDS if IDS.count(i) > 1})


@pytest.mark.parametrize("province", list(PROVINCES))
def test_province_has_an_entry_or_is_listed_as_not_yet_grounded(province):
    assert province in COVERED or province in NOT_YET


def test_not_yet_grounded_provinces_have_no_entry_and_say_why():
    # Empty today (every province has an entry); the rule holds for any future listing.
    for province, reason in NOT_YET.items():
        assert province not in COVERED, province
        assert "searched" in reason, province


def test_thin_provinces_do_have_entries():
    assert set(THIN) <= COVERED


@pytest.mark.parametrize("province", sorted(THIN))
def test_thin_province_carries_a_note_of_what_was_searched_and_what_was_found(province):
    """The bundled registry maps each thin province to what the stored public pages show instead."""
    assert isinstance(DATA["thin"], dict)
    note = THIN[province]
    assert note and "searched" in note and ("found" in note or "seen" in note), note


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_named_cms_adapter_exists(entry):
    cms = entry.get("cms", "static")
    assert cms in CMS_NAMES
    from crawler.cms import get_adapter

    assert get_adapter(cms).name == cms


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_carries_evidence_with_http_url_past_date_and_corpus(entry):
    evidence = entry["evidence"]
    assert urlsplit(evidence["url"]).scheme in ("http", "https")
    observed = dt.date.fromisoformat(str(evidence["observed"]))
    assert dt.date(2008, 5, 1) <= observed <= dt.date.today()
    kind, _, corpus = evidence["source"].partition(":")
    assert kind == "search" and corpus in CORPORA


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_start_urls_are_on_government_hosts(entry):
    """Mirror hosts that copy government pages are not portals: never use them."""
    for url in entry["start_urls"]:
        assert (urlsplit(url).hostname or "").endswith(".gov.cn"), url


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_column_derived_from_a_report_url_says_so_in_a_note(entry):
    if entry["evidence"]["url"] not in entry["start_urls"]:
        assert entry.get("note"), "start URL differs from the evidence URL: explain the derivation"
        assert urlsplit(entry["evidence"]["url"]).hostname in {urlsplit(u).hostname for u in entry["start_urls"]}


HANWEB = [e for e in ENTRIES if e.get("cms") == "hanweb" and "columnid" in (e.get("options") or {})]


@pytest.mark.parametrize("entry", HANWEB, ids=[e["id"] for e in HANWEB])
def test_hanweb_entry_column_id_matches_its_start_url(entry):
    assert f"/col/col{entry['options']['columnid']}/" in entry["start_urls"][0]


PROVINCIAL = {e["province"] for e in ENTRIES if e.get("level") == "province"}


@pytest.mark.parametrize("province", sorted(COVERED - PROVINCIAL))
def test_covered_province_without_a_provincial_column_is_listed_as_thin(province):
    """A province grounded only by city, county or department columns must say so in `thin`.

    (A province may stay thin with a provincial entry too, e.g. when that column is a legacy site.)
    """
    assert province in THIN


# Floors typed from the registry tally of 2026-12-01 (counted by hand-kept lists, not by the loader):
# 484 grounded entries, 145 of them at level city (2026-12-01, round 2). They only ever rise.
def test_bundled_registry_keeps_the_tallied_number_of_grounded_entries():
    assert len(ENTRIES) >= 484
    assert sum(1 for e in ENTRIES if e.get("level") == "city") >= 145


# Prefecture-level cities (of the provinces tallied so far) whose own column is in the registry
# at level city; the name of the city appears in the entry's name. Typed from the tally.
CITY_COLUMNS: dict[str, str] = {
    "hebei": "石家庄",
    "shanxi": "长治 晋城 朔州 忻州 临汾",
    "neimenggu": "赤峰 通辽 巴彦淖尔",
    "liaoning": "沈阳 本溪 盘锦 铁岭",
    "jilin": "长春 吉林市 四平 辽源 通化 白城 延边",
    "heilongjiang": "哈尔滨 齐齐哈尔 鹤岗 大庆 佳木斯 牡丹江",
    "jiangsu": "苏州 南通 淮安 盐城 泰州 宿迁",
    "zhejiang": "杭州 温州 嘉兴 湖州 绍兴 衢州 舟山 台州 丽水",
    "anhui": "合肥 芜湖 淮南 淮北 六安",
    "fujian": "厦门 莆田 三明 泉州 宁德",
    "jiangxi": "景德镇 九江 鹰潭 赣州 宜春",
    "shandong": "济南 青岛 淄博 东营 烟台 济宁 泰安 威海",
}
TALLIED_CITIES = [(province, city) for province, cities in CITY_COLUMNS.items() for city in cities.split()]


def test_city_tally_counts_64_prefecture_level_cities():
    assert len(TALLIED_CITIES) == len(set(TALLIED_CITIES)) == 64


@pytest.mark.parametrize(("province", "city"), TALLIED_CITIES, ids=[f"{p}-{c}" for p, c in TALLIED_CITIES])
def test_tallied_prefecture_level_city_has_a_city_level_column(province, city):
    assert any(e["province"] == province and e.get("level") == "city" and city in e["name"] for e in ENTRIES)
