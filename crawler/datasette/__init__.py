"""The reading room: a Datasette plugin (entry point ``datasette: reports`` in pyproject.toml).

For every database Datasette serves, whatever its file name: Chinese labels
on every column, facets, canned queries, a report page laid out as printed
(``/<db>/-/report/<report_id>``), a body page (``/<db>/-/body/<body_id>``),
charts (``/<db>/-/charts``), links from ids to those pages, and the
``search_query()`` SQL function behind the Chinese search query.

Templates are in ``templates/`` beside this file (Datasette finds a plugin
package's templates by itself).  Nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import markupsafe
import yaml
from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import Response

from crawler import codebook
from crawler.compact_store import INTERNAL_TABLES
from crawler.datasette import pages
from crawler.search import SEARCH_TABLE, index_pending, match_query

logger = logging.getLogger(__name__)

STATUS_COLUMNS = {
    **{k: v for k, v in codebook.COLUMNS["reports"].items()},
    "check_status": "检查结果 · fail if any check fails, else pass / not_checkable / unchecked",
    "failing_checks": "不符检查数 · failing checks",
    "days_late": "逾期天数 · days late",
}

TABLE_CONFIG: dict[str, dict[str, Any]] = {
    "reports": {
        "label_column": "title",
        "description": "每份年报一行 · one row per annual report (deduplicated by 索引号)；报告页见 report_id 链接",
        "sort_desc": "report_year",
        "facets": ["province", "level", "report_year", "format", "portal_id"],
    },
    "report_status": {
        "description": "每份报告的检查结果 · each report with the outcome of its checks",
        "sort_desc": "report_year",
        "facets": ["check_status", "province", "level", "report_year", "format"],
    },
    "report_urls": {
        "description": "报告出现过的所有网址 · every URL a report was seen at; kept=1 is the stored version"
    },
    "sections": {"description": "章节 · sections with canonical codes", "facets": ["code"]},
    "table_cells": {
        "description": "统计表单元格（长表）· one row per cell; the report page shows them as printed",
        "facets": ["table_code", "row_code", "col_code"],
    },
    "checks": {
        "description": "勾稽关系检查与发现 · consistency checks and findings (pass / fail / not_checkable)",
        "facets": ["check_code", "status"],
    },
    "bodies": {
        "label_column": "name",
        "description": "报告机关 · the reporting bodies",
        "facets": ["province", "level"],
    },
    "measures": {
        "description": "指标 · rates, days late, text reuse, with denominators and evidence",
        "facets": ["code"],
    },
    "missing_reports": {"description": "缺失的年报 · years a body published no report", "facets": ["year", "reason"]},
    "runs": {"description": "每次抓取 · every crawl run"},
    "pages": {"description": "每一次抓取 · every fetch, failed ones too", "facets": ["status", "kind"]},
    "listing_runs": {"description": "栏目上次完整抓取时间 · when each listing was last walked to its end"},
}

# The compact tables behind the views table_cells and sections (crawler/compact_store.py) are hidden:
# the views show the same rows with readable columns.
HIDDEN = ["report_signatures", "findings_queue", "search_queue", SEARCH_TABLE, *INTERNAL_TABLES]

QUERIES: dict[str, dict[str, Any]] = {
    "search": {
        "title": "全文检索 · search reports (any word of two or more characters)",
        "description": "输入词语（两字及以上），多个词用空格分开 · words of two or more characters, space-separated",
        "sql": (
            "SELECT r.report_id, r.report_year, r.title, r.publisher, r.url FROM reports_search s"
            " JOIN reports r ON r.rowid = s.rowid WHERE reports_search MATCH search_query(:q)"
            " ORDER BY r.report_year DESC, r.title"
        ),
    },
    "failing_checks": {
        "title": "不符的检查 · reports failing a check",
        "sql": (
            "SELECT r.report_id, r.title, r.report_year, r.province, c.check_code, c.scope, c.expected, c.actual,"
            " c.evidence FROM checks c JOIN reports r USING (report_id) WHERE c.status = 'fail'"
            " ORDER BY r.province, r.report_year, r.report_id, c.check_code, c.scope"
        ),
    },
    "findings_by_kind": {
        "title": "按类型统计的发现 · findings and checks by kind",
        "sql": (
            "SELECT check_code, SUM(status = 'fail') AS fail, SUM(status = 'pass') AS pass,"
            " SUM(status = 'not_checkable') AS not_checkable, COUNT(DISTINCT report_id) AS reports"
            " FROM checks GROUP BY check_code ORDER BY fail DESC, check_code"
        ),
    },
    "applications_by_province_year": {
        "title": "各省每年的申请量 · applications per province and year",
        "sql": (
            "SELECT r.province, r.report_year, COUNT(DISTINCT r.report_id) AS reports,"
            " SUM(CASE WHEN c.row_code = '1' THEN c.value END) AS new_applications,"
            " SUM(CASE WHEN c.row_code = '3.7' THEN c.value END) AS settled,"
            " SUM(CASE WHEN c.row_code = '3.1' THEN c.value END) AS disclosed"
            " FROM reports r LEFT JOIN table_cells c ON c.report_id = r.report_id AND c.table_code = 'applications'"
            " AND c.col_code = 'total' GROUP BY r.province, r.report_year ORDER BY r.province, r.report_year"
        ),
    },
    "late_and_missing": {
        "title": "逾期与缺失的年报 · late and missing reports",
        "sql": (
            "SELECT b.name AS body, r.report_year AS year, 'late' AS kind, m.value AS days_late, r.publish_date,"
            " r.report_id FROM measures m JOIN reports r USING (report_id) LEFT JOIN bodies b ON b.body_id = r.body_id"
            " WHERE m.code = 'days_late' AND m.value > 0"
            " UNION ALL SELECT b.name, mr.year, 'missing', NULL, NULL, NULL FROM missing_reports mr"
            " LEFT JOIN bodies b USING (body_id) ORDER BY body, year"
        ),
    },
    "most_copied": {
        "title": "文字重复最多的报告 · most-copied reports",
        "sql": (
            "SELECT r.report_id, r.title, r.report_year, m.code, ROUND(m.value, 3) AS share, m.denominator AS sentences,"
            " m.evidence FROM measures m JOIN reports r USING (report_id)"
            " WHERE m.code IN ('text_reuse_prev_year', 'text_reuse_other_bodies') ORDER BY m.value DESC LIMIT 100"
        ),
    },
}


def _columns(table: str) -> dict[str, str]:
    return STATUS_COLUMNS if table == "report_status" else codebook.COLUMNS.get(table, {})


def database_metadata() -> dict[str, Any]:
    """The metadata one database gets: labels, descriptions, facets, hidden helper tables."""
    tables: dict[str, Any] = {name: {"columns": _columns(name)} for name in codebook.COLUMNS}
    for name, config in TABLE_CONFIG.items():
        tables[name] = {**config, "columns": _columns(name)}
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    return {"tables": tables}


def _served(datasette: Any) -> list[str]:
    return [name for name in datasette.databases if not name.startswith("_")]


INSTANCE = yaml.safe_load((Path(__file__).parent / "metadata.yaml").read_text("utf-8"))  # title, description


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:
    return {**INSTANCE, "databases": {name: database_metadata() for name in _served(datasette)}}


@hookimpl
def canned_queries(datasette: Any, database: str, actor: Any) -> dict[str, Any] | None:
    return None if database.startswith("_") else QUERIES


def _search_query(words: str | None) -> str:
    try:
        return match_query(words or "")
    except ValueError:
        return '"\u0001"'  # matches nothing: a one-character word is not searched


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conn.create_function("search_query", 1, _search_query, deterministic=True)


@hookimpl
def startup(datasette: Any) -> Any:
    async def catch_up() -> None:
        """Bring each mutable database's search index up to date before it is read."""
        for name in _served(datasette):
            db = datasette.get_database(name)
            if not db.is_mutable or db.is_memory:
                continue
            try:
                if not await db.table_exists("search_queue"):
                    continue
                done = await db.execute_write_fn(_index)
                logger.info("Search index of %s: %s report(s) indexed", name, done)
            except Exception as exc:  # noqa: BLE001 - a read-only or locked file: search what is indexed
                logger.warning("Search index of %s not brought up to date: %s", name, exc)

    return catch_up


