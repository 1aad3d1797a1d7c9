"""`scrapy discover` and `-a discover=URL` on the fixture home pages (issue 13, discovery).

One discovery run over every fixture home page (fixtures/sites/home_*, each in
front of an existing column fixture on the same host), then one crawl of the
entries it printed.  The expected cms, start URL and options of every column
are typed below from the fixture pages; the expected report URLs are read
from the fixture files (every report page the column site holds, distractors
excluded by their own marker text), never from the crawler's code.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FAST, FIXTURES, ROOT, SCRAPY
from scrapy.http import HtmlResponse, Request

from crawler.arguments import ArgumentError
from crawler.cms.discover import Column, PageLink, Site, classify, column_entry, is_column_link, page_links
from crawler.cms.fingerprint import Fingerprint, fingerprints
from crawler.commands.discover import check_arguments
from crawler.registry import parse_registry
from fixture_server import FixtureServer

SITES = FIXTURES / "sites"
DISTRACTOR = "本页为说明性内容"
HOMES = sorted(p.name for p in SITES.iterdir() if p.name.startswith("home_"))

# (cms, start path, options) of every column each home page leads to: typed from the fixture pages.
EXPECTED: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "home_trs": [("trs", "/zwgk/bmnb/index.htm", {}), ("trs", "/zwgk/zfxxgknb/index.htm", {})],
    "home_hanweb": [("hanweb", "/col/col1229650012/index.html", {})],
    "home_gkmlpt": [
        (
            "json",
            "/gkmlpt/index#2841",
            {
                "api": "/gkmlpt/api/all/2841?sid={sid}",
                "page_values": {"sid": "SID:\\s*'(\\d+)'"},
                "records": "articles",
                "total": "total",
            },
        )
    ],
    "home_json": [
        (
            "json",
            "/xxgk/ndbg/index.html",
            {
                "api": "/portal/api/list",
                "method": "JSON",
                "page_param": "pageNo",
                "size_param": "pageSize",
                "page_size": 10,
                "params": {"columnCode": "zfxxgkndbg"},
            },
        )
    ],
    "home_query": [("static", "/info/iList.jsp?cat_id=2031", {"page_param": "cur_page"})],
    "home_pagenum": [("static", "/col/col42150/index.html?pageNum=1&uid=380055", {"page_param": "pageNum"})],
    "home_years": [
        ("static", "/zwgk/zfxxgknb/index.html", {"column_pattern": "zfxxgknb/20\\d\\dnb/(index\\.s?html?)?$"})
    ],
    "home_aspnet": [("static", "/gkml/nbList.aspx", {})],
    "home_createpage": [("trs", "/xxgk/xxgknb/index.shtml", {})],
    "home_nocolumn": [],
}
PLACES = {  # (province, level) each home page names
    "home_trs": ("fujian", "county"),
    "home_hanweb": ("zhejiang", "county"),
    "home_gkmlpt": ("guangdong", "city"),
    "home_json": ("guangxi", "county"),
    "home_query": ("shaanxi", "county"),
    "home_pagenum": ("jiangxi", "county"),
    "home_years": ("hunan", "county"),
    "home_aspnet": ("jiangsu", "county"),
    "home_createpage": ("hebei", "county"),
}


def column_reports(site: str, under: str, pattern: str = "*.*htm*") -> set[str]:
    """URL paths of the report pages a column fixture holds under `under` (distractors excluded)."""
    root = SITES / site
    return {
        "/" + path.relative_to(root).as_posix()
        for path in (root / under.strip("/")).rglob(pattern)
        if not path.name.startswith("index") and DISTRACTOR not in path.read_text("utf-8")
    }


def aspnet_reports() -> set[str]:
    shown = SITES / "pager_aspnet/gkml/_show"
    return {f"/gkml/nbShow.aspx?id={p.stem}" for p in shown.glob("*.html") if DISTRACTOR not in p.read_text("utf-8")}


# Report URL paths each column's crawl must store (read from the column sites' files).
REPORTS: dict[tuple[str, str], set[str]] = {
    ("home_trs", "/zwgk/zfxxgknb/index.htm"): column_reports("pager_trs_list2", "zwgk/zfxxgknb"),
    ("home_trs", "/zwgk/bmnb/index.htm"): column_reports("pager_trs_list2", "zwgk/bmnb"),
    ("home_hanweb", "/col/col1229650012/index.html"): column_reports("pager_hanweb_proxy", "art"),
    ("home_gkmlpt", "/gkmlpt/index#2841"): column_reports("pager_json_gkmlpt", "gkmlpt/content"),
    ("home_json", "/xxgk/ndbg/index.html"): column_reports("pager_json_post", "xxgk/ndbg"),
    ("home_query", "/info/iList.jsp?cat_id=2031"): column_reports("pager_query_jsp", "info", "*.htm"),
    ("home_pagenum", "/col/col42150/index.html?pageNum=1&uid=380055"): column_reports("pager_hanweb_pagenum", "art"),
    ("home_years", "/zwgk/zfxxgknb/index.html"): column_reports("pager_year_index", "zwgk/zfxxgknb"),
    ("home_aspnet", "/gkml/nbList.aspx"): aspnet_reports(),
    ("home_createpage", "/xxgk/xxgknb/index.shtml"): column_reports("pager_trs_createpage", "xxgk/xxgknb"),
}


def run(*args: str, tmp: Path, name: str) -> subprocess.CompletedProcess[str]:
    cmd = [SCRAPY, *args, "-s", f"LOG_FILE={tmp / f'{name}.log'}"]
    for key, value in FAST.items():
        cmd += ["-s", f"{key}={value}"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


class Discovered:
    def __init__(self, server: FixtureServer, tmp: Path, proc: subprocess.CompletedProcess[str]):
        self.server, self.tmp, self.proc = server, tmp, proc
        self.entries: list[dict[str, Any]] = yaml.safe_load(proc.stdout) or []
        self.db = tmp / "reports.db"
        self.crawl: subprocess.CompletedProcess[str] | None = None

    def site_of(self, url: str) -> str:
        return next(name for name, base in self.server.sites.items() if url.startswith(base + "/"))

    def path(self, url: str) -> str:
        return url.removeprefix(self.server.sites[self.site_of(url)])

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def discovered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Discovered]:
    """Every fixture home page discovered in one run, then the printed entries crawled once."""
    tmp = tmp_path_factory.mktemp("discover")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        urls = [server.sites[name] + "/" for name in HOMES if name != "home_nocolumn"]
        found = Discovered(server, tmp, run("discover", *urls, tmp=tmp, name="discover"))
        assert found.proc.returncode == 0, found.proc.stderr[-3000:]
        registry = tmp / "discovered.yaml"
        registry.write_text("portals:\n" + found.proc.stdout, "utf-8")
        found.crawl = run(
            "crawl",
            "province_reports",
            "-a",
            f"portals={registry}",
            "-s",
            f"REPORTS_DB={found.db}",
            tmp=tmp,
            name="crawl",
        )
        yield found


@pytest.mark.services  # runs scrapy discover against the fixture server
def test_discover_prints_the_typed_entry_for_every_column_of_every_home_page(discovered: Discovered) -> None:
    got: dict[str, list[tuple[str, str, dict[str, Any]]]] = {name: [] for name in HOMES if name != "home_nocolumn"}
    for entry in discovered.entries:
        (url,) = entry["start_urls"]
        got[discovered.site_of(url)].append((entry["cms"], discovered.path(url), entry["options"]))
    for name in got:
        assert sorted(got[name], key=lambda e: e[1]) == EXPECTED[name], name


@pytest.mark.services  # runs scrapy discover against the fixture server
def test_printed_entries_name_province_level_and_evidence_and_pass_the_registry_schema(discovered: Discovered) -> None:
    registry = parse_registry({"portals": discovered.entries}, "discover output")
    assert len(registry.portals) == sum(len(v) for v in EXPECTED.values()) == 10
    for entry in discovered.entries:
        site = discovered.site_of(entry["start_urls"][0])
        assert (entry["province"], entry["level"]) == PLACES[site], entry["id"]
        assert entry["evidence"]["url"] == entry["start_urls"][0]
        assert entry["evidence"]["source"] == "discover"
    assert discovered.proc.stdout.startswith("  # ")  # indented to paste under `portals:`


@pytest.mark.services  # crawls the entries scrapy discover printed
def test_crawling_the_printed_entries_stores_every_report_of_each_column(discovered: Discovered) -> None:
    assert discovered.crawl is not None
    # The departments' list2 column declares more pages than are static: the crawl says so (exit 3).
    assert discovered.crawl.returncode == 3, discovered.crawl.stderr[-3000:]
    for entry in discovered.entries:
        url = entry["start_urls"][0]
        stored = {
            discovered.path(u)
            for (u,) in discovered.query("SELECT url FROM report_urls WHERE portal_id = ?", entry["id"])
        }
        expected = REPORTS[(discovered.site_of(url), discovered.path(url))]
        assert expected and stored == expected, entry["id"]


@pytest.mark.services  # reads the fixture server's request log of the discovery run
def test_discovery_asks_robots_txt_and_stays_on_each_home_pages_host(discovered: Discovered) -> None:
    requests = discovered.server.requests()
    discovery = [r for r in requests if r["site"].startswith("home_")]
    assert {r["site"] for r in discovery} == set(HOMES) - {"home_nocolumn"}
    behind = {"pager_trs_list2", "pager_json_gkmlpt", "pager_hanweb_proxy", "pager_query_jsp", "pager_aspnet"}
    assert not [r for r in requests if r["site"] in behind]  # every page came through the home page's own host
    for site in {r["site"] for r in discovery}:
        paths = [r["path"] for r in discovery if r["site"] == site]
        assert paths[0] == "/robots.txt", site


# Real-shape column fixtures given as the start URL itself: (site, column path, cms), as fixtures/portals.yaml types them.
COLUMN_STARTS = [
    ("trs_funing", "/zwgk/xxgkzl/xxgknb/index.html", "trs"),
    ("hanweb_huangyan", "/col/col1229427361/index.html", "hanweb"),
    ("static_guannan", "/xxgk/zfxxgknb/index.html", "static"),
    ("static_mengjin", "/zwgk/nb/List_23.html", "static"),  # Traditional, with pinyin glosses: 年報(bào)
    ("static_wuyi_attachments", "/zwgk/ndbg/index.html", "static"),
]


@pytest.mark.services  # runs scrapy discover against the fixture server
def test_a_column_page_given_as_start_is_one_entry_not_split_by_its_own_pager_or_crumb(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES, log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        urls = [server.sites[site] + path for site, path, _cms in COLUMN_STARTS]
        proc = run("discover", *urls, tmp=tmp_path, name="columns")
        assert proc.returncode == 0, proc.stderr[-3000:]
        entries = yaml.safe_load(proc.stdout)
        got = sorted(
            (
                next(s for s, base in server.sites.items() if e["start_urls"][0].startswith(base + "/")),
                e["start_urls"][0].split("/", 3)[3],
                e["cms"],
            )
            for e in entries
        )
    assert got == sorted((site, path.lstrip("/"), cms) for site, path, cms in COLUMN_STARTS)


@pytest.mark.services  # runs scrapy discover against the fixture server
def test_home_page_without_a_column_prints_nothing_says_why_and_exits_1(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES, log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        proc = run("discover", server.sites["home_nocolumn"] + "/", tmp=tmp_path, name="none")
        requests = server.requests()
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stdout == ""
    assert "no 年报 column found" in proc.stderr
    assert "信息公开 <" + server.sites["home_nocolumn"] + "/xxgk/index.html>" in proc.stderr
    # The county platform's 年报 link is on another host: named, with the option to follow it, never fetched.
    assert "县政府信息公开年报 <http://xxgk.example-county.gov.cn/nb/>" in proc.stderr
    assert "--allow-host xxgk.example-county.gov.cn" in proc.stderr
    assert {r["site"] for r in requests} == {"home_nocolumn"}
    assert not [r for r in requests if r["path"].startswith("/nb")]


X = "https://x.gov.cn/"


@pytest.mark.parametrize(
    ("urls", "options", "message"),
    [
        ([], {}, "give at least one URL"),
        (["ftp://x.gov.cn/"], {}, "only http and https"),
        ([X], {"level": "village"}, "--level village is not a level"),
        ([X], {"province": "atlantis"}, "province=atlantis is not a province"),
        ([X], {"allow_host": ["http://y.gov.cn/"]}, "--allow-host http://y.gov.cn/ is not a host"),
    ],
)
def test_bad_arguments_are_refused_with_one_line(urls: list[str], options: dict[str, Any], message: str) -> None:
    opts = argparse.Namespace(**{"province": None, "level": None, "allow_host": [], **options})
    with pytest.raises(ArgumentError, match=re.escape(message)):
        check_arguments(urls, opts)


@pytest.mark.services  # runs scrapy discover in a subprocess
def test_bad_arguments_exit_2_with_one_line_and_fetch_nothing(tmp_path: Path) -> None:
    proc = run("discover", "ftp://x.gov.cn/", tmp=tmp_path, name="bad")
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: ftp://x.gov.cn/: scheme 'ftp' is not fetched: only http and https"], proc.stderr[-1000:]
    assert proc.stdout == ""


@pytest.mark.services  # crawls with -a discover against the fixture server
def test_crawl_argument_discover_finds_the_columns_and_stores_their_reports(tmp_path: Path) -> None:
    db = tmp_path / "reports.db"
    with FixtureServer(FIXTURES, log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        homes = ("home_createpage", "home_hanweb")
        urls = ",".join(server.sites[h] + "/" for h in homes)
        proc = run(
            "crawl", "province_reports", "-a", f"discover={urls}", "-s", f"REPORTS_DB={db}", tmp=tmp_path, name="c"
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT portal_id, url FROM report_urls").fetchall()
            listings = conn.execute("SELECT start_url, status FROM listing_runs").fetchall()
        for home in homes:
            ((_cms, path, _options),) = EXPECTED[home]
            base = server.sites[home]
            stored = {u.removeprefix(base) for _pid, u in rows if u.startswith(base + "/")}
            assert stored == REPORTS[(home, path)], home
            assert (base + path, "complete") in listings
        provinces = {p for (p,) in sqlite3.connect(db).execute("SELECT DISTINCT province FROM reports")}
        assert provinces == {"hebei", "zhejiang"}


@pytest.mark.services  # runs `scrapy crawl` in a subprocess
def test_crawl_argument_discover_refuses_a_registry_too_and_a_bad_url(tmp_path: Path) -> None:
    both = run(
        "crawl", "province_reports", "-a", "discover=https://x.gov.cn/", "-a", "portals=x.yaml", tmp=tmp_path, name="a"
    )
    assert both.returncode == 2 and "either -a discover=URL or -a portals=FILE" in both.stderr
    bad = run("crawl", "province_reports", "-a", "discover=file:///etc/passwd", tmp=tmp_path, name="b")
    assert bad.returncode == 2 and "discover=file:///etc/passwd is not an http(s) URL" in bad.stderr


# ---- the rules, on hand-written pages ----


def links_of(html: str, url: str = "http://www.a.gov.cn/") -> list[PageLink]:
    return page_links(html, url)


def test_page_links_reads_script_menus_document_write_jump_menus_and_onclick() -> None:
    html = """<html><body>
    <script>var nav = [{name: '政务公开', url: '/zwgk/'}, {url: "/hd/", title: "互动"}];</script>
    <script>document.write('<a href="/zwgk/nb/">政府信息公开年报</a>');</script>
    <select><option value="/xxgk/">信息公开</option></select>
    <div onclick="location.href='/ndbg/index.html'">年度报告</div>
    </body></html>"""
    got = {(link.url, link.text, link.how) for link in links_of(html)}
    assert got == {
        ("http://www.a.gov.cn/zwgk/", "政务公开", "script"),
        ("http://www.a.gov.cn/hd/", "互动", "script"),
        ("http://www.a.gov.cn/zwgk/nb/", "政府信息公开年报", "script"),
        ("http://www.a.gov.cn/xxgk/", "信息公开", "option"),
        ("http://www.a.gov.cn/ndbg/index.html", "年度报告", "onclick"),
    }


@pytest.mark.parametrize(
    ("text", "url", "column"),
    [
        ("政府信息公开年报", "/a/", True),
        ("政府信息公开工作年度报告", "/b/", True),
        ("年报", "/col/col42150/index.html", True),
        ("更多", "/zfxxgk/zfxxgknb/", True),  # the URL says it
        ("2023年政府信息公开工作年度报告", "/nb/2024/t1.html", False),  # one report, not the column
        ("统计年报", "/tjnb/", False),
        ("企业年报公示", "/qynb/", False),
        ("政府工作报告", "/gzbg/", False),
    ],
)
def test_column_links_are_told_from_reports_and_other_annual_reports(text: str, url: str, column: bool) -> None:
    assert is_column_link(PageLink("http://www.a.gov.cn" + url, text, "anchor")) is column


def test_classify_follows_the_guide_but_not_applications_or_regulations() -> None:
    html = """<a href="/zwgk/">政务公开</a><a href="/zwgk/zn/">政府信息公开指南</a>
    <a href="/ysqgk/">依申请公开</a><a href="/tl/">政府信息公开条例</a><a href="/xxgk/nb/">政府信息公开年报</a>
    <a href="/zwgk/zfgzbg/2024.html">2024年政府工作报告</a>"""
    columns, hubs = classify(links_of(html))
    assert [link.url for link in columns] == ["http://www.a.gov.cn/xxgk/nb/"]
    assert [link.url for link in hubs] == ["http://www.a.gov.cn/zwgk/", "http://www.a.gov.cn/zwgk/zn/"]


def fixture_page(site: str, path: str, url_path: str | None = None) -> HtmlResponse:
    url = "http://127.0.0.1:8000" + (url_path or "/" + path)
    return HtmlResponse(url, body=(SITES / site / path.lstrip("/")).read_bytes(), request=Request(url))


@pytest.mark.parametrize(
    ("site", "path", "url_path", "cms", "options"),
    [
        ("pager_trs_list2", "zwgk/zfxxgknb/index.htm", None, "trs", {}),
        ("trs_funing", "zwgk/xxgkzl/xxgknb/index.html", None, "trs", {}),
        ("hanweb_huangyan", "col/col1229427361/index.html", None, "hanweb", {}),
        ("pager_aspnet", "_pages/page1.html", "/gkml/nbList.aspx", "static", {}),
        ("pager_query_jsp", "_pages/page1.html", "/info/iList.jsp?cat_id=2031", "static", {"page_param": "cur_page"}),
        ("static_guannan", "xxgk/zfxxgknb/index.html", None, "static", {}),  # 2024/0118/… are report dates
    ],
)
def test_fingerprint_names_the_family_the_adapters_read(
    site: str, path: str, url_path: str | None, cms: str, options: dict[str, Any]
) -> None:
    response = fixture_page(site, path, url_path)
    best = fingerprints(response.text, response.url)[0]
    assert (best.cms, best.options) == (cms, options)


def test_an_entry_found_through_another_allowed_host_allows_the_start_pages_host() -> None:
    column = Column(
        "https://xxgk.a.gov.cn/nb/",
        Fingerprint("trs", ("TRS createPageHTML",)),
        "政府信息公开年报",
        [],
        3,
        "某县2024年报告",
    )
    site = Site("https://www.a.gov.cn/", "某县人民政府", "zhejiang", "county")
    entry = column_entry(column, site, set(), "2026-12-01", ("xxgk.a.gov.cn", "files.a.gov.cn"))
    assert entry["allowed_hosts"] == ["files.a.gov.cn", "www.a.gov.cn"]
    assert entry["start_urls"] == ["https://xxgk.a.gov.cn/nb/"]
    assert "allowed_hosts" not in column_entry(column, site, set(), "2026-12-01")
    parse_registry({"portals": [entry]}, "test")  # valid as written
