"""Compare two report databases table by table, as a refactoring must leave them.

    .venv/bin/python scripts/compare_dbs.py BEFORE.db AFTER.db

Two crawls of the same fixture portals differ only in what cannot be the
same: fetch times, the random loopback ports of the fixture servers (and the
ids hashed from URLs that carry them), and the order rows were written in.
Those are normalised away; every other value of every row of every table
present in BEFORE must be in AFTER, and the other way round.  Exit status 0
when identical, 1 with the differences listed otherwise.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from collections import Counter
from typing import Any

TIME_COLUMNS = {"first_seen", "last_seen"}  # and every column named *_at (fetched_at, applied_at, checked_at, ...)
ROW_IDS = {"id", "fingerprint"}  # write order, and request hashes of URLs with random ports
LOOPBACK = re.compile(r"(?:127\.0\.0\.1|localhost):\d+")


# The compact store's tables behind the views table_cells, sections and checks (crawler/compact_store.py):
# their numbers (report_no, label_id) follow write order; the views are compared instead.
BEHIND_VIEWS = {
    "report_keys",
    "cell_labels",
    "cell_values",
    "section_spans",
    "check_keys",
    "check_values",
    "check_evidence",
}


def _tables(conn: sqlite3.Connection) -> list[str]:
    """Plain tables and views; full-text indexes (virtual tables and their shadow tables) are derived from them."""
    virtual = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE '%_fts%' ORDER BY name"
    )
    return [
        name
        for (name,) in rows
        if name not in BEHIND_VIEWS and not any(name == v or name.startswith(f"{v}_") for v in virtual)
    ]


def _report_names(conn: sqlite3.Connection) -> dict[str, str]:
    """report_id → its dedup key with ports normalised (ids hashed from URLs differ per run)."""
    return {
        rid: LOOPBACK.sub("127.0.0.1:*", key or "")
        for rid, key in conn.execute("SELECT report_id, dedup_key FROM reports")
    }


def _normalise(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        value = names.get(value, value)
        return LOOPBACK.sub("127.0.0.1:*", value)
    return value


def table_rows(
    conn: sqlite3.Connection, table: str, names: dict[str, str], columns: list[str] | None = None
) -> tuple[list[str], Counter[tuple[Any, ...]]]:
    """The table's rows (over ``columns``, default all but times and row ids), normalised, as a multiset."""
    if columns is None:
        columns = [
            r[1]
            for r in conn.execute(f"PRAGMA table_info({table})")
            if r[1] not in TIME_COLUMNS | ROW_IDS and not r[1].endswith("_at")
        ]
    rows: Counter[tuple[Any, ...]] = Counter()
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table}"):
        rows[tuple(_normalise(v, names) for v in row)] += 1
    return columns, rows


def compare(before_path: str, after_path: str, *, limit: int = 5) -> list[str]:
    """Differences between the two databases, one line each (empty when identical)."""
    before, after = sqlite3.connect(before_path), sqlite3.connect(after_path)
    before_names, after_names = _report_names(before), _report_names(after)
    problems: list[str] = []
    after_tables = set(_tables(after))
    for table in _tables(before):
        if table not in after_tables:
            problems.append(f"{table}: missing in {after_path}")
            continue
        cols_b, rows_b = table_rows(before, table, before_names)
        cols_a, rows_a = table_rows(after, table, after_names)
        if cols_b != cols_a:
            missing = [c for c in cols_b if c not in cols_a]
            if missing:
                problems.append(f"{table}: columns {missing} missing in {after_path}")
                continue
            _, rows_a = table_rows(after, table, after_names, cols_b)
        only_b, only_a = rows_b - rows_a, rows_a - rows_b
        if only_b or only_a:
            problems.append(f"{table}: {sum(only_b.values())} rows only before, {sum(only_a.values())} only after")
            for row in list(only_b)[:limit]:
                problems.append(f"  before: {dict(zip(cols_b, row, strict=True))}")
            for row in list(only_a)[:limit]:
                problems.append(f"  after:  {dict(zip(cols_b, row, strict=True))}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args(argv)
    problems = compare(args.before, args.after)
    for line in problems:
        print(line)
    print("identical, table by table" if not problems else f"{len(problems)} difference lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
