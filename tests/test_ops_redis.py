"""Distributed crawl on a real redis-server: two workers and one drain equal one process.

Starts redis-server on a free loopback port in a temporary directory, with a
password (as deploy/ runs it), seeds the queue with `scrapy seed`, runs two
`scrapy crawl` workers and `scrapy drain`, and compares the resulting
database with a single-process crawl of the same fixture portals, table by
table, ignoring only timestamps.  A pickle pushed into the request queue
beside the seeded requests is refused by the worker that takes it: logged,
counted, never executed.
"""

from __future__ import annotations

import os
import pickle
import secrets
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import FAST, ROOT, SCRAPY, Crawl

from crawler.distributed.drain import Drain
from crawler.distributed.keys import Keys, encode
from crawler.distributed.scheduler import RedisScheduler
from crawler.storage import open_db

TIMESTAMPS = {"fetched_at", "first_seen", "last_seen", "completed_at", "checked_at"}
TABLES = {  # table: ORDER BY of a stable listing
    "reports": "report_id",
    "report_urls": "url",
    "sections": "report_id, seq",
    "table_cells": "report_id, table_code, row_code, col_code",
    "checks": "report_id, check_code, scope",
    "listing_runs": "start_url",
}


class CreatesDir:
    """Unpickling this creates `path`: the proof that a payload from Redis was executed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.makedirs, (str(self.path),))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed (scripts/setup.sh installs it)"
    port = free_port()
    password = secrets.token_urlsafe(24)
    proc = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            "--requirepass",
            password,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    with pytest.raises(redis.AuthenticationError):  # the password is asked for, not decoration
        redis.Redis.from_url(f"redis://127.0.0.1:{port}/0").set("k", "v")
    yield url
    proc.terminate()
    proc.wait(10)


def dump(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared table, rows in a stable order, timestamps left out."""
    out = {}
    with sqlite3.connect(db_path) as conn:
        for table, order in TABLES.items():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in TIMESTAMPS]
            out[table] = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}").fetchall()
    return out


