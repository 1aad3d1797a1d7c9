"""Rendered listings and anti-bot challenges with a real headless Chromium.

Crawls the ops fixture portals (fixtures/portals-ops.yaml): a listing drawn by
JavaScript from an undeclared UTF-8 page, a GBK list written by
document.write (``render: true`` on the static adapter), and two portals
behind a script-sets-cookie-and-reloads wall answering 412 and 202.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, Crawl

from crawler.browser.chromium import launch_options
from fixture_server import FixtureServer, render_registry

EXPECTED = {  # site: {report path: link title on the (rendered) listing}
    "js_wuxing": {
        "/xxgk/ndbg/202401/t20240126_7781.html": "湖州市吴兴区人民政府2023年政府信息公开工作年度报告",
        "/xxgk/ndbg/202401/t20240118_7702.html": "吴兴区教育局2023年政府信息公开工作年度报告",
        "/xxgk/ndbg/202301/t20230120_6320.html": "湖州市吴兴区人民政府2022年政府信息公开工作年度报告",
        "/zfxxgk/nb/art/2024/1/22/art_1229511_58810.html": "吴兴区财政局2023年度政府信息公开工作年报",
        "/zfxxgk/nb/art/2023/1/19/art_1229511_51022.html": "吴兴区财政局2022年度政府信息公开工作年报",
    },
    "antibot_yuhang": {
        "/zwgk/ndbg/202401/t20240130_4421.html": "杭州市余杭区人民政府2023年政府信息公开工作年度报告",
        "/zwgk/ndbg/202301/t20230131_3310.html": "杭州市余杭区人民政府2022年政府信息公开工作年度报告",
    },
    "antibot_xihu": {
        "/zwgk/ndbg/202401/t20240125_551.html": "杭州市西湖区人民政府2023年政府信息公开工作年度报告",
    },
}


@pytest.fixture
def ops_crawl(tmp_path: Path) -> Iterator[Crawl]:
    with FixtureServer(FIXTURES, log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        crawl = Crawl(server, tmp_path)
        crawl.registry = render_registry(FIXTURES / "portals-ops.yaml", server.sites, tmp_path / "portals-ops.yaml")
        yield crawl


def test_chromium_alone_garbles_the_undeclared_utf8_listing(ops_crawl: Crawl) -> None:
    """The fixture shows the bug: stock Chromium reads the page as windows-1252."""
    from playwright.async_api import async_playwright

    async def render(url: str) -> str:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())
            page = await browser.new_page()
            await page.goto(url, wait_until="networkidle")
            html = await page.content()
            await browser.close()
            return html

    html = asyncio.run(render(ops_crawl.url("js_wuxing", "/xxgk/ndbg/index.html")))
    assert "å¹´" in html and "年度报告" not in html


def test_rendered_listings_and_challenges_store_correct_chinese(ops_crawl: Crawl) -> None:
    started = time.monotonic()
    ops_crawl.run()
    print(f"browser crawl took {time.monotonic() - started:.1f} s")

    stored = dict(ops_crawl.query("SELECT url, link_title FROM report_urls"))
    want = {ops_crawl.url(site, path): title for site, reports in EXPECTED.items() for path, title in reports.items()}
    assert stored == want  # every report, its listing title in clean Chinese, nothing else
    titles = {row[0] for row in ops_crawl.query("SELECT title FROM reports")}
    assert titles == set(want.values())

    log = ops_crawl.log()
    # Rendered: the two listing columns (3 pages) and the two challenge retries; one browser.
    assert "'browser/request_count': 5" in log
    assert "'playwright/browser_count': 1" in log
    assert "'browser/challenge_passed_count': 2" in log
    # The challenge answers are in the page log; after the browser passed, plain requests with
    # its cookie got through: every report was fetched once, by Scrapy, with status 200.
    pages = ops_crawl.query("SELECT url, status, kind FROM pages ORDER BY id")
    for site, status in (("antibot_yuhang", 412), ("antibot_xihu", 202)):
        listing = ops_crawl.url(site, "/zwgk/ndbg/index.html")
        assert [s for u, s, _ in pages if u == listing] == [status, 200, 200]
    reports = [(u, s) for u, s, kind in pages if kind == "report"]
    assert sorted(reports) == sorted((u, 200) for u in want)
    requests = ops_crawl.server.requests()
    challenged = [r for r in requests if r["site"].startswith("antibot") and r["path"].endswith(".html")]
    # per listing: plain (challenged), browser (challenged), its reload, plain again with the cookie;
    # then each report once: the browser was needed once per portal, not once per page.
    assert len(challenged) == 2 * 4 + 3
