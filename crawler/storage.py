"""The SQLite store: schema, migrations, one transaction per report.

Plain functions over sqlite-utils; pipelines and commands call them.  The
schema is built by sqlite-utils' migrations (``sqlite_utils.Migrations``,
applied ones recorded in ``_sqlite_migrations``), each moving a database one
step forward, so old databases are upgraded, never broken.  ``PRAGMA
user_version`` still holds the number of steps applied: databases made
before the migration table (user_version 1) are recognised by the first
step, and a database from newer code is refused.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import sqlite_utils

from crawler import compact_store
from crawler.parsing.bodies import body_name

logger = logging.getLogger(__name__)

REPORT_COLUMNS: dict[str, type] = {
    "report_id": str,
    "index_no": str,
    "index_key": str,
    "title": str,
    "report_year": int,
    "publisher": str,
    "publisher_source": str,
    "publish_date": str,
    "doc_no": str,
    "format": str,
    "portal_id": str,
    "province": str,
    "level": str,
    "url": str,
    "text": str,
    "source_encoding": str,
    "encoding_reason": str,
    "script": str,
    "fetched_at": str,
    "dedup_key": str,
    "content_key": str,
    "completeness": int,
    "repairs": str,
    "errors": str,
}


# What save_report reads from a report: its columns, its parts, where it was
# linked from.  Raw bytes and parsed trees never leave the crawling process.
STORED_FIELDS = (*REPORT_COLUMNS, "sections", "cells", "checks", "link_url", "listing_url", "link_title")


def stored_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a report item the store writes (a plain, serialisable dict)."""
    return {key: item[key] for key in STORED_FIELDS if item.get(key) is not None}


# One statement per write (no sqlite-utils upsert: its INSERT OR IGNORE + UPDATE
# fired the full-text triggers twice for every new report).
_COLUMNS = list(REPORT_COLUMNS)
UPSERT_REPORT = (
    f"INSERT INTO reports ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    " ON CONFLICT(report_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "report_id")
)
PAGE_COLUMNS = (
    "url",
    "method",
    "fingerprint",
    "kind",
    "portal_id",
    "status",
    "error",
    "content_type",
    "size",
    "attempt",
    "fetched_at",
)
INSERT_PAGE = f"INSERT INTO pages ({', '.join(PAGE_COLUMNS)}) VALUES ({', '.join('?' * len(PAGE_COLUMNS))})"


class StoreError(RuntimeError):
    """The database cannot be opened or migrated."""


class DatabaseBusy(StoreError):
    """Another process holds the database's crawl lock."""