def _index(conn: sqlite3.Connection) -> int:
    import sqlite_utils

    return index_pending(sqlite_utils.Database(conn))


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if value is None or not isinstance(value, str):
        return None
    base = datasette.urls.database(database)
    if column == "report_id":
        return markupsafe.Markup(f'<a href="{base}/-/report/{markupsafe.escape(value)}">{markupsafe.escape(value)}</a>')
    if column == "body_id":
        return markupsafe.Markup(f'<a href="{base}/-/body/{markupsafe.escape(value)}">{markupsafe.escape(value)}</a>')
    return None


async def _database(datasette: Any, request: Any) -> Any:
    name = tilde_decode(request.url_vars["database"])  # URLs spell names with ~ escapes
    if name.startswith("_") or name not in datasette.databases:
        return None
    return datasette.get_database(name)


async def report_page(datasette: Any, request: Any) -> Response:
    db = await _database(datasette, request)
    context = await pages.report_context(db, request.url_vars["report_id"]) if db else None
    if context is None:
        return Response.html("<h1>没有这份报告 · no such report</h1>", status=404)
    context.update(database=db.name, db_url=datasette.urls.database(db.name), codebook=codebook)
    return Response.html(await datasette.render_template("reports_report.html", context, request=request))


async def body_page(datasette: Any, request: Any) -> Response:
    db = await _database(datasette, request)
    context = await pages.body_context(db, request.url_vars["body_id"]) if db else None
    if context is None:
        return Response.html("<h1>没有这个机关 · no such body</h1>", status=404)
    context.update(database=db.name, db_url=datasette.urls.database(db.name))
    return Response.html(await datasette.render_template("reports_body.html", context, request=request))


async def charts_page(datasette: Any, request: Any) -> Response:
    db = await _database(datasette, request)
    if db is None or not await db.table_exists("reports"):
        return Response.html("<h1>没有报告表 · no reports table</h1>", status=404)
    context = await pages.charts_context(db)
    context.update(database=db.name, db_url=datasette.urls.database(db.name))
    return Response.html(await datasette.render_template("reports_charts.html", context, request=request))


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    return [
        (r"^/(?P<database>[^/]+)/-/report/(?P<report_id>[^/]+)$", report_page),
        (r"^/(?P<database>[^/]+)/-/body/(?P<body_id>[^/]+)$", body_page),
        (r"^/(?P<database>[^/]+)/-/charts$", charts_page),
    ]


@hookimpl
def database_actions(datasette: Any, actor: Any, database: str, request: Any) -> list[dict[str, str]]:
    return [{"href": f"{datasette.urls.database(database)}/-/charts", "label": "图表 · charts"}]
