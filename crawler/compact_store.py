"""The compact layout of a report's cells and sections (migration ``v8_compact_store``, issue 17).

A report's ~200 cells used to repeat, in every row, the 16-character
report_id, the codes and the printed row and column labels, and to be
indexed twice more; its sections repeated its text.  Now:

- ``report_keys`` numbers each report_id once (``report_no``);
- ``cell_labels`` holds each distinct (table, row, column, printed labels)
  once; ``cell_values`` holds per cell only (report_no, seq, label_id, raw,
  value, source, confidence), ``WITHOUT ROWID`` and clustered by report in
  printed order (``seq``), so it needs no second index;
- ``check_keys`` holds each (check_code, scope) once, ``check_evidence`` each
  distinct evidence text of a report once (a report's outline checks and
  its cross-year checks repeat theirs), and ``check_values`` per check only
  (report_no, check_id, expected, actual, status, evidence_no), ``WITHOUT
  ROWID``, with a small index of the failing ones;
- ``section_spans`` holds a section's text as (``text_at``, ``text_len``),
  its place in ``reports.text``, when it is printed there (it always is for
  parsed reports), else the text itself.

``table_cells``, ``sections`` and ``checks`` are plain SQL views over those
tables with the columns they always had, so Datasette, the exports, pandas and the
sqlite3 shell read them unchanged, with no function of ours registered.
INSTEAD OF triggers keep the old writes working (``INSERT [OR REPLACE]``
and ``DELETE`` on each view: the findings write ``checks`` so); the store
itself writes the tables directly (:func:`write_cells`,
:func:`write_sections`, :func:`write_checks`).  A column added to one of
these later goes into its table and its view (``ALTER TABLE`` cannot add
one to a view).  Triggers on ``reports`` keep
the spans honest: a report's deletion removes its parts, and a change of
its text first turns its spans back into text.
"""

from __future__ import annotations

import logging
import operator
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlite_utils

logger = logging.getLogger(__name__)

# Tables only the views read: hidden in Datasette, not compared by scripts/compare_dbs.py.
INTERNAL_TABLES = (
    "report_keys",
    "cell_labels",
    "cell_values",
    "section_spans",
    "check_keys",
    "check_values",
    "check_evidence",
)
LABEL_COLUMNS = ("table_code", "row_code", "row_label", "col_code", "col_label")
VALUE_COLUMNS = ("raw", "value", "source", "confidence")  # a cell's own columns in cell_values, after its label
CODE_COLUMNS = ("table_code", "row_code", "col_code")  # what makes a cell one cell of a report
# One C call per cell (a report has ~200); a cell without every key (built elsewhere) takes dict.get.
_LABEL_OF, _CODES_OF = operator.itemgetter(*LABEL_COLUMNS), operator.itemgetter(*CODE_COLUMNS)
CHECK_KEY_COLUMNS = ("check_code", "scope")

_SAME_LABEL = " AND ".join(f"{c} IS new.{c}" for c in LABEL_COLUMNS)
_SAME_CODES = "table_code IS {0}.table_code AND row_code IS {0}.row_code AND col_code IS {0}.col_code"
_REPORT_NO = "(SELECT report_no FROM report_keys WHERE report_id = {0}.report_id)"

