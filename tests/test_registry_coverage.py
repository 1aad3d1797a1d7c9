"""Prefecture-level coverage: the hand-typed reference list, matching entry names to it, and `--missing`."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from crawler.registry import Portal
from crawler.registry.coverage import format_prefectures, prefecture_coverage, prefecture_of
from crawler.registry.prefectures import MUNICIPALITIES, PREFECTURES, TOTAL

ROOT = Path(__file__).resolve().parent.parent

# Typed by hand from 民政部's 2024 count of prefecture-level divisions per province (not from the module).
TYPED_COUNTS = {
    "hebei": 11,
    "shanxi": 11,
    "neimenggu": 12,
    "liaoning": 14,
    "jilin": 9,
    "heilongjiang": 13,
    "jiangsu": 13,
    "zhejiang": 11,
    "anhui": 16,
    "fujian": 9,
    "jiangxi": 11,
    "shandong": 16,
    "henan": 17,
    "hubei": 13,
    "hunan": 14,
    "guangdong": 21,
    "guangxi": 14,
    "hainan": 4,
    "sichuan": 21,
    "guizhou": 9,
    "yunnan": 16,
    "xizang": 7,
    "shaanxi": 10,
    "gansu": 14,
    "qinghai": 8,
    "ningxia": 5,
    "xinjiang": 14,
}


def portal(name: str, province: str, level: str | None = "county", pid: str = "x") -> Portal:
    return Portal(id=pid, name=name, province=province, start_urls=("https://a.gov.cn/nb/",), level=level)


def test_typed_per_province_counts_add_up_to_333():
    assert sum(TYPED_COUNTS.values()) == 333


def test_reference_list_has_the_typed_count_in_every_province():
    assert {p: len(divisions) for p, divisions in PREFECTURES.items()} == TYPED_COUNTS
    assert TOTAL == 333


def test_reference_list_has_293_cities_7_prefectures_30_autonomous_prefectures_and_3_leagues():
    kinds = Counter(d.kind for divisions in PREFECTURES.values() for d in divisions)
    assert kinds == {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}


def test_municipalities_have_no_prefecture_level_divisions():
    assert set(MUNICIPALITIES) == {"beijing", "tianjin", "shanghai", "chongqing"}


def test_full_names_are_unique_across_the_country():
    names = [d.name for divisions in PREFECTURES.values() for d in divisions]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("province", "name"),
    [
        ("guizhou", "黔西南布依族苗族自治州"),
        ("jilin", "延边朝鲜族自治州"),
        ("neimenggu", "兴安盟"),
        ("xizang", "阿里地区"),
        ("heilongjiang", "大兴安岭地区"),
        ("hainan", "三沙市"),
        ("hainan", "儋州市"),
        ("hubei", "襄阳市"),
        ("xinjiang", "克孜勒苏柯尔克孜自治州"),
        ("qinghai", "海南藏族自治州"),
    ],
)
def test_division_is_listed_under_its_province(province, name):
    assert name in [d.name for d in PREFECTURES[province]]


@pytest.mark.parametrize(
    ("province", "name"),
    [
        ("henan", "济源市"),  # province-administered, county-level
        ("hubei", "仙桃市"),
        ("hubei", "神农架林区"),
        ("hainan", "琼海市"),
        ("anhui", "巢湖市"),  # abolished as a prefecture in 2011
        ("shandong", "莱芜市"),  # merged into 济南 in 2019
        ("xinjiang", "石河子市"),  # 兵团 city
    ],
)
def test_county_level_and_abolished_units_are_not_listed(province, name):
    assert name not in [d.name for d in PREFECTURES[province]]


@pytest.mark.parametrize(
    ("name", "province", "division"),
    [
        ("黄石市大冶市人民政府 年报", "hubei", "黄石市"),  # a county-level city under its prefecture
        ("南京市江宁区人民政府 年报", "jiangsu", "南京市"),
        ("杭州高新区（滨江）财政局 年报", "zhejiang", "杭州市"),
        ("黔西南州兴义市人民政府 年报", "guizhou", "黔西南布依族苗族自治州"),
        ("延边州人民政府 年报", "jilin", "延边朝鲜族自治州"),
        ("临夏州临夏市人民政府 年报", "gansu", "临夏回族自治州"),
        ("兴安盟行政公署 年报", "neimenggu", "兴安盟"),
        ("阿里地区行政公署 年报", "xizang", "阿里地区"),
        ("阿拉善盟阿拉善右旗人民政府 年报", "neimenggu", "阿拉善盟"),
        ("吉林市人民政府 年报", "jilin", "吉林市"),
        ("吉林省吉林市人民政府 年报", "jilin", "吉林市"),
        ("广西南宁市人民政府 年报", "guangxi", "南宁市"),  # the province's short name printed first
        ("襄樊市人民政府 2009年年报", "hubei", "襄阳市"),  # renamed 2010, same territory
        ("毕节地区行政公署 2010年年报", "guizhou", "毕节市"),  # a 地区 that became a 市
        ("博州人民政府 年报", "xinjiang", "博尔塔拉蒙古自治州"),
    ],
)
def test_entry_name_maps_to_its_prefecture(name, province, division):
    found = prefecture_of(portal(name, province))
    assert found is not None and found[0].name == division


@pytest.mark.parametrize(
    ("name", "province"),
    [
        ("大冶市人民政府 年报", "hubei"),  # a bare county-level city: no link is carried
        ("滕州市 2025年部门镇街政府信息公开年报", "shandong"),
        ("灵武市司法局 年报", "ningxia"),
        ("临夏市人民政府 年报", "gansu"),  # shares its 自治州's stem, still a county-level city
        ("通化县人民政府 年报", "jilin"),
        ("阿拉善右旗人民政府 年报", "neimenggu"),
        ("吉林省财政厅 年报", "jilin"),  # the province, not 吉林市
        ("重庆市渝中区人民政府 年报", "chongqing"),
        ("黔西南州人民政府 年报", "yunnan"),  # a division of another province
        ("西昌市政府部门 年报", "sichuan"),
    ],
)
def test_entry_name_without_its_prefecture_maps_to_none(name, province):
    assert prefecture_of(portal(name, province)) is None


def test_provincial_entry_belongs_to_no_prefecture():
    assert prefecture_of(portal("海南省人民政府 年报", "hainan", level="province")) is None
    assert prefecture_of(portal("海口市人民政府 年报", "hainan", level="province")) is None


ENTRIES = [
    portal("海口市人民政府 年报", "hainan", "city", "hk"),
    portal("海口市龙华区人民政府 年报", "hainan", "county", "lh"),
    portal("儋州市教育局 年报", "hainan", "department", "dz"),
    portal("琼海市人民政府 年报", "hainan", "county", "qh"),  # province-administered county-level city
    portal("银川市灵武市司法局 年报", "ningxia", "county", "lw"),
    portal("北京市海淀区 年报", "beijing", "county", "hd"),
]


def test_prefecture_coverage_counts_divisions_with_any_entry_and_with_a_city_level_one():
    rows = {r.province: r for r in prefecture_coverage(ENTRIES)}
    assert "beijing" not in rows
    assert (rows["hainan"].entries, sorted(rows["hainan"].covered), sorted(rows["hainan"].city_level)) == (
        4,
        ["儋州市", "海口市"],
        ["海口市"],
    )
    assert rows["hainan"].missing == ["三亚市", "三沙市"]
    assert sorted(rows["ningxia"].covered) == ["银川市"] and not rows["ningxia"].city_level
    assert rows["hebei"].entries == 0 and len(rows["hebei"].missing) == 11


def test_prefecture_table_lists_provinces_with_entries_and_the_country():
    lines = [line.split() for line in format_prefectures(ENTRIES).splitlines()]
    assert lines == [
        ["province", "prefectures", "city_level"],
        ["hainan", "2/4", "1"],
        ["ningxia", "1/5", "0"],
        ["all", "3/333", "1"],
    ]


def test_missing_names_every_uncovered_division_of_every_province():
    lines = [line.split() for line in format_prefectures(ENTRIES, missing=True).splitlines()]
    assert lines[0] == ["province", "prefectures", "city_level", "missing"]
    by_province = {line[0]: line[1:] for line in lines[1:]}
    assert by_province["hainan"] == ["2/4", "1", "三亚市", "三沙市"]
    assert by_province["ningxia"] == ["1/5", "0", "石嘴山市", "吴忠市", "固原市", "中卫市"]
    assert by_province["hebei"][:3] == ["0/11", "0", "石家庄市"] and len(by_province["hebei"]) == 2 + 11
    assert len(by_province) == 27 + 1  # every province with divisions, and the total
    assert by_province["all"] == ["3/333", "1", "330"]


def test_complete_province_shows_a_dash_for_missing():
    entries = [portal(f"{name}人民政府 年报", "ningxia", "city", name) for name in ("银川市", "石嘴山市", "吴忠市")]
    entries += [portal("固原市原州区 年报", "ningxia"), portal("中卫市沙坡头区 年报", "ningxia")]
    assert format_prefectures(entries, ["ningxia"], missing=True).splitlines()[1].split() == [
        "ningxia",
        "5/5",
        "3",
        "-",
    ]


def test_one_province_scope_totals_that_province_only():
    lines = [line.split() for line in format_prefectures(ENTRIES, ["hainan"]).splitlines()]
    assert lines[1:] == [["hainan", "2/4", "1"], ["all", "2/4", "1"]]


def test_municipality_scope_says_it_has_no_divisions():
    assert format_prefectures(ENTRIES, ["beijing"]) == "beijing: a municipality, no prefecture-level divisions"


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "portals", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_missing_names_the_divisions_without_an_entry(tmp_path: Path):
    entries = [
        {
            "id": "ncs",
            "name": "南充市人民政府 年报",
            "province": "四川",
            "level": "city",
            "start_urls": ["https://nc.gov.cn/nb/"],
            "evidence": {"url": "https://nc.gov.cn/nb/", "observed": "2026-11-22", "source": "x"},
        },
        {
            "id": "xc",
            "name": "西昌市人民政府 年报",  # a county-level city of 凉山州 that does not say so
            "province": "四川",
            "level": "county",
            "start_urls": ["https://xc.gov.cn/nb/"],
            "evidence": {"url": "https://xc.gov.cn/nb/", "observed": "2026-11-22", "source": "x"},
        },
    ]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), "utf-8")
    result = scrapy("--stats", "--missing", "--province", "sichuan", "--registry", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-3].split() == ["province", "prefectures", "city_level", "missing"]
    row = lines[-2].split()
    assert row[:3] == ["sichuan", "1/21", "1"]
    assert "南充市" not in row and "凉山彝族自治州" in row and len(row) == 3 + 20
    assert lines[-1].split() == ["all", "1/21", "1", "20"]


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_missing_alone_prints_the_stats_too():
    result = scrapy("--missing", "--province", "hainan")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["province", "level", "entries", "cities", "observed", "derived"]
    assert lines[-3].split() == ["province", "prefectures", "city_level", "missing"]
    assert lines[-2].split()[0] == "hainan" and lines[-2].split()[1].endswith("/4")
    assert lines[-1].split()[0] == "all"


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_refuses_missing_with_check():
    result = scrapy("--check", "--missing")
    assert result.returncode == 2
    assert "--missing goes with --stats" in result.stderr
