"""The SQLite store: schema versions, one transaction per report, dedup keeping."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from crawler.storage import (
    SCHEMA_VERSION,
    StoreError,
    log_page,
    open_db,
    save_report,
    schema_version,
    store_report,
)


def record(url: str, report_id: str = "r1", **extra: object) -> dict:
    return {
        "report_id": report_id,
        "url": url,
        "title": "2023年政府信息公开工作年度报告",
        "portal_id": "p",
        "province": "zhejiang",
        "text": "正文",
        **extra,
    }


def test_new_database_is_created_at_the_current_schema_version(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    assert schema_version(db) == SCHEMA_VERSION
    assert {"reports", "report_urls", "sections", "table_cells", "checks", "pages"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    save_report(db, record("http://a/1"), "2026-01-01")
    db.close()
    db = open_db(tmp_path / "r.db")
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1


def test_database_from_newer_code_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "r.db")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this code"):
        open_db(tmp_path / "r.db")


def test_same_report_twice_keeps_the_more_complete_version_and_every_url(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    thin = record("http://a/1")
    rich = record(
        "http://b/9",
        portal_id="q",
        cells=[{"table_code": "applications", "row_code": "1", "col_code": "total", "raw": "3", "value": 3}],
    )
    assert save_report(db, thin, "t1") is True
    assert save_report(db, rich, "t2") is True
    assert save_report(db, thin, "t3") is False  # less complete: remembered, not kept
    assert db.execute("SELECT url, portal_id FROM reports").fetchall() == [("http://b/9", "q")]
    assert dict(db.execute("SELECT url, kept FROM report_urls").fetchall()) == {"http://a/1": 0, "http://b/9": 1}
    assert db.execute("SELECT COUNT(*) FROM table_cells").fetchone()[0] == 1


def test_a_failing_report_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    bad = record("http://a/1", sections=[{"seq": 1, "code": "overview"}, {"seq": 1, "code": "dup"}])
    with pytest.raises(sqlite3.IntegrityError):
        save_report(db, bad, "t")
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM report_urls").fetchone()[0] == 0


def test_full_text_search_finds_chinese_substrings(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    save_report(db, record("http://a/1", text="本年度主动公开政府信息12条"), "t")
    rows = db.execute("SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?", ['"主动公开"']).fetchall()
    assert len(rows) == 1


def test_every_fetch_is_appended_to_pages(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    for attempt, status in enumerate((503, 200), start=1):
        log_page(
            db,
            {
                "url": "http://a/1",
                "method": "GET",
                "status": status,
                "attempt": attempt,
                "error": "HTTP 503" if status == 503 else None,
            },
        )
    assert db.execute("SELECT status, error FROM pages ORDER BY id").fetchall() == [(503, "HTTP 503"), (200, None)]


def test_undecodable_bytes_kept_as_surrogates_are_stored_as_replacement_chars(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    save_report(db, record("http://a/1", text="送莊\udcc8鎮", repairs=[{"before": "\udcc8"}]), "t")
    assert db.execute("SELECT text, repairs FROM reports").fetchone() == ("送莊\ufffd鎮", '[{"before": "\ufffd"}]')


def test_existing_database_is_migrated_forward_keeping_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crawler.storage as storage

    db = open_db(tmp_path / "r.db")
    save_report(db, record("http://a/1"), "t")
    db.close()

    later = copy.deepcopy(storage.MIGRATIONS)

    @later(name="v9_licence")
    def v9(db) -> None:  # a later schema change: a new column with a default
        db["reports"].add_column("licence", str)
        db.execute("UPDATE reports SET licence = 'unknown'")

    monkeypatch.setattr(storage, "MIGRATIONS", later)
    db = storage.open_db(tmp_path / "r.db")
    assert storage.schema_version(db) == storage.SCHEMA_VERSION + 1
    assert db.execute("SELECT url, licence FROM reports").fetchall() == [("http://a/1", "unknown")]


def test_a_report_whose_parts_cannot_be_written_is_kept_bare_with_the_reason(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    bad = record(
        "http://a/1",
        sections=[{"seq": 1, "code": "overview"}, {"seq": 1, "code": "dup"}],
        errors=[{"stage": "tables", "error": "partly mapped"}],
    )
    kept, error = store_report(db, bad, "t")
    assert kept is True and error.startswith("IntegrityError")
    row = db.execute("SELECT url, errors FROM reports").fetchone()
    assert row[0] == "http://a/1"
    assert [e["stage"] for e in json.loads(row[1])] == ["tables", "store"]
    assert db.execute("SELECT COUNT(*) FROM sections").fetchone()[0] == 0
    assert store_report(db, record("http://a/2", report_id="r2"), "t") == (True, None)


def test_a_locked_database_is_an_error_not_a_bare_row(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    db.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(tmp_path / "r.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store_report(db, record("http://a/1"), "t")
    other.execute("ROLLBACK")
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0
    assert store_report(db, record("http://a/1"), "t") == (True, None)


def test_a_page_parsed_to_a_new_identity_supersedes_its_old_row(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    save_report(db, record("http://a/1", report_id="title-key"), "t1")
    save_report(db, record("http://b/2", report_id="other"), "t1")
    save_report(
        db,
        record(
            "http://a/1",
            report_id="index-key",
            cells=[{"table_code": "applications", "row_code": "1", "col_code": "total", "raw": "3", "value": 3}],
        ),
        "t2",
    )
    assert {r for (r,) in db.execute("SELECT report_id FROM reports")} == {"index-key", "other"}
    assert db.execute("SELECT report_id FROM report_urls WHERE url = 'http://a/1'").fetchone() == ("index-key",)
    assert db.execute("SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '年度报告'").fetchone()[0] == 2


def test_new_database_records_its_migrations_in_the_sqlite_utils_table(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    assert [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'reports'")] == [
        "v1_initial",
        "v2_findings",
        "v3_reading_room",
        "v4_listing_status",
        "v5_cell_source",
        "v6_portal_checks",
        "v7_publisher_source",
    ]
    assert schema_version(db) == 7


# The schema as the code before sqlite-utils' migrations created it, at PRAGMA
# user_version 1 (typed here, not produced by the code under test).
V1_SCHEMA = """
CREATE TABLE "reports" ("report_id" TEXT PRIMARY KEY, "index_no" TEXT, "index_key" TEXT, "title" TEXT,
  "report_year" INTEGER, "publisher" TEXT, "publish_date" TEXT, "doc_no" TEXT, "format" TEXT, "portal_id" TEXT,
  "province" TEXT, "level" TEXT, "url" TEXT NOT NULL, "text" TEXT, "source_encoding" TEXT, "encoding_reason" TEXT,
  "script" TEXT, "fetched_at" TEXT, "dedup_key" TEXT, "completeness" INTEGER, "repairs" TEXT, "errors" TEXT);