class DatabaseLock:
    """An exclusive lock on ``<db>.lock``, so one crawl at a time writes a database.

    ``flock`` rather than a pid file: the kernel drops it when the process
    ends, however it ends (SIGKILL, power loss of a container), so a killed
    crawl never leaves a stale lock and can be resumed at once.  The lock is
    per process and counted: the crawl command and the store pipeline of the
    same crawl both take it.
    """

    _held: ClassVar[dict[str, tuple[int, int]]] = {}  # lock path -> (fd, holders)

    def __init__(self, db_path: str | Path):
        self.path = os.path.realpath(f"{db_path}.lock")
        self.db_path = str(db_path)
        self.acquired = False

    def acquire(self) -> DatabaseLock:
        """Take the lock, or raise DatabaseBusy naming the crawl that holds it."""
        if self.acquired:
            return self
        fd, holders = self._held.get(self.path, (-1, 0))
        if holders == 0:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StoreError(
                    f"REPORTS_DB={self.db_path} cannot be written (its lock file {self.path}: {exc.strerror}): "
                    "give a writable path"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                raise DatabaseBusy(
                    f"REPORTS_DB={self.db_path} is being written by another crawl ({holder}): "
                    "wait until it has finished, or give another REPORTS_DB"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n".encode(), 0)
        self._held[self.path] = (fd, holders + 1)
        self.acquired = True
        return self

    def release(self) -> None:
        if not self.acquired:
            return
        self.acquired = False
        fd, holders = self._held.pop(self.path)
        if holders > 1:
            self._held[self.path] = (fd, holders - 1)
            return
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor drops the flock

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_database(path: str | Path) -> DatabaseLock:
    """Hold the crawl lock of the database at `path` (raises DatabaseBusy when another crawl has it)."""
    return DatabaseLock(path).acquire()


MIGRATIONS = sqlite_utils.Migrations("reports")


@MIGRATIONS(name="v1_initial")
def _v1(db: sqlite_utils.Database) -> None:
    """The first schema; a database made before the migration table (user_version 1) already has it."""
    if schema_version(db) >= 1 and db["reports"].exists():
        logger.info("Report database made at schema v1 before the migration table: adopted as it is")
        return
    db.table("reports").create(REPORT_COLUMNS, pk="report_id", not_null={"url"})
    db.table("report_urls").create(
        {
            "url": str,
            "report_id": str,
            "portal_id": str,
            "listing_url": str,
            "link_title": str,
            "kept": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
        foreign_keys=[("report_id", "reports", "report_id")],
    )
    db.table("sections").create(
        {"report_id": str, "seq": int, "code": str, "heading": str, "text": str},
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "report_id")],
    )
    db.table("table_cells").create(
        {
            "report_id": str,
            "table_code": str,
            "row_code": str,
            "row_label": str,
            "col_code": str,
            "col_label": str,
            "raw": str,
            "value": "ANY",
        },
        pk=("report_id", "table_code", "row_code", "col_code"),
        foreign_keys=[("report_id", "reports", "report_id")],
    )
    db.table("checks").create(
        {"report_id": str, "check_code": str, "scope": str, "expected": "ANY", "actual": "ANY", "status": str},
        pk=("report_id", "check_code", "scope"),
        foreign_keys=[("report_id", "reports", "report_id")],
    )
    db.table("pages").create(
        {
            "id": int,
            "url": str,
            "method": str,
            "fingerprint": str,
            "kind": str,
            "portal_id": str,
            "status": int,
            "error": str,
            "content_type": str,
            "size": int,
            "attempt": int,
            "fetched_at": str,
        },
        pk="id",
    )
    db.table("listing_runs").create({"start_url": str, "portal_id": str, "completed_at": str}, pk="start_url")
    for table, cols in [
        ("reports", ["index_key"]),
        ("reports", ["dedup_key"]),
        ("reports", ["province", "report_year"]),
        ("reports", ["portal_id"]),
        ("report_urls", ["report_id"]),
        ("table_cells", ["table_code", "row_code", "col_code"]),
        ("checks", ["status"]),
        ("pages", ["url"]),
        ("pages", ["status"]),
    ]:
        db.table(table).create_index(cols, if_not_exists=True)
    db.table("reports").enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)


# Written when a report row is inserted or its parsed content changes: the
# findings (crawler/findings/store.py) are recomputed for the queued reports'
# bodies only, and a crash before that leaves the queue for the next run.
FINDINGS_QUEUE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS reports_queue_findings_insert AFTER INSERT ON reports BEGIN "
    "INSERT INTO findings_queue (report_id) SELECT new.report_id"
    " WHERE NOT EXISTS (SELECT 1 FROM findings_queue WHERE report_id = new.report_id); END",
    "CREATE TRIGGER IF NOT EXISTS reports_queue_findings_update AFTER UPDATE OF title, text, publisher, "
    "report_year, publish_date, format, completeness, url ON reports BEGIN "
    "INSERT INTO findings_queue (report_id) SELECT new.report_id"
    " WHERE NOT EXISTS (SELECT 1 FROM findings_queue WHERE report_id = new.report_id); END",
)


