"""`scrapy extract PATH [--url URL] [--content-type CT]`: parse one saved page.

Runs the parsing core (:func:`crawler.core.parse_report`, the same stages a
crawl runs, with the project's stage switches) on the file's bytes, without
the dedup key or the store, and prints the report as JSON: report fields,
``sections``, ``tables`` as ``{table_code: {row_code: {col_code: value}}}``,
``checks``, ``errors``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings, Settings

from crawler.core import Report, parse_report, switched_off
from crawler.items import REPORT_FIELDS

PROJECT_SETTINGS = "crawler.settings"
JSON_FIELDS = [f for f in REPORT_FIELDS if f not in ("report_id", "fetched_at")] + ["index_key"]
NOT_EXTRACTED = frozenset({"dedup"})  # identity belongs to the store, not to one saved page


def skipped_stages(settings: BaseSettings) -> frozenset[str]:
    """Core stages the command leaves out: those switched off, and the dedup key."""
    return switched_off(settings.getbool) | NOT_EXTRACTED


def extract_report(
    body: bytes, *, url: str, content_type: str | None = None, settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Parse one page's bytes with the core; the printed JSON as a dict.

    ``settings`` default to the project's (``crawler.settings``): the same
    stage switches as a crawl.
    """
    project = Settings()
    project.setmodule(PROJECT_SETTINGS, priority="project")
    if settings is not None:
        project.update(dict(settings), priority="cmdline")
    return report_json(parse_report(body, content_type, url, skip=skipped_stages(project)))


def report_json(report: Report) -> dict[str, Any]:
    """The report as ``scrapy extract`` prints it."""
    out: dict[str, Any] = {name: getattr(report, name, None) for name in JSON_FIELDS}
    out["sections"] = report.sections or []
    out["tables"] = report.tables or {}
    out["checks"] = report.checks or []
    out["errors"] = report.errors
    return out


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "PATH [--url URL] [--content-type CT]"

    def short_desc(self) -> str:
        return "Parse one saved report page and print it as JSON"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", default=None, help="URL the page was served from (default: file URI of PATH)")
        parser.add_argument(
            "--content-type",
            dest="content_type",
            default=None,
            help="Content-Type header it was served with, e.g. 'text/html; charset=gbk'",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one PATH")
        path = Path(args[0])
        if not path.is_file():
            raise UsageError(f"no file at {path}")
        assert self.settings is not None
        settings = {k: v for k, v in self.settings.copy_to_dict().items()}
        report = extract_report(
            path.read_bytes(),
            url=opts.url or path.resolve().as_uri(),
            content_type=opts.content_type,
            settings=settings,
        )
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
