"""CSV export: Excel-ready (BOM), formula-safe, one wide applications row per report."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawler.codebook import codebook_rows
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
        "measures.csv": 0,  # findings are computed by a crawl's end or `scrapy findings`, not by the store
        "bodies.csv": 0,
        "missing_reports.csv": 0,
        "applications_wide.csv": 1,
        "codebook.csv": len(codebook_rows()),
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
        "bodies.csv",
        "checks.csv",
        "codebook.csv",
        "measures.csv",
        "missing_reports.csv",
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


@pytest.mark.parametrize("value", ["\tx", "\rx"])
def test_tabs_and_carriage_returns_at_the_start_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


def report_with_tables() -> dict[str, object]:
    return {
        "report_id": "r1",
        "url": "http://a/1",
        "index_no": "09872",
        "title": '=HYPERLINK("http://x")',
        "province": "zhejiang",
        "report_year": 2023,
        "format": "2021",
        "cells": [
            {"table_code": "applications", "row_code": "3.1", "col_code": "natural_person", "raw": "5件", "value": 5},
            {"table_code": "applications", "row_code": "1", "col_code": "total", "raw": "1,234", "value": 1234},
            {"table_code": "active", "row_code": "fees", "col_code": "fee_amount", "raw": "86.5万元", "value": 86.5},
            {"table_code": "review_litigation", "row_code": "all", "col_code": "review.total", "raw": "2", "value": 2},
        ],
        "checks": [
            {"check_code": "applications_balance", "scope": "total", "expected": 7, "actual": 6, "status": "fail"}
        ],
    }


def header_index(ws: object, code: str) -> int:
    codes = [c.value for c in ws[2]]  # type: ignore[index]
    return codes.index(code) + 1


def test_workbook_keeps_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from crawler.export import export_xlsx

    db = open_db(tmp_path / "r.db")
    save_report(db, report_with_tables(), "t")
    export_xlsx(db, tmp_path / "x.xlsx")
    wb = load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames == [
        "报告 reports",
        "检查与发现 checks",
        "指标 measures",
        "机关 bodies",
        "缺失年报 missing",
        "表一 主动公开 active",
        "表二 依申请 applications",
        "表三 复议诉讼 review",
        "代码表 codebook",
    ]
    reports = wb["报告 reports"]
    index_no = reports.cell(row=3, column=header_index(reports, "index_no"))
    assert index_no.value == "09872" and index_no.data_type == "s"
    title = reports.cell(row=3, column=header_index(reports, "title"))
    assert title.value == '=HYPERLINK("http://x")' and title.data_type == "s"  # text, not a formula
    year = reports.cell(row=3, column=header_index(reports, "report_year"))
    assert year.value == 2023 and year.data_type == "n"
    assert reports.cell(row=1, column=header_index(reports, "index_no")).value == "索引号"

    apps = wb["表二 依申请 applications"]
    col = header_index(apps, "applications.3.1.natural_person")
    assert apps.cell(row=1, column=col).value == "三、本年度办理结果 （一）予以公开 · 自然人"
    assert apps.cell(row=3, column=col).value == 5 and apps.cell(row=3, column=col).data_type == "n"
    assert apps.cell(row=3, column=header_index(apps, "applications.1.total")).value == 1234
    assert apps.cell(row=3, column=header_index(apps, "applications.3.2.total")).value is None
    active = wb["表一 主动公开 active"]
    assert active.cell(row=3, column=header_index(active, "active.fees.fee_amount")).value == 86.5
    review = wb["表三 复议诉讼 review"]
    assert (
        review.cell(row=1, column=header_index(review, "review_litigation.all.review.total")).value == "行政复议 · 总计"
    )

    checks = wb["检查与发现 checks"]
    row = [c.value for c in checks[3]]
    assert row[:6] == ["r1", "applications_balance", "total", 7, 6, "fail"]

    book = {(r[0], r[1]): r[2] for r in wb["代码表 codebook"].iter_rows(min_row=3, values_only=True)}
    assert book[("applications.row_code", "3.1")] == "三、本年度办理结果 （一）予以公开"
    assert book[("check_code", "applications_balance")].startswith("收支平衡")
    code = next(c for c in wb["代码表 codebook"]["B"] if c.value == "3.1")
    assert code.data_type == "s"


def test_codebook_csv_names_every_code_and_column(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    export_all(db, tmp_path / "out")
    with (tmp_path / "out" / "codebook.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["kind", "code", "meaning"]
    book = {(kind, code): meaning for kind, code, meaning in rows[1:]}
    assert book[("column:reports", "index_no")].startswith("索引号")
    assert book[("applications.col_code", "natural_person")] == "自然人"
    assert book[("review_litigation.col_code", "suit_direct.pending")] == "行政诉讼 · 未经复议直接起诉 · 尚未审结"
    # every check code the checks table can hold is explained
    for code in (
        "applications_balance",
        "applications_outcomes",
        "applications_applicants",
        "review_litigation_totals",
    ):
        assert ("check_code", code) in book


def test_feed_csv_exporter_neutralises_formulas() -> None:
    import io

    from crawler.export import SafeCsvItemExporter

    out = io.BytesIO()
    exporter = SafeCsvItemExporter(out, fields_to_export=["report_id", "title", "report_year"], encoding="utf-8-sig")
    exporter.start_exporting()
    exporter.export_item({"report_id": "r1", "title": "=1+1", "report_year": 2023})
    exporter.export_item({"report_id": "r2", "title": "@SUM(A1)", "report_year": 2022})
    exporter.finish_exporting()
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows == [["report_id", "title", "report_year"], ["r1", "'=1+1", "2023"], ["r2", "'@SUM(A1)", "2022"]]
    assert out.getvalue().startswith(b"\xef\xbb\xbf")


def test_feed_export_has_a_bom_and_one_row_per_report(crawl: object) -> None:
    from conftest import Crawl

    assert isinstance(crawl, Crawl)
    feed = crawl.tmp / "feed.csv"
    crawl.run("-O", str(feed))
    raw = feed.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    with feed.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    ids = [r["report_id"] for r in rows]
    assert len(ids) == len(set(ids))  # the report seen on two portals is one row
    stored = {rid for (rid,) in crawl.query("SELECT report_id FROM reports")}
    assert set(ids) == stored
    pages = {u for (u,) in crawl.query("SELECT url FROM report_urls")}
    assert len(pages) > len(stored)  # the fixtures do hold a duplicate
    assert all(r["url"] in pages for r in rows)


def test_export_command_writes_the_workbook(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = open_db(tmp_path / "r.db")
    save_report(db, report_with_tables(), "t")
    db.close()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "scrapy"),
            "export",
            "--db",
            str(tmp_path / "r.db"),
            "--out",
            str(tmp_path / "o"),
            "--xlsx",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "reports.xlsx").is_file() and (tmp_path / "o" / "codebook.csv").is_file()
    assert f"{tmp_path / 'o' / 'reports.xlsx'} [表二 依申请 applications]: 1 rows" in proc.stdout


def test_findings_are_exported_with_their_evidence(tmp_path: Path) -> None:
    import csv

    from crawler.findings.store import recompute_findings
    from crawler.storage import open_db, save_report

    db = open_db(tmp_path / "r.db")
    cells = [
        {"table_code": "applications", "row_code": r, "col_code": "total", "raw": str(v), "value": v}
        for r, v in (("3.1", 3), ("3.2", 1), ("3.7", 8))
    ]
    save_report(
        db,
        {
            "report_id": "a",
            "url": "http://127.0.0.1/a.html",
            "title": "甲县2023年政府信息公开工作年度报告",
            "report_year": 2023,
            "publish_date": "2024-04-10",
            "province": "zhejiang",
            "level": "county",
            "portal_id": "p",
            "text": "正文",
            "cells": cells,
        },
        "t",
    )
    recompute_findings(db)
    export_all(db, tmp_path / "out")
    with (tmp_path / "out" / "measures.csv").open(encoding="utf-8-sig") as fh:
        measures = {row["code"]: row for row in csv.DictReader(fh)}
    assert measures["disclosure_rate"]["value"] == "0.5" and measures["disclosure_rate"]["denominator"] == "8.0"
    assert measures["days_late"]["value"] == "10.0" and "2024-03-31" in measures["days_late"]["evidence"]
    with (tmp_path / "out" / "bodies.csv").open(encoding="utf-8-sig") as fh:
        assert [row["name"] for row in csv.DictReader(fh)] == ["甲县人民政府"]
