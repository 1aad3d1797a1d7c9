"""The end-of-crawl report: per portal, in the log, the runs table and --report FILE; exit status."""

from __future__ import annotations

import json
import socket

import yaml
from conftest import Crawl

from crawler.run_report import INCOMPLETE_EXIT


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_dead_portal(crawl: Crawl) -> str:
    registry = yaml.safe_load(crawl.registry.read_text("utf-8"))
    registry["portals"].append(
        {
            "id": "fx-dead",
            "name": "某县人民政府 政府信息公开年报",
            "province": "zhejiang",
            "level": "county",
            "cms": "static",
            "start_urls": [f"http://127.0.0.1:{closed_port()}/nb/index.html"],
        }
    )
    path = crawl.tmp / "with-dead.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), "utf-8")
    return str(path)


def test_a_crawl_where_every_portal_answers_reports_success(crawl: Crawl) -> None:
    report = crawl.tmp / "run.md"
    proc = crawl.run("--report", str(report))
    assert proc.returncode == 0
    text = report.read_text("utf-8")
    assert "Every portal was reached and every listing walked to its end." in text
    ((summary, status),) = crawl.query("SELECT summary, exit_status FROM runs")
    rows = {p["portal_id"]: p for p in json.loads(summary)["portals"]}
    stored = dict(crawl.query("SELECT portal_id, COUNT(*) FROM reports GROUP BY portal_id"))
    assert status == 0 and {pid: row["stored"] for pid, row in rows.items() if row["stored"]} == stored
    assert all(row["listing_pages"] >= 1 for row in rows.values())
    assert "Run report:" in crawl.log()


def test_a_portal_that_fails_entirely_is_named_and_the_exit_status_says_so(crawl: Crawl) -> None:
    report = crawl.tmp / "run.md"
    proc = crawl.run("--report", str(report), registry=with_dead_portal(crawl), check=False, RETRY_TIMES="0")
    assert proc.returncode == INCOMPLETE_EXIT
    text = report.read_text("utf-8")
    assert "| fx-dead **(failed entirely)** | 0 |" in text
    assert "- portal fx-dead failed entirely: none of its listing pages could be fetched" in text
    ((summary, status),) = crawl.query("SELECT summary, exit_status FROM runs")
    assert status == INCOMPLETE_EXIT and json.loads(summary)["failed_portals"] == ["fx-dead"]
    assert crawl.query("SELECT COUNT(*) FROM reports")[0][0] > 0  # the other portals' reports are stored
    assert "Portal fx-dead failed entirely" in crawl.log()


def test_a_long_crawl_logs_progress_per_portal(crawl: Crawl) -> None:
    crawl.run(PROGRESS_INTERVAL="0.2", DOWNLOAD_DELAY="0.05")
    lines = [line for line in crawl.log().splitlines() if "Progress fx-" in line]
    assert lines, "no progress line"
    assert any("listing pages" in line and "new links" in line for line in lines)