TABLES = (
    "CREATE TABLE IF NOT EXISTS report_keys (report_no INTEGER PRIMARY KEY, report_id TEXT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS cell_labels (label_id INTEGER PRIMARY KEY, table_code TEXT, row_code TEXT,"
    " row_label TEXT, col_code TEXT, col_label TEXT)",
    # NULL-safe uniqueness: x'' (a blob) never equals a text label, '' included.
    "CREATE UNIQUE INDEX IF NOT EXISTS cell_labels_unique ON cell_labels ("
    + ", ".join(f"ifnull({c}, x'')" for c in LABEL_COLUMNS)
    + ")",
    "CREATE TABLE IF NOT EXISTS cell_values (report_no INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " label_id INTEGER NOT NULL, raw TEXT, value ANY, source TEXT, confidence REAL,"
    " PRIMARY KEY (report_no, seq)) WITHOUT ROWID",
    # A rowid table: a section printed nowhere in the text keeps its text here, and WITHOUT ROWID
    # tables spill rows over ~1 KB to overflow pages (measured: 1.5x the bytes of this layout).
    "CREATE TABLE IF NOT EXISTS section_spans (report_no INTEGER NOT NULL, seq INTEGER NOT NULL, code TEXT,"
    " heading TEXT, text TEXT, text_at INTEGER, text_len INTEGER, PRIMARY KEY (report_no, seq))",
    "CREATE TABLE IF NOT EXISTS check_keys (check_id INTEGER PRIMARY KEY, check_code TEXT, scope TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS check_keys_unique ON check_keys (ifnull(check_code, x''), ifnull(scope, x''))",
    "CREATE TABLE IF NOT EXISTS check_values (report_no INTEGER NOT NULL, check_id INTEGER NOT NULL,"
    " expected ANY, actual ANY, status TEXT, evidence_no INTEGER, PRIMARY KEY (report_no, check_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS check_values_failing ON check_values (report_no) WHERE status = 'fail'",
    # A rowid table, as section_spans: an evidence text can be long.
    "CREATE TABLE IF NOT EXISTS check_evidence (report_no INTEGER NOT NULL, evidence_no INTEGER NOT NULL,"
    " evidence TEXT NOT NULL, PRIMARY KEY (report_no, evidence_no))",
)

VIEWS = (
    "CREATE VIEW table_cells AS SELECT k.report_id AS report_id, l.table_code AS table_code,"
    " l.row_code AS row_code, l.row_label AS row_label, l.col_code AS col_code, l.col_label AS col_label,"
    " v.raw AS raw, v.value AS value, v.source AS source, v.confidence AS confidence"
    " FROM cell_values v JOIN report_keys k ON k.report_no = v.report_no JOIN cell_labels l ON l.label_id = v.label_id",
    "CREATE VIEW sections AS SELECT k.report_id AS report_id, s.seq AS seq, s.code AS code, s.heading AS heading,"
    " CASE WHEN s.text_at IS NULL THEN s.text ELSE substr(r.text, s.text_at, s.text_len) END AS text"
    " FROM section_spans s JOIN report_keys k ON k.report_no = s.report_no"
    " LEFT JOIN reports r ON r.report_id = k.report_id",
    "CREATE VIEW checks AS SELECT k.report_id AS report_id, c.check_code AS check_code, c.scope AS scope,"
    " v.expected AS expected, v.actual AS actual, v.status AS status, e.evidence AS evidence"
    " FROM check_values v JOIN report_keys k ON k.report_no = v.report_no JOIN check_keys c ON c.check_id = v.check_id"
    " LEFT JOIN check_evidence e ON e.report_no = v.report_no AND e.evidence_no = v.evidence_no",
)

