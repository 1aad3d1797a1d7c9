"""Exports for Excel, pandas and R: CSVs, an xlsx workbook, and the feed-export defaults.

Excel opens a UTF-8 CSV correctly only with a BOM, and runs any cell that
starts with = + - @ (or a tab or CR) as a formula (CSV injection).  Text
cells that would are prefixed with an apostrophe; numbers stay numbers.
The same holds for feed exports (``scrapy crawl ... -O x.csv``), through
:class:`FeedExportDefaults`.  In the workbook text stays text (索引号, codes
such as 3.1, leading zeros such as 09872) and numbers are numbers.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils
from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter
from scrapy.extensions.feedexport import ItemFilter
from scrapy.settings import Settings

from crawler import codebook
from crawler.items import REPORT_FIELDS
from crawler.parsing.labels import APPLICATION_COLUMNS, APPLICATION_ROWS_2019, APPLICATION_ROWS_2021

logger = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_REPORT_FIELDS = [*REPORT_FIELDS, "dedup_key", "errors", "text"]
TABLE_QUERIES = {
    "reports.csv": f"SELECT {', '.join(CSV_REPORT_FIELDS)} FROM reports ORDER BY province, portal_id, report_year, report_id",
    "sections.csv": "SELECT report_id, seq, code, heading, text FROM sections ORDER BY report_id, seq",
    # printed order within a table: the view table_cells has no rowid, its table keeps the order as seq
    "table_cells.csv": "SELECT k.report_id, l.table_code, l.row_code, l.row_label, l.col_code, l.col_label, v.raw,"
    " v.value FROM cell_values v JOIN report_keys k ON k.report_no = v.report_no"
    " JOIN cell_labels l ON l.label_id = v.label_id ORDER BY k.report_id, l.table_code, v.seq",
    "checks.csv": "SELECT report_id, check_code, scope, expected, actual, status, evidence FROM checks "
    "ORDER BY report_id, check_code, scope",
    # the findings (crawler/findings/): per-report measures, bodies, years without a report
    "measures.csv": "SELECT report_id, code, value, denominator, evidence FROM measures ORDER BY report_id, code",
    "bodies.csv": "SELECT body_id, name, province, level, portal_id, names, first_year, last_year, reports FROM bodies "
    "ORDER BY province, name",
    "missing_reports.csv": "SELECT body_id, year, reason FROM missing_reports ORDER BY body_id, year",
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
    """Write every CSV (and codebook.csv) into `out`; return the row count of each file."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, sql in TABLE_QUERIES.items():
        cursor = db.execute(sql)
        counts[name] = write_csv(out / name, [d[0] for d in cursor.description], cursor)
    header = WIDE_KEYS + [wide_column(r, c) for r in APPLICATION_ROWS for c in APPLICATION_COLUMNS]
    counts["applications_wide.csv"] = write_csv(out / "applications_wide.csv", header, applications_wide(db))
    counts["codebook.csv"] = write_csv(out / "codebook.csv", ["kind", "code", "meaning"], codebook.codebook_rows())
    return counts


# --------------------------------------------------------------------------
# the workbook

TEXT_FORMAT = "@"  # Excel's "Text" number format: what is typed later stays text too


def _label(table: str, column: str) -> str:
    return codebook.COLUMNS.get(table, {}).get(column, column).split(" · ")[0]


XLSX_SHEETS: list[tuple[str, str, str]] = [  # (sheet, table for labels, query)
    (
        "报告 reports",
        "reports",
        f"SELECT {', '.join(c for c in CSV_REPORT_FIELDS if c != 'text')}, body_id FROM reports"
        " ORDER BY province, portal_id, report_year, report_id",
    ),
    (
        "检查与发现 checks",
        "checks",
        "SELECT report_id, check_code, scope, expected, actual, status, evidence FROM checks"
        " ORDER BY report_id, check_code, scope",
    ),
    (
        "指标 measures",
        "measures",
        "SELECT report_id, code, value, denominator, evidence FROM measures ORDER BY report_id, code",
    ),
    ("机关 bodies", "bodies", "SELECT * FROM bodies ORDER BY province, name"),
    ("缺失年报 missing", "missing_reports", "SELECT * FROM missing_reports ORDER BY body_id, year"),
]
WIDE_SHEETS = {
    "active": "表一 主动公开 active",
    "applications": "表二 依申请 applications",
    "review_litigation": "表三 复议诉讼 review",
}
EXCEL_MAX_CHARS = 32_767  # a longer cell makes Excel refuse the file


