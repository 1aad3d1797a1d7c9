"""The SQLite store: schema versions, one transaction per report, dedup keeping."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from crawler.search import search
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
    assert {"reports", "report_urls", "sections", "table_cells", "checks", "pages"} <= set(db.table_names()) | set(
        db.view_names()
    )
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
    rows = search(db, "主动公开")
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
    assert len(search(db, "年度报告")) == 2


def test_new_database_records_its_migrations_in_the_sqlite_utils_table(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'reports'")]
    assert names == [
        "v1_initial",
        "v2_findings",
        "v3_reading_room",
        "v4_listing_status",
        "v5_cell_source",
        "v6_portal_checks",
        "v7_publisher_source",
        "v8_compact_store",
        "v9_content_key",
    ]
    assert schema_version(db) == len(names)


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
        "v8_compact_store",
        "v9_content_key",
    ]
    after = schema_sql(path)
    for table in ("reports", "report_urls", "sections", "table_cells", "checks", "pages", "listing_runs"):
        kept = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert v1_columns(table) <= kept, table  # the v1 schema is kept; v2 only adds
    assert after != before
    assert db.execute("SELECT url, title FROM reports").fetchall() == [
        ("http://a/old", "2022年政府信息公开工作年度报告")
    ]
    assert len(search(db, "旧库里")) == 1
    save_report(db, record("http://a/new", report_id="new"), "t1")
    assert len(search(db, "年度报告")) == 2
    db.close()
    assert schema_version(open_db(path)) == SCHEMA_VERSION  # reopening changes nothing


def test_database_migrated_by_newer_code_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    open_db(path).close()
    with sqlite3.connect(path) as conn:  # what a later release would have recorded
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('reports', 'v9_later', 't')"
        )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer, ours = SCHEMA_VERSION + 1, SCHEMA_VERSION
    with pytest.raises(StoreError, match=rf"v{newer} is newer than this code \(v{ours}\) \(migrations v9_later\)"):
        open_db(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
        assert conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == newer


# ---------------------------------------------------------------------------
# v8_compact_store: cells and sections behind views, every row kept

# Rows as the store before v8_compact_store wrote them (typed here, not produced by the code under test):
# a section text printed twice, one printed nowhere, empty and NULL parts; cells with NULL and empty
# labels, an OCR'd cell, numbers, text and NULL values, written out of their table order.
OLD_ROWS = """
INSERT INTO reports (report_id, url, title, text, completeness) VALUES
  ('a', 'http://a/1', '甲县2023年政府信息公开工作年度报告', '一、总体情况
本年度主动公开信息。
二、其他
无。
三、附
无。', 1),
  ('b', 'http://a/2', '乙县报告', NULL, 1);
INSERT INTO sections (report_id, seq, code, heading, text) VALUES
  ('a', 1, 'overview', '一、总体情况', '本年度主动公开信息。'),
  ('a', 2, 'other', '二、其他', '无。'),
  ('a', 3, 'other_part', '三、附', '无。'),
  ('a', 4, 'other_part', '', ''),
  ('a', 5, NULL, NULL, NULL),
  ('a', 6, 'problems', '五、问题', '不在正文里的一段'),
  ('b', 1, 'overview', '', '没有正文的报告的部分');
INSERT INTO table_cells (report_id, table_code, row_code, row_label, col_code, col_label, raw, value, source,
  confidence) VALUES
  ('b', 'applications', '2', '二、上年结转政府信息公开申请数量', 'total', '总计', 'x', 'x', NULL, NULL),
  ('a', 'applications', '1', '一、本年新收政府信息公开申请数量', 'total', '总计', '12', 12, NULL, NULL),
  ('a', 'active', 'rules', '规章', 'issued', '本年制发件数', '', NULL, NULL, NULL),
  ('a', 'applications', '3.1', '（一）予以公开', 'total', '总计', '1,234', 1234, 'ocr', 0.87),
  ('a', 'active', 'rules', NULL, 'repealed', '', '0.5', 0.5, NULL, NULL),
  ('b', 'applications', '1', '一、本年新收政府信息公开申请数量', 'total', '总计', '3', 3, NULL, NULL);
INSERT INTO checks (report_id, check_code, scope, expected, actual, status, evidence) VALUES
  ('a', 'applications_balance', 'total', 12, 11, 'fail', NULL),
  ('a', 'outline', 'parts_order', 'overview,other', 'overview,other', 'pass', '{"headings": ["一、总体情况"]}'),
  ('a', 'outline', 'parts_present', 'overview,other', 'overview', 'fail', '{"headings": ["一、总体情况"]}'),
  ('a', 'outline', 'numbering', '[1, 2]', '[1, 2]', 'pass', ''),
  ('b', 'applications_balance', 'total', NULL, NULL, 'not_checkable', NULL);
INSERT INTO measures (report_id, code, value, denominator, evidence) VALUES
  ('a', 'disclosure_rate', 0.25, 12, '{"numerator": {"applications.3.1.total": 3.0}}'),
  ('a', 'days_late', 0, NULL, NULL),
  ('b', 'days_late', 31, NULL, '{"deadline": "2024-01-31"}');
"""
PUBLIC_READS = {  # what a reader runs in the sqlite3 shell or pandas, and the exports' row orders
    "table_cells": "SELECT * FROM table_cells ORDER BY report_id, table_code, row_code, col_code",
    "sections": "SELECT * FROM sections ORDER BY report_id, seq",
    "checks": "SELECT * FROM checks ORDER BY report_id, check_code, scope",
    "reports": "SELECT * FROM reports ORDER BY report_id",
    "failing": "SELECT report_id, check_code FROM checks WHERE status = 'fail'",
    "measures": "SELECT * FROM measures ORDER BY report_id, code",
    "late": "SELECT report_id, value FROM measures WHERE code = 'days_late' AND value > 0",
}
OLD_EXPORT_CELLS = (
    "SELECT report_id, table_code, row_code, row_label, col_code, col_label, raw, value FROM table_cells"
    " ORDER BY report_id, table_code, rowid"
)


def previous_schema(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database made by the code before v8_compact_store, holding OLD_ROWS."""
    import crawler.storage as storage

    earlier = copy.deepcopy(storage.MIGRATIONS)
    earlier._migrations = [m for m in earlier._migrations if m.name != "v8_compact_store"]
    with monkeypatch.context() as patch:
        patch.setattr(storage, "MIGRATIONS", earlier)
        storage.open_db(path).close()
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_ROWS)


