"""Re-crawls fetch only what is new; a killed crawl resumes without loss or duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from typing import Any

from conftest import FAST, ROOT, SCRAPY, Crawl

# Tables compared between two databases, without the columns that record when.
CONTENT = {
    "reports": "SELECT report_id, index_no, title, report_year, publisher, publish_date, doc_no, format, "
    "portal_id, province, url, text, source_encoding, script, dedup_key FROM reports",
    "report_urls": "SELECT url, report_id, kept FROM report_urls",
    "sections": "SELECT * FROM sections",
    "table_cells": "SELECT * FROM table_cells",
    "checks": "SELECT * FROM checks",
}


def content(crawl: Crawl) -> dict[str, set[tuple[Any, ...]]]:
    """What the database holds, with each site's base URL (its port) replaced by its name."""

    def portless(value: Any) -> Any:
        if isinstance(value, str):
            for site, base in crawl.server.sites.items():
                value = value.replace(base, f"{{site:{site}}}")
        return value

    with sqlite3.connect(crawl.db_path) as conn:
        return {name: {tuple(map(portless, row)) for row in conn.execute(sql)} for name, sql in CONTENT.items()}


def start_urls(crawl: Crawl) -> set[str]:
    import yaml

    return {u for p in yaml.safe_load(crawl.registry.read_text("utf-8"))["portals"] for u in p["start_urls"]}


def test_unchanged_recrawl_sends_only_first_listing_pages_and_robots(crawl: Crawl) -> None:
    crawl.run()
    before = len(crawl.server.requests())
    crawl.run()
    second = crawl.server.requests()[before:]
    fetched = {crawl.server.sites[r["site"]] + r["path"] for r in second}
    robots = {u for u in fetched if u.endswith("/robots.txt")}
    assert fetched - robots == start_urls(crawl)
    assert len(second) == len(start_urls(crawl)) + len(robots)
    assert "listing/stopped_known_count" in crawl.log()


def test_refresh_refetches_known_reports(crawl: Crawl) -> None:
    crawl.run()
    stored = crawl.stored_urls()
    before = len(crawl.server.requests())
    crawl.run("-a", "refresh=1")
    fetched = {crawl.server.sites[r["site"]] + r["path"] for r in crawl.server.requests()[before:]}
    assert stored <= fetched


def test_new_report_on_a_known_listing_is_fetched_on_recrawl(crawl: Crawl) -> None:
    """Listings are newest first: a new report appears at the top of the first page."""
    from conftest import expected_urls

    crawl.run()
    newest = crawl.url("trs_funing", expected_urls()["sites"]["trs_funing"]["reports"][0])
    victim = crawl.query("SELECT report_id, url FROM reports WHERE url = ?", newest)[0]
    with sqlite3.connect(crawl.db_path) as conn:  # forget one report, as if it were new
        conn.execute("PRAGMA foreign_keys=ON")
        for table in ("report_urls", "sections", "table_cells", "checks"):
            conn.execute(f"DELETE FROM {table} WHERE report_id = ?", (victim[0],))
        conn.execute("DELETE FROM reports WHERE report_id = ?", (victim[0],))
    crawl.run()
    assert victim[1] in crawl.stored_urls()


def test_crawl_killed_with_sigkill_resumes_to_the_same_database(crawl_factory: Any) -> None:
    reference = crawl_factory(name="reference")
    reference.run()
    expected = content(reference)

    # Same portals (same server, same URLs), a fresh database.
    (reference.tmp.parent / "killed").mkdir()
    crawl = Crawl(reference.server, reference.tmp.parent / "killed")
    jobdir = crawl.tmp / "job"
    slow = {**FAST, "DOWNLOAD_DELAY": "0.15", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    cmd = [
        SCRAPY,
        "crawl",
        "province_reports",
        "-a",
        f"portals={crawl.registry}",
        "-s",
        f"REPORTS_DB={crawl.db_path}",
        "-s",
        f"JOBDIR={jobdir}",
        "-s",
        f"LOG_FILE={crawl.tmp / 'killed.log'}",
    ]
    for key, value in slow.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
    total = len(expected["reports"])
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        try:
            with sqlite3.connect(crawl.db_path) as conn:
                stored = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= total // 3:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the crawl must be killed mid-way for this test to mean anything"
    assert 0 < stored < total

    crawl.run("-s", f"JOBDIR={jobdir}")
    got = content(crawl)
    for table in CONTENT:
        assert got[table] == expected[table], (table, got[table] ^ expected[table])
