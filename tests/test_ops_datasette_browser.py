"""The reading room in a real headless Chromium: report, body and chart pages on the demo database.

`scrapy demo` builds the database (a file not named reports.db, so the
plugin's labels must apply to any name), a real `datasette` serves it on
127.0.0.1, and Playwright drives Debian's chromium.  Every number the pages
are checked against is read from SQLite by the test.  Screenshots are saved
in the test's tmp dir; the report page and the charts also go to docs/img/ with UPDATE_DOCS_IMAGES=1
for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.browser.chromium import launch_options

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCS_IMG = ROOT / "docs" / "img"
# The README's screenshots are refreshed only on request (UPDATE_DOCS_IMAGES=1): a test run leaves the tree as it was.
UPDATE_DOCS_IMAGES = os.environ.get("UPDATE_DOCS_IMAGES") == "1"


@dataclass
class Room:
    base: str
    db_path: Path
    name: str
    shots: Path

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql, params).fetchall()

    def url(self, path: str) -> str:
        return f"{self.base}/{self.name}{path}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    tmp = tmp_path_factory.mktemp("reading_room")
    db_path = tmp / "demo-2026.db"
    demo = subprocess.run(
        [str(BIN / "scrapy"), "demo", "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    port = free_port()
    log = (tmp / "datasette.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "datasette"), "serve", str(db_path), "-h", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/-/plugins.json", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("datasette did not start: " + (tmp / "datasette.log").read_text()[-2000:])
        shots = tmp / "screenshots"
        shots.mkdir()
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        yield Room(base, db_path, "demo-2026", shots)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def shown(value: Any) -> str:
    """A number as the page prints it."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def open_ok(page: Any, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url


def test_report_page_prints_the_tables_with_their_numbers_and_the_failing_checks(room: Room, page: Any) -> None:
    (report_id,) = room.query(
        "SELECT c.report_id FROM checks c JOIN reports r USING (report_id)"
        " WHERE c.status = 'fail' AND c.check_code LIKE 'applications%' AND r.format = '2021'"
        " GROUP BY c.report_id ORDER BY COUNT(*) DESC, c.report_id LIMIT 1"
    )[0]
    open_ok(page, room.url(f"/-/report/{report_id}"))
    (title,) = room.query("SELECT title FROM reports WHERE report_id = ?", report_id)[0]
    assert page.locator("h1").first.inner_text() == title
    # the applications table as printed: Chinese labels of the 2021 template
    apps = page.locator('table[data-table="applications"]')
    assert apps.locator("th").filter(has_text="自然人").count() == 1
    assert apps.locator("td.rowlabel").filter(has_text="一、本年新收政府信息公开申请数量").count() == 1
    assert apps.locator("td.rowlabel").filter(has_text="3.申请人逾期未按收费通知").count() == 0  # label is 2.申请人…
    cells = room.query(
        "SELECT table_code, row_code, col_code, value, raw FROM table_cells WHERE report_id = ? AND value IS NOT NULL",
        report_id,
    )
    assert len(cells) > 50
    for table_code, row_code, col_code, value, raw in cells:
        cell = page.locator(f'table[data-table="{table_code}"] td[data-row="{row_code}"][data-col="{col_code}"]')
        assert cell.inner_text().strip() == shown(value), (table_code, row_code, col_code)
        link = cell.locator("a.cell")
        assert link.get_attribute("title") == f"原文 raw: {raw}"
        href = link.get_attribute("href") or ""
        target = page.locator(f'[id="{href.removeprefix("#")}"]')  # the raw-text row it points at
        assert target.locator("td").nth(5).text_content() == (raw or "")
    failing = room.query(
        "SELECT check_code, scope, expected, actual FROM checks WHERE report_id = ? AND status = 'fail'", report_id
    )
    boxes = page.locator("#failing-checks .finding")
    assert boxes.count() == len(failing)
    for check_code, scope, expected, actual in failing:
        box = page.locator(f'#failing-checks .finding[data-check="{check_code}"][data-scope="{scope}"]')
        assert box.locator(".expected").inner_text() == shown(expected)
        assert box.locator(".actual").inner_text() == shown(actual)
    assert page.locator("td.failing").count() > 0
    (sections,) = room.query("SELECT COUNT(*) FROM sections WHERE report_id = ?", report_id)[0]
    assert page.locator(".section-text").count() == sections
    (url,) = room.query("SELECT url FROM reports WHERE report_id = ?", report_id)[0]
    assert page.locator(f'#sources a[href="{url}"]').count() == 1
    page.screenshot(path=str(room.shots / "report.png"), full_page=False)
    page.locator('table[data-table="applications"]').screenshot(path=str(room.shots / "report-applications.png"))
    if UPDATE_DOCS_IMAGES:
        shutil.copy(room.shots / "report.png", DOCS_IMG / "datasette-report.png")