@MIGRATIONS(name="v2_findings")
def _v2(db: sqlite_utils.Database) -> None:
    """Findings: bodies, reports.body_id, checks.evidence, measures, missing reports, runs."""
    db.table("reports").add_column("body_id", str)
    db.table("reports").create_index(["body_id"], if_not_exists=True)
    db.table("checks").add_column("evidence", str)
    db.table("checks").create_index(["check_code"], if_not_exists=True)
    db.table("bodies").create(
        {
            "body_id": str,
            "name": str,
            "province": str,
            "level": str,
            "portal_id": str,
            "names": str,
            "first_year": int,
            "last_year": int,
            "reports": int,
        },
        pk="body_id",
    )
    db.table("measures").create(
        {"report_id": str, "code": str, "value": float, "denominator": float, "evidence": str},
        pk=("report_id", "code"),  # no foreign key: findings follow reports, never hold them in place
    )
    db.table("measures").create_index(["code"], if_not_exists=True)
    db.table("missing_reports").create(
        {"body_id": str, "year": int, "reason": str},
        pk=("body_id", "year"),
        foreign_keys=[("body_id", "bodies", "body_id")],
    )
    db.table("report_signatures").create(
        {"report_id": str, "report_year": int, "body_id": str, "sentences": int, "signature": bytes}, pk="report_id"
    )
    db.table("report_signatures").create_index(["report_year"], if_not_exists=True)
    db.table("findings_queue").create({"report_id": str, "body_id": str}, pk="report_id")
    db.table("runs").create(
        {
            "run_id": str,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "exit_status": int,
            "summary": str,
        },
        pk="run_id",
    )
    for trigger in FINDINGS_QUEUE_TRIGGERS:
        db.execute(trigger)
    db.execute("INSERT OR IGNORE INTO findings_queue (report_id) SELECT report_id FROM reports")


@MIGRATIONS(name="v3_reading_room")
def _v3(db: sqlite_utils.Database) -> None:
    """Chinese search: a contentless character-bigram index (crawler/search.py), filled for existing reports;
    the report_status view the reading room facets reports by (crawler/codebook.py)."""
    from crawler import codebook, search

    search.create(db)
    db.execute(codebook.REPORT_STATUS_VIEW)


@MIGRATIONS(name="v4_listing_status")
def _v4(db: sqlite_utils.Database) -> None:
    """Honest completeness: a listing walked short of what its pages declare is `incomplete`, with the reason."""
    db.table("listing_runs").add_column("status", str)
    db.table("listing_runs").add_column("reason", str)
    db.table("listing_runs").add_column("checked_at", str)
    db.execute("UPDATE listing_runs SET status = 'complete', checked_at = completed_at WHERE completed_at IS NOT NULL")


@MIGRATIONS(name="v5_cell_source")
def _v5(db: sqlite_utils.Database) -> None:
    """Where a cell was read from: ``source`` ('ocr' for cells read off an image, NULL for printed text)
    and the OCR ``confidence`` (0..1, the least confident word of the cell)."""
    db.execute("ALTER TABLE table_cells ADD COLUMN source TEXT")
    db.execute("ALTER TABLE table_cells ADD COLUMN confidence REAL")


@MIGRATIONS(name="v6_portal_checks")
def _v6(db: sqlite_utils.Database) -> None:
    """Liveness (`scrapy portals --check`): one row per registry column per check, so a scheduled
    run shows which columns moved, died or changed CMS (status alive|moved|dead|wrong_cms)."""
    db.execute(
        "CREATE TABLE portal_checks (id INTEGER PRIMARY KEY, portal_id TEXT NOT NULL, url TEXT NOT NULL,"
        " status TEXT NOT NULL, detail TEXT, http_status INTEGER, final_url TEXT, checked_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_portal_checks_portal_id ON portal_checks (portal_id, checked_at)")


@MIGRATIONS(name="v7_publisher_source")
def _v7(db: sqlite_utils.Database) -> None:
    """Where each report's publisher was read (field, meta, signature, title): the printed
    发布机构 and a name taken from the signature are not the same evidence."""
    if "publisher_source" not in db["reports"].columns_dict:  # v1 builds reports from REPORT_COLUMNS
        db.execute("ALTER TABLE reports ADD COLUMN publisher_source TEXT")


@MIGRATIONS(name="v8_compact_store")
def _v8(db: sqlite_utils.Database) -> None:
    """A smaller database (issue 17): no trigram index; cells and sections compact behind views of the
    same names and columns, checks too (crawler/compact_store.py)."""
    compact_store.convert(db)