def fetched(db_path: Path) -> list[tuple[str, str, int]]:
    """Listing and report fetches (robots.txt is fetched once per worker)."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT url, kind, status FROM pages WHERE kind != 'robots'").fetchall()
    return sorted(
        rows, key=lambda row: (row[0], row[1], row[2] is not None, row[2] or 0)
    )  # a failed fetch has no status


def scrapy(*args: str, env: dict[str, str], log: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SCRAPY, *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if log is None else subprocess.PIPE,
    )


def test_two_workers_and_a_drain_store_what_one_process_stores(crawl: Crawl, redis_url: str) -> None:
    started = time.monotonic()
    crawl.run()
    single = dump(crawl.db_path)
    assert single["reports"], "the single-process crawl stored nothing"

    env = {**os.environ, "REDIS_URL": redis_url}
    db_path = crawl.tmp / "distributed.db"
    seed = subprocess.run(
        [SCRAPY, "seed", "-a", f"portals={crawl.registry}", "--db", str(db_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seed.returncode == 0, seed.stderr[-3000:]
    assert "Seeded" in seed.stdout
    # Someone with write access to Redis queues a pickle first in line (highest priority).
    marker = crawl.tmp / "unpickled"
    redis.Redis.from_url(redis_url).zadd("province_reports:requests", {pickle.dumps(CreatesDir(marker)): -1000})

    drain = scrapy("drain", "--db", str(db_path), "--until-idle", "--idle-seconds", "3", env=env)
    workers = []
    for n in (1, 2):
        settings = {**FAST, "CONCURRENT_REQUESTS": "2", "LOG_FILE": str(crawl.tmp / f"worker{n}.log")}
        args = ["crawl", "province_reports", "-a", f"portals={crawl.registry}"]
        for key, value in settings.items():
            args += ["-s", f"{key}={value}"]
        workers.append(scrapy(*args, env=env))
    for worker in workers:
        output, _ = worker.communicate(timeout=180)
        assert worker.returncode == 0, output[-3000:]
    output, _ = drain.communicate(timeout=120)
    assert drain.returncode == 0, output[-3000:]
    print(f"distributed crawl test took {time.monotonic() - started:.1f} s")

    # One store, same content: no report lost, none twice, same parts and checks.
    distributed = dump(db_path)
    for table in TABLES:
        assert distributed[table] == single[table], f"{table} differs from the single-process crawl"
    # Each listing and report was fetched once across both workers, as in one process.
    assert fetched(db_path) == fetched(crawl.db_path)
    # Both workers took part, and neither opened the SQLite store nor started a browser.
    for n in (1, 2):
        log = (crawl.tmp / f"worker{n}.log").read_text("utf-8", "replace")
        assert "'redis_queue/page_count'" in log, f"worker {n} crawled nothing"
        assert "Storing reports in" not in log
        assert "playwright/browser_count" not in log
    client = redis.Redis.from_url(redis_url)
    assert client.llen("province_reports:store") == 0
    assert client.llen("province_reports:store:processing") == 0
    # The pickle was taken by a worker, refused and counted, and never executed.
    logs = "".join((crawl.tmp / f"worker{n}.log").read_text("utf-8", "replace") for n in (1, 2))
    assert "refused a payload" in logs and "pickle" in logs
    assert "'distributed/refused_payload_count': 1" in logs
    assert not marker.exists()


def test_drain_sets_aside_a_bad_message_and_stores_the_rest(tmp_path: Path, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    keys = Keys("province_reports")
    report = {
        "report_id": "r1",
        "url": "http://127.0.0.1/a.html",
        "portal_id": "p",
        "province": "henan",
        "sections": [{"seq": 1, "code": "overview"}, {"seq": 1, "code": "again"}],
    }  # parts SQLite refuses
    page = {"url": "http://127.0.0.1/a.html", "status": 200, "fetched_at": "2026-01-01T00:00:00+00:00"}
    for message in (encode({"kind": "report", "record": report}), "{not json", encode({"kind": "page", "page": page})):
        client.lpush(keys.store, message)
    db = open_db(tmp_path / "d.db")
    counts = Drain(client, db, keys).run(until_idle=True, idle_seconds=0.2, poll=0.1)
    assert (counts["report"], counts["kept"], counts["page"], counts["failed"]) == (1, 1, 1, 1)
    stored = db.execute("SELECT url, errors FROM reports").fetchone()
    assert stored[0] == report["url"] and '"stage": "store"' in stored[1]
    assert client.lrange(keys.failed, 0, -1) == [b"{not json"]
    assert client.llen(keys.store) == client.llen(keys.processing) == 0


def test_the_queue_refuses_a_pickle_and_hands_out_the_requests_around_it(tmp_path: Path, redis_url: str) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.spiders.province_reports import ProvinceReportsSpider

    settings = {"REDIS_URL": redis_url, "ADDONS": {"crawler.distributed.addon.DistributedAddon": 10}}
    crawler = get_crawler(ProvinceReportsSpider, settings_dict=settings)
    crawler._apply_settings()  # the add-ons: the distributed switch sets the JSON serializer
    assert crawler.settings["SCHEDULER_SERIALIZER"] == "crawler.distributed.serializer"
    spider = crawler.spidercls.from_crawler(crawler)
    crawler.spider = spider
    scheduler = RedisScheduler.from_crawler(crawler)
    scheduler.open(spider)
    scheduler.flush()
    first, last = (
        scrapy_request(f"http://127.0.0.1/r/{n}.html", spider, priority) for n, priority in ((1, 10), (2, 0))
    )
    assert scheduler.enqueue_request(first)
    assert scheduler.enqueue_request(last)
    marker = tmp_path / "unpickled"
    client = redis.Redis.from_url(redis_url)
    client.zadd(scheduler.queue.key, {pickle.dumps(CreatesDir(marker)): -5})  # between the two
    taken = [scheduler.next_request() for _ in range(3)]
    assert [r.url if r is not None else None for r in taken] == [first.url, last.url, None]
    assert taken[0] is not None and taken[0].callback == spider.parse_report
    assert crawler.stats.get_value("distributed/refused_payload_count") == 1
    assert not marker.exists()
    # What the queue holds is JSON text, readable by anyone inspecting Redis.
    assert scheduler.enqueue_request(scrapy_request("http://127.0.0.1/r/3.html", spider, 0))
    (raw,) = client.zrange(scheduler.queue.key, 0, -1)
    assert raw.startswith(b'{"url":"http://127.0.0.1/r/3.html"')


def scrapy_request(url: str, spider: Any, priority: int) -> Any:
    from scrapy import Request

    meta = {"page_kind": "report"}
    return Request(url, callback=spider.parse_report, errback=spider.report_failed, meta=meta, priority=priority)
