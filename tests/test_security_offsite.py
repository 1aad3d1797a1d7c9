"""A hostile portal cannot make the crawler read local files or fetch from other hosts.

The hostile fixture portal (tests/hostile/) links, attaches, redirects and
meta-refreshes to ``file:``, ``data:`` and ``ftp:`` URLs, to a second loopback
server on another port (``other``) and to loopback addresses the entry does
not own; beside them stand good reports, one of them an attachment on a host
the entry lists under ``allowed_hosts`` (``files``).  Crawled through the real
engine (``scrapy crawl`` in a subprocess) with its own registry.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Crawl, FixtureServer

pytestmark = pytest.mark.services  # fixture servers, `scrapy crawl` subprocesses and Chromium

HOSTILE = Path(__file__).resolve().parent / "hostile"
TEXT_SUFFIXES = {".html", ".yaml", ".txt", ".js"}


class HostileCrawl(Crawl):
    """Crawl's runner and queries, on a registry of our own (not fixtures/portals.yaml)."""

    def __init__(self, server: FixtureServer, tmp: Path, registry: Path):
        self.server, self.tmp, self.registry = server, tmp, registry
        self.db_path = tmp / "reports.db"
        self.runs = 0


@dataclass
class Hostile:
    crawl: HostileCrawl
    hosts: FixtureServer  # sites "other" (must see nothing) and "files" (an allowed host)
    portal: str  # the hostile portal's base URL
    other: str
    files: str

    def requests_to(self, site: str) -> list[dict[str, str]]:
        return [r for r in self.hosts.requests() if r["site"] == site]

    def stats(self) -> dict[str, int]:
        return {k: int(v) for k, v in re.findall(r"'(offsite/\w+)': (\d+)", self.crawl.log())}


def render_tree(source: Path, dest: Path, values: dict[str, str]) -> None:
    """Copy a fixture tree, filling the {site:…}/{host:…} placeholders of its text files."""
    for path in source.rglob("*"):
        target = dest / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.suffix in TEXT_SUFFIXES:
            text = path.read_text("utf-8")
            for key, value in values.items():
                text = text.replace(key, value)
            target.write_text(text, "utf-8")
        else:
            shutil.copyfile(path, target)


def write_registry(path: Path, portals: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"portals": portals}, allow_unicode=True), "utf-8")
    return path


def hostile_portals(portal: str, files: str) -> list[dict[str, Any]]:
    port = portal.rsplit(":", 1)[1]
    return [
        {
            "id": "hx-anning",
            "name": "安宁县人民政府 政府信息公开年报（恶意样例）",
            "province": "yunnan",
            "level": "county",
            "cms": "static",
            "start_urls": [f"{portal}/ndbg/index.html"],
            "allowed_hosts": [files.split("//", 1)[1]],
        },
        {
            # Its start URL names a host, not an address: loopback literals are refused, even listed.
            "id": "hx-anning-fgj",
            "name": "安宁县发展和改革局 信息公开年报（恶意样例）",
            "province": "yunnan",
            "level": "department",
            "cms": "static",
            "start_urls": [f"http://localhost:{port}/private/index.html"],
            "allowed_hosts": ["127.0.0.1"],
        },
    ]


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    with FixtureServer(HOSTILE / "hosts", log_path=tmp_path / "hosts.jsonl", workdir=tmp_path) as hosts:
        other, files = hosts.sites["other"], hosts.sites["files"]
        values = {"{site:other}": other, "{host:other}": other.split("//", 1)[1], "{site:files}": files}
        render_tree(HOSTILE / "portal", tmp_path / "portal", values)
        with FixtureServer(tmp_path / "portal", log_path=tmp_path / "portal.jsonl", workdir=tmp_path) as server:
            portal = server.sites["portal"]
            registry = write_registry(tmp_path / "hostile.yaml", hostile_portals(portal, files))
            yield Hostile(HostileCrawl(server, tmp_path, registry), hosts, portal, other, files)


