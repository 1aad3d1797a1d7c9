"""Crawl the fixture portals through the real engine and the real fixture server."""

from __future__ import annotations

import json
from collections import Counter
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
    from conftest import FIXTURES

    from fixture_server import FixtureServer

    tmp = tmp_path_factory.mktemp("full")
    with FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp) as server:
        crawl = Crawl(server, tmp)
        crawl.run("-O", str(tmp / "feed.csv"))
        yield crawl


@pytest.mark.parametrize("site", SITES)
def test_crawl_stores_exactly_the_reports_of_each_listing_style(full_crawl: Crawl, site: str) -> None:
    base = full_crawl.server.sites[site]
    stored = {u for (u,) in full_crawl.query("SELECT url FROM report_urls WHERE url LIKE ?", base + "/%")}
    redirected = {full_crawl.url(r["site"], r["from"]) for r in EXPECTED.get("redirects") or [] if r["site"] == site}
    assert stored == site_urls(full_crawl, site, "reports") | redirected


def test_no_distractor_is_stored(full_crawl: Crawl) -> None:
    distractors = set().union(*(site_urls(full_crawl, s, "distractors") for s in SITES))
    assert distractors, "fixtures must carry distractor links"
    assert not distractors & {u for (u,) in full_crawl.query("SELECT url FROM report_urls")}


def test_every_report_row_carries_portal_province_and_raw_page(full_crawl: Crawl) -> None:
    rows = full_crawl.query("SELECT url, portal_id, province FROM reports")
    assert rows and all(pid and prov for _, pid, prov in rows)


def test_every_fetch_is_a_pages_row(full_crawl: Crawl) -> None:
    served = Counter(
        (r["method"], full_crawl.server.sites[r["site"]] + r["path"]) for r in full_crawl.server.requests()
    )
    logged = Counter(full_crawl.query("SELECT method, url FROM pages"))
    assert logged == served


def test_same_report_on_two_portals_is_one_row_with_both_urls(full_crawl: Crawl) -> None:
    (dup,) = EXPECTED["duplicates"]
    urls = {full_crawl.url(d["site"], d["path"]) for d in dup["urls"]}
    rows = full_crawl.query(
        f"SELECT report_id, kept FROM report_urls WHERE url IN ({','.join('?' * len(urls))})", *urls
    )
    assert len(rows) == 2 and len({rid for rid, _ in rows}) == 1
    assert sorted(kept for _, kept in rows) == [0, 1]
    (index_no,) = full_crawl.query("SELECT index_no FROM reports WHERE report_id = ?", rows[0][0])[0]
    assert index_no == dup["index_no"]


def test_redirected_report_is_stored_under_its_final_url(full_crawl: Crawl) -> None:
    for r in EXPECTED["redirects"]:
        final = full_crawl.url(r["site"], r["to"])
        assert full_crawl.query("SELECT COUNT(*) FROM reports WHERE url = ?", final)[0][0] == 1
        statuses = [
            s
            for (s,) in full_crawl.query("SELECT status FROM pages WHERE url = ?", full_crawl.url(r["site"], r["from"]))
        ]
        assert statuses == [r["status"]]


def test_counts_match_the_fixture_ground_truth(full_crawl: Crawl) -> None:
    assert full_crawl.query("SELECT COUNT(*) FROM report_urls")[0][0] == EXPECTED["counts"]["report_urls"] + len(
        EXPECTED["redirects"]
    )
    assert full_crawl.query("SELECT COUNT(*) FROM reports")[0][0] == EXPECTED["counts"]["distinct_reports"]


def test_feed_export_writes_one_row_per_report(full_crawl: Crawl) -> None:
    import csv

    with (full_crawl.tmp / "feed.csv").open(encoding="utf-8-sig") as fh:  # CSV feeds carry a BOM (issue 15)
        rows = list(csv.DictReader(fh))
    assert {r["url"] for r in rows} <= all_report_urls(full_crawl)
    assert sorted(r["report_id"] for r in rows) == sorted(
        rid for (rid,) in full_crawl.query("SELECT report_id FROM reports")
    )
    assert all(r["report_id"] and r["province"] for r in rows)


def test_hanweb_pages_are_fetched_by_posting_to_dataproxy(full_crawl: Crawl) -> None:
    posts = [r for r in full_crawl.server.requests() if r["method"] == "POST"]
    assert posts and all(r["path"].startswith("/module/web/jpage/dataproxy.jsp?startrecord=") for r in posts)
    assert all("columnid=" in r["body"] for r in posts)


