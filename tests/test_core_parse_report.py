"""The pure core: one page's bytes in, one Report out, no Scrapy anywhere on the way."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.core import STAGE_NAMES, Report, parse_report
from crawler.items import ReportItem

PAGE = ROOT / "fixtures/sites/static_guannan/xxgk/zfxxgknb/2025/0121/c58213.html"
EXPECTED = ROOT / "fixtures/expected/reports/static_guannan/xxgk/zfxxgknb/2025/0121/c58213.html.json"
URL = "http://127.0.0.1/xxgk/zfxxgknb/2025/0121/c58213.html"


def test_the_core_imports_no_scrapy() -> None:
    code = "import sys, crawler.core; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scrapy'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_parse_report_reads_a_fixture_page_as_its_hand_checked_json() -> None:
    expected = json.loads(EXPECTED.read_text("utf-8"))
    report = parse_report(PAGE.read_bytes(), "text/html; charset=UTF-8", URL)
    assert (report.title, report.publisher, report.report_year, report.format) == (
        expected["title"],
        expected["publisher"],
        expected["report_year"],
        expected["format"],
    )
    assert report.tables == expected["tables"]
    assert report.report_id is not None and report.dedup_key is not None


def test_every_stage_runs_in_order_and_counts_what_it_saw() -> None:
    assert STAGE_NAMES == (
        "attachment",
        "decode",
        "images",
        "normalise",
        "metadata",
        "sections",
        "tables",
        "checks",
        "dedup",
    )
    report = parse_report(PAGE.read_bytes(), "text/html; charset=UTF-8", URL)
    assert report.counts["decode/encoding/utf-8"] == 1
    assert report.counts["normalise/script/simplified"] == 1


def test_a_skipped_stage_leaves_its_fields_empty_and_later_stages_still_run() -> None:
    report = parse_report(PAGE.read_bytes(), "text/html; charset=UTF-8", URL, skip={"tables"})
    assert report.cells is None and report.tables is None and report.checks is None
    assert report.sections and report.title


@pytest.mark.parametrize("body", [b"", b"%PDF-1.4\nbroken"])
def test_bad_bytes_are_recorded_on_the_report_not_raised(body: bytes) -> None:
    report = parse_report(body, "application/pdf" if body else "text/html", "http://127.0.0.1/a")
    assert report.errors, "a failure must be written on the report"
    assert report.report_id is not None  # still stored, keyed by URL


def test_the_item_pipelines_store_exactly_what_the_core_parses(tmp_path) -> None:
    """The crawl path (pipelines over an item) and the direct path (parse_report) agree field by field."""
    crawler = get_crawler(settings_dict={"REPORTS_DB": "", "PARSE_WORKERS": 0})  # the stage pipelines, in-process
    item = ReportItem(url=URL, body=PAGE.read_bytes(), content_type="text/html; charset=UTF-8", errors=[])
    for path, _ in sorted(project_settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1]):
        if path.endswith(("SQLiteStorePipeline", "ParsePoolPipeline")):
            continue
        item = build_from_crawler(load_object(path), crawler).process_item(item)
    direct = parse_report(PAGE.read_bytes(), "text/html; charset=UTF-8", URL)
    via_items = Report.from_mapping(item)
    for name, value in direct.filled():
        if name in ("tree", "main"):  # parsed trees: equal content, different objects
            continue
        assert getattr(via_items, name) == value, name
    assert via_items.errors == direct.errors