CREATE TABLE "report_urls" ("url" TEXT PRIMARY KEY, "report_id" TEXT REFERENCES "reports"("report_id"),
  "portal_id" TEXT, "listing_url" TEXT, "link_title" TEXT, "kept" INTEGER, "first_seen" TEXT, "last_seen" TEXT);
CREATE TABLE "sections" ("report_id" TEXT REFERENCES "reports"("report_id"), "seq" INTEGER, "code" TEXT,
  "heading" TEXT, "text" TEXT, PRIMARY KEY ("report_id", "seq"));
CREATE TABLE "table_cells" ("report_id" TEXT REFERENCES "reports"("report_id"), "table_code" TEXT,
  "row_code" TEXT, "row_label" TEXT, "col_code" TEXT, "col_label" TEXT, "raw" TEXT, "value" ANY,
  PRIMARY KEY ("report_id", "table_code", "row_code", "col_code"));
CREATE TABLE "checks" ("report_id" TEXT REFERENCES "reports"("report_id"), "check_code" TEXT, "scope" TEXT,
  "expected" ANY, "actual" ANY, "status" TEXT, PRIMARY KEY ("report_id", "check_code", "scope"));
CREATE TABLE "pages" ("id" INTEGER PRIMARY KEY, "url" TEXT, "method" TEXT, "fingerprint" TEXT, "kind" TEXT,
  "portal_id" TEXT, "status" INTEGER, "error" TEXT, "content_type" TEXT, "size" INTEGER, "attempt" INTEGER,
  "fetched_at" TEXT);
