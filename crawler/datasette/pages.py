"""The reading room's own pages: one report as printed, one body over the years, charts.

Each function reads what a page needs from a Datasette database and returns
the template context; the hooks in ``crawler/datasette/__init__.py`` route
URLs to them.  Nothing here writes.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from crawler import codebook
from crawler.datasette.svg import Series, bar_chart
from crawler.parsing.labels import APPLICATION_COLUMNS

logger = logging.getLogger(__name__)

RATE_CODES = (
    "disclosure_rate",
    "refusal_rate",
    "unavailable_rate",
    "review_correction_rate",
    "litigation_correction_rate",
)
RATE_NAMES = {
    "disclosure_rate": "公开率",
    "refusal_rate": "不予公开率",
    "unavailable_rate": "无法提供率",
    "review_correction_rate": "复议纠错率",
    "litigation_correction_rate": "诉讼纠错率",
}


async def _rows(db: Any, sql: str, params: Any = None) -> list[dict[str, Any]]:
    result = await db.execute(sql, params or [])
    return [dict(row) for row in result.rows]


async def _has_table(db: Any, name: str) -> bool:
    return bool(await db.table_exists(name))


def _evidence(value: Any) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _cell(cells: dict[tuple[str, str, str], dict[str, Any]], table: str, row: str, col: str) -> dict[str, Any]:
    """One printed cell: its number, its raw text, and whether a failing check names it."""
    found = cells.get((table, row, col))
    return {
        "row_code": row,
        "col_code": col,
        "raw": found["raw"] if found else None,
        "row_label": found["row_label"] if found else None,
        "col_label": found["col_label"] if found else None,
        "value": found["value"] if found else None,
        "present": found is not None,
        "anchor": f"cell-{table}-{row}-{col}",
        "failing": False,
    }


BALANCE_ROWS = {"1", "2", "3.7", "4"}


def _mark_failing(tables: list[dict[str, Any]], failing: list[dict[str, Any]]) -> None:
    """Highlight the printed cells a failing arithmetic check adds up: its operands only."""

    def operand(code: str, scope: str, table: str, row: str, col: str) -> bool:
        if table == "applications":
            if code == "applications_applicants":
                return row == scope
            if code == "applications_balance":
                return col == scope and row in BALANCE_ROWS
            if code == "applications_outcomes":
                return col == scope and row.startswith("3.")
        if table == "review_litigation" and code == "review_litigation_totals":
            return col.startswith(scope + ".")
        return False

    for check in failing:
        code, scope = check["check_code"], check.get("scope") or ""
        for table in tables:
            for row in table["rows"]:
                for cell in row["cells"]:
                    if operand(code, scope, table["code"], row["code"], cell["col_code"]):
                        cell["failing"] = True


def printed_tables(report_format: str | None, cell_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The three tables laid out as the report's template prints them, with Chinese labels."""
    cells = {(c["table_code"], c["row_code"], c["col_code"]): c for c in cell_rows}
    tables: list[dict[str, Any]] = []
    # active: block | row label | the format's columns (2019 and 2021 differ)
    active_layout = codebook.active_rows(report_format)
    active_cols = list(dict.fromkeys(col for cols in active_layout.values() for col in cols))
    extra_active = sorted(
        {(r, c) for (t, r, c) in cells if t == "active"} - {(r, c) for r in active_layout for c in active_layout[r]}
    )
    if extra_active:  # a report that printed the other template's columns: show them too
        for _row, col in extra_active:
            if col not in active_cols:
                active_cols.append(col)
    active_rows = list(active_layout) + [r for r, _ in extra_active if r not in active_layout]
    tables.append(
        {
            "code": "active",
            "title": codebook.TABLES["active"],
            "columns": [{"code": c, "label": codebook.ACTIVE_COLUMN_LABELS.get(c, c)} for c in active_cols],
            "rows": [
                {
                    "code": row,
                    "block": codebook.ACTIVE_ROWS.get(row, ("", ""))[0],
                    "label": codebook.ACTIVE_ROWS.get(row, ("", row))[1],
                    "cells": [_cell(cells, "active", row, col) for col in active_cols],
                }
                for row in dict.fromkeys(active_rows)
            ],
            "has_cells": any(t == "active" for (t, _, _) in cells),
        }
    )
    app_rows = list(codebook.application_rows(report_format))
    app_rows += sorted({r for (t, r, _) in cells if t == "applications"} - set(app_rows))
    tables.append(
        {
            "code": "applications",
            "title": codebook.TABLES["applications"],
            "columns": [{"code": c, "label": codebook.APPLICATION_COLUMN_LABELS[c]} for c in APPLICATION_COLUMNS],
            "rows": [
                {
                    "code": row,
                    "block": "",
                    "label": codebook.APPLICATION_ROW_LABELS.get(row, row),
                    "cells": [_cell(cells, "applications", row, col) for col in APPLICATION_COLUMNS],
                }
                for row in app_rows
            ],
            "has_cells": any(t == "applications" for (t, _, _) in cells),
        }
    )
    review = codebook.review_columns()
    tables.append(
        {
            "code": "review_litigation",
            "title": codebook.TABLES["review_litigation"],
            "groups": [{"label": label, "span": 5} for label in codebook.REVIEW_GROUP_LABELS.values()],
            "columns": [{"code": code, "label": leaf} for code, _, leaf in review],
            "rows": [
                {
                    "code": "all",
                    "block": "",
                    "label": "",
                    "cells": [_cell(cells, "review_litigation", "all", code) for code, _, _ in review],
                }
            ],
            "has_cells": any(t == "review_litigation" for (t, _, _) in cells),
        }
    )
    return tables


