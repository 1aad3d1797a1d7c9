"""A hostname that resolves to a loopback address is refused unless the entry's start URL is on one.

Real engine (``scrapy crawl`` in a subprocess), real resolver (Scrapy's, on
this machine's resolver: ``localhost`` is 127.0.0.1).  Two portals:

* ``dx-named`` — its start URL names ``portal.hostile.test``, a name the
  test controls: it resolves nowhere (``.test`` is reserved), and an HTTP
  proxy on loopback (Scrapy's own HttpProxyMiddleware, ``http_proxy``)
  stands for the network that serves it.  So none of its start URLs is on a
  private address.  Its listing links a report on ``localhost`` — a host the
  entry lists under ``allowed_hosts`` — which must be refused for what the
  name resolves to, and never requested.
* ``dx-local`` — its start URL is on ``localhost`` itself: the rule lets its
  own loopback name through (the fixture portals keep working).
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import FAST, ROOT, SCRAPY

from fixture_server import FixtureServer

pytestmark = pytest.mark.services  # fixture server, a proxy and a `scrapy crawl` subprocess

GOOD = Path(__file__).resolve().parent / "hostile" / "portal" / "sites" / "portal" / "ndbg"
NAMED = "portal.hostile.test"


class Proxy(http.server.ThreadingHTTPServer):
    """A forwarding HTTP proxy: every absolute-URI request goes to 127.0.0.1 on the URL's port, logged."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.seen: list[str] = []
        self.lock = threading.Lock()


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        with self.server.lock:
            self.server.seen.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", target.port or 80, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers={"Host": target.netloc})
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_POST = do_GET
    do_HEAD = do_GET


@dataclass
class Setup:
    server: FixtureServer
    proxy: Proxy
    port: int
    tmp: Path


def page(title: str, links: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><span>2024-01-10</span><a href="{h}" title="{t}">{t}</a></li>' for h, t in links)
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><ul>{items}</ul></body></html>"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    site = tmp_path / "root" / "sites" / "dns"
    (site / "ndbg").mkdir(parents=True)
    for name in ("good1.html", "good2.html"):
        shutil.copyfile(GOOD / name, site / "ndbg" / name)
    (site / "site.yaml").write_text('headers: {"*": {Content-Type: "text/html; charset=utf-8"}}\n', "utf-8")
    with FixtureServer(tmp_path / "root", log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        port = int(server.sites["dns"].rsplit(":", 1)[1])
        (site / "dns").mkdir()
        (site / "dns" / "a.html").write_text(
            page(
                "年报",
                [
                    ("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告"),
                    (f"http://localhost:{port}/ndbg/good2.html?from=a", "安宁县财政局2023年政府信息公开工作年度报告"),
                ],
            ),
            "utf-8",
        )
        (site / "dns" / "b.html").write_text(
            page(
                "年报", [(f"http://localhost:{port}/ndbg/good2.html", "安宁县人民政府2022年政府信息公开工作年度报告")]
            ),
            "utf-8",
        )
        proxy = Proxy()
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        yield Setup(server, proxy, port, tmp_path)
        proxy.shutdown()
        proxy.server_close()


def test_a_name_resolving_to_loopback_is_refused_unless_the_start_url_is_on_loopback(setup: Setup) -> None:
    port, tmp = setup.port, setup.tmp
    named, local = f"http://{NAMED}:{port}", f"http://localhost:{port}"
    registry = tmp / "portals.yaml"
    portals = [
        {
            "id": "dx-named",
            "name": "安宁县人民政府 政府信息公开年报（域名样例）",
            "province": "yunnan",
            "cms": "static",
            "start_urls": [f"{named}/dns/a.html"],
            "allowed_hosts": [f"localhost:{port}"],
        },
        {
            "id": "dx-local",
            "name": "安宁县发展和改革局 信息公开年报（本机样例）",
            "province": "yunnan",
            "cms": "static",
            "start_urls": [f"{local}/dns/b.html"],
        },
    ]
    registry.write_text(yaml.safe_dump({"portals": portals}, allow_unicode=True), "utf-8")
    db, log = tmp / "reports.db", tmp / "crawl.log"
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={registry}"]
    for key, value in {**FAST, "REPORTS_DB": str(db), "LOG_FILE": str(log)}.items():
        cmd += ["-s", f"{key}={value}"]
    proxy = f"http://127.0.0.1:{setup.proxy.server_address[1]}"
    env = {**os.environ, "http_proxy": proxy, "no_proxy": "localhost,127.0.0.1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    text = log.read_text("utf-8", "replace")
    assert proc.returncode == 0, text[-3000:]

    with sqlite3.connect(db) as conn:
        stored = {u for (u,) in conn.execute("SELECT url FROM report_urls")}
        refused = conn.execute("SELECT url, kind, error FROM pages WHERE error LIKE 'refused (%'").fetchall()

    # The named portal was reached through the "network" (the proxy), and its own report stored;
    # the loopback portal reached localhost directly and stored its report.
    assert f"{named}/dns/a.html" in setup.proxy.seen and f"{named}/ndbg/good1.html" in setup.proxy.seen
    assert stored == {f"{named}/ndbg/good1.html", f"{local}/ndbg/good2.html"}
    # The named portal's link to localhost: refused for what localhost resolves to, never requested.
    assert refused == [
        (
            f"{local}/ndbg/good2.html?from=a",
            "report",
            "refused (private_address): localhost resolves to 127.0.0.1, a loopback, private or link-local "
            "address, and no start URL of portal dx-named is on one",
        )
    ]
    paths = [json.loads(line)["path"] for line in (tmp / "requests.jsonl").read_text("utf-8").splitlines()]
    assert "/ndbg/good2.html?from=a" not in paths and not any("from=a" in u for u in setup.proxy.seen)
    assert "/ndbg/good2.html" in paths  # dx-local's own report, on its own loopback name
    stats = {k: int(v) for k, v in re.findall(r"'(offsite/\w+)': (\d+)", text)}
    assert stats == {"offsite/private_address_count": 1, "offsite/refused_count": 1}
