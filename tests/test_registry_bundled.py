"""The bundled registry: it loads, every entry is grounded, every province is accounted for."""

from __future__ import annotations

import datetime as dt
import functools
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


# Prefecture-level divisions (crawler/registry/prefectures.py, 民政部 2024) that some entry belongs to by its
# name (the division printed first, after the province), read off the entry names by hand on 2026-12-01
# after the round-3 renames (黄石市大冶市 …): 183 of 333. County-level cities that print no prefecture
# (and the four municipalities) count none. It only ever rises.
PREFECTURE_TALLY: dict[str, str] = {
    "hebei": "石家庄 唐山 沧州 邯郸",
    "shanxi": "临汾 忻州 晋城 朔州 长治 吕梁",
    "neimenggu": "巴彦淖尔 赤峰 通辽 包头 鄂尔多斯 锡林郭勒盟 阿拉善盟 呼和浩特",
    "liaoning": "本溪 沈阳 盘锦 铁岭 大连",
    "jilin": "吉林市 四平 延边 白城 辽源 通化 长春",
    "heilongjiang": "佳木斯 哈尔滨 大庆 牡丹江 鹤岗 齐齐哈尔",
    "jiangsu": "南通 宿迁 泰州 淮安 盐城 苏州 南京 连云港",
    "zhejiang": "丽水 台州 嘉兴 杭州 温州 湖州 绍兴 舟山 衢州 金华 宁波",
    "anhui": "六安 合肥 淮北 淮南 芜湖",
    "fujian": "三明 厦门 宁德 泉州 莆田 福州 龙岩",
    "jiangxi": "九江 宜春 景德镇 赣州 鹰潭 上饶",
    "shandong": "东营 威海 泰安 济南 济宁 淄博 烟台 青岛 枣庄 滨州 德州 潍坊 聊城",
    "henan": "三门峡 周口 平顶山 驻马店 商丘",
    "hubei": "十堰 咸宁 孝感 武汉 荆门 鄂州 随州 黄冈 黄石 荆州 襄阳",
    "hunan": "常德 益阳 衡阳 郴州 株洲 长沙 湘西 邵阳 张家界",
    "guangdong": "东莞 中山 云浮 佛山 广州 揭阳 汕尾 江门 深圳 湛江 肇庆 梅州 河源 潮州 韶关 汕头 清远 茂名",
    "guangxi": "北海 南宁 河池 玉林 贵港 钦州 防城港 柳州 桂林 百色",
    "hainan": "儋州 海口",
    "sichuan": "凉山 南充 泸州 绵阳 攀枝花",
    "guizhou": "六盘水 安顺 贵阳 遵义 铜仁 黔南 黔西南 毕节 黔东南",
    "yunnan": "昆明 昭通 曲靖 楚雄",
    "xizang": "山南",
    "shaanxi": "咸阳 宝鸡 延安 西安 榆林",
    "gansu": "兰州 嘉峪关 定西 平凉 庆阳 张掖 武威 白银 临夏 金昌 甘南",
    "qinghai": "海东 海南 黄南",
    "ningxia": "银川 石嘴山 固原",
    "xinjiang": "昌吉",
}
TALLIED_PREFECTURES = [(p, stem) for p, stems in PREFECTURE_TALLY.items() for stem in stems.split()]


@functools.cache
def _covered_prefectures() -> dict[str, set[str]]:
    from crawler.registry.coverage import prefecture_coverage

    return {row.province: row.covered for row in prefecture_coverage(load_registry().portals)}


def test_prefecture_tally_counts_183_of_333():
    assert len(TALLIED_PREFECTURES) == len(set(TALLIED_PREFECTURES)) == 183


def test_bundled_registry_keeps_the_tallied_number_of_prefecture_level_divisions():
    assert sum(len(names) for names in _covered_prefectures().values()) >= 183


@pytest.mark.parametrize(("province", "stem"), TALLIED_PREFECTURES, ids=[f"{p}-{s}" for p, s in TALLIED_PREFECTURES])
def test_tallied_prefecture_is_covered_by_an_entry(province, stem):
    assert any(name.startswith(stem) for name in _covered_prefectures()[province])