async def report_context(db: Any, report_id: str) -> dict[str, Any] | None:
    found = await _rows(db, "SELECT rowid AS _rowid, * FROM reports WHERE report_id = ?", [report_id])
    if not found:
        return None
    report = found[0]
    cell_rows = await _rows(
        db,
        "SELECT table_code, row_code, row_label, col_code, col_label, raw, value FROM table_cells WHERE report_id = ?",
        [report_id],
    )
    checks = await _rows(db, "SELECT * FROM checks WHERE report_id = ? ORDER BY check_code, scope", [report_id])
    for check in checks:
        check["evidence"] = _evidence(check.get("evidence"))
        check["label"] = codebook.CHECKS.get(check["check_code"], check["check_code"])
    failing = [c for c in checks if c["status"] == "fail"]
    tables = printed_tables(report.get("format"), cell_rows)
    _mark_failing(tables, failing)
    sections = await _rows(
        db, "SELECT seq, code, heading, text FROM sections WHERE report_id = ? ORDER BY seq", [report_id]
    )
    for section in sections:
        section["label"] = codebook.SECTIONS.get(section["code"] or "", section["code"] or "")
    urls = await _rows(
        db,
        "SELECT url, portal_id, listing_url, link_title, kept, first_seen, last_seen FROM report_urls WHERE report_id = ? ORDER BY kept DESC, url",
        [report_id],
    )
    measures: list[dict[str, Any]] = []
    if await _has_table(db, "measures"):
        measures = await _rows(
            db, "SELECT code, value, denominator, evidence FROM measures WHERE report_id = ? ORDER BY code", [report_id]
        )
        for m in measures:
            m["evidence"] = _evidence(m.get("evidence"))
            m["label"] = codebook.MEASURES.get(m["code"], m["code"])
    body = None
    if report.get("body_id") and await _has_table(db, "bodies"):
        bodies = await _rows(db, "SELECT * FROM bodies WHERE body_id = ?", [report["body_id"]])
        body = bodies[0] if bodies else None
    meta = [
        (codebook.COLUMNS["reports"][key].split(" · ")[0], report.get(key))
        for key in (
            "index_no",
            "publisher",
            "report_year",
            "publish_date",
            "doc_no",
            "format",
            "province",
            "level",
            "portal_id",
            "source_encoding",
            "script",
            "fetched_at",
        )
    ]
    return {
        "report": report,
        "meta": meta,
        "format_label": codebook.FORMATS.get(report.get("format") or "", report.get("format") or ""),
        "tables": tables,
        "checks": checks,
        "failing": failing,
        "checks_by_status": {s: sum(1 for c in checks if c["status"] == s) for s in ("pass", "fail", "not_checkable")},
        "sections": sections,
        "source_urls": urls,
        "measures": measures,
        "body": body,
        "errors": _evidence(report.get("errors")),
    }


