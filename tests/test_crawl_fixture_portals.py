"""Crawl the fixture portals through the real engine and the real fixture server."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Crawl, expected_urls

EXPECTED = expected_urls()
SITES = sorted(EXPECTED["sites"])


def site_urls(crawl: Crawl, site: str, key: str) -> set[str]:
    return {crawl.url(site, path) for path in EXPECTED["sites"][site].get(key) or []}


def all_report_urls(crawl: Crawl) -> set[str]:
    return set().union(*(site_urls(crawl, s, "reports") for s in SITES))


@pytest.fixture(scope="module")
def full_crawl(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One uninterrupted crawl of every fixture portal, shared by read-only tests."""
    from crawler.fixture_server import FixtureServer
    from conftest import FIXTURES

    tmp = tmp_path_factory.mktemp("full")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.run()
        yield crawl


@pytest.mark.parametrize("site", SITES)
def test_crawl_stores_exactly_the_reports_of_each_listing_style(full_crawl: Crawl, site: str) -> None:
    base = full_crawl.server.sites[site]
    stored = {u for u, in full_crawl.query("SELECT url FROM report_urls WHERE url LIKE ?", base + "/%")}
    assert stored == site_urls(full_crawl, site, "reports") | site_urls(full_crawl, site, "linked_reports")


def test_no_distractor_is_stored(full_crawl: Crawl) -> None:
    distractors = set().union(*(site_urls(full_crawl, s, "distractors") for s in SITES))
    assert distractors, "fixtures must carry distractor links"
    assert not distractors & {u for u, in full_crawl.query("SELECT url FROM report_urls")}


def test_every_report_row_carries_portal_province_and_raw_page(full_crawl: Crawl) -> None:
    rows = full_crawl.query("SELECT url, portal_id, province FROM reports")
    assert rows and all(pid and prov for _, pid, prov in rows)


def test_every_fetch_is_a_pages_row(full_crawl: Crawl) -> None:
    served = Counter((r["method"], full_crawl.server.sites[r["site"]] + r["path"]) for r in full_crawl.server.requests())
    logged = Counter(full_crawl.query("SELECT method, url FROM pages"))
    assert logged == served


def test_same_report_on_two_portals_is_one_row_with_both_urls(full_crawl: Crawl) -> None:
    dup = EXPECTED["duplicates"]
    urls = {full_crawl.url(d["site"], d["path"]) for d in dup["copies"]}
    ids = {rid for rid, in full_crawl.query(
        f"SELECT DISTINCT report_id FROM report_urls WHERE url IN ({','.join('?' * len(urls))})", *urls)}
    assert len(ids) == 1


def test_hanweb_pages_are_fetched_by_posting_to_dataproxy(full_crawl: Crawl) -> None:
    posts = [r for r in full_crawl.server.requests() if r["method"] == "POST"]
    assert posts and all(r["path"].startswith("/module/web/jpage/dataproxy.jsp?startrecord=") for r in posts)
    assert all("columnid=" in r["body"] for r in posts)


REPORT_GLOBS = ["*/art/*", "*/t20*", "*show*", "*nb*/*.htm*"]


def test_fault_injected_crawl_still_stores_every_report(crawl_factory: Any) -> None:
    faults = [{"path": glob, "kind": "status", "status": 503, "times": 1} for glob in REPORT_GLOBS]
    faults += [
        {"path": "*index_1.html", "kind": "reset", "times": 1},
        {"path": "*/module/web/jpage/dataproxy.jsp", "kind": "status", "status": 502, "times": 1},
        {"path": "*index.html", "kind": "truncate", "times": 1},
        {"path": "/robots.txt", "kind": "slow", "delay": 6, "times": 1},
    ]
    crawl = crawl_factory(faults=faults)
    crawl.run()
    assert crawl.stored_urls() >= all_report_urls(crawl)
    errors = " ".join(e for e, in crawl.query("SELECT error FROM pages WHERE error IS NOT NULL"))
    for symptom in ("HTTP 503", "HTTP 502", "ConnectionLost", "_DataLoss", "TimeoutError"):
        assert symptom in errors
    assert not crawl.query("SELECT COUNT(*) FROM reports WHERE errors LIKE '%Traceback%'")[0][0]


def test_report_that_keeps_failing_is_logged_with_status_and_error(crawl_factory: Any) -> None:
    crawl = crawl_factory(faults=[{"path": EXPECTED["sites"][SITES[0]]["reports"][0], "site": SITES[0],
                                   "kind": "status", "status": 500, "times": 0}])
    crawl.run()
    url = crawl.url(SITES[0], EXPECTED["sites"][SITES[0]]["reports"][0])
    assert url not in crawl.stored_urls()
    rows = crawl.query("SELECT status, error, attempt FROM pages WHERE url = ?", url)
    assert [(s, e) for s, e, _ in rows] == [(500, "HTTP 500")] * 5     # first try + RETRY_TIMES
    assert [a for _, _, a in rows] == [1, 2, 3, 4, 5]


def test_minimal_static_entry_works_on_a_portal_never_seen(crawl_factory: Any) -> None:
    crawl = crawl_factory()
    entry = EXPECTED["minimal_static"]
    registry = crawl.tmp / "minimal.yaml"
    registry.write_text(yaml.safe_dump({"portals": [{
        "id": "never-seen", "name": "从未见过的门户", "province": entry["province"], "cms": "static",
        "start_urls": [crawl.url(entry["site"], entry["start_path"])]}]}, allow_unicode=True), "utf-8")
    crawl.run(registry=registry)
    assert crawl.stored_urls() == site_urls(crawl, entry["site"], "reports")


def test_years_argument_keeps_only_reports_on_those_years(crawl: Crawl) -> None:
    crawl.run("-a", "years=2021-2022")
    titles = [t for t, in crawl.query("SELECT link_title FROM report_urls")]
    assert titles and all(("2021" in t or "2022" in t) for t in titles)