_NEW_KEY = (
    "INSERT INTO report_keys (report_id) SELECT new.report_id"
    " WHERE NOT EXISTS (SELECT 1 FROM report_keys WHERE report_id = new.report_id);"
)
# Evidence no check of the report points to any more (a check deleted or replaced).
_UNUSED_EVIDENCE = (
    "DELETE FROM check_evidence WHERE report_no = {0} AND NOT EXISTS (SELECT 1 FROM check_values v"
    " WHERE v.report_no = check_evidence.report_no AND v.evidence_no = check_evidence.evidence_no);"
)
TRIGGERS = (
    # The old table's INSERT OR REPLACE: a cell with the same codes is replaced, and goes last.
    "CREATE TRIGGER IF NOT EXISTS table_cells_insert INSTEAD OF INSERT ON table_cells BEGIN "
    + _NEW_KEY
    + " INSERT INTO cell_labels (table_code, row_code, row_label, col_code, col_label)"
    " SELECT new.table_code, new.row_code, new.row_label, new.col_code, new.col_label"
    f" WHERE NOT EXISTS (SELECT 1 FROM cell_labels WHERE {_SAME_LABEL});"
    f" DELETE FROM cell_values WHERE report_no = {_REPORT_NO.format('new')}"
    f" AND label_id IN (SELECT label_id FROM cell_labels WHERE {_SAME_CODES.format('new')});"
    " INSERT INTO cell_values (report_no, seq, label_id, raw, value, source, confidence)"
    " SELECT k.report_no, (SELECT ifnull(max(seq), 0) + 1 FROM cell_values WHERE report_no = k.report_no),"
    f" (SELECT label_id FROM cell_labels WHERE {_SAME_LABEL}), new.raw, new.value, new.source, new.confidence"
    " FROM report_keys k WHERE k.report_id = new.report_id; END",
    "CREATE TRIGGER IF NOT EXISTS table_cells_delete INSTEAD OF DELETE ON table_cells BEGIN"
    f" DELETE FROM cell_values WHERE report_no = {_REPORT_NO.format('old')} AND label_id IN"
    f" (SELECT label_id FROM cell_labels WHERE {_SAME_CODES.format('old')}); END",
    "CREATE TRIGGER IF NOT EXISTS sections_insert INSTEAD OF INSERT ON sections BEGIN "
    + _NEW_KEY
    + f" INSERT INTO section_spans (report_no, seq, code, heading, text) VALUES ({_REPORT_NO.format('new')},"
    " new.seq, new.code, new.heading, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS sections_delete INSTEAD OF DELETE ON sections BEGIN"
    f" DELETE FROM section_spans WHERE report_no = {_REPORT_NO.format('old')} AND seq IS old.seq; END",
    # The findings' INSERT OR REPLACE INTO checks: the outer OR REPLACE replaces a check with the same key.
    "CREATE TRIGGER IF NOT EXISTS checks_insert INSTEAD OF INSERT ON checks BEGIN "
    + _NEW_KEY
    + " INSERT INTO check_keys (check_code, scope) SELECT new.check_code, new.scope"
    " WHERE NOT EXISTS (SELECT 1 FROM check_keys WHERE check_code IS new.check_code AND scope IS new.scope);"
    " INSERT INTO check_evidence (report_no, evidence_no, evidence) SELECT k.report_no,"
    " (SELECT ifnull(max(evidence_no), 0) + 1 FROM check_evidence WHERE report_no = k.report_no), new.evidence"
    " FROM report_keys k WHERE k.report_id = new.report_id AND new.evidence IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM check_evidence WHERE report_no = k.report_no AND evidence = new.evidence);"
    " INSERT INTO check_values (report_no, check_id, expected, actual, status, evidence_no) SELECT k.report_no,"
    " (SELECT check_id FROM check_keys WHERE check_code IS new.check_code AND scope IS new.scope),"
    " new.expected, new.actual, new.status,"
    " (SELECT evidence_no FROM check_evidence WHERE report_no = k.report_no AND evidence = new.evidence)"
    " FROM report_keys k WHERE k.report_id = new.report_id;"
    f" {_UNUSED_EVIDENCE.format(_REPORT_NO.format('new'))} END",
    "CREATE TRIGGER IF NOT EXISTS checks_delete INSTEAD OF DELETE ON checks BEGIN"
    f" DELETE FROM check_values WHERE report_no = {_REPORT_NO.format('old')} AND check_id IN"
    " (SELECT check_id FROM check_keys WHERE check_code IS old.check_code AND scope IS old.scope);"
    f" {_UNUSED_EVIDENCE.format(_REPORT_NO.format('old'))} END",
    "CREATE TRIGGER IF NOT EXISTS reports_parts_delete AFTER DELETE ON reports BEGIN"
    f" DELETE FROM cell_values WHERE report_no = {_REPORT_NO.format('old')};"
    f" DELETE FROM section_spans WHERE report_no = {_REPORT_NO.format('old')};"
    f" DELETE FROM check_values WHERE report_no = {_REPORT_NO.format('old')};"
    f" DELETE FROM check_evidence WHERE report_no = {_REPORT_NO.format('old')};"
    " DELETE FROM report_keys WHERE report_id = old.report_id; END",
    # A span points into the text as it was: a new text gets the sections' own text back first.
    "CREATE TRIGGER IF NOT EXISTS reports_text_update AFTER UPDATE OF text ON reports BEGIN"
    " UPDATE section_spans SET text = substr(old.text, text_at, text_len), text_at = NULL, text_len = NULL"
    f" WHERE report_no = {_REPORT_NO.format('old')} AND text_at IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS reports_id_update AFTER UPDATE OF report_id ON reports BEGIN"
    " UPDATE report_keys SET report_id = new.report_id WHERE report_id = old.report_id; END",
)


def create(db: sqlite_utils.Database) -> None:
    """The compact tables, views and triggers (a new, empty database)."""
    for statement in (*TABLES, *VIEWS, *TRIGGERS):
        db.execute(statement)


