"""A database that cannot be written stops the crawl: one line, a non-zero exit status, an intact file.

Scrapy logs an error per item a pipeline fails and still closes the spider
``finished`` with exit status 0, which cron and scrapyd take for success.
These crawls run the real `scrapy crawl` against the fixture portals with a
database that fills up or cannot be written, and check what a user and a
scheduler see: exit status 74 (EX_IOERR) for a store that fills up
mid-crawl, 2 for a database refused at the start (read-only: the start-up
check makes a rolled-back write), the reason in one ``error:`` line, and
``PRAGMA integrity_check`` = ok on what was stored.  A file system turned
read-only mid-crawl takes the same path as a full one (any
``sqlite3.OperationalError`` of a write stops the crawl); it is not
reproduced here: Linux refuses to remount read-only while the crawl holds
the database open for writing.

Two ways to a full disk: SQLite's own ``PRAGMA max_page_count`` (the
REPORTS_DB_MAX_MB budget), which fails writes with the same SQLITE_FULL a
full disk gives, everywhere; and a real 2 MB tmpfs (the empty database and the page log of the first listings take ~0.9 MB) in a private user and
mount namespace (``unshare -rm``: no root needed, nothing left mounted when
the crawl ends), where the kernel itself answers ENOSPC.  A read-only
database is a read-only bind mount in such a namespace (root ignores file
modes, a read-only mount binds root too), and a ``chmod 444`` file when the
tests do not run as root.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import FAST, ROOT, SCRAPY, Crawl

STORE_FAILED_EXIT = 74
USAGE_ERROR = 2


def namespaces_work() -> str | None:
    """None when ``unshare -rm`` can mount a tmpfs here, else why not."""
    if shutil.which("unshare") is None:
        return "util-linux unshare is not installed"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        return f"no user+mount namespaces here (unshare -rm: {probe.stderr.strip()[:200]})"
    return None


NO_NAMESPACES = namespaces_work()


def crawl_command(crawl: Crawl, db: Path, log: Path, **settings: str) -> list[str]:
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={crawl.registry}"]
    for key, value in {**FAST, "REPORTS_DB": str(db), "LOG_FILE": str(log), **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr[-3000:]
    return lines[0]


def test_a_full_database_stops_the_crawl_with_exit_74_one_line_and_an_intact_file(crawl: Crawl) -> None:
    log = crawl.tmp / "full.log"
    # A new database is ~0.23 MB, the fixture crawl's ~0.5 MB (the compact store): 0.35 MB fills up mid-crawl.
    proc = subprocess.run(
        crawl_command(crawl, crawl.db_path, log, REPORTS_DB_MAX_MB="0.35"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == STORE_FAILED_EXIT, proc.stderr[-3000:]
    line = error_line(proc.stderr)
    assert f"REPORTS_DB={crawl.db_path} cannot be written (database or disk is full)" in line
    text = log.read_text("utf-8")
    assert "Spider closed (store_failed)" in text
    assert text.count("database or disk is full") <= 3  # stopped at the first one: no error per report
    assert integrity(crawl.db_path) == "ok"
    stored = crawl.stored_urls()

    # Room again: the same command completes the crawl, the stored reports kept.
    crawl.run()
    assert integrity(crawl.db_path) == "ok"
    everything = crawl.stored_urls()
    assert stored and stored < everything
    assert crawl.query("SELECT COUNT(*) FROM reports WHERE errors LIKE '%store%'") == [(0,)]


@pytest.mark.skipif(NO_NAMESPACES is not None, reason=str(NO_NAMESPACES))
def test_a_really_full_disk_stops_the_crawl_with_exit_74_and_an_intact_file(crawl: Crawl) -> None:
    mount = crawl.tmp / "small-disk"
    mount.mkdir()
    kept = crawl.tmp / "kept"
    kept.mkdir()
    db = mount / "reports.db"
    log = crawl.tmp / "disk.log"
    script = (
        'mount -t tmpfs -o size=2m tmpfs "$1" || exit 99; shift; "$@"; rc=$?; '
        f'df -k "{mount}" | tail -1 >&2; cp "{mount}"/reports.db* "{kept}"/; exit $rc'
    )
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(mount), *crawl_command(crawl, db, log)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == STORE_FAILED_EXIT, proc.stderr[-3000:]
    *_, line, df = proc.stderr.strip().splitlines()
    assert line.startswith("error: ") and f"REPORTS_DB={db} cannot be written (database or disk is full)" in line
    assert df.split()[3] in {"0", "4", "8"}, df  # the tmpfs really was full
    assert "Spider closed (store_failed)" in log.read_text("utf-8")
    assert integrity(kept / "reports.db") == "ok"
    with sqlite3.connect(kept / "reports.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] > 0


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_database(crawl: Crawl) -> Path:
    """A database with the fixture crawl in it, checkpointed into one file."""
    crawl.run()
    with sqlite3.connect(crawl.db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return crawl.db_path


@pytest.mark.skipif(NO_NAMESPACES is not None, reason=str(NO_NAMESPACES))
def test_a_database_on_a_read_only_mount_is_refused_in_one_line_and_left_unchanged(crawl: Crawl) -> None:
    db = stored_database(crawl)
    before = digest(db)
    log = crawl.tmp.parent / "ro.log"  # outside the read-only folder
    folder = str(db.parent)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"'
    cmd = crawl_command(crawl, db, log)
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", folder, *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == USAGE_ERROR, proc.stderr[-3000:]
    line = error_line(proc.stderr)
    assert f"REPORTS_DB={db} cannot be written (" in line and "give a writable path" in line
    assert digest(db) == before and integrity(db) == "ok"
    assert not log.exists()  # refused before the log opened


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes a chmod 444 file anyway: the read-only mount test covers root"
)
def test_a_read_only_database_file_is_refused_in_one_line_and_left_unchanged(crawl: Crawl) -> None:
    db = stored_database(crawl)
    before = digest(db)
    db.chmod(0o444)
    proc = subprocess.run(
        crawl_command(crawl, db, crawl.tmp / "ro.log"), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == USAGE_ERROR, proc.stderr[-3000:]
    assert f"REPORTS_DB={db} cannot be written (" in error_line(proc.stderr)
    assert digest(db) == before and integrity(db) == "ok"


@pytest.mark.skipif(NO_NAMESPACES is not None, reason=str(NO_NAMESPACES))
def test_a_read_only_database_file_a_reader_holds_open_is_refused_at_the_start(crawl: Crawl) -> None:
    """The file alone on a read-only mount, its folder writable, a reader (datasette, say) holding it open:
    SQLite opens it and grants the write lock; only a write fails ("readonly database").  The crawl's
    start-up check makes one (rolled back), so it is refused before the crawl begins."""
    db = stored_database(crawl)
    reader = sqlite3.connect(db)
    reader.execute("SELECT COUNT(*) FROM reports").fetchone()  # keeps -wal and -shm in place
    try:
        before = digest(db)
        log = crawl.tmp / "ro-file.log"
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"'
        proc = subprocess.run(
            ["unshare", "-rm", "sh", "-c", script, "sh", str(db), *crawl_command(crawl, db, log)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == USAGE_ERROR, proc.stderr[-3000:]
        line = error_line(proc.stderr)
        assert f"REPORTS_DB={db} cannot be written (attempt to write a readonly database)" in line
        assert not log.exists()
        assert digest(db) == before
    finally:
        reader.close()
    assert integrity(db) == "ok"
