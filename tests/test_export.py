"""CSV export: Excel-ready (BOM), formula-safe, one wide applications row per report."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawler.export import APPLICATION_ROWS, export_all, safe_cell
from crawler.storage import open_db, save_report


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("正文", "正文"),
        (12, 12),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_cells_that_would_be_formulas_are_neutralised(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_export_writes_every_csv_with_bom_and_wide_applications(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    save_report(
        db,
        {
            "report_id": "r1",
            "url": "http://a/1",
            "title": "=危险标题",
            "province": "zhejiang",
            "report_year": 2023,
            "cells": [
                {"table_code": "applications", "row_code": "1", "col_code": "natural_person", "raw": "5", "value": 5},
                {"table_code": "applications", "row_code": "3.7", "col_code": "total", "raw": "7", "value": 7},
            ],
            "checks": [
                {"check_code": "applications.balance", "scope": "total", "expected": 7, "actual": 6, "status": "fail"}
            ],
        },
        "t",
    )
    counts = export_all(db, tmp_path / "out")
    assert counts == {
        "reports.csv": 1,
        "sections.csv": 0,
        "table_cells.csv": 2,
        "checks.csv": 1,
        "applications_wide.csv": 1,
    }
    raw = (tmp_path / "out" / "reports.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "out" / "applications_wide.csv").open(encoding="utf-8-sig") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["title"] == "'=危险标题"
    assert row["applications.1.natural_person"] == "5" and row["applications.3.7.total"] == "7"
    assert row["applications.3.3.1.total"] == ""
    assert len(row) == 7 + len(APPLICATION_ROWS) * 7


@pytest.mark.services  # runs `scrapy export` in a subprocess
def test_export_command_writes_csvs_from_a_database(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = open_db(tmp_path / "r.db")
    save_report(db, {"report_id": "r1", "url": "http://a/1", "title": "报告", "province": "henan"}, "t")
    db.close()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "scrapy"),
            "export",
            "--db",
            str(tmp_path / "r.db"),
            "--out",
            str(tmp_path / "csv"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "applications_wide.csv",
        "checks.csv",
        "reports.csv",
        "sections.csv",
        "table_cells.csv",
    ]
    assert "reports.csv: 1 rows" in proc.stdout


@pytest.mark.services  # runs `scrapy export` in a subprocess
def test_export_command_without_a_database_says_so(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "scrapy"), "export", "--db", str(tmp_path / "none.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "no database at" in proc.stderr
