"""A bug in any one stage costs that stage's output, never the report.

Each case breaks one stage's parser (fault injection into our own code, not
a stand-in for a service) and runs a real fixture page through every
configured stage into a real SQLite file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.items import ReportItem
from crawler.storage import open_db

PAGE = ROOT / "fixtures/sites/static_guannan/xxgk/zfxxgknb/2025/0121/c58213.html"


def broken(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("injected fault")


def run_all_stages(db_path: Path) -> None:
    # In-process (PARSE_WORKERS=0): the faults are injected into this process's stages.
    crawler = get_crawler(settings_dict={"REPORTS_DB": str(db_path), "PARSE_WORKERS": 0})
    stages = [
        build_from_crawler(load_object(path), crawler)
        for path, _ in sorted(project_settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1])
        if not path.endswith("ParsePoolPipeline")
    ]
    item = ReportItem(
        url="http://127.0.0.1/c58213.html",
        portal_id="static_guannan",
        province="jiangsu",
        body=PAGE.read_bytes(),
        content_type="text/html; charset=utf-8",
        errors=[],
    )
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    for stage in stages:
        item = stage.process_item(item)
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()


@pytest.mark.parametrize(
    ("target", "stage", "still_there"),
    [
        ("crawler.core.stages.decode_body", "decode", "url"),
        ("crawler.core.stages.page_text", "normalise", "source_encoding"),
        ("crawler.core.stages.extract_metadata", "metadata", "text"),
        ("crawler.core.stages.split_sections", "sections", "title"),
        ("crawler.core.stages.extract_tables", "tables", "title"),
        ("crawler.core.stages.run_checks", "checks", "title"),
        ("crawler.core.stages.dedup_key", "dedup", "title"),
    ],
)
def test_a_failing_stage_is_recorded_and_the_report_still_stored(tmp_path, monkeypatch, target, stage, still_there):
    monkeypatch.setattr(target, broken)
    run_all_stages(tmp_path / "r.db")
    db = open_db(tmp_path / "r.db")
    rows = list(db.query("SELECT * FROM reports"))
    assert len(rows) == 1 and rows[0][still_there]
    errors = json.loads(rows[0]["errors"])
    assert {"stage": stage, "error": "RuntimeError: injected fault"} in errors


def test_checks_failing_keeps_the_cells(tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.core.stages.run_checks", broken)
    run_all_stages(tmp_path / "r.db")
    db = open_db(tmp_path / "r.db")
    assert db.execute("SELECT COUNT(*) FROM table_cells").fetchone()[0] == 200
    assert db.execute("SELECT COUNT(*) FROM checks").fetchone()[0] == 0