def report_no(db: sqlite_utils.Database, report_id: str) -> int:
    """The number of `report_id`, given one the first time it is stored."""
    row = db.conn.execute("SELECT report_no FROM report_keys WHERE report_id = ?", [report_id]).fetchone()
    if row is not None:
        return int(row[0])
    cursor = db.conn.execute("INSERT INTO report_keys (report_id) VALUES (?)", [report_id])
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class _IdCache(dict[tuple[Any, ...], int]):
    """A dictionary table's ids this connection has seen, and the largest of them."""

    largest = 0


def _id_cache(db: sqlite_utils.Database, table: str) -> _IdCache:
    caches: dict[str, _IdCache] | None = getattr(db, "_compact_ids", None)
    if caches is None:
        caches = {}
        db._compact_ids = caches  # type: ignore[attr-defined]
    return caches.setdefault(table, _IdCache())


def forget_labels(db: sqlite_utils.Database) -> None:
    """Drop the label and check ids this connection remembers (after a rollback they may not exist)."""
    for table in ("cell_labels", "check_keys"):
        cache = _id_cache(db, table)
        cache.clear()
        cache.largest = 0


def _ids(
    db: sqlite_utils.Database, table: str, key: str, columns: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> list[int]:
    """The id in `table` (a dictionary of distinct rows) of each tuple of `values`, added when new.

    Remembered per connection: a report reuses the labels of the reports
    before it.  A cache that outlived a rolled-back insert (ids above the
    table's largest) is dropped.
    """
    cache = _id_cache(db, table)
    conn = db.conn
    if cache:
        (largest,) = conn.execute(f"SELECT ifnull(max({key}), 0) FROM {table}").fetchone()
        if cache.largest > largest:
            cache.clear()
            cache.largest = 0
    same = " AND ".join(f"ifnull({c}, x'') = ifnull(?, x'')" for c in columns)
    for value in dict.fromkeys(values):
        if value in cache:
            continue
        row = conn.execute(f"SELECT {key} FROM {table} WHERE {same}", value).fetchone()
        if row is None:
            marks = ", ".join("?" * len(columns))
            row = (conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", value).lastrowid,)
        cache[value] = number = int(row[0])
        cache.largest = max(cache.largest, number)
    return list(map(cache.__getitem__, values))


def label_ids(db: sqlite_utils.Database, labels: Sequence[tuple[Any, ...]]) -> list[int]:
    """The label_id of each (table_code, row_code, row_label, col_code, col_label), added when new."""
    return _ids(db, "cell_labels", "label_id", LABEL_COLUMNS, labels)


def write_checks(db: sqlite_utils.Database, number: int, checks: Iterable[Mapping[str, Any]]) -> None:
    """A report's checks (its old ones already deleted); a later check with the same key replaces an earlier one."""
    kept = {(c.get("check_code"), c.get("scope")): c for c in checks}
    ids = _ids(db, "check_keys", "check_id", CHECK_KEY_COLUMNS, list(kept))
    evidence: dict[Any, int] = {}
    for check in kept.values():
        if check.get("evidence") is not None:
            evidence.setdefault(check["evidence"], len(evidence) + 1)
    db.conn.executemany(
        "INSERT INTO check_evidence (report_no, evidence_no, evidence) VALUES (?, ?, ?)",
        [(number, no, text) for text, no in evidence.items()],
    )
    db.conn.executemany(
        "INSERT INTO check_values (report_no, check_id, expected, actual, status, evidence_no)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (number, check_id, c.get("expected"), c.get("actual"), c.get("status"), evidence.get(c.get("evidence")))
            for check_id, c in zip(ids, kept.values(), strict=True)
        ],
    )


def write_cells(db: sqlite_utils.Database, number: int, cells: Iterable[Mapping[str, Any]]) -> None:
    """A report's cells (its old ones already deleted), in the order given.

    Two cells with the same codes: the later one is kept, in its place (the
    old table's INSERT OR REPLACE on its primary key).
    """
    rows = list(cells)
    try:
        codes, labels = list(map(_CODES_OF, rows)), list(map(_LABEL_OF, rows))
    except KeyError:
        codes = [tuple(map(c.get, CODE_COLUMNS)) for c in rows]
        labels = [tuple(map(c.get, LABEL_COLUMNS)) for c in rows]
    if len(set(codes)) < len(codes):  # printed twice: the later cell kept, at the later place
        last: dict[tuple[Any, ...], int] = {}
        for at, code in enumerate(codes):
            last.pop(code, None)
            last[code] = at
        rows, labels = [rows[at] for at in last.values()], [labels[at] for at in last.values()]
    ids = label_ids(db, labels)
    db.conn.executemany(
        "INSERT INTO cell_values (report_no, seq, label_id, raw, value, source, confidence)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (number, seq, label_id, c.get("raw"), c.get("value"), c.get("source"), c.get("confidence"))
            for seq, (label_id, c) in enumerate(zip(ids, rows, strict=True), start=1)
        ],
    )


