"""`scrapy portals --check` on the fixture columns (issue 13, liveness).

One check of fixtures/portals-homes.yaml through the real engine: every entry's
status (typed in the registry's comments and here), the moved targets, the
rows written to ``portal_checks``; then a filtered second check that appends
to the history.  The pure verdicts are tested on hand-made responses.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FAST, FIXTURES, ROOT, SCRAPY
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.cms.liveness import failure_check, response_check
from crawler.registry import Portal
from fixture_server import FixtureServer, render_registry

# status of every entry of fixtures/portals-homes.yaml: typed from the fixtures.
STATUS = {
    "fx-home-trs": "alive",
    "fx-home-hanweb": "alive",
    "fx-home-gkmlpt": "alive",
    "fx-home-query": "alive",
    "fx-home-moved": "moved",
    "fx-home-notice": "moved",
    "fx-home-dead": "dead",
    "fx-home-refused": "dead",
    "fx-home-wrongcms": "wrong_cms",
    "fx-home-empty": "empty",
    "fx-home-robots": "blocked",
    "fx-home-offsite": "moved",
    "fx-home-apidead": "dead",
}


class Checked:
    def __init__(self, server: FixtureServer, tmp: Path):
        self.server, self.tmp = server, tmp
        self.db = tmp / "reports.db"
        self.registry = render_registry(FIXTURES / "portals-homes.yaml", server.sites, tmp / "portals-homes.yaml")
        self.runs = 0

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        cmd = [SCRAPY, "portals", "--check", "--registry", str(self.registry), *args]
        cmd += ["-s", f"REPORTS_DB={self.db}", "-s", f"LOG_FILE={self.tmp / f'check{self.runs}.log'}"]
        for key, value in FAST.items():
            cmd += ["-s", f"{key}={value}"]
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)

    def rows(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(
                "SELECT portal_id, url, status, detail, http_status, final_url, checked_at FROM portal_checks ORDER BY id"
            ).fetchall()


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Checked, subprocess.CompletedProcess[str]]]:
    tmp = tmp_path_factory.mktemp("check")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        check = Checked(server, tmp)
        yield check, check.run()


def table(proc: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["id", "status", "http", "url", "detail"]
    return {line.split()[0]: line.split(maxsplit=4) for line in lines[1:-1]}


@pytest.mark.services  # runs scrapy portals --check against the fixture server
def test_check_reports_every_fixture_column_with_its_status(checked: tuple[Checked, Any]) -> None:
    _check, proc = checked
    assert proc.returncode == 1, proc.stderr[-3000:]  # some columns need attention
    rows = table(proc)
    assert {pid: row[1] for pid, row in rows.items()} == STATUS
    assert proc.stdout.splitlines()[-1] == "4 alive, 3 moved, 3 dead, 1 wrong_cms, 1 blocked, 1 empty"


@pytest.mark.services  # reads the module's check run
def test_moved_columns_record_where_they_went(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    base = check.server.sites["home_trs"]
    rows = {r[0]: r for r in check.rows()}
    assert rows["fx-home-moved"][4:6] == (301, base + "/zwgk/zfxxgknb/index.htm")
    assert "HTTP 301" in rows["fx-home-moved"][3] and "finds 9 report link(s)" in rows["fx-home-moved"][3]
    assert rows["fx-home-notice"][5] == base + "/zwgk/tzgg/index.htm"
    assert "says it moved" in rows["fx-home-notice"][3]
    # To another host: the target is recorded, never fetched.
    assert rows["fx-home-offsite"][5] == "http://xxgk.example-county.gov.cn/jdnb/"
    assert "not followed" in rows["fx-home-offsite"][3]


@pytest.mark.services  # reads the module's check run
def test_dead_columns_say_how_they_died(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    rows = {r[0]: r for r in check.rows()}
    assert rows["fx-home-dead"][2:5] == ("dead", "HTTP 404", 404)
    assert rows["fx-home-refused"][2:5] == ("dead", "connection refused after retries", None)
    api = check.server.sites["home_gkmlpt"] + "/gkmlpt/api/all/9999?sid=710052&page=1"
    assert rows["fx-home-apidead"][2:5] == (
        "dead",
        f"the listing page answers, but its adapter's request {api} failed: HTTP 404",
        200,
    )


@pytest.mark.services  # reads the module's check run
def test_wrong_cms_names_the_family_the_page_shows(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    detail = {r[0]: r[3] for r in check.rows()}["fx-home-wrongcms"]
    assert detail.startswith("declared cms hanweb finds nothing; the page shows trs (TRS createPageHTML(3 pages")
    assert detail.endswith("whose adapter finds 9 report link(s)")


@pytest.mark.services  # reads the module's check run
def test_a_column_robots_txt_forbids_is_blocked_and_never_fetched(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    row = {r[0]: r for r in check.rows()}["fx-home-robots"]
    assert row[2:4] == ("blocked", "robots.txt forbids fetching it")
    assert not [r for r in check.server.requests() if r["path"].startswith("/admin/")]


@pytest.mark.services  # reads the module's check run
def test_every_start_url_is_one_row_in_the_database_with_its_time(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    rows = check.rows()
    assert [r[0] for r in rows] == list(STATUS)
    urls = {p["id"]: p for p in yaml.safe_load(check.registry.read_text("utf-8"))["portals"]}
    assert all(r[1] == urls[r[0]]["start_urls"][0] for r in rows)
    assert len({r[6] for r in rows}) == 1 and rows[0][6].endswith("+00:00")


@pytest.mark.services  # reads the fixture server's request log of the check run
def test_check_asks_robots_txt_first_and_each_listing_page_once(checked: tuple[Checked, Any]) -> None:
    check, _proc = checked
    requests = check.server.requests()
    trs = [r["path"] for r in requests if r["site"] == "home_trs"]
    assert trs[0] == "/robots.txt"
    assert sorted(p for p in trs if p != "/robots.txt") == sorted(
        ["/zwgk/zfxxgknb/index.htm", "/xxgk/xxgknb/index.htm", "/zwgk/zfxxgknb/index.htm", "/xxgk/tzgg/index.htm"]
        + ["/zwgk/oldnb/index.htm", "/zwgk/jdnb/index.htm"]
    )  # the 301's target is fetched once more, as the moved column's new page


@pytest.mark.services  # a second check, filtered, after the module's first
def test_a_filtered_check_appends_only_its_entries_and_exits_0_when_all_are_alive(
    checked: tuple[Checked, Any],
) -> None:
    check, _proc = checked
    before = len(check.rows())
    proc = check.run("--province", "zhejiang")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(table(proc)) == ["fx-home-hanweb"]
    rows = check.rows()
    assert len(rows) == before + 1 and (rows[-1][0], rows[-1][2]) == ("fx-home-hanweb", "alive")


# ---- the verdicts, on hand-made responses ----

PORTAL = Portal(id="p", name="p", province="zhejiang", start_urls=("http://a.gov.cn/nb/",), cms="static")
PAGE = """<html><head><title>政府信息公开年报</title></head><body><ul>
<li><a href="/nb/1.html">某县人民政府2024年政府信息公开工作年度报告</a></li></ul></body></html>"""


def page(url: str, body: str = PAGE, status: int = 200, **meta: Any) -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body.encode("utf-8"), request=Request(url, meta=meta))


def test_a_page_whose_adapter_finds_reports_is_alive() -> None:
    check, follow = response_check(page("http://a.gov.cn/nb/"), PORTAL, "http://a.gov.cn/nb/", 0)
    assert (check.status, check.http_status, follow) == ("alive", 200, [])
    assert check.detail == "1 report link(s), e.g. 某县人民政府2024年政府信息公开工作年度报告"


def test_a_redirected_page_is_moved_with_its_target_even_when_the_target_is_a_column() -> None:
    response = page("http://a.gov.cn/new/", redirect_urls=["http://a.gov.cn/nb/"], redirect_reasons=[302])
    check, _ = response_check(response, PORTAL, "http://a.gov.cn/nb/", 0)
    assert (check.status, check.http_status, check.final_url) == ("moved", 302, "http://a.gov.cn/new/")


def test_a_redirect_to_the_same_page_is_no_move() -> None:
    response = page("https://a.gov.cn/nb/index.html", redirect_urls=["http://a.gov.cn/nb"], redirect_reasons=[301])
    check, _ = response_check(response, PORTAL, "http://a.gov.cn/nb", 0)
    assert check.status == "alive"


def test_a_meta_refresh_is_named_as_such() -> None:
    response = page("http://a.gov.cn/new/", redirect_urls=["http://a.gov.cn/nb/"], redirect_reasons=["meta refresh"])
    check, _ = response_check(response, PORTAL, "http://a.gov.cn/nb/", 0)
    assert check.status == "moved" and check.detail.startswith("meta refresh to http://a.gov.cn/new/")


def test_a_page_naming_no_report_and_no_other_family_is_empty() -> None:
    check, _ = response_check(
        page("http://a.gov.cn/nb/", "<html><body>建设中</body></html>"), PORTAL, PORTAL.start_urls[0], 0
    )
    assert check.status == "empty"


def http_failure(status: int, url: str = "http://a.gov.cn/nb/") -> Failure:
    response = Response(url, status=status, request=Request(url))
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = Request(url)  # type: ignore[attr-defined]
    return failure


@pytest.mark.parametrize(
    ("status", "verdict"), [(404, "dead"), (410, "dead"), (503, "dead"), (403, "blocked"), (412, "blocked")]
)
def test_http_errors_after_retries_are_dead_or_blocked(status: int, verdict: str) -> None:
    check = failure_check(http_failure(status), "p", "http://a.gov.cn/nb/")
    assert (check.status, check.http_status) == (verdict, status)
