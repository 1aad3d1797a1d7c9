"""The same report, however it is printed or wherever it is found, gets one id."""

from __future__ import annotations

import pytest

from crawler.items import ReportItem
from crawler.pipelines.dedup import DedupPipeline


def report_id(**fields: object) -> str:
    return DedupPipeline().process_item(ReportItem(url="http://127.0.0.1/x.html", **fields))["report_id"]


@pytest.mark.parametrize(
    "a, b",
    [
        ({"index_no": "002660528/2024-61347"}, {"index_no": "００２６６０５２８／２０２４－６１３４７"}),
        ({"index_no": "11330003002482/2022-00015"}, {"index_no": " 11330003002482 / 2022-00015 "}),
        ({"index_no": "zj-2021-ab"}, {"index_no": "ZJ-2021-AB"}),
        (
            {"publisher": "茶棚乡人民政府", "report_year": 2020, "title": "茶棚乡2020年政府信息公开年度报告"},
            {"publisher": "茶棚乡人民政府 ", "report_year": 2020, "title": "茶棚乡 2020年政府信息公开年度报告"},
        ),
    ],
)
def test_same_report_printed_differently_gets_one_id(a: dict, b: dict) -> None:
    assert report_id(**a) == report_id(**b)


@pytest.mark.parametrize(
    "a, b",
    [
        ({"index_no": "002660528/2024-61347"}, {"index_no": "002660528/2024-61348"}),
        (
            {"publisher": "茶棚乡人民政府", "report_year": 2020, "title": "茶棚乡2020年政府信息公开年度报告"},
            {"publisher": "茶棚乡人民政府", "report_year": 2021, "title": "茶棚乡2020年政府信息公开年度报告"},
        ),
    ],
)
def test_different_reports_get_different_ids(a: dict, b: dict) -> None:
    assert report_id(**a) != report_id(**b)


def test_report_without_index_or_publisher_is_identified_by_its_url() -> None:
    item = DedupPipeline().process_item(ReportItem(url="http://127.0.0.1/x.html", title="年报"))
    assert item["dedup_key"] == "url:http://127.0.0.1/x.html"


def test_a_bare_serial_index_number_on_another_portal_replaces_nothing() -> None:
    """TRS portals number pages from 1: 26114 recurs across counties (issue 18)."""
    here = DedupPipeline().process_item(
        ReportItem(url="http://www.a-county.gov.cn/1.html", index_no="26114", publisher="甲县人民政府办公室")
    )["report_id"]
    there = DedupPipeline().process_item(
        ReportItem(url="http://www.b-county.gov.cn/9.html", index_no="26114", publisher="乙县教育局")
    )["report_id"]
    again = DedupPipeline().process_item(
        ReportItem(url="http://www.a-county.gov.cn/2.html", index_no="26114", publisher="甲县人民政府办公室")
    )["report_id"]
    assert here != there and here == again


def test_an_index_number_carrying_its_organisation_code_is_one_report_on_any_portal() -> None:
    a = DedupPipeline().process_item(
        ReportItem(url="http://www.zjzwfw.gov.cn/art/1.html", index_no="002590622/2022-79879")
    )["report_id"]
    b = DedupPipeline().process_item(
        ReportItem(url="http://www.shangyu.gov.cn/art/7.html", index_no="002590622/2022-79879")
    )["report_id"]
    assert a == b


def _printing(url: str, publisher: str | None, report_id: str) -> dict:
    cells = [
        {"table_code": "active", "row_code": "rules", "col_code": c, "value": v, "raw": str(v)}
        for c, v in zip(("issued", "repealed", "in_force"), (3, 1, 17), strict=True)
    ] + [
        {"table_code": "applications", "row_code": "1", "col_code": c, "value": v, "raw": str(v)}
        for c, v in zip(
            ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total"),
            (5, 2, 1, 1, 1, 1, 11),
            strict=True,
        )
    ]
    from crawler.parsing.identity import content_key

    return {
        "report_id": report_id,
        "url": url,
        "portal_id": "p",
        "report_year": 2021,
        "publisher": publisher,
        "cells": cells,
        "content_key": content_key(cells),
        "dedup_key": "url:" + url,
    }


def test_a_second_printing_of_the_same_cells_joins_the_stored_report_unless_another_body_names_it(tmp_path) -> None:
    from crawler.storage import open_db, save_report

    db = open_db(tmp_path / "r.db")
    save_report(db, _printing("http://h/a.html", None, "a" * 16), "2026-12-01")
    save_report(db, _printing("http://h/a.pdf", "云杉县自然资源局", "b" * 16), "2026-12-01")
    save_report(db, _printing("http://h/c.html", "云杉县教育局", "c" * 16), "2026-12-01")
    urls = dict(db.execute("SELECT url, report_id FROM report_urls").fetchall())
    assert urls["http://h/a.pdf"] == urls["http://h/a.html"] == "a" * 16
    assert urls["http://h/c.html"] == "c" * 16
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 2
