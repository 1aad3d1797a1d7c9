"""Five SIGKILLs at random moments, each followed by a resume, give the database of an uninterrupted crawl.

A crawl with a JOBDIR is killed (the whole process group, as the OOM killer
or a power cut would end it) five times at random moments: while starting,
while fetching listings, between and during report transactions.  Each
time the same command is run again.  After the last resume the database is
compared with that of one uninterrupted crawl of the same portals, table by
table, with scripts/compare_dbs.py.  The seed of the random moments is
printed; FAULT_SEED=<seed> repeats a run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import FAST, ROOT, SCRAPY, Crawl

sys.path.insert(0, str(ROOT / "scripts"))
from compare_dbs import _report_names, compare, table_rows

KILLS = 5
# Logs of fetches and runs, not content: a killed crawl fetches some pages twice.
LOG_TABLES = {"pages", "runs"}
# Slow enough that five kills land before the crawl ends (with the compact store and the parse pool,
# 0.1 s let the killed crawl store all 23 reports before the fifth kill).
SLOW = {**FAST, "DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    except sqlite3.Error:  # not created yet, or mid-migration
        return 0


def content_differences(before: Path, after: Path) -> list[str]:
    """compare()'s lines, without the blocks about the fetch and run logs."""
    kept: list[str] = []
    skipping = False
    for line in compare(str(before), str(after)):
        if not line.startswith(" "):
            skipping = line.split(":", 1)[0] in LOG_TABLES
        if not skipping:
            kept.append(line)
    return kept


def fetched(db: Path) -> set[tuple[Any, ...]]:
    """(url, kind, status) of every fetch in the pages log, ports normalised."""
    with sqlite3.connect(db) as conn:
        return set(table_rows(conn, "pages", _report_names(conn), ["url", "kind", "status"])[1])


def test_five_sigkills_at_random_moments_resume_to_the_database_of_an_uninterrupted_crawl(
    crawl_factory: Any,
) -> None:
    seed = int(os.environ.get("FAULT_SEED") or time.time_ns() % 1_000_000)
    print(f"FAULT_SEED={seed}")
    rng = random.Random(seed)
    reference = crawl_factory(name="reference")
    reference.run(**SLOW)
    total = stored(reference.db_path)

    (reference.tmp.parent / "killed").mkdir()
    crawl = Crawl(reference.server, reference.tmp.parent / "killed")  # same portals, a fresh database
    jobdir = crawl.tmp / "job"
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={crawl.registry}", "-s", f"JOBDIR={jobdir}"]
    cmd += ["-s", f"REPORTS_DB={crawl.db_path}"]
    for key, value in SLOW.items():
        cmd += ["-s", f"{key}={value}"]

    moments: list[str] = []
    for kill in range(KILLS):
        before = stored(crawl.db_path)
        wanted = before + rng.randint(0, 2)  # up to two more reports stored first
        linger = rng.uniform(0.0, 0.8)  # then a random moment after that
        log = crawl.tmp / f"killed{kill}.log"
        proc = subprocess.Popen([*cmd, "-s", f"LOG_FILE={log}"], cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 120
        while proc.poll() is None and stored(crawl.db_path) < wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(linger)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        moments.append(f"after {stored(crawl.db_path) - before} more reports +{linger:.2f} s")
        assert proc.returncode == -signal.SIGKILL, (
            f"kill {kill + 1} came too late, the crawl had ended ({proc.returncode}); seed {seed}: {moments}"
        )
    assert 0 < stored(crawl.db_path) < total, (stored(crawl.db_path), total, moments)

    crawl.run("-s", f"JOBDIR={jobdir}", **SLOW)  # the last resume, to the end
    problems = content_differences(reference.db_path, crawl.db_path)
    assert not problems, f"seed {seed}, kills {moments}:\n" + "\n".join(problems)
    assert fetched(reference.db_path) <= fetched(crawl.db_path)
    with sqlite3.connect(crawl.db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"{KILLS} kills ({'; '.join(moments)}); {total} reports, identical table by table")
