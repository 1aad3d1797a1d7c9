"""Helpers for the format crawl tests: one portal of fixtures/portals-formats.yaml per crawl, typed values.

Each test module crawls only its own portal (the OCR'd ones cost seconds a
report on this machine), so the registry is rendered and cut to that entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from fixture_server import render_registry

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STATS_LINE = re.compile(r"'([a-z_]+/[\w/.-]+)': (\d+)")


def portal_registry(sites: dict[str, str], portal_id: str, dest: Path) -> Path:
    """fixtures/portals-formats.yaml with its sites' URLs filled in, holding only `portal_id`."""
    path = render_registry(FIXTURES / "portals-formats.yaml", sites, dest)
    data = yaml.safe_load(path.read_text("utf-8"))
    data["portals"] = [p for p in data["portals"] if p["id"] == portal_id]
    assert data["portals"], portal_id
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def typed_cells(tables: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """{(table, row, col): value} of the numbers typed into the fixture builder (an expected.json part)."""
    return {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}


def crawl_stats(log: str) -> dict[str, int]:
    """The integer counters of the crawl's final stats dump (the log's last 'Dumping Scrapy stats')."""
    dump = log.rsplit("Dumping Scrapy stats", 1)[-1]
    return {key: int(value) for key, value in STATS_LINE.findall(dump)}


def expected(site: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "sites" / site / "expected.json").read_text("utf-8"))
