"""Spreadsheets (.xlsx with openpyxl, .xls with xlrd) → blocks the table stage reads.

Each sheet is split into tables at fully empty rows; merged ranges become
``rowspan``/``colspan``; a leading row holding a single text (a title
merged across the sheet) becomes a paragraph, so the table stage sees the
same caption-then-grid shape an HTML report prints.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.attachments.render import AttachmentError, Block, Cell, Table

logger = logging.getLogger(__name__)

MAX_CELLS = 200_000  # a statistical report has a few hundred; a larger sheet is data, not a report
MAX_UNZIPPED = 64 * 1024 * 1024  # zip bombs: the sum of the parts' declared sizes


@dataclass(frozen=True)
class Sheet:
    """One sheet as a value grid plus its merged ranges (0-based, end-exclusive)."""

    name: str
    values: list[list[str]]
    merges: list[tuple[int, int, int, int]]  # (row0, row1, col0, col1)


def cell_text(value: object) -> str:
    """A cell value as printed: whole floats without ``.0``, dates as ISO.

    >>> [cell_text(v) for v in (12.0, 1.5, None, " 规章 ", True)]
    ['12', '1.5', '', '规章', 'TRUE']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def sheet_blocks(sheet: Sheet) -> list[Block]:
    """Paragraphs and tables of one sheet, top to bottom."""
    width = max((len(r) for r in sheet.values), default=0)
    grid = [row + [""] * (width - len(row)) for row in sheet.values]
    origin: dict[tuple[int, int], tuple[int, int]] = {}  # covered slot → (rowspan, colspan) at origin
    covered: set[tuple[int, int]] = set()
    for r0, r1, c0, c1 in sheet.merges:
        if r0 >= len(grid) or c0 >= width:
            continue
        r1, c1 = min(r1, len(grid)), min(c1, width)
        origin[(r0, c0)] = (r1 - r0, c1 - c0)
        covered |= {(r, c) for r in range(r0, r1) for c in range(c0, c1)} - {(r0, c0)}
    blocks: list[Block] = []
    table: Table | None = None
    for r, row in enumerate(grid):
        live = [c for c in range(width) if row[c] and (r, c) not in covered]
        if not live and not any((r, c) in covered for c in range(width)):
            table = None  # an empty row ends a table
            continue
        spans_all = len(live) == 1 and origin.get((r, live[0]), (1, 1))[1] >= max(width - live[0], 2)
        if table is None and (spans_all or (len(live) == 1 and width > 2 and origin.get((r, live[0])) is None)):
            blocks.append(row[live[0]])  # a title or caption line above a table
            continue
        if table is None:
            table = Table(columns=width)
            blocks.append(table)
        cells = []
        for c in range(width):
            if (r, c) in covered:
                continue
            rs, cs = origin.get((r, c), (1, 1))
            cells.append(Cell(row[c], rs, cs))
        table.rows.append(cells)
    return blocks


def _check_zip(body: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            if any(i.flag_bits & 0x1 for i in archive.infolist()):
                raise AttachmentError("xlsx encrypted: a part of the package is encrypted")
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise AttachmentError(f"xlsx too large: unzipped parts exceed {MAX_UNZIPPED} bytes")
    except zipfile.BadZipFile as exc:
        raise AttachmentError(f"xlsx corrupt: {exc}") from exc


def xlsx_sheets(body: bytes) -> Iterable[Sheet]:
    """The sheets of an .xlsx, values as cached (formulas give their last computed value)."""
    import openpyxl

    _check_zip(body)
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), data_only=True, read_only=False)
    except AttachmentError:
        raise
    except Exception as exc:  # openpyxl raises KeyError/ValueError/… on a broken package
        raise AttachmentError(f"xlsx corrupt: {type(exc).__name__}: {exc}") from exc
    total = 0
    for ws in book.worksheets:
        total += (ws.max_row or 0) * (ws.max_column or 0)
        if total > MAX_CELLS:
            raise AttachmentError(f"xlsx too large: more than {MAX_CELLS} cells")
        values = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        yield Sheet(ws.title, values, merges)


def ole2_truncated(body: bytes) -> bool:
    """True when the compound file's header names FAT sectors past the end of `body` (a cut-off download).

    xlrd reads what is there of a truncated file without complaint.
    """
    if len(body) < 512:
        return True
    shift = int.from_bytes(body[0x1E:0x20], "little")
    size = 1 << shift if 7 <= shift <= 16 else 512
    n_fat = int.from_bytes(body[0x2C:0x30], "little")
    sectors = (len(body) - 512) // size
    difat = [int.from_bytes(body[0x4C + 4 * i : 0x50 + 4 * i], "little") for i in range(min(n_fat, 109))]
    if any(s >= sectors for s in difat):
        return True
    used = 0  # the highest sector the FAT marks as in use
    for fat in difat:
        start = 512 + fat * size
        entries = [int.from_bytes(body[i : i + 4], "little") for i in range(start, start + size, 4)]
        for index, entry in enumerate(entries):
            if entry != 0xFFFFFFFF:
                used = max(used, difat.index(fat) * (size // 4) + index)
    return used >= sectors


def xls_sheets(body: bytes, kind: str = "xls") -> Iterable[Sheet]:
    """The sheets of a BIFF .xls (Excel 97–2003; also WPS .et saved as BIFF8)."""
    import xlrd

    if ole2_truncated(body):
        raise AttachmentError(f"{kind} corrupt: truncated compound file ({len(body)} bytes)")

    try:
        book = xlrd.open_workbook(file_contents=body, formatting_info=True, on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        text = str(exc)
        reason = "encrypted" if "encrypt" in text.lower() else "corrupt"
        raise AttachmentError(f"{kind} {reason}: {text}") from exc
    except Exception as exc:  # struct/assertion errors on a damaged file
        raise AttachmentError(f"{kind} corrupt: {type(exc).__name__}: {exc}") from exc
    total = 0
    for index in range(book.nsheets):
        ws = book.sheet_by_index(index)
        total += ws.nrows * ws.ncols
        if total > MAX_CELLS:
            raise AttachmentError(f"{kind} too large: more than {MAX_CELLS} cells")
        values = []
        for r in range(ws.nrows):
            row = []
            for c in range(ws.ncols):
                cell = ws.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(cell_text(bool(cell.value)))
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append("")
                else:
                    row.append(cell_text(cell.value))
            values.append(row)
        yield Sheet(ws.name, values, [(m[0], m[1], m[2], m[3]) for m in ws.merged_cells])


def workbook_blocks(sheets: Iterable[Sheet]) -> list[Block]:
    """All sheets' blocks in workbook order."""
    blocks: list[Block] = []
    for sheet in sheets:
        blocks += sheet_blocks(sheet)
    return blocks