async def body_context(db: Any, body_id: str) -> dict[str, Any] | None:
    if not await _has_table(db, "bodies"):
        return None
    found = await _rows(db, "SELECT * FROM bodies WHERE body_id = ?", [body_id])
    if not found:
        return None
    body = found[0]
    reports = await _rows(
        db,
        "SELECT r.report_id, r.report_year, r.title, r.publish_date, r.format, r.url,"
        " (SELECT value FROM table_cells c WHERE c.report_id = r.report_id AND c.table_code = 'applications'"
        "   AND c.row_code = '1' AND c.col_code = 'total') AS new_applications,"
        " (SELECT value FROM table_cells c WHERE c.report_id = r.report_id AND c.table_code = 'applications'"
        "   AND c.row_code = '3.7' AND c.col_code = 'total') AS settled,"
        " (SELECT value FROM table_cells c WHERE c.report_id = r.report_id AND c.table_code = 'review_litigation'"
        "   AND c.col_code = 'review.total') AS reviews,"
        " (SELECT COUNT(*) FROM checks k WHERE k.report_id = r.report_id AND k.status = 'fail') AS failing"
        " FROM reports r WHERE r.body_id = ? ORDER BY r.report_year",
        [body_id],
    )
    measures: dict[str, dict[str, float]] = defaultdict(dict)
    for m in await _rows(
        db,
        "SELECT m.report_id, m.code, m.value FROM measures m JOIN reports r USING (report_id) WHERE r.body_id = ?",
        [body_id],
    ):
        measures[m["report_id"]][m["code"]] = m["value"]
    missing = await _rows(db, "SELECT year, reason FROM missing_reports WHERE body_id = ? ORDER BY year", [body_id])
    by_year = {r["report_year"]: r for r in reports if r["report_year"] is not None}
    missing_years = {m["year"]: m["reason"] for m in missing}
    years = sorted(set(by_year) | set(missing_years))
    if years:
        years = list(range(years[0], years[-1] + 1))
    for r in reports:
        mine = measures.get(r["report_id"], {})
        r["days_late"] = mine.get("days_late")
        r["rates"] = {code: mine.get(code) for code in RATE_CODES}
        r["reuse_prev_year"] = mine.get("text_reuse_prev_year")
    marks = []
    for y in years:
        if y in missing_years:
            marks.append("missing")
        elif y not in by_year:
            marks.append("gap")
        elif (by_year[y].get("days_late") or 0) > 0:
            marks.append("late")
        else:
            marks.append("")
    labels = [str(y) for y in years]
    counts_chart = bar_chart(
        f"{body['name']} · 新收申请与办结（件）",
        labels,
        [
            Series("本年新收", [by_year[y]["new_applications"] if y in by_year else None for y in years], marks=marks),
            Series("办结总计", [by_year[y]["settled"] if y in by_year else None for y in years], marks=marks),
        ],
    )
    rates_chart = bar_chart(
        f"{body['name']} · 办理结果比率",
        labels,
        [
            Series(RATE_NAMES[code], [by_year[y]["rates"][code] if y in by_year else None for y in years], marks=marks)
            for code in ("disclosure_rate", "refusal_rate", "unavailable_rate")
        ],
        percent=True,
    )
    return {
        "body": body,
        "names": _evidence(body.get("names")) or [],
        "reports": reports,
        "years": [
            {
                "year": y,
                "report": by_year.get(y),
                "missing": missing_years.get(y),
                "gap": y not in by_year and y not in missing_years,
            }
            for y in years
        ],
        "counts_chart": counts_chart,
        "rates_chart": rates_chart,
        "rate_names": RATE_NAMES,
    }


async def charts_context(db: Any) -> dict[str, Any]:
    per = await _rows(
        db,
        "SELECT COALESCE(province, '?') AS province, report_year, COUNT(*) AS n,"
        " SUM((SELECT value FROM table_cells c WHERE c.report_id = r.report_id AND c.table_code = 'applications'"
        "   AND c.row_code = '1' AND c.col_code = 'total')) AS applications"
        " FROM reports r WHERE report_year IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    )
    provinces = sorted({r["province"] for r in per})
    years = sorted({r["report_year"] for r in per})
    table = {(r["province"], r["report_year"]): r for r in per}
    labels = [str(y) for y in years]
    reports_chart = bar_chart(
        "每省每年报告数 · reports per province and year",
        labels,
        [Series(p, [table[(p, y)]["n"] if (p, y) in table else None for y in years]) for p in provinces],
        width=760,
    )
    applications_chart = bar_chart(
        "每省每年新收申请（件）· new applications per province and year",
        labels,
        [Series(p, [table[(p, y)]["applications"] if (p, y) in table else None for y in years]) for p in provinces],
        width=760,
    )
    rates_chart = ""
    rate_rows: list[dict[str, Any]] = []
    if await _has_table(db, "measures"):
        rate_rows = await _rows(
            db,
            "SELECT r.report_year, m.code, AVG(m.value) AS mean, COUNT(*) AS n FROM measures m"
            " JOIN reports r USING (report_id) WHERE m.code IN ('disclosure_rate', 'refusal_rate', 'unavailable_rate')"
            " AND r.report_year IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        )
        rate_years = sorted({r["report_year"] for r in rate_rows})
        means = {(r["report_year"], r["code"]): r["mean"] for r in rate_rows}
        rates_chart = bar_chart(
            "办理结果比率（各报告平均）· outcome rates, mean over reports",
            [str(y) for y in rate_years],
            [
                Series(RATE_NAMES[code], [means.get((y, code)) for y in rate_years])
                for code in ("disclosure_rate", "refusal_rate", "unavailable_rate")
            ],
            width=760,
            percent=True,
        )
    return {
        "per": per,
        "provinces": provinces,
        "years": years,
        "table": {f"{p}|{y}": v for (p, y), v in table.items()},
        "reports_chart": reports_chart,
        "applications_chart": applications_chart,
        "rates_chart": rates_chart,
        "rate_rows": rate_rows,
        "rate_names": RATE_NAMES,
    }
