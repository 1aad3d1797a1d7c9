"""The pure parsing core: one report page in, one :class:`Report` out.

::

    report = parse_report(body, content_type, url)
    report.title, report.sections, report.tables, report.checks, report.errors

It runs attachment → decode → normalise → metadata → sections → tables →
checks → dedup key (:data:`crawler.core.stages.STAGES`) and records each
stage's failure on the report instead of raising.  No Scrapy import: the
item pipelines (``crawler/pipelines/``) are thin adapters over these stages,
and ``scrapy extract``, the Redis drain and the benchmarks call it directly.
"""

from __future__ import annotations

from collections.abc import Collection

from crawler.core.report import FIELD_NAMES, Report
from crawler.core.stages import STAGE_NAMES, STAGES, Stage, StageError, run_stage, run_stages, stage, switched_off

__all__ = [
    "FIELD_NAMES",
    "STAGES",
    "STAGE_NAMES",
    "Report",
    "Stage",
    "StageError",
    "parse_report",
    "run_stage",
    "run_stages",
    "stage",
    "switched_off",
]


def parse_report(
    body: bytes,
    content_type: str | None,
    url: str,
    *,
    link_title: str | None = None,
    link_date: str | None = None,
    skip: Collection[str] = (),
) -> Report:
    """Parse one fetched page (HTML, PDF or DOCX bytes as served) into a report.

    ``link_title`` / ``link_date`` are what the listing printed beside the
    link (used when the page itself lacks a title or date); ``skip`` names
    stages to leave out (see :data:`STAGE_NAMES`).
    """
    report = Report(url=url, body=body, content_type=content_type, link_title=link_title, link_date=link_date)
    return run_stages(report, skip=skip)
