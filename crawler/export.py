"""CSV export for Excel, pandas and R: UTF-8 with BOM, formula-safe.

Excel opens a UTF-8 CSV correctly only with a BOM, and runs any cell that
starts with = + - @ as a formula (CSV injection).  Text cells that would are
prefixed with an apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import REPORT_FIELDS
from crawler.parsing.labels import APPLICATION_COLUMNS, APPLICATION_ROWS_2019, APPLICATION_ROWS_2021

logger = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_REPORT_FIELDS = [*REPORT_FIELDS, "dedup_key", "errors", "text"]
TABLE_QUERIES = {
    "reports.csv": f"SELECT {', '.join(CSV_REPORT_FIELDS)} FROM reports ORDER BY province, portal_id, report_year, report_id",
    "sections.csv": "SELECT report_id, seq, code, heading, text FROM sections ORDER BY report_id, seq",
    "table_cells.csv": "SELECT report_id, table_code, row_code, row_label, col_code, col_label, raw, value "
    "FROM table_cells ORDER BY report_id, table_code, rowid",
    "checks.csv": "SELECT report_id, check_code, scope, expected, actual, status FROM checks "
    "ORDER BY report_id, check_code, scope",
}
# Every applications cell of either template, in printed order.
APPLICATION_ROWS = tuple(
    dict.fromkeys(APPLICATION_ROWS_2021[:-2] + ("3.6",) + APPLICATION_ROWS_2021[-2:] + APPLICATION_ROWS_2019)
)
WIDE_KEYS = ["report_id", "title", "publisher", "report_year", "format", "province", "url"]


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula.

    >>> safe_cell("=HYPERLINK(\\"x\\")")
    '\\'=HYPERLINK("x")'
    >>> safe_cell(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def wide_column(row_code: str, col_code: str) -> str:
    return f"applications.{row_code}.{col_code}"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
    return count


def applications_wide(db: sqlite_utils.Database) -> Iterator[list[Any]]:
    """One row per report, one column per applications cell."""
    cells: dict[str, dict[str, Any]] = {}
    for report_id, row_code, col_code, value in db.execute(
        "SELECT report_id, row_code, col_code, value FROM table_cells WHERE table_code = 'applications'"
    ):
        cells.setdefault(report_id, {})[wide_column(row_code, col_code)] = value
    for report in db.execute(f"SELECT {', '.join(WIDE_KEYS)} FROM reports ORDER BY province, report_year, report_id"):
        mine = cells.get(report[0], {})
        yield [*report, *(mine.get(wide_column(r, c)) for r in APPLICATION_ROWS for c in APPLICATION_COLUMNS)]


def export_all(db: sqlite_utils.Database, out: Path) -> dict[str, int]:
    """Write every CSV into `out`; return the row count of each file."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, sql in TABLE_QUERIES.items():
        cursor = db.execute(sql)
        counts[name] = write_csv(out / name, [d[0] for d in cursor.description], cursor)
    header = WIDE_KEYS + [wide_column(r, c) for r in APPLICATION_ROWS for c in APPLICATION_COLUMNS]
    counts["applications_wide.csv"] = write_csv(out / "applications_wide.csv", header, applications_wide(db))
    return counts