CREATE TABLE "listing_runs" ("start_url" TEXT PRIMARY KEY, "portal_id" TEXT, "completed_at" TEXT);
CREATE INDEX "idx_reports_index_key" ON "reports" ("index_key");
CREATE INDEX "idx_reports_dedup_key" ON "reports" ("dedup_key");
CREATE INDEX "idx_reports_province_report_year" ON "reports" ("province", "report_year");
CREATE INDEX "idx_reports_portal_id" ON "reports" ("portal_id");
CREATE INDEX "idx_report_urls_report_id" ON "report_urls" ("report_id");
CREATE INDEX "idx_table_cells_table_code_row_code_col_code" ON "table_cells" ("table_code", "row_code", "col_code");
CREATE INDEX "idx_checks_status" ON "checks" ("status");
CREATE INDEX "idx_pages_url" ON "pages" ("url");
CREATE INDEX "idx_pages_status" ON "pages" ("status");
CREATE VIRTUAL TABLE "reports_fts" USING FTS5 ("title", "text", tokenize='trigram', content="reports");
CREATE TRIGGER "reports_ai" AFTER INSERT ON "reports" BEGIN
  INSERT INTO "reports_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "reports_ad" AFTER DELETE ON "reports" BEGIN
  INSERT INTO "reports_fts" ("reports_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "reports_au" AFTER UPDATE ON "reports" BEGIN
  INSERT INTO "reports_fts" ("reports_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "reports_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
INSERT INTO reports (report_id, url, title, portal_id, province, text, completeness)
  VALUES ('old', 'http://a/old', '2022年政府信息公开工作年度报告', 'p', 'zhejiang', '旧库里的正文', 5);
INSERT INTO report_urls (url, report_id, portal_id, kept, first_seen, last_seen)
  VALUES ('http://a/old', 'old', 'p', 1, 't0', 't0');
PRAGMA user_version = 1;
"""


def v1_columns(table: str) -> set[str]:
    """The columns the typed v1 schema gives ``table``."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(V1_SCHEMA)
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def schema_sql(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name != '_sqlite_migrations'"))


def test_database_made_before_the_migration_table_is_adopted_keeping_schema_and_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()
    before = schema_sql(path)

    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")] == [
        "v1_initial",
        "v2_findings",
        "v3_reading_room",
        "v4_listing_status",
        "v5_cell_source",
        "v6_portal_checks",
        "v7_publisher_source",
    ]
    after = schema_sql(path)
    for table in ("reports", "report_urls", "sections", "table_cells", "checks", "pages", "listing_runs"):
        kept = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert v1_columns(table) <= kept, table  # the v1 schema is kept; v2 only adds
    assert after != before
    assert db.execute("SELECT url, title FROM reports").fetchall() == [
        ("http://a/old", "2022年政府信息公开工作年度报告")
    ]
    assert db.execute("SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '旧库里'").fetchone()[0] == 1
    save_report(db, record("http://a/new", report_id="new"), "t1")
    assert db.execute("SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '年度报告'").fetchone()[0] == 2
    db.close()
    assert schema_version(open_db(path)) == SCHEMA_VERSION  # reopening changes nothing


def test_database_migrated_by_newer_code_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    open_db(path).close()
    with sqlite3.connect(path) as conn:  # what a later release would have recorded
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('reports', 'v9_later', 't')"
        )
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(StoreError, match=r"v7 is newer than this code \(v6\) \(migrations v9_later\)"):
        open_db(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
        assert conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == 7
