"""Two crawls on one REPORTS_DB at once: the second refuses in one line, exit 75, and writes nothing.

Two crawls writing one database would each skip what the other has not yet
stored, mark listings complete that the other is still walking and log
their fetches into one table.  The first crawl holds an exclusive lock on
``<db>.lock`` (flock, released by the kernel however the process ends); a
second `scrapy crawl` of the same database exits 75 (EX_TEMPFAIL: try again
later) before its engine or log starts.  Once the first has ended, the
same command runs.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST, ROOT, SCRAPY, Crawl

from crawler.storage import DatabaseBusy, DatabaseLock

DATABASE_BUSY = 75


def command(crawl: Crawl, log: Path, **settings: str) -> list[str]:
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={crawl.registry}"]
    for key, value in {**FAST, "REPORTS_DB": str(crawl.db_path), "LOG_FILE": str(log), **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def test_a_second_crawl_of_a_database_being_written_refuses_in_one_line_and_writes_nothing(crawl: Crawl) -> None:
    first_log, second_log = crawl.tmp / "first.log", crawl.tmp / "second.log"
    first = subprocess.Popen(
        command(crawl, first_log, DOWNLOAD_DELAY="0.2", CONCURRENT_REQUESTS_PER_DOMAIN="1"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = Path(f"{crawl.db_path}.lock")
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"pid {first.pid}," in lock.read_text()

    second = subprocess.run(command(crawl, second_log), cwd=ROOT, capture_output=True, text=True, timeout=120)
    running = first.poll() is None
    assert second.returncode == DATABASE_BUSY, second.stderr[-3000:]
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0].startswith(f"error: REPORTS_DB={crawl.db_path} is being written by another crawl (pid {first.pid},")
    assert lines[0].endswith("wait until it has finished, or give another REPORTS_DB")
    assert not second_log.exists()  # refused before Scrapy opened its log
    assert running, "the first crawl must still be running when the second starts"

    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr[-3000:]
    assert "Spider closed (finished)" in first_log.read_text("utf-8")
    alone = crawl.stored_urls()

    # The lock went with the first crawl: the same command runs now, and finds nothing new.
    again = subprocess.run(command(crawl, second_log), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Spider closed (finished)" in second_log.read_text("utf-8")
    assert alone and crawl.stored_urls() == alone
    with sqlite3.connect(crawl.db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_lock_of_a_crawl_killed_with_sigkill_is_free_at_once(tmp_path: Path) -> None:
    """flock goes with the process however it ends: no stale lock to clear before a resume."""
    db = tmp_path / "reports.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from crawler.storage import lock_database; lock_database(sys.argv[1]); "
            "print('held', flush=True); time.sleep(600)",
            str(db),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(DatabaseBusy, match=f"another crawl \\(pid {holder.pid},"):
        DatabaseLock(db).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(30)
    with DatabaseLock(db) as lock:
        assert lock.acquired
        again = DatabaseLock(db).acquire()  # the same process may take it again (crawl command + pipeline)
        assert again.acquired
        again.release()