@MIGRATIONS(name="v9_content_key")
def _v9(db: sqlite_utils.Database) -> None:
    """The cells' fingerprint, so a report published as a page and as a PDF (the body's name
    printed in only one) is found as one report; indexed per portal and year, where copies sit."""
    if "content_key" not in db["reports"].columns_dict:  # v1 builds reports from REPORT_COLUMNS
        db.execute("ALTER TABLE reports ADD COLUMN content_key TEXT")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_reports_content_key ON reports (portal_id, report_year, content_key)"
        " WHERE content_key IS NOT NULL"
    )


def known_migrations() -> list[str]:
    """The names of the migrations this code knows, in order."""
    return [m.name for m in MIGRATIONS.pending(sqlite_utils.Database(memory=True))]


SCHEMA_VERSION = len(known_migrations())


def open_db(path: str | Path, max_bytes: int = 0) -> sqlite_utils.Database:
    """Open (creating and migrating as needed) the report database at `path`.

    ``max_bytes`` > 0 caps the file's size (``PRAGMA max_page_count``, the
    REPORTS_DB_MAX_MB budget): past it a write fails exactly as on a full
    disk (SQLITE_FULL, "database or disk is full").
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from None
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    if max_bytes > 0:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        db.execute(f"PRAGMA max_page_count={max(1, max_bytes // page_size)}")
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every migration the database has not seen; return the new version.

    Runs under a write lock (BEGIN IMMEDIATE) only when there is work, so two
    processes opening a new database do not both build it.
    """
    known = known_migrations()
    _refuse_newer(db, known)
    if not MIGRATIONS.pending(db) and schema_version(db) == len(known):
        return len(known)
    db.execute("BEGIN IMMEDIATE")
    try:
        _refuse_newer(db, known)
        for migration in MIGRATIONS.pending(db):
            logger.info("Migrating report database: %s", migration.name)
        MIGRATIONS.apply(db)
        db.execute(f"PRAGMA user_version={len(MIGRATIONS.applied(db))}")
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return schema_version(db)


def _refuse_newer(db: sqlite_utils.Database, known: list[str]) -> None:
    """Raise StoreError for a database migrated by newer code."""
    version = schema_version(db)
    unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    if version > len(known) or unknown:
        steps = f" (migrations {', '.join(unknown)})" if unknown else ""
        raise StoreError(f"database schema v{version} is newer than this code (v{len(known)}){steps}")


LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """Strings SQLite can hold: lone surrogates (undecodable bytes kept by a
    decoder) become U+FFFD.  Containers are cleaned recursively."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value) if LONE_SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def _json(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False, default=str) if value else None


def completeness(record: dict[str, Any]) -> int:
    """How much a version of a report holds: cells, then sections, then text."""
    return (
        len(record.get("cells") or []) * 10_000
        + len(record.get("sections") or []) * 1_000
        + min(len(record.get("text") or ""), 999)
    )


def save_report(db: sqlite_utils.Database, record: dict[str, Any], now: str) -> bool:
    """Store one report and its parts in one transaction.

    When a report with the same ``report_id`` is already stored (the same
    report seen on another portal or in a re-crawl) the more complete version
    is kept, and every URL it was seen at is remembered.  Ties go to the
    smaller (portal_id, url), so the result does not depend on which copy
    arrived first.  Returns True when this version was kept.
    """
    try:
        return _save_report(db, record, now)
    except UnicodeEncodeError:  # lone surrogates from undecodable bytes: clean, then write
        return _save_report(db, storable(record), now)


# What a report row keeps when its full record cannot be written.
BARE_FIELDS = (
    "report_id",
    "url",
    "link_url",
    "portal_id",
    "province",
    "level",
    "listing_url",
    "link_title",
    "source_encoding",
    "fetched_at",
    "dedup_key",
)


def store_report(db: sqlite_utils.Database, record: dict[str, Any], now: str) -> tuple[bool, str | None]:
    """:func:`save_report`, falling back to a bare row that says why; returns (kept, store error).

    Never lose a fetched report: when its full record cannot be written
    (a bug in a stage, a value SQLite refuses), keep what identifies it and
    the error, so it can be found and re-parsed.  The single-process store
    and the distributed drain both write through here.  A database that is
    locked, full or unreadable (OperationalError) is not the record's fault:
    that error is raised, not stored.
    """
    try:
        return save_report(db, record, now), None
    except sqlite3.OperationalError:
        raise
    except Exception as exc:
        logger.exception("Storing %s failed; keeping it without its parsed parts", record.get("url"))
        error = f"{type(exc).__name__}: {exc}"
        bare = {key: record.get(key) for key in BARE_FIELDS}
        bare["errors"] = [*(record.get("errors") or []), {"stage": "store", "error": error}]
        return save_report(db, bare, now), error


def _save_report(db: sqlite_utils.Database, record: dict[str, Any], now: str) -> bool:
    row = {key: record.get(key) for key in REPORT_COLUMNS}
    row["repairs"], row["errors"] = _json(record.get("repairs")), _json(record.get("errors"))
    score = row["completeness"] = completeness(record)
    try:
        return _write_report(db, record, row, score, now)
    except BaseException:
        compact_store.forget_labels(db)  # label ids added in the rolled-back transaction are gone
        raise


def _write_report(db: sqlite_utils.Database, record: dict[str, Any], row: dict[str, Any], score: int, now: str) -> bool:
    copy_of = same_report_printed_twice(db, record)
    if copy_of:
        record = {**record, "report_id": copy_of[0]}
        row["report_id"] = copy_of[0]
        if not row.get("publisher") and copy_of[1]:  # the body printed in one copy is the report's
            row["publisher"], row["publisher_source"] = copy_of[1], copy_of[2]
    report_id = record["report_id"]
    with db.atomic():
        old = db.execute("SELECT completeness, portal_id, url FROM reports WHERE report_id = ?", [report_id]).fetchone()
        mine = (-score, row["portal_id"] or "", row["url"])
        keep = old is None or old[2] == row["url"] or mine < (-old[0], old[1] or "", old[2])
        if keep:
            # Parts first: a changed text would otherwise turn the old sections' spans back into text.
            number = compact_store.report_no(db, report_id)
            compact_store.delete_parts(db, number)
            db.conn.execute(UPSERT_REPORT, [row[c] for c in _COLUMNS])
            # Plain executemany (in compact_store): a report has hundreds of cells, and per-row
            # type sniffing in insert_all cost more than the rest of the store.
            compact_store.write_sections(db, number, row["text"], record.get("sections") or [])
            compact_store.write_cells(db, number, record.get("cells") or [])
            compact_store.write_checks(db, number, record.get("checks") or [])
            db.execute("UPDATE report_urls SET kept = 0 WHERE report_id = ?", [report_id])
        elif copy_of and not copy_of[1] and row.get("publisher"):  # the kept copy prints no body; this one does
            db.execute(
                "UPDATE reports SET publisher = ?, publisher_source = ? WHERE report_id = ?",
                [row["publisher"], row.get("publisher_source"), report_id],
            )
        urls = {record["url"], record.get("link_url") or record["url"]}
        marks = ", ".join("?" * len(urls))
        before = [
            rid
            for (rid,) in db.execute(
                f"SELECT DISTINCT report_id FROM report_urls WHERE url IN ({marks}) AND report_id != ?",
                [*urls, report_id],
            )
        ]
        for url in urls:
            db.execute(
                "INSERT INTO report_urls (url, report_id, portal_id, listing_url, link_title, kept,"
                " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET report_id = excluded.report_id,"
                " kept = excluded.kept, last_seen = excluded.last_seen",
                [
                    url,
                    report_id,
                    record.get("portal_id"),
                    record.get("listing_url"),
                    record.get("link_title"),
                    int(keep and url == record["url"]),
                    now,
                    now,
                ],
            )
        for superseded in before:
            _drop_if_unlinked(db, superseded)
    return keep


def same_report_printed_twice(
    db: sqlite_utils.Database, record: dict[str, Any]
) -> tuple[str, str | None, str | None] | None:
    """The stored report this one is a second printing of, if any.

    The same portal, year and cells (``content_key``), neither with a 索引号, and
    no two different bodies named: an HTML page that prints no body and the PDF
    of the same report that does become one report.  The merged report keeps the
    id of the copy stored first; which version's content it holds is decided by
    completeness, as for any copy, and a publisher printed in either copy is kept.
    Returns (report_id, publisher, publisher_source) of the stored copy.
    """
    key = record.get("content_key")
    if not key or record.get("index_key") or record.get("index_no"):
        return None
    rows = db.execute(
        "SELECT report_id, publisher, publisher_source FROM reports"
        " WHERE portal_id IS ? AND report_year IS ? AND content_key = ?"
        " AND index_key IS NULL AND report_id != ? ORDER BY report_id",
        [record.get("portal_id"), record.get("report_year"), key, record["report_id"]],
    ).fetchall()
    mine = body_name(record.get("publisher"))
    for report_id, publisher, source in rows:
        theirs = body_name(publisher)
        if not mine or not theirs or mine == theirs:
            return str(report_id), publisher, source
    return None


def _drop_if_unlinked(db: sqlite_utils.Database, report_id: str) -> None:
    """A report none of whose URLs lead to it any more is superseded, not a second report.

    It happens when the same page is parsed to another identity on a later
    crawl (a 索引号 now found), or when a cover page stored because its
    attachment failed is replaced by the attachment itself.
    """
    if db.execute("SELECT 1 FROM report_urls WHERE report_id = ? LIMIT 1", [report_id]).fetchone():
        return
    # Its body's findings must be recomputed without it: the queue remembers the body.
    db.execute(
        "INSERT OR REPLACE INTO findings_queue (report_id, body_id) SELECT report_id, body_id FROM reports"
        " WHERE report_id = ?",
        [report_id],
    )
    # The report's cells, sections and checks go with its row (trigger reports_parts_delete).
    for table in ("measures", "report_signatures", "reports"):
        db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
    logger.info("Report %s superseded: none of its URLs lead to it any more", report_id)


def log_page(db: sqlite_utils.Database, page: dict[str, Any]) -> None:
    """Append one fetch (successful or not) to the `pages` log."""
    unknown = set(page) - set(PAGE_COLUMNS)
    if unknown:
        raise ValueError(f"page record has fields the pages table lacks: {sorted(unknown)}")
    with db.atomic():
        db.conn.execute(INSERT_PAGE, [page.get(c) for c in PAGE_COLUMNS])


def known_report_urls(db: sqlite_utils.Database) -> set[str]:
    """URLs (as linked and as fetched) of every stored report, except reports
    stored in place of a fetch that failed (a cover page whose attachment never
    came): the next crawl tries those again."""
    return {
        row[0]
        for row in db.execute(
            "SELECT url FROM report_urls u WHERE NOT EXISTS (SELECT 1 FROM reports r, json_each(r.errors) e"
            " WHERE r.report_id = u.report_id AND json_extract(e.value, '$.stage') = 'fetch')"
        )
    }


def completed_listings(db: sqlite_utils.Database) -> set[str]:
    """Start URLs whose listing was last walked by a crawl that finished."""
    return {row[0] for row in db.execute("SELECT start_url FROM listing_runs WHERE completed_at IS NOT NULL")}


def mark_listings_complete(db: sqlite_utils.Database, start_urls: Iterable[tuple[str, str]], now: str) -> None:
    with db.atomic():
        db.table("listing_runs").upsert_all(
            (
                {
                    "start_url": url,
                    "portal_id": pid,
                    "completed_at": now,
                    "status": "complete",
                    "reason": None,
                    "checked_at": now,
                }
                for url, pid in start_urls
            ),
            pk="start_url",
        )


def mark_listings_incomplete(db: sqlite_utils.Database, listings: Iterable[tuple[str, str, str]], now: str) -> None:
    """(start_url, portal_id, reason): not complete, so the next crawl walks them again to the end."""
    with db.atomic():
        db.table("listing_runs").upsert_all(
            (
                {
                    "start_url": url,
                    "portal_id": pid,
                    "completed_at": None,
                    "status": "incomplete",
                    "reason": reason,
                    "checked_at": now,
                }
                for url, pid, reason in listings
            ),
            pk="start_url",
        )