def _put(ws: Any, row: int, col: int, value: Any) -> None:
    """One cell: a string is text (never a formula), a number a number."""
    if isinstance(value, bytes):
        value = value.hex()
    cell = ws.cell(row=row, column=col, value=value[:EXCEL_MAX_CHARS] if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        cell.number_format = TEXT_FORMAT


def _sheet(wb: Any, title: str, labels: Sequence[str], codes: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A sheet with two header rows (Chinese label, then the code), frozen below them."""
    ws = wb.create_sheet(title=title[:31])
    for col, (label, code) in enumerate(zip(labels, codes, strict=True), start=1):
        _put(ws, 1, col, label)
        _put(ws, 2, col, code)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            _put(ws, count + 2, col, value)
    ws.freeze_panes = "B3"
    return count


def _wide_rows(db: sqlite_utils.Database, table_code: str, cells: list[tuple[str, str]]) -> Iterator[list[Any]]:
    values: dict[str, dict[tuple[str, str], Any]] = {}
    for report_id, row_code, col_code, value in db.execute(
        "SELECT report_id, row_code, col_code, value FROM table_cells WHERE table_code = ?", [table_code]
    ):
        values.setdefault(report_id, {})[(row_code, col_code)] = value
    for report in db.execute(f"SELECT {', '.join(WIDE_KEYS)} FROM reports ORDER BY province, report_year, report_id"):
        mine = values.get(report[0])
        if mine is None:
            continue
        yield [*report, *(mine.get(cell) for cell in cells)]


def export_xlsx(db: sqlite_utils.Database, path: Path) -> dict[str, int]:
    """Write the workbook: reports, checks and findings, measures, bodies, one wide sheet per table, codebook."""
    from openpyxl import Workbook  # only this export needs it

    wb = Workbook()
    wb.remove(wb.active)
    counts: dict[str, int] = {}
    for title, table, sql in XLSX_SHEETS:
        if not db[table].exists():
            continue
        cursor = db.execute(sql)
        codes = [d[0] for d in cursor.description]
        counts[title] = _sheet(wb, title, [_label(table, c) for c in codes], codes, cursor)
    for table_code, title in WIDE_SHEETS.items():
        cells = codebook.all_cells(table_code)
        labels = [_label("reports", k) for k in WIDE_KEYS] + [codebook.cell_label(table_code, r, c) for r, c in cells]
        codes = list(WIDE_KEYS) + [f"{table_code}.{r}.{c}" for r, c in cells]
        counts[title] = _sheet(wb, title, labels, codes, _wide_rows(db, table_code, cells))
    counts["代码表 codebook"] = _sheet(
        wb, "代码表 codebook", ["类别", "代码", "含义"], ["kind", "code", "meaning"], codebook.codebook_rows()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return counts


# --------------------------------------------------------------------------
# feed exports (scrapy crawl ... -O x.csv)


class SafeCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter with formula-starting text neutralised, as in our own CSVs."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return safe_cell(super().serialize_field(field, name, value))


class KeptReportsFilter(ItemFilter):
    """One row per report in a feed: a report seen on two portals (or twice) is exported once.

    The store keeps the more complete copy; a feed is written as items
    arrive, so the copy exported is the first one, and a later, more
    complete copy of the same report is left out of the feed (the database
    and ``scrapy export`` have the kept one).
    """

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        self.seen: set[str] = set()

    def accepts(self, item: Any) -> bool:
        report_id = ItemAdapter(item).get("report_id")
        if report_id is None:
            return True
        if report_id in self.seen:
            logger.debug("Feed export: report %s already exported, not repeated", report_id)
            return False
        self.seen.add(report_id)
        return True


class FeedExportDefaults:
    """Add-on: every feed gets one row per report; CSV feeds get a BOM and formula-safe cells.

    Feeds given on the command line (``-O x.csv``) carry no item filter or
    encoding of their own, so these defaults are applied here, once the
    settings are final; an encoding or item_filter set for a feed is kept.
    """

    def update_settings(self, settings: Settings) -> None:
        feeds = settings.getdict("FEEDS")
        if feeds:
            completed = {}
            for uri, options in feeds.items():
                options = dict(options or {})
                options.setdefault("item_filter", f"{__name__}.KeptReportsFilter")
                fmt = options.get("format") or str(uri).rsplit(".", 1)[-1].lower()
                if fmt == "csv":
                    options.setdefault("encoding", "utf-8-sig")
                completed[uri] = options
            settings.set("FEEDS", completed, priority=settings.getpriority("FEEDS") or "addon")
        exporters = settings.getdict("FEED_EXPORTERS")
        exporters.setdefault("csv", f"{__name__}.SafeCsvItemExporter")
        settings.set("FEED_EXPORTERS", exporters, priority="addon")
