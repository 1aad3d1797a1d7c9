"""`scrapy portals`: the listing functions, and the real command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.commands.portals import format_table, portal_rows, select_portals
from crawler.registry import Portal, load_registry

ROOT = Path(__file__).resolve().parent.parent
SCRAPY = str(Path(sys.executable).parent / "scrapy")


def portal(
    pid: str,
    province: str = "zhejiang",
    level: str | None = "city",
    cms: str = "static",
    urls: tuple[str, ...] = ("https://a.gov.cn/nb/index.html",),
) -> Portal:
    return Portal(id=pid, name=pid, province=province, start_urls=urls, cms=cms, level=level)


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "portals", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_table_columns_are_aligned_under_their_headers():
    lines = format_table([portal("a"), portal("a-much-longer-id", "heilongjiang", "department", "hanweb")]).splitlines()
    header, *rows, _count = lines
    for name in ("province", "level", "cms", "start_url"):
        column = header.index(name)
        assert all(row[column - 2 : column] == "  " and row[column] != " " for row in rows), name


def test_table_ends_with_the_count_of_entries():
    assert format_table([portal("a"), portal("b")]).splitlines()[-1] == "2 portals"
    assert format_table([portal("a")]).splitlines()[-1] == "1 portal"
    assert format_table([]).splitlines() == ["id  province  level  cms  start_url", "0 portals"]


def test_entry_with_several_start_urls_gives_one_row_per_url_and_counts_once():
    entry = portal("x", urls=("https://a.gov.cn/2025nb/index.html", "https://a.gov.cn/2023nb/index.html"))
    assert [row[-1] for row in portal_rows([entry])] == list(entry.start_urls)
    assert format_table([entry]).splitlines()[-1] == "1 portal"


def test_entry_without_level_shows_a_dash():
    assert portal_rows([portal("x", level=None)])[0][2] == "-"


def test_select_filters_by_chinese_province_name_like_by_slug():
    assert [p.id for p in select_portals(province="北京")] == [p.id for p in select_portals(province="beijing")]
    assert {p.province for p in select_portals(province="北京")} == {"beijing"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"province": "atlantis"}, "unknown province"),
        ({"level": "village"}, "unknown level"),
        ({"cms": "wordpress"}, "unknown cms"),
    ],
)
def test_select_rejects_unknown_filter_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_portals(**kwargs)


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_lists_one_provinces_entries_with_count():
    result = scrapy("--province", "zhejiang")
    assert result.returncode == 0, result.stderr
    expected = [p.id for p in load_registry().select(province="zhejiang")]
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "province", "level", "cms", "start_url"]
    assert [line.split()[0] for line in lines[1:-1]] == expected
    assert lines[-1] == f"{len(expected)} portal" + ("s" if len(expected) != 1 else "")


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_filters_by_level_and_cms_together():
    result = scrapy("--level", "province", "--cms", "trs")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:-1]]
    assert rows and all(row[2] == "province" and row[3] == "trs" for row in rows)


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_without_filters_lists_every_entry():
    result = scrapy()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{len(load_registry().portals)} portals"


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_exits_nonzero_with_clear_message_for_unknown_province():
    result = scrapy("--province", "atlantis")
    assert result.returncode != 0
    assert "unknown province 'atlantis'" in result.stderr
    assert result.stdout == ""


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_reads_another_registry_file(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    entry = {
        "id": "my-county",
        "name": "某县 年报",
        "province": "浙江",
        "level": "county",
        "start_urls": ["https://my.gov.cn/nb/index.html"],
    }
    path.write_text(yaml.safe_dump({"version": 1, "portals": [entry]}, allow_unicode=True), "utf-8")
    result = scrapy("--registry", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split() == [
        "my-county",
        "zhejiang",
        "county",
        "static",
        "https://my.gov.cn/nb/index.html",
    ]


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_reports_broken_registry_entry_and_field(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    entry = {
        "id": "bad-one",
        "name": "x",
        "province": "zhejiang",
        "cms": "wordpress",
        "start_urls": ["https://x.gov.cn/"],
    }
    path.write_text(yaml.safe_dump({"portals": [entry]}), "utf-8")
    result = scrapy("--registry", str(path))
    assert result.returncode != 0
    assert "portal 'bad-one': field 'cms'" in result.stderr


# ---- --stats: coverage per province and level ----


def grounded(pid: str, name: str, level: str, url: str, evidence: str, province: str = "zhejiang") -> Portal:
    return Portal(
        id=pid,
        name=name,
        province=province,
        start_urls=(url,),
        level=level,
        evidence={"url": evidence, "observed": "2026-11-22", "source": "search:pages"},
    )


COVERAGE_ENTRIES = [
    grounded("zj", "浙江省人民政府 政府信息公开年报", "province", "https://z/nb/", "https://z/nb/"),
    grounded("hz", "杭州市人民政府 政府信息公开年报", "city", "https://h/nb/", "https://h/nb/2024/t1.html"),
    grounded("nb", "宁波市人民政府 年报", "city", "https://n/nb/", "https://n/nb/"),
    grounded("xh", "杭州市西湖区人民政府 年报", "county", "https://x/nb/", "https://x/nb/a.html"),
    grounded("jd", "建德市人民政府 年报", "county", "https://j/nb/", "https://j/nb/"),  # county-level city
    grounded("hzj", "杭州市教育局 年报", "department", "https://e/nb/", "https://e/nb/1.html"),
    grounded("hd", "北京市海淀区人民政府 年报", "county", "https://hd/nb/", "https://hd/nb/", "beijing"),
]


def test_coverage_counts_entries_cities_and_observed_start_urls_per_province_and_level():
    from crawler.registry.coverage import coverage

    rows = {
        (r.province, r.level): (r.entries, sorted(r.cities), r.observed, r.derived) for r in coverage(COVERAGE_ENTRIES)
    }
    assert rows == {
        ("beijing", "county"): (1, [], 1, 0),  # a municipality's district belongs to no prefecture-level city
        ("zhejiang", "province"): (1, [], 1, 0),
        ("zhejiang", "city"): (2, ["宁波市", "杭州市"], 1, 1),
        ("zhejiang", "county"): (2, ["杭州市"], 1, 1),
        ("zhejiang", "department"): (1, ["杭州市"], 0, 1),
    }


def test_stats_table_totals_each_province_and_the_country():
    from crawler.registry.coverage import format_coverage

    lines = format_coverage(COVERAGE_ENTRIES).splitlines()
    assert lines[0].split() == ["province", "level", "entries", "cities", "observed", "derived"]
    assert lines[1].split() == ["beijing", "county", "1", "0", "1", "0"]
    assert ["zhejiang", "all", "6", "2", "3", "3"] in [line.split() for line in lines]
    assert lines[-1] == (
        "7 entries, 2/31 provinces, 1/31 with a province-level entry, 2 prefecture-level cities, "
        "4 observed / 3 derived start URLs"
    )


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_stats_prints_coverage_of_a_registry_file(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    entries = [
        {
            "id": "a-city",
            "name": "湖州市人民政府 年报",
            "province": "浙江",
            "level": "city",
            "start_urls": ["https://a.gov.cn/nb/"],
            "evidence": {"url": "https://a.gov.cn/nb/", "observed": "2026-11-22", "source": "x"},
        },
        {
            "id": "a-county",
            "name": "湖州市某县人民政府 年报",
            "province": "浙江",
            "level": "county",
            "start_urls": ["https://b.gov.cn/nb/"],
            "evidence": {"url": "https://b.gov.cn/nb/2024/t1.html", "observed": "2026-11-22", "source": "x"},
        },
    ]
    path.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), "utf-8")
    result = scrapy("--stats", "--registry", str(path))
    assert result.returncode == 0, result.stderr
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["province", "level", "entries", "cities", "observed", "derived"],
        ["zhejiang", "city", "1", "1", "1", "0"],
        ["zhejiang", "county", "1", "1", "0", "1"],
        ["zhejiang", "all", "2", "1", "1", "1"],
    ] + [
        ["2", "entries,", "1/31", "provinces,", "0/31", "with", "a", "province-level", "entry,", "1"]
        + ["prefecture-level", "cities,", "1", "observed", "/", "1", "derived", "start", "URLs"]
    ] + [
        ["province", "prefectures", "city_level"],
        ["zhejiang", "1/11", "1"],  # 湖州市 of zhejiang's 11, by its city-level entry
        ["all", "1/333", "1"],
    ]


@pytest.mark.services  # runs `scrapy portals` in a subprocess
def test_command_refuses_stats_and_check_together():
    result = scrapy("--stats", "--check")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


@pytest.mark.parametrize(
    ("name", "level", "city", "province"),
    [
        ("杭州市西湖区人民政府 年报", "county", "杭州市", "zhejiang"),
        # a two-character 州 is the city's short name
        ("杭州高新区（滨江）管委会 年报", "department", "杭州市", "zhejiang"),
        ("黔东南州人民政府新闻办公室 年报", "department", "黔东南州", "guizhou"),
        ("凉山彝族自治州人民政府 年报", "city", "凉山彝族自治州", "sichuan"),
        ("泽州县人民政府 年报", "county", None, "shanxi"),  # a county, not a 州
        ("高平市人民政府办公室 年报", "county", None, "shanxi"),  # a county-level city itself
        ("重庆市渝中区人民政府 年报", "county", None, "chongqing"),  # municipality districts have no prefecture
        ("山西省晋城市人民政府 年报", "city", "晋城市", "shanxi"),  # the province printed first
    ],
)
def test_prefecture_city_is_read_from_the_entry_name(name, level, city, province):
    from crawler.registry.coverage import prefecture_city

    entry = Portal(id="x", name=name, province=province, start_urls=("https://a/",), level=level)
    assert prefecture_city(entry) == city
