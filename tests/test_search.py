"""Chinese search: any word of two or more characters, kept in step with the reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.search import index_bytes, search
from crawler.storage import open_db, save_report

ROOT = Path(__file__).resolve().parent.parent
SCRAPY = str(Path(sys.executable).parent / "scrapy")

REPORTS = [
    ("r1", 2022, "台州市黄岩区卫生健康局2022年政府信息公开工作年度报告", "本机关主动公开卫生监督信息。"),
    ("r2", 2023, "盖北镇2023年政府信息公开年度报告", "全年收到申请5件，其中涉及土地征收。"),
    ("r3", 2021, "黄岩区院桥镇2021年政府信息公开工作年度报告", "院桥镇人民政府，卫，生。"),
]


def make_db(path: Path) -> None:
    db = open_db(path)
    for rid, year, title, text in REPORTS:
        save_report(
            db,
            {
                "report_id": rid,
                "url": f"http://127.0.0.1/{rid}.html",
                "title": title,
                "text": text,
                "report_year": year,
            },
            "t",
        )
    db.close()


def ids(db_path: Path, words: str) -> list[str]:
    db = open_db(db_path)
    try:
        return sorted(h.report_id for h in search(db, words))
    finally:
        db.close()


@pytest.mark.parametrize(
    "word, expected",
    [
        ("卫生", ["r1"]),  # two characters: the trigram index finds nothing for these
        ("黄岩", ["r1", "r3"]),
        ("申请", ["r2"]),
        ("土地征收", ["r2"]),  # three and more: an exact phrase
        ("黄岩区院桥镇", ["r3"]),
        ("政府信息公开", ["r1", "r2", "r3"]),
        ("黄岩 卫生", ["r1"]),  # every word must occur
        ("生健", ["r1"]),
        ("卫监", []),  # characters that occur, but not side by side
        ("卫生监督局", []),
    ],
)
def test_words_of_two_or_more_characters_are_found(tmp_path: Path, word: str, expected: list[str]) -> None:
    make_db(tmp_path / "r.db")
    assert ids(tmp_path / "r.db", word) == expected


def test_a_punctuation_break_is_not_a_word(tmp_path: Path) -> None:
    make_db(tmp_path / "r.db")
    assert ids(tmp_path / "r.db", "卫生") == ["r1"]  # r3 prints 卫，生


def test_changed_and_removed_reports_leave_the_index(tmp_path: Path) -> None:
    make_db(tmp_path / "r.db")
    db = open_db(tmp_path / "r.db")
    save_report(
        db, {"report_id": "r2", "url": "http://127.0.0.1/r2.html", "title": "盖北镇报告", "text": "卫生院"}, "t"
    )
    db.execute("DELETE FROM report_urls WHERE report_id = 'r1'")
    db.execute("DELETE FROM reports WHERE report_id = 'r1'")
    db.conn.commit()
    db.close()
    assert ids(tmp_path / "r.db", "土地征收") == []
    assert ids(tmp_path / "r.db", "卫生") == ["r2"]
    db = open_db(tmp_path / "r.db")
    assert db.execute("SELECT COUNT(*) FROM search_queue").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM reports_search WHERE reports_search MATCH '\"报告\"'").fetchone()[0] == 2


def test_existing_reports_are_indexed_by_the_migration(tmp_path: Path) -> None:
    make_db(tmp_path / "r.db")
    db = open_db(tmp_path / "r.db")
    # back to the schema before v3, as a database of the previous release
    for name in ("reports_search", "search_queue"):
        db.execute(f"DROP TABLE {name}")
    db.execute("DROP VIEW report_status")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'v3_reading_room'")
    db.execute("PRAGMA user_version = 2")
    db.conn.commit()
    db.close()
    db = open_db(tmp_path / "r.db")
    assert db.execute("SELECT COUNT(*) FROM search_queue").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM reports_search WHERE reports_search MATCH '\"黄岩\"'").fetchone()[0] == 2
    assert index_bytes(db, "reports_search") > 0
    db.close()


def run_search(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "search", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.services  # runs `scrapy search` in a subprocess
def test_search_command_prints_one_line_per_hit_and_exit_statuses(tmp_path: Path) -> None:
    make_db(tmp_path / "r.db")
    found = run_search("黄岩", "--db", str(tmp_path / "r.db"))
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [
        "r1\t2022\t台州市黄岩区卫生健康局2022年政府信息公开工作年度报告\thttp://127.0.0.1/r1.html",
        "r3\t2021\t黄岩区院桥镇2021年政府信息公开工作年度报告\thttp://127.0.0.1/r3.html",
    ]
    none = run_search("不存在", "--db", str(tmp_path / "r.db"))
    assert none.returncode == 1 and none.stdout == ""
    assert none.stderr.strip().splitlines() == [f"scrapy search: no report contains '不存在' in {tmp_path / 'r.db'}"]
    short = run_search("卫", "--db", str(tmp_path / "r.db"))
    assert short.returncode == 2 and "at least two characters" in short.stderr
    missing = run_search("卫生", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no database at" in missing.stderr


def test_a_full_rebuild_gives_the_same_hits_and_every_table_can_be_counted(tmp_path: Path) -> None:
    from crawler.search import reindex_all

    make_db(tmp_path / "r.db")
    before = {w: ids(tmp_path / "r.db", w) for w in ("卫生", "黄岩区院桥镇", "政府信息公开")}
    db = open_db(tmp_path / "r.db")
    assert reindex_all(db) == 3
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall():
        db.execute(f"SELECT COUNT(*) FROM [{name}]").fetchone()  # tools that count every table keep working
    db.close()
    assert {w: ids(tmp_path / "r.db", w) for w in before} == before
