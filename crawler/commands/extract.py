"""`scrapy extract PATH [--url URL] [--content-type CT]`: parse one saved page.

Builds a report item from the file's bytes, runs the project's item
pipelines in order up to and including the tables stage (dedup and store
are skipped), and prints the report as JSON: report fields, ``sections``,
``tables`` as ``{table_code: {row_code: {col_code: value}}}``, ``checks``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from parsel import Selector
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from w3lib.encoding import html_to_unicode

from crawler.items import REPORT_FIELDS, ReportItem

PARSING_STAGES = (
    "crawler.pipelines.metadata.MetadataPipeline",
    "crawler.pipelines.sections.SectionsPipeline",
    "crawler.pipelines.tables.TablesPipeline",
)
LAST_STAGE = PARSING_STAGES[-1]
PROJECT_SETTINGS = "crawler.settings"
JSON_FIELDS = [f for f in REPORT_FIELDS if f not in ("report_id", "fetched_at")] + ["index_key"]


def stage_paths(settings: BaseSettings) -> list[str]:
    """Pipelines to run, in order: the configured ones up to the tables stage.

    When the parsing stages are not configured yet they are appended, so the
    command works on a project whose settings only list decode/normalise.
    """
    configured = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    names = [c if isinstance(c, str) else f"{c.__module__}.{c.__qualname__}" for c in configured]
    if LAST_STAGE in names:
        return names[: names.index(LAST_STAGE) + 1]
    priorities = settings.getwithbase("ITEM_PIPELINES")
    before = [n for n in names if (priorities.get(n) or 0) < 300]
    return before + [s for s in PARSING_STAGES if s not in before]


def _run(pipeline: Any, item: ReportItem) -> ReportItem:
    result = pipeline.process_item(item)
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _ensure_tree(item: ReportItem) -> None:
    """Decode the page when no decode stage ran (charset from header/meta/BOM).

    Not an attachment the attachment stage refused (.doc, corrupt PDF): its
    bytes read as HTML are garbage, and the item already says why.
    """
    if item.get("tree") is not None or any(e.get("stage") == "attachment" for e in item.get("errors") or []):
        return
    encoding, html = html_to_unicode(item.get("content_type"), item["body"])
    item.setdefault("source_encoding", encoding)
    item["html"] = html
    item["tree"] = Selector(text=html)


def extract_report(
    body: bytes, *, url: str, content_type: str | None = None, settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run the parsing pipeline on one page's bytes; the printed JSON as a dict.

    ``settings`` default to the project's (``crawler.settings``): the same
    decode and normalise stages as a crawl, then metadata, sections, tables.
    """
    if settings is None:
        project = Settings()
        project.setmodule(PROJECT_SETTINGS, priority="project")
        settings = project.copy_to_dict()
    crawler = get_crawler(settings_dict={**settings, "TWISTED_REACTOR_ENABLED": False})
    item = ReportItem(url=url, link_url=url, body=body, content_type=content_type, status=200)
    paths = stage_paths(crawler.settings)
    for path in paths:
        if path in PARSING_STAGES:
            _ensure_tree(item)
        item = _run(build_from_crawler(load_object(path), crawler), item)
    return report_json(item)


def report_json(item: ReportItem) -> dict[str, Any]:
    """The report as ``scrapy extract`` prints it."""
    out: dict[str, Any] = {name: item.get(name) for name in JSON_FIELDS}
    out["sections"] = item.get("sections") or []
    out["tables"] = item.get("tables") or {}
    out["checks"] = item.get("checks") or []
    out["errors"] = item.get("errors") or []
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