def test_hostile_portal_cannot_reach_local_files_or_other_hosts(hostile: Hostile) -> None:
    crawl, portal, other, files = hostile.crawl, hostile.portal, hostile.other, hostile.files
    localhost = portal.replace("127.0.0.1", "localhost")
    crawl.run()

    # Good reports are stored: two pages, an attachment on the allowed files host, the other portal's one.
    good = {
        f"{portal}/ndbg/good1.html",
        f"{portal}/ndbg/good2.html",
        f"{portal}/ndbg/cover_files.html",
        f"{files}/att/P020240301000001.pdf",
        f"{localhost}/private/ok.html",
    }
    # Cover pages whose attachment was refused are stored as themselves, saying why.
    covers = {f"{portal}/ndbg/cover_passwd.html", f"{portal}/ndbg/cover_other.html"}
    assert crawl.stored_urls() == good | covers
    for url in covers:
        [(errors,)] = crawl.query(
            "SELECT r.errors FROM reports r JOIN report_urls u USING (report_id) WHERE u.url = ?", url
        )
        messages = [e["error"] for e in json.loads(errors) if e["stage"] == "fetch"]
        assert any("refused (" in m and "cover page is stored instead" in m for m in messages), messages
    # Nothing of the bad URLs reached the database, nor a byte of the local files.
    assert crawl.query("SELECT count(*) FROM reports WHERE text LIKE '%root:x:0:0%' OR text LIKE '%/bin/%'") == [(0,)]
    assert crawl.query(
        "SELECT count(*) FROM pages WHERE status IS NOT NULL AND (url NOT LIKE 'http%' OR url LIKE ?)", other + "%"
    ) == [(0,)]

    # The other server was never asked for anything; the allowed files host was.
    assert hostile.requests_to("other") == []
    assert [r["path"] for r in hostile.requests_to("files") if r["path"].endswith(".pdf")] == [
        "/att/P020240301000001.pdf"
    ]

    # Counted per reason: 6 non-http (listing file:, data:, ftp:, a 302 and a meta refresh to file:, a
    # cover page's file: attachment), 6 other host (protocol-relative, absolute, 302, meta refresh,
    # attachment, next listing page), 2 loopback literals (127.0.0.1 and 2130706433).
    stats = hostile.stats()
    assert stats["offsite/scheme_count"] == 6
    assert stats["offsite/host_count"] == 6
    assert stats["offsite/private_address_count"] == 2
    assert stats["offsite/refused_count"] == 14

    # Every refused report (and the refused listing page) is in `pages` with the reason.
    refused = crawl.query("SELECT url, kind, error FROM pages WHERE error LIKE 'refused (%' ORDER BY id")
    by_url: dict[str, list[str]] = {}
    for url, kind, error in refused:
        by_url.setdefault(url, []).append(f"{kind} {error}")
    assert [k for k in by_url if k.startswith("data:")] and all(
        e.startswith("report refused (scheme)") for k, v in by_url.items() if k.startswith("data:") for e in v
    )
    expected = {
        "file:///etc/passwd": ["scheme"] * 3,  # listing link, 302, meta refresh
        "file:///etc/hosts": ["scheme"],
        "ftp://" + other.split("//", 1)[1] + "/ndbg/report.html": ["scheme"],
        f"{other}/ndbg/protocol_relative.html": ["host"],
        f"{other}/ndbg/absolute.html": ["host"],
        f"{other}/ndbg/redirected.html": ["host"],
        f"{other}/ndbg/refreshed.html": ["host"],
        f"{other}/att/P020240301000002.pdf": ["host"],
        "http://127.0.0.1/private/loopback.html": ["private_address"],
        "http://2130706433/private/decimal.html": ["private_address"],
    }
    for url, reasons in expected.items():
        assert sorted(e.split(" ")[2] for e in by_url[url]) == [f"({r}):" for r in reasons], (url, by_url.get(url))
        assert all(e.startswith("report ") for e in by_url[url])
    assert by_url[f"{other}/ndbg/list_2.html"] == [by_url[f"{other}/ndbg/list_2.html"][0]]
    assert by_url[f"{other}/ndbg/list_2.html"][0].startswith("listing refused (host):")
    redirected = " ".join(by_url[f"{other}/ndbg/redirected.html"])
    assert f"redirect from {portal}/ndbg/away.html" in redirected or "302 from" in redirected
    assert any(f"meta refresh from {portal}/ndbg/refresh.html" in e for e in by_url["file:///etc/passwd"])

    # Refusals are not failures: the crawl finished cleanly and the listing counts as walked.
    log = crawl.log()
    assert "'finish_reason': 'finished'" in log
    assert "report/failed_count" not in log
    assert "Refused report request to file:///etc/passwd" in log

    # Next crawl: refused links are not new reports, so a listing of known and refused links
    # (the second portal's) stops there; they are refused again, not fetched.
    crawl.run()
    log = crawl.log()
    assert "'listing/stopped_known_count': 1" in log
    assert f"Listing {localhost}/private/index.html: every report already stored" in log
    assert hostile.requests_to("other") == []