def test_body_page_lists_the_years_with_numbers_gaps_and_a_chart(room: Room, page: Any) -> None:
    body_id, name = room.query(
        "SELECT b.body_id, b.name FROM bodies b WHERE EXISTS (SELECT 1 FROM missing_reports m WHERE m.body_id = b.body_id)"
        " ORDER BY b.reports DESC, b.body_id LIMIT 1"
    )[0]
    open_ok(page, room.url(f"/-/body/{body_id}"))
    assert page.locator("h1").inner_text() == name
    for year, value in room.query(
        "SELECT r.report_year, c.value FROM reports r JOIN table_cells c ON c.report_id = r.report_id"
        " AND c.table_code = 'applications' AND c.row_code = '1' AND c.col_code = 'total' WHERE r.body_id = ?",
        body_id,
    ):
        cell = page.locator(f'#years tr[data-year="{year}"] td[data-field="new_applications"]')
        assert cell.inner_text().strip() == shown(value)
        bar = page.locator(f'svg rect[data-series="本年新收"][data-label="{year}"]')
        assert bar.get_attribute("data-value") == shown(value)
    missing = room.query("SELECT year, reason FROM missing_reports WHERE body_id = ?", body_id)
    assert missing
    for year, reason in missing:
        row = page.locator(f'#years tr[data-year="{year}"]')
        assert row.get_attribute("class") == "missing" and reason in row.inner_text()
        gap = page.locator(f'#body-charts text.gap[data-series="本年新收"][data-label="{year}"]')
        assert gap.get_attribute("data-mark") == "missing" and gap.text_content() == "缺"
    page.screenshot(path=str(room.shots / "body.png"), full_page=True)


def test_charts_page_shows_reports_per_province_and_year(room: Room, page: Any) -> None:
    open_ok(page, room.url("/-/charts"))
    expected = room.query(
        "SELECT province, report_year, COUNT(*) FROM reports WHERE report_year IS NOT NULL GROUP BY 1, 2"
    )
    assert expected
    for province, year, count in expected:
        bar = page.locator(f'#chart-reports svg rect[data-series="{province}"][data-label="{year}"]')
        assert bar.get_attribute("data-value") == str(count)
        assert page.locator(
            f'#per-province-year tr[data-province="{province}"][data-year="{year}"] td.num'
        ).first.inner_text() == str(count)
    assert page.locator("#chart-rates svg rect").count() > 0
    page.locator("#chart-reports").screenshot(path=str(room.shots / "chart-reports.png"))
    page.screenshot(path=str(room.shots / "charts.png"), full_page=True)
    if UPDATE_DOCS_IMAGES:
        shutil.copy(room.shots / "charts.png", DOCS_IMG / "datasette-charts.png")


def test_reports_are_faceted_by_check_status_with_chinese_labels(room: Room, page: Any) -> None:
    open_ok(page, room.url("/report_status?_facet=check_status"))
    (failing,) = room.query("SELECT COUNT(DISTINCT report_id) FROM checks WHERE status = 'fail'")[0]
    facet = page.locator(".facet-info").filter(has_text="check_status")
    assert facet.locator("li").filter(has_text="fail").first.inner_text().split()[-1].replace(",", "") == str(failing)
    open_ok(page, room.url("/reports"))
    for name in ("province", "level", "report_year", "format"):
        assert page.locator(f'.facet-info[data-column="{name}"]').count() == 1, name
    assert "索引号" in page.content()


def test_search_query_finds_two_character_words(room: Room, page: Any) -> None:
    open_ok(page, room.url("/search?q=卫生"))
    (count,) = room.query("SELECT COUNT(*) FROM reports WHERE title LIKE '%卫生%' OR text LIKE '%卫生%'")[0]
    assert count > 0
    assert page.locator("table.rows-and-columns tbody tr").count() == count
