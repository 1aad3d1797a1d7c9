"""`scrapy drain` takes the database's crawl lock: a second writer of one database refuses (exit 75).

Against a real redis-server (password set, as deploy/ runs it) on a free
loopback port: while another process holds the lock (a crawl, or here a
process that took it the way a crawl does), the drain stops at once with
exit status 75 and names the holder; once the lock is free it drains, and
while it drains a `scrapy crawl` on the same database refuses in turn.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import ROOT, SCRAPY

pytestmark = pytest.mark.services  # redis-server and `scrapy drain` subprocesses

HOLD = """
import sys, time
from crawler.storage import lock_database
lock = lock_database(sys.argv[1])
print("held", flush=True)
time.sleep(120)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed (scripts/setup.sh installs it)"
    port, password = free_port(), secrets.token_urlsafe(24)
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp_path), "--requirepass", password],
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
    yield url
    proc.terminate()
    proc.wait(10)


def drain(db: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SCRAPY, "drain", "--db", str(db), "-s", f"REDIS_URL={url}", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_drain_refuses_a_database_another_writer_holds_and_holds_it_while_it_drains(
    tmp_path: Path, redis_url: str
) -> None:
    db = tmp_path / "reports.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = drain(db, redis_url, "--until-idle", "--idle-seconds", "1")
        output, _ = refused.communicate(timeout=120)
        assert refused.returncode == 75, output[-2000:]
        assert f"REPORTS_DB={db} is being written by another crawl (pid {holder.pid}," in output
        assert not db.exists()  # it refused before opening (or creating) the database
    finally:
        holder.kill()
        holder.wait(10)

    # Free again: the drain runs, and holds the lock while it runs.
    running = drain(db, redis_url, "--idle-seconds", "60")
    try:
        lock = Path(f"{db}.lock")
        for _ in range(600):
            if lock.exists() and f"pid {running.pid}," in lock.read_text():
                break
            time.sleep(0.1)
        assert f"pid {running.pid}," in lock.read_text()
        crawl = subprocess.run(
            [SCRAPY, "crawl", "province_reports", "-s", f"REPORTS_DB={db}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert crawl.returncode == 75, crawl.stderr[-2000:]
        assert f"is being written by another crawl (pid {running.pid}," in crawl.stderr
    finally:
        running.terminate()
        running.wait(30)