def test_fault_injected_crawl_still_stores_every_report(crawl_factory: Any) -> None:
    """Every report answers 503 first; listings reset, truncate or 502; robots.txt is slow."""
    faults = [
        # twice: Twisted silently retries a request once when a reused keep-alive
        # connection is reset, so a single reset may never reach Scrapy
        {"path": "*/index_1.html", "kind": "reset", "times": 2},
        {"path": "/module/web/jpage/dataproxy.jsp", "kind": "status", "status": 502, "times": 1},
        {"path": "*/index.html", "kind": "truncate", "times": 1},
        {"path": "/robots.txt", "kind": "slow", "delay": 6, "times": 1},
    ]
    faults += [
        {"site": site, "path": path, "kind": "status", "status": 503, "times": 1}
        for site in SITES
        for path in EXPECTED["sites"][site]["reports"]
    ]
    crawl = crawl_factory(faults=faults)
    crawl.run()
    assert crawl.stored_urls() == full_set(crawl)
    errors = {e.split(":")[0] for (e,) in crawl.query("SELECT error FROM pages WHERE error IS NOT NULL")}
    assert errors == {"HTTP 503", "HTTP 502", "DownloadFailedError", "ResponseDataLossError", "DownloadTimeoutError"}
    retried = {
        u for (u,) in crawl.query("SELECT url FROM pages WHERE status = 200 AND attempt > 1 AND kind = 'report'")
    }
    assert retried >= all_report_urls(crawl)


def full_set(crawl: Crawl) -> set[str]:
    """Every report URL the fixtures should leave in report_urls (redirect sources too)."""
    return all_report_urls(crawl) | {crawl.url(r["site"], r["from"]) for r in EXPECTED["redirects"]}


def test_report_that_keeps_failing_is_logged_with_status_and_error(crawl_factory: Any) -> None:
    crawl = crawl_factory(
        faults=[
            {
                "path": EXPECTED["sites"][SITES[0]]["reports"][0],
                "site": SITES[0],
                "kind": "status",
                "status": 500,
                "times": 0,
            }
        ]
    )
    crawl.run()
    url = crawl.url(SITES[0], EXPECTED["sites"][SITES[0]]["reports"][0])
    assert url not in crawl.stored_urls()
    rows = crawl.query("SELECT status, error, attempt FROM pages WHERE url = ?", url)
    assert [(s, e) for s, e, _ in rows] == [(500, "HTTP 500")] * 5  # first try + RETRY_TIMES
    assert [a for _, _, a in rows] == [1, 2, 3, 4, 5]


def test_minimal_static_entry_works_on_a_portal_never_seen(crawl_factory: Any) -> None:
    crawl = crawl_factory()
    site = "static_guannan"
    registry = crawl.tmp / "minimal.yaml"
    registry.write_text(
        yaml.safe_dump(
            {
                "portals": [
                    {
                        "id": "never-seen",
                        "name": "从未见过的门户",
                        "province": "jiangsu",
                        "cms": "static",
                        "start_urls": [crawl.url(site, EXPECTED["sites"][site]["listing_pages"][0])],
                    }
                ]
            },
            allow_unicode=True,
        ),
        "utf-8",
    )
    crawl.run(registry=registry)
    assert crawl.stored_urls() == site_urls(crawl, site, "reports")


def test_years_argument_keeps_only_reports_on_those_years(crawl: Crawl) -> None:
    crawl.run("-a", "years=2021-2022")
    titles = [t for (t,) in crawl.query("SELECT link_title FROM report_urls")]
    assert titles and all(("2021" in t or "2022" in t) for t in titles)


def test_cover_page_is_stored_when_its_attachment_fails_and_replaced_once_it_arrives(crawl_factory: Any) -> None:
    site, cover, pdf = (
        "static_wuyi_attachments",
        "/zwgk/ndbg/202401/t20240125_4410.html",
        "/zwgk/ndbg/202401/P020240125513307.pdf",
    )
    crawl = crawl_factory(faults=[{"site": site, "path": pdf, "kind": "status", "status": 404, "times": 1}])
    cover_url, pdf_url = crawl.url(site, cover), crawl.url(site, pdf)

    crawl.run()
    rows = crawl.query(
        "SELECT r.url, r.errors FROM reports r JOIN report_urls u USING (report_id) WHERE u.url = ?", cover_url
    )
    assert [url for url, _ in rows] == [cover_url]
    errors = json.loads(rows[0][1])
    assert any(e["stage"] == "fetch" and pdf_url in e["error"] and "cover page is stored" in e["error"] for e in errors)
    assert pdf_url not in crawl.stored_urls()

    crawl.run()  # the attachment answers now: the cover page is tried again and gives way to it
    assert crawl.query(
        "SELECT r.url FROM reports r JOIN report_urls u USING (report_id) WHERE u.url = ?", cover_url
    ) == [(pdf_url,)]
    assert crawl.query("SELECT COUNT(*) FROM reports WHERE url = ?", cover_url) == [(0,)]
    assert crawl.stored_urls() == full_set(crawl)
