"""The store pipeline never loses a fetched report."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ReportItem
from crawler.pipelines.store import SQLiteStorePipeline
from crawler.storage import open_db


def test_report_whose_parts_cannot_be_written_is_kept_with_the_reason(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"REPORTS_DB": str(tmp_path / "r.db")})
    pipeline = build_from_crawler(SQLiteStorePipeline, crawler)
    pipeline.open_spider()
    item = ReportItem(
        report_id="r1",
        url="http://127.0.0.1/a.html",
        portal_id="p",
        province="henan",
        body=b"<html>",
        errors=[],
        sections=[{"seq": 1, "code": "overview"}, {"seq": 1, "code": "active"}],
    )  # seq clash
    pipeline.process_item(item)
    pipeline.close_spider()
    db = open_db(tmp_path / "r.db")
    (url, errors) = db.execute("SELECT url, errors FROM reports").fetchone()
    assert url == "http://127.0.0.1/a.html"
    assert json.loads(errors)[0]["stage"] == "store" and "IntegrityError" in json.loads(errors)[0]["error"]
    assert crawler.stats.get_value("store/report_bare_count") == 1