def spans(text: str | None, parts: Sequence[str | None]) -> list[tuple[int, int] | None]:
    """Where each part is printed in `text`: (1-based start, length) in characters, None when it is not.

    Parts are looked for in order, each after the one before, then anywhere.
    Empty parts, and any part of a text SQLite's substr() would cut short
    (one holding NUL), stay literal.

    >>> spans("一、总体情况 正文。二、其他 无。", ["正文。", "无。", "缺"])
    [(8, 3), (16, 2), None]
    """
    if not isinstance(text, str) or "\x00" in text:
        return [None] * len(parts)
    out: list[tuple[int, int] | None] = []
    pos = 0
    for part in parts:
        if not isinstance(part, str) or not part:
            out.append(None)
            continue
        at = text.find(part, pos)
        if at < 0:
            at = text.find(part)
        if at < 0:
            out.append(None)
            continue
        out.append((at + 1, len(part)))
        pos = at + len(part)
    return out


def write_sections(
    db: sqlite_utils.Database, number: int, text: str | None, sections: Sequence[Mapping[str, Any]]
) -> None:
    """A report's sections (its old ones already deleted), each text as its span in the report's text."""
    places = spans(text, [s.get("text") for s in sections])
    db.conn.executemany(
        "INSERT INTO section_spans (report_no, seq, code, heading, text, text_at, text_len)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                number,
                s.get("seq"),
                s.get("code"),
                s.get("heading"),
                None if at else s.get("text"),
                *(at or (None, None)),
            )
            for s, at in zip(sections, places, strict=True)
        ],
    )


def delete_parts(db: sqlite_utils.Database, number: int) -> None:
    """Remove a report's cells, sections and checks (before they are written again)."""
    for table in ("cell_values", "section_spans", "check_values", "check_evidence"):
        db.conn.execute(f"DELETE FROM {table} WHERE report_no = ?", [number])


# --------------------------------------------------------------------------
# the migration of an existing database


def convert(db: sqlite_utils.Database) -> None:
    """Migration v8_compact_store: an existing database, in place, every row kept.

    Drops the trigram ``reports_fts`` (the bigram ``reports_search`` finds
    every word of two characters or more, and is a fifth of its size);
    moves ``table_cells``, ``sections`` and ``checks`` into the compact
    tables behind views of the same names and columns (with their indexes:
    the views are served by the compact tables' keys and a small index of
    the failing checks).
    The freed pages are reused by later writes; ``VACUUM`` returns them to
    the file system.
    """
    for trigger in ("reports_ai", "reports_ad", "reports_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS reports_fts")
    views = _drop_views(db)
    for statement in TABLES:
        db.execute(statement)
    db.execute("INSERT INTO report_keys (report_id) SELECT report_id FROM reports ORDER BY rowid")
    for table in ("table_cells", "sections", "checks"):
        db.execute(
            f"INSERT INTO report_keys (report_id) SELECT DISTINCT report_id FROM {table}"
            " WHERE report_id IS NOT NULL AND report_id NOT IN (SELECT report_id FROM report_keys)"
        )
    _move_cells(db)
    _move_sections(db)
    _move_checks(db)
    for statement in (*VIEWS, *TRIGGERS):
        db.execute(statement)
    for name, sql in views:
        if name not in ("table_cells", "sections", "checks"):
            db.execute(sql)


