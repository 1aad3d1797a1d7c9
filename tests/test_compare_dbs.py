"""scripts/compare_dbs.py: what a refactoring must leave unchanged, it finds changed."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from compare_dbs import compare


def _db(path: Path, port: int, value: int, fetched_at: str) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE reports (report_id TEXT, dedup_key TEXT, url TEXT, fetched_at TEXT)")
    conn.execute("CREATE TABLE table_cells (report_id TEXT, row_code TEXT, value ANY)")
    rid = f"id-{port}"  # ids hashed from URLs differ with the port
    conn.execute(
        "INSERT INTO reports VALUES (?, ?, ?, ?)",
        [rid, f"url:http://127.0.0.1:{port}/a.html", f"http://127.0.0.1:{port}/a.html", fetched_at],
    )
    conn.execute("INSERT INTO table_cells VALUES (?, '3.7', ?)", [rid, value])
    conn.commit()
    conn.close()
    return str(path)


def test_two_crawls_differing_only_in_ports_and_times_are_identical(tmp_path: Path) -> None:
    a = _db(tmp_path / "a.db", 40001, 12, "2026-01-01T00:00:00")
    b = _db(tmp_path / "b.db", 40777, 12, "2026-02-02T00:00:00")
    assert compare(a, b) == []


def test_a_changed_cell_value_is_a_difference(tmp_path: Path) -> None:
    a = _db(tmp_path / "a.db", 40001, 12, "2026-01-01T00:00:00")
    b = _db(tmp_path / "b.db", 40777, 13, "2026-01-01T00:00:00")
    problems = compare(a, b)
    assert problems[0] == "table_cells: 1 rows only before, 1 only after"


def test_compare_dbs_skips_exactly_the_compact_stores_internal_tables() -> None:
    """scripts/ imports nothing from crawler/, so the two lists are kept apart: this keeps them equal."""
    from compare_dbs import BEHIND_VIEWS

    from crawler.compact_store import INTERNAL_TABLES

    assert set(INTERNAL_TABLES) == BEHIND_VIEWS