def test_chromium_aborts_a_rendered_pages_requests_to_other_hosts(hostile: Hostile) -> None:
    crawl, portal = hostile.crawl, hostile.portal
    registry = write_registry(
        crawl.tmp / "rendered.yaml",
        [
            {
                "id": "hx-anning-js",
                "name": "安宁县人民政府 政府信息公开年报（脚本列表，恶意样例）",
                "province": "yunnan",
                "level": "county",
                "cms": "browser",
                "start_urls": [f"{portal}/js/index.html"],
            }
        ],
    )
    crawl.run(registry=registry)

    # The listing was rendered (its links exist only after the script ran) and its reports stored.
    assert crawl.stored_urls() == {f"{portal}/ndbg/good1.html", f"{portal}/ndbg/good2.html"}
    portal_paths = [r["path"] for r in crawl.server.requests()]
    assert "/js/pixel.gif" in portal_paths  # the page's same-host image was loaded: Chromium did fetch
    # Its script, image, frame, fetch(), beacon and WebSocket to the other server: all stopped in the browser.
    assert hostile.requests_to("other") == []
    aborted = re.findall(r"Browser: aborted request to (\S+):", crawl.log())
    # (The service worker's fetch is not among them: service workers are blocked, none registers.)
    paths = ["/ndbg/evil.js", "/ndbg/pixel.gif", "/ndbg/frame.html", "/ndbg/xhr.json", "/ndbg/beacon", "/ws"]
    assert sorted(aborted) == sorted(
        ("ws://" + hostile.other.split("//", 1)[1] if p == "/ws" else hostile.other) + p for p in paths
    )
    stats = hostile.stats()
    assert stats["offsite/browser_count"] == stats["offsite/host_count"] == len(paths)
    assert "'browser/request_count': 1" in crawl.log()


def test_abort_request_predicate_stops_other_hosts_in_chromium(hostile: Hostile) -> None:
    """PLAYWRIGHT_ABORT_REQUEST on its own, in a real Chromium, as scrapy-playwright calls it."""
    from playwright.async_api import Request as PlaywrightRequest
    from playwright.async_api import Route, async_playwright

    from crawler.browser.chromium import launch_options
    from crawler.security import browser
    from crawler.security.hosts import HostPolicy, PortalHosts

    browser.install(HostPolicy.of([PortalHosts.of("hx-anning-js", [hostile.portal + "/js/index.html"])]), None)
    aborted: list[str] = []

    async def render(url: str) -> str:
        async def route(route: Route, request: PlaywrightRequest) -> None:
            if await browser.abort_request(request):
                aborted.append(request.url)
                await route.abort()
            else:
                await route.continue_()

        async with async_playwright() as pw:
            chromium = await pw.chromium.launch(**launch_options())
            # Service workers blocked, as in the crawler's contexts: their requests pass no route.
            page = await chromium.new_page(service_workers="block")
            await page.route("**", route)
            await page.goto(url, wait_until="networkidle")
            html = await page.content()
            await chromium.close()
            return html

    html = asyncio.run(render(hostile.portal + "/js/index.html"))
    assert "安宁县人民政府2022年政府信息公开工作年度报告" in html  # the page's script ran
    assert "/js/pixel.gif" in [r["path"] for r in hostile.crawl.server.requests()]
    # WebSockets never pass a page route, so the predicate cannot see them (guard_page closes
    # them in the crawl, see the test above); every other request to the other host was aborted.
    assert [r["path"] for r in hostile.requests_to("other")] == ["/ws"]
    other_paths = ["/ndbg/evil.js", "/ndbg/pixel.gif", "/ndbg/frame.html", "/ndbg/xhr.json", "/ndbg/beacon"]
    assert sorted(aborted) == sorted(hostile.other + p for p in other_paths)
