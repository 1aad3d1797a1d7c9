"""Findings stored for bodies over three years: each rule kept or broken, with its evidence.

The reports are typed here (bodies, years, cells and text written by hand for
this test), stored with the store's own ``save_report``, then the findings
are recomputed as a crawl's end does.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.findings.store import recompute_findings
from crawler.storage import open_db, save_report

COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")
TODAY = date(2024, 6, 1)  # reports on 2023 were due by 31 January / 31 March 2024


def apps(new: int, carried_in: int, carried_out: int) -> list[dict[str, Any]]:
    """An applications table whose natural_person column and total hold the figures; other columns 0."""
    done = new + carried_in - carried_out
    rows = {"1": new, "2": carried_in, "3.1": done, "3.7": done, "4": carried_out}
    cells = []
    for row, n in rows.items():
        for col in COLUMNS:
            value = n if col in ("natural_person", "total") else 0
            cells.append(
                {"table_code": "applications", "row_code": row, "col_code": col, "raw": str(value), "value": value}
            )
    return cells


def active(in_force: int, issued: int, repealed: int) -> list[dict[str, Any]]:
    return [
        {"table_code": "active", "row_code": "normative", "col_code": col, "raw": str(v), "value": v}
        for col, v in (("issued", issued), ("repealed", repealed), ("in_force", in_force))
    ]


SECTIONS = [
    {"seq": i, "code": code, "heading": heading, "text": "……"}
    for i, (code, heading) in enumerate(
        [
            ("overview", "一、总体情况"),
            ("active", "二、主动公开政府信息情况"),
            ("applications", "三、收到和处理政府信息公开申请情况"),
            ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
            ("problems", "五、存在的主要问题及改进情况"),
            ("other", "六、其他需要报告的事项"),
        ],
        start=1,
    )
]


def report(
    db,
    rid: str,
    title: str,
    year: int,
    *,
    publisher: str | None = None,
    published: str | None = None,
    cells: list[dict[str, Any]] | None = None,
    text: str = "",
    level: str = "county",
    sections: list[dict[str, Any]] | None = None,
) -> None:
    save_report(
        db,
        {
            "report_id": rid,
            "url": f"http://127.0.0.1/{rid}.html",
            "title": title,
            "report_year": year,
            "publisher": publisher,
            "publish_date": published or f"{year + 1}-01-20",
            "format": "2021",
            "portal_id": "fx",
            "province": "zhejiang",
            "level": level,
            "text": text or title,
            "cells": cells or [],
            "sections": SECTIONS if sections is None else sections,
        },
        "2024-06-01T00:00:00",
    )


# Our own prose: four sentences of a body's text that another year may repeat.
OWN_TEXT = (
    "本年度青石县围绕优化营商环境推进重点领域信息公开，累计更新办事指南二百余项。\n"
    "全县各乡镇政务公开专区完成标准化改造，群众可在便民服务中心查阅纸质材料。\n"
    "县政府门户网站改版上线后开设了政策问答栏目，由各部门专人负责答复留言。\n"
    "针对去年评估中发现的栏目更新不及时问题，建立了每月通报制度。"
)


@pytest.fixture
def db(tmp_path: Path):
    db = open_db(tmp_path / "r.db")
    # 青石县: three consistent years (carried over 2 → 2, 3 → 3; 规范性文件 10 + 2 − 1 = 11, 11 + 3 − 0 = 14)
    report(db, "qs21", "青石县2021年政府信息公开工作年度报告", 2021, cells=apps(20, 1, 2) + active(10, 4, 0))
    report(db, "qs22", "青石县2022年政府信息公开工作年度报告", 2022, cells=apps(25, 2, 3) + active(11, 2, 1))
    report(db, "qs23", "青石县2023年政府信息公开工作年度报告", 2023, cells=apps(30, 3, 0) + active(14, 3, 0))
    # 白沙县: 2023 says 5 carried in where 2022 carried 4 out, and 在效 8 ≠ 6 + 1 − 0
    report(db, "bs22", "白沙县2022年政府信息公开工作年度报告", 2022, cells=apps(9, 0, 4) + active(6, 1, 0))
    report(db, "bs23", "白沙县2023年政府信息公开工作年度报告", 2023, cells=apps(7, 5, 0) + active(8, 1, 0))
    # 鹿鸣镇: its name printed three ways; 2023 copies 2022's text word for word
    report(db, "lm21", "青石县鹿鸣镇2021年政府信息公开工作年度报告", 2021, level="township")
    report(
        db,
        "lm22",
        "鹿鸣镇2022年政府信息公开工作年度报告",
        2022,
        publisher="鹿鸣镇人民政府",
        text=OWN_TEXT,
        level="township",
    )
    report(db, "lm23", "鹿鳴鎮2023年政府信息公開工作年度報告", 2023, text=OWN_TEXT, level="township")
    # 青石县教育局: a department, its 2023 report published 10 days after 31 January
    report(db, "jy23", "青石县教育局2023年政府信息公开工作年度报告", 2023, published="2024-02-10", level="department")
    # 东岭乡: reports on 2020 and 2022, none on 2021, none on 2023 by 31 March 2024
    report(db, "dl20", "东岭乡2020年政府信息公开工作年度报告", 2020, level="township")
    report(db, "dl22", "东岭乡2022年政府信息公开工作年度报告", 2022, level="township")
    return db


def checks(db, code: str, rid: str) -> dict[str, tuple[Any, Any, str]]:
    return {
        scope: (expected, actual, status)
        for scope, expected, actual, status in db.execute(
            "SELECT scope, expected, actual, status FROM checks WHERE check_code = ? AND report_id = ?", [code, rid]
        )
    }


def measure(db, rid: str, code: str) -> tuple[float, dict[str, Any]] | None:
    row = db.execute("SELECT value, evidence FROM measures WHERE report_id = ? AND code = ?", [rid, code]).fetchone()
    return (row[0], json.loads(row[1])) if row else None


def test_consistent_years_pass_every_cross_year_check(db) -> None:
    recompute_findings(db, today=TODAY)
    for rid in ("qs22", "qs23"):
        assert {s[2] for s in checks(db, "cross_year_carryover", rid).values()} == {"pass"}
        assert checks(db, "cross_year_in_force", rid)["normative"][2] == "pass"
    assert {s[2] for s in checks(db, "cross_year_carryover", "qs21").values()} == {"not_checkable"}  # no 2020


def test_broken_carry_over_and_in_force_fail_naming_the_previous_report(db) -> None:
    recompute_findings(db, today=TODAY)
    carry = checks(db, "cross_year_carryover", "bs23")
    assert carry["total"] == (4, 5, "fail") and carry["natural_person"] == (4, 5, "fail")
    assert carry["commercial"] == (0, 0, "pass")
    assert checks(db, "cross_year_in_force", "bs23")["normative"] == (7, 8, "fail")
    evidence = json.loads(
        db.execute(
            "SELECT evidence FROM checks WHERE report_id = 'bs23' AND check_code = 'cross_year_carryover'"
            " AND scope = 'total'"
        ).fetchone()[0]
    )
    assert evidence["previous_report_id"] == "bs22"
    assert evidence["previous_url"] == "http://127.0.0.1/bs22.html"
    assert evidence["cells"] == {"2023:applications.2.total": 5, "2022:applications.4.total": 4}


def test_a_body_printed_three_ways_is_one_body(db) -> None:
    recompute_findings(db, today=TODAY)
    ids = {b for (b,) in db.execute("SELECT body_id FROM reports WHERE report_id IN ('lm21', 'lm22', 'lm23')")}
    assert len(ids) == 1
    name, first, last, n = db.execute(
        "SELECT name, first_year, last_year, reports FROM bodies WHERE body_id = ?", [ids.pop()]
    ).fetchone()
    assert (name, first, last, n) == ("鹿鸣镇人民政府", 2021, 2023, 3)


def test_text_copied_from_last_year_is_measured_with_its_passages(db) -> None:
    recompute_findings(db, today=TODAY)
    share, evidence = measure(db, "lm23", "text_reuse_prev_year")
    assert share == 1.0 and evidence["previous_report_id"] == "lm22" and evidence["shared_count"] == 4
    assert "累计更新办事指南二百余项" in evidence["shared"][0]


def test_a_late_report_counts_its_days_against_the_department_deadline(db) -> None:
    recompute_findings(db, today=TODAY)
    late, evidence = measure(db, "jy23", "days_late")
    assert late == 10 and evidence["deadline"] == "2024-01-31"
    assert measure(db, "qs23", "days_late")[0] == 0


def test_missing_years_and_an_overdue_report_are_listed(db) -> None:
    recompute_findings(db, today=TODAY)
    body = db.execute("SELECT body_id FROM reports WHERE report_id = 'dl20'").fetchone()[0]
    rows = db.execute("SELECT year, reason FROM missing_reports WHERE body_id = ? ORDER BY year", [body]).fetchall()
    assert [y for y, _ in rows] == [2021, 2023]
    assert rows[1][1].startswith("report on 2023 not found after its deadline 2024-03-31")
    qingshi = db.execute("SELECT body_id FROM reports WHERE report_id = 'qs23'").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM missing_reports WHERE body_id = ?", [qingshi]).fetchone()[0] == 0


def test_consistent_reports_have_no_findings_failures(db) -> None:
    recompute_findings(db, today=TODAY)
    failing = db.execute(
        "SELECT report_id, check_code, scope FROM checks WHERE status = 'fail' AND report_id LIKE 'qs%'"
    ).fetchall()
    assert failing == []


def test_recomputation_touches_only_the_bodies_whose_reports_changed(db) -> None:
    first = recompute_findings(db, today=TODAY)
    assert first.queued == 11 and len(first.bodies) == 5
    assert recompute_findings(db, today=TODAY).queued == 0  # nothing changed: nothing recomputed
    report(db, "bs23", "白沙县2023年政府信息公开工作年度报告", 2023, cells=apps(7, 4, 0) + active(7, 1, 0))
    again = recompute_findings(db, today=TODAY)
    baisha = db.execute("SELECT body_id FROM reports WHERE report_id = 'bs23'").fetchone()[0]
    assert again.queued == 1 and again.bodies == {baisha} and again.reports == 2
    assert {s[2] for s in checks(db, "cross_year_carryover", "bs23").values()} == {"pass"}  # corrected, rechecked


def test_text_copied_from_another_body_names_that_body_and_report(db) -> None:
    copied = "现将白沙县2023年政府信息公开工作年度报告如下。\n" + OWN_TEXT
    report(db, "hs23", "红石县2023年政府信息公开工作年度报告", 2023, text=copied)
    recompute_findings(db, today=TODAY)
    share, evidence = measure(db, "hs23", "text_reuse_other_bodies")
    assert share == 1.0 and evidence["most_similar_report_id"] in ("lm22", "lm23")
    foreign = checks(db, "foreign_name", "hs23")
    assert foreign == {"text.1": ("红石县人民政府", "白沙县人民政府", "fail")}
    assert checks(db, "foreign_name", "qs23") == {"text": ("青石县人民政府", None, "pass")}