def public_reads(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row and column through plain sqlite3 (no function of ours registered), with column names."""
    with sqlite3.connect(path) as conn:
        out = {}
        for name, sql in PUBLIC_READS.items():
            cursor = conn.execute(sql)
            out[name] = [tuple(d[0] for d in cursor.description), *cursor.fetchall()]
        return out


def test_a_database_of_the_previous_schema_is_compacted_in_place_keeping_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from crawler.export import export_all

    path = tmp_path / "old.db"
    previous_schema(path, monkeypatch)
    before = public_reads(path)
    with sqlite3.connect(path) as conn:
        old_export = [[("" if v is None else str(v)) for v in row] for row in conn.execute(OLD_EXPORT_CELLS)]
        assert conn.execute("SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '主动公开'").fetchone()[0] == 1

    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    counts = export_all(db, tmp_path / "csv")
    assert len(search(db, "主动公开")) == 1 and len(search(db, "公开")) == 1
    db.close()

    assert public_reads(path) == before
    with (tmp_path / "csv" / "table_cells.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1:] == old_export
    assert counts["table_cells.csv"] == 6 and counts["sections.csv"] == 7
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "reports_fts" not in names and "idx_table_cells_table_code_row_code_col_code" not in names
        assert {"table_cells", "sections", "checks"} <= {
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")
        }
        # report a's two checks with the same evidence share one copy of it
        assert conn.execute("SELECT COUNT(*) FROM check_evidence").fetchone() == (2,)
        # the three texts printed in report a are kept as places in its text, the others as text
        assert conn.execute("SELECT COUNT(*) FROM section_spans WHERE text_at IS NOT NULL").fetchone() == (3,)


def test_cells_and_sections_read_back_as_stored_and_survive_a_change_of_the_text(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    text = "一、总体情况\n全年公开信息12条。\n二、其他\n无。\n三、附\n无。"
    cells = [
        {
            "table_code": "applications",
            "row_code": "1",
            "row_label": "新收",
            "col_code": "total",
            "raw": "5",
            "value": 5,
        },
        {"table_code": "active", "row_code": "rules", "col_code": "issued", "raw": "", "value": None},
        {
            "table_code": "applications",
            "row_code": "1",
            "row_label": "新收",
            "col_code": "total",
            "raw": "6",
            "value": 6,
        },
    ]
    sections = [
        {"seq": 1, "code": "overview", "heading": "一、总体情况", "text": "全年公开信息12条。"},
        {"seq": 2, "code": "other", "heading": "二、其他", "text": "无。"},
        {"seq": 3, "code": "other_part", "heading": "三、附", "text": "无。"},
        {"seq": 4, "code": "problems", "heading": "四、问题", "text": "正文里没有的话"},
    ]
    save_report(db, record("http://a/1", text=text, cells=cells, sections=sections), "t")
    read = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    # a later cell with the same codes replaces the earlier one, in the later one's place
    assert read("SELECT * FROM table_cells") == [
        ("r1", "active", "rules", None, "issued", None, "", None, None, None),
        ("r1", "applications", "1", "新收", "total", None, "6", 6, None, None),
    ]
    expected = [
        ("r1", 1, "overview", "一、总体情况", "全年公开信息12条。"),
        ("r1", 2, "other", "二、其他", "无。"),
        ("r1", 3, "other_part", "三、附", "无。"),
        ("r1", 4, "problems", "四、问题", "正文里没有的话"),
    ]
    assert read("SELECT * FROM sections ORDER BY seq") == expected
    db.execute("UPDATE reports SET text = '另一份正文' WHERE report_id = 'r1'")
    assert read("SELECT * FROM sections ORDER BY seq") == expected
    db.execute("DELETE FROM report_urls")
    db.execute("DELETE FROM reports")
    for table in ("cell_values", "section_spans", "report_keys"):
        assert read(f"SELECT COUNT(*) FROM {table}") == [(0,)], table


def test_writes_to_the_old_tables_go_through_their_views(tmp_path: Path) -> None:
    open_db(tmp_path / "r.db").close()
    conn = sqlite3.connect(tmp_path / "r.db")  # plain sqlite3, as another tool would write
    conn.execute("INSERT INTO reports (report_id, url, text) VALUES ('r1', 'http://a/1', '正文')")
    insert = "INSERT OR REPLACE INTO table_cells (report_id, table_code, row_code, col_code, raw, value) VALUES (?, ?, ?, ?, ?, ?)"
    conn.execute(insert, ("r1", "applications", "1", "total", "4", 4))
    conn.execute(insert, ("r1", "applications", "2", "total", "7", 7))
    conn.execute(insert, ("r1", "applications", "1", "total", "5", 5))
    conn.execute("INSERT INTO sections (report_id, seq, code, heading, text) VALUES ('r1', 1, 'overview', '', '正文')")
    assert conn.execute("SELECT row_code, raw, value FROM table_cells").fetchall() == [("2", "7", 7), ("1", "5", 5)]
    assert conn.execute("SELECT seq, text FROM sections").fetchall() == [(1, "正文")]
    check = "INSERT OR REPLACE INTO checks (report_id, check_code, scope, status, evidence) VALUES ('r1', ?, ?, ?, ?)"
    conn.execute(check, ("outline", "parts_order", "pass", '{"headings": ["一"]}'))
    conn.execute(check, ("outline", "numbering", "pass", '{"headings": ["一"]}'))
    conn.execute(check, ("outline", "parts_order", "fail", '{"headings": ["二"]}'))  # replaces the first
    assert conn.execute("SELECT scope, status, evidence FROM checks ORDER BY scope").fetchall() == [
        ("numbering", "pass", '{"headings": ["一"]}'),
        ("parts_order", "fail", '{"headings": ["二"]}'),
    ]
    conn.execute("DELETE FROM checks WHERE report_id = 'r1' AND check_code IN ('outline') AND scope = 'numbering'")
    assert conn.execute("SELECT scope FROM checks").fetchall() == [("parts_order",)]
    assert conn.execute("SELECT evidence FROM check_evidence").fetchall() == [('{"headings": ["二"]}',)]
    conn.execute("DELETE FROM table_cells WHERE row_code = '2'")
    conn.execute("DELETE FROM sections WHERE report_id = 'r1'")
    assert conn.execute("SELECT row_code, value FROM table_cells").fetchall() == [("1", 5)]
    assert conn.execute("SELECT COUNT(*) FROM sections").fetchone() == (0,)
    conn.close()