def _drop_views(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Drop every view (a table rebuilt under a view's feet cannot be renamed); return them to recreate."""
    views = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid").fetchall()
    for name, _ in views:
        db.execute(f"DROP VIEW [{name}]")
    return views


def _move_checks(db: sqlite_utils.Database) -> None:
    if not _is_table(db, "checks"):
        return
    db.execute(
        "INSERT INTO check_keys (check_code, scope) SELECT check_code, scope FROM checks"
        " GROUP BY check_code, scope ORDER BY MIN(rowid)"
    )
    db.execute(
        "INSERT INTO check_evidence (report_no, evidence_no, evidence) SELECT k.report_no,"
        " row_number() OVER (PARTITION BY k.report_no ORDER BY MIN(c.rowid)), c.evidence"
        " FROM checks c JOIN report_keys k ON k.report_id = c.report_id WHERE c.evidence IS NOT NULL"
        " GROUP BY k.report_no, c.evidence"
    )
    db.execute(
        "INSERT INTO check_values (report_no, check_id, expected, actual, status, evidence_no)"
        " SELECT k.report_no, ck.check_id, c.expected, c.actual, c.status, e.evidence_no FROM checks c"
        " JOIN report_keys k ON k.report_id = c.report_id"
        " JOIN check_keys ck ON ifnull(ck.check_code, x'') = ifnull(c.check_code, x'')"
        " AND ifnull(ck.scope, x'') = ifnull(c.scope, x'')"
        " LEFT JOIN check_evidence e ON e.report_no = k.report_no AND e.evidence = c.evidence"
    )
    (lost,) = db.execute("SELECT (SELECT COUNT(*) FROM checks) - (SELECT COUNT(*) FROM check_values)").fetchone()
    if lost:
        raise sqlite3.IntegrityError(f"checks: {lost} rows without a report_id (or with a repeated key) cannot be kept")
    db.execute("DROP TABLE checks")


def _move_cells(db: sqlite_utils.Database) -> None:
    if not _is_table(db, "table_cells"):
        return
    label = " AND ".join(f"ifnull(l.{c}, x'') = ifnull(t.{c}, x'')" for c in LABEL_COLUMNS)
    db.execute(
        f"INSERT INTO cell_labels ({', '.join(LABEL_COLUMNS)}) SELECT {', '.join(LABEL_COLUMNS)} FROM table_cells"
        f" GROUP BY {', '.join(LABEL_COLUMNS)} ORDER BY MIN(rowid)"
    )
    columns = {r[1] for r in db.execute("PRAGMA table_info(table_cells)")}
    values = ", ".join(f"t.{c}" if c in columns else "NULL" for c in VALUE_COLUMNS)  # v5 added source, confidence
    db.execute(
        "INSERT INTO cell_values (report_no, seq, label_id, raw, value, source, confidence)"
        f" SELECT k.report_no, row_number() OVER (PARTITION BY k.report_no ORDER BY t.rowid), l.label_id, {values}"
        f" FROM table_cells t JOIN report_keys k ON k.report_id = t.report_id JOIN cell_labels l ON {label}"
    )
    (lost,) = db.execute("SELECT (SELECT COUNT(*) FROM table_cells) - (SELECT COUNT(*) FROM cell_values)").fetchone()
    if lost:
        raise sqlite3.IntegrityError(f"table_cells: {lost} rows without a report_id cannot be kept")
    db.execute("DROP TABLE table_cells")


def _move_sections(db: sqlite_utils.Database) -> None:
    """Each report's sections as spans of its text, one report at a time (a national database is large)."""
    if not _is_table(db, "sections"):
        return
    (total,) = db.execute("SELECT COUNT(*) FROM sections").fetchone()
    moved = 0
    reports = db.conn.execute(
        "SELECT k.report_no, r.text FROM report_keys k LEFT JOIN reports r ON r.report_id = k.report_id"
        " WHERE k.report_id IN (SELECT report_id FROM sections) ORDER BY k.report_no"
    )
    for number, text in reports:
        parts = db.conn.execute(
            "SELECT seq, code, heading, text FROM sections WHERE report_id = (SELECT report_id FROM report_keys"
            " WHERE report_no = ?) ORDER BY seq",
            [number],
        ).fetchall()
        write_sections(db, number, text, [{"seq": s, "code": c, "heading": h, "text": t} for s, c, h, t in parts])
        moved += len(parts)
    if moved != total:
        raise sqlite3.IntegrityError(f"sections: {total - moved} rows without a report_id cannot be kept")
    db.execute("DROP TABLE sections")


def _is_table(db: sqlite_utils.Database, name: str) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone())
