"""Backoff retries wait outside the downloader: other requests go on meanwhile.

A real `scrapy runspider` crawl (project settings, so the configured
BackoffRetryMiddleware) with CONCURRENT_REQUESTS=1 against a tiny loopback
HTTP server that records when each request arrives.  One URL always answers
503; with the old in-middleware sleep, nothing else could be fetched while
its retry waited.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCRAPY

OK_PATHS = [f"/ok/{n}" for n in range(8)]
SERVE_SECONDS = 0.25  # each /ok answer takes this long, so the 8 of them span 2 s
BASE = 1.0  # RETRY_BACKOFF_BASE: the retries wait 0.8-1.2 s, then 1.6-2.4 s

SPIDER = """
import json
from types import SimpleNamespace

import scrapy


class BackoffProbe(scrapy.Spider):
    name = "backoff_probe"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the project's offsite policy allows the hosts of the crawl's portals: one portal here
        self.selected = [
            SimpleNamespace(id="probe", start_urls=[self.base + "/", self.refused + "/"], allowed_hosts=())
        ]

    async def start(self):
        yield scrapy.Request(self.base + "/fail", priority=10, callback=self.parse)
        yield scrapy.Request(self.refused + "/refused", priority=5, callback=self.parse)
        for path in self.ok_paths.split(","):
            yield scrapy.Request(self.base + path, callback=self.parse)

    def parse(self, response):
        return None

    def closed(self, reason):
        stats = dict(self.crawler.stats.get_stats(), reason=reason)
        with open(self.stats_path, "w") as fh:
            json.dump(stats, fh, default=str)
"""


class Arrivals(BaseHTTPRequestHandler):
    log: list[tuple[str, float]]

    def do_GET(self) -> None:
        self.log.append((self.path, time.monotonic()))
        if self.path == "/fail":
            self.send_response(503)
            body = b"busy"
        else:
            time.sleep(SERVE_SECONDS)
            self.send_response(200)
            body = b"<html><body>ok</body></html>"
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, float]]]]:
    log: list[tuple[str, float]] = []
    handler = type("Handler", (Arrivals,), {"log": log})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", log
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    """A loopback port nobody listens on: connections are refused (a retried exception)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def run_probe(tmp_path: Path, base_url: str) -> dict[str, Any]:
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER, "utf-8")
    stats_path = tmp_path / "stats.json"
    settings = {
        "CONCURRENT_REQUESTS": "1",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "ROBOTSTXT_OBEY": "0",
        "RETRY_TIMES": "2",
        "RETRY_BACKOFF_BASE": str(BASE),
        "RETRY_BACKOFF_MAX": "60",
        "REPORTS_DB": "",
        "DOWNLOAD_TIMEOUT": "5",
        "LOG_FILE": str(tmp_path / "crawl.log"),
    }
    cmd = [SCRAPY, "runspider", str(spider)]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    args = {"base": base_url, "refused": closed_port_url(), "ok_paths": ",".join(OK_PATHS), "stats_path": stats_path}
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(stats_path.read_text("utf-8"))


@pytest.mark.services  # runs `scrapy runspider` in a subprocess
def test_other_urls_are_fetched_while_a_retry_waits_for_its_backoff(
    tmp_path: Path, server: tuple[str, list[tuple[str, float]]]
) -> None:
    base_url, log = server
    stats = run_probe(tmp_path, base_url)

    fails = [t for path, t in log if path == "/fail"]
    assert len(fails) == 3  # first try + RETRY_TIMES, although the /ok pages were done long before
    assert sorted(path for path, _ in log if path != "/fail") == sorted(OK_PATHS)
    # each retry waited its backoff: about BASE, then about 2 * BASE (±20 % jitter)
    assert fails[1] - fails[0] >= 0.8 * BASE
    assert fails[2] - fails[1] >= 1.6 * BASE
    # with one download slot, /ok pages arrived while the first retry was waiting
    between = [path for path, t in log if fails[0] < t < fails[1]]
    assert between and all(p.startswith("/ok/") for p in between)

    assert stats["reason"] == "finished"
    assert stats["retry/count"] == 4  # two for /fail, two for /refused
    assert stats["retry/max_reached"] == 2
    assert stats["retry/reason_count/503 Service Unavailable"] == 2
    assert stats["retry/backoff_delayed_count"] == 4
    assert stats["retry/backoff_seconds"] >= 2 * (0.8 * BASE + 1.6 * BASE)
    assert stats["downloader/response_status_count/200"] == len(OK_PATHS)
