"""Shared test helpers: the fixture server and real crawls in a subprocess.

Crawls run as `scrapy crawl` subprocesses, so each test gets a fresh Twisted
reactor and exercises exactly what users run.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixture_server import FixtureServer, render_registry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCRAPY = str(Path(sys.executable).parent / "scrapy")

# Fast, still real: no politeness delays against our own loopback portals.
FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_BACKOFF_BASE": "0.05",
    "DOWNLOAD_TIMEOUT": "4",
    "LOG_LEVEL": "INFO",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
}


def expected_urls() -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "expected_urls.yaml").read_text("utf-8"))


class Crawl:
    """One fixture server plus the crawls run against it."""

    def __init__(self, server: FixtureServer, tmp: Path):
        self.server, self.tmp = server, tmp
        self.db_path = tmp / "reports.db"
        self.registry = render_registry(FIXTURES / "portals.yaml", server.sites, tmp / "portals.yaml")
        self.runs = 0

    def url(self, site: str, path: str) -> str:
        return self.server.sites[site] + path

    def run(
        self, *args: str, registry: Path | None = None, check: bool = True, **settings: Any
    ) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        cmd = [
            SCRAPY,
            "crawl",
            "province_reports",
            "-a",
            f"portals={registry or self.registry}",
            "-s",
            f"REPORTS_DB={self.db_path}",
            "-s",
            f"LOG_FILE={self.tmp / f'crawl{self.runs}.log'}",
        ]
        for key, value in {**FAST, **settings}.items():
            cmd += ["-s", f"{key}={value}"]
        cmd += list(args)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            log = (self.tmp / f"crawl{self.runs}.log").read_text("utf-8", "replace")[-4000:]
            raise AssertionError(f"crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}\n{log}")
        return proc

    def log(self, run: int | None = None) -> str:
        return (self.tmp / f"crawl{run or self.runs}.log").read_text("utf-8", "replace")

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql, params).fetchall()

    def stored_urls(self) -> set[str]:
        """Every URL a stored report was seen at (a duplicate keeps one row, all URLs)."""
        return {row[0] for row in self.query("SELECT url FROM report_urls")}


@pytest.fixture
def crawl_factory(tmp_path: Path) -> Iterator[Any]:
    servers: list[FixtureServer] = []

    def make(faults: list[dict[str, Any]] | None = None, name: str = "run") -> Crawl:
        workdir = tmp_path / name
        workdir.mkdir()
        server = FixtureServer(FIXTURES, faults=faults, log_path=workdir / "requests.jsonl", workdir=workdir)
        servers.append(server.__enter__())
        return Crawl(server, workdir)

    yield make
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def crawl(crawl_factory: Any) -> Crawl:
    return crawl_factory()


os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as `services` what needs more than the test process itself.

    That is every test in tests/test_ops_*.py (scrapyd, redis-server,
    Chromium) and tests/test_crawl_*.py, and every test that crawls through
    the `crawl` fixtures here; other modules mark theirs with
    ``@pytest.mark.services``. `pytest -m "not services"` is then the unit
    tier: in-process, under a minute, nothing installed beyond the venv.
    """
    for item in items:
        by_name = item.path.name.startswith(("test_ops_", "test_crawl_"))
        if by_name or {"crawl", "crawl_factory"} & set(item.fixturenames):
            item.add_marker(pytest.mark.services)
