"""Tables as printed: HTML tables as a true grid, text tables as cell runs.

Budgets (:mod:`crawler.budgets`): a table whose spans expand past
``GRID_MAX_CELLS`` slots is refused before the slots are made, and a page of
more than ``TABLES_MAX_PER_PAGE`` data tables is refused as it is scanned.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple

from lxml import etree
from parsel import Selector

from crawler.budgets import check, current
from crawler.parsing.values import clean_cell, is_value_cell

_MAX_SPAN = 200
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef()、.:,“”])\s+(?=[\u3000-\u9fff\uff00-\uffef()“”])")


@functools.lru_cache(maxsize=8192)
def clean_label(text: str) -> str:
    """Printed label with line breaks and stray spaces inside words removed.

    >>> clean_label("商业 企业")
    '商业企业'
    >>> clean_label("本年新\\n制作数量")
    '本年新制作数量'
    """
    return _CJK_GAP.sub("", clean_cell(text))


class GridCell(NamedTuple):
    """One slot of the grid; a spanned cell fills several slots with one origin.

    A named tuple, not a frozen dataclass: one is made per cell of every
    table, and a frozen dataclass's ``__init__`` costs three times as much.
    """

    text: str
    origin: tuple[int, int]  # (row, column) of the <td> that fills this slot
    confidence: float | None = None  # OCR confidence (data-confidence), None for printed text


class Grid(list[list[GridCell]]):
    """Rows of slots, all of one width.

    ``plain[r]`` says row r's slots are all distinct cells (no cell spans
    columns there, at most one empty filler): known while the grid is made,
    so a reader need not compare the row's origins to find its cells.
    """

    __slots__ = ("plain",)

    def __init__(self, rows: list[list[GridCell]], plain: list[bool]) -> None:
        super().__init__(rows)
        self.plain = plain


# GridCell's generated __new__ only passes its fields on: the tuple is made directly, once per cell.
_new_cell = tuple.__new__


_SPAN = re.compile(r"\s*(\d+)")


@functools.lru_cache(maxsize=256)
def _parsed_span(value: str) -> int:
    match = _SPAN.match(value)
    return min(max(int(match[1]), 1), _MAX_SPAN) if match else 1


def _span(value: str | None) -> int:
    """A rowspan/colspan attribute as a count of slots (1 when absent or not a number); few distinct values: cached."""
    return 1 if value is None else _parsed_span(value)


# Compiled once and run on lxml elements: wrapping every cell in a parsel
# Selector cost more than the rest of the table stage together.
_ROWS = etree.XPath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")


def _cells(row: etree._Element) -> list[etree._Element]:
    """A row's cells: its td and th children in document order (what ``./td|./th`` selects, without an XPath per row)."""
    return list(row.iterchildren("td", "th"))


_CELL_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")


def _cell_text(cell: etree._Element) -> str:
    """The text of a cell with child elements, before cleaning: its text nodes joined by spaces, scripts and styles left out.

    Most such cells hold one number wrapped in ``<p><span>``: their text is
    read without joining every node (see :func:`_sole_text`).
    """
    sole = _sole_text(cell)
    return sole if sole is not None else _joined_text(cell)


def _joined_text(cell: etree._Element) -> str:
    """Every text node of the cell joined by spaces, in document order (script and style text left out)."""
    for _ in cell.iter("script", "style"):
        return " ".join(_CELL_TEXT(cell))
    return " ".join(cell.itertext())


def _sole_text(cell: etree._Element) -> str | None:
    """The cell's one text node with printed characters ("" if none), None when it has more, a comment or a script.

    ``itertext`` walks the cell with an event iterator, several times the
    cost of visiting its elements; and with at most one such node the
    whitespace-only nodes and the spaces a join puts between nodes only
    lengthen whitespace runs that ``clean_cell`` collapses or strips (NFKC
    keeps whitespace whitespace and composes nothing onto it), so the one
    node cleans to what the joined text cleans to.
    """
    found = cell.text
    if found is not None and (not found or found.isspace()):
        found = None
    for element in cell.iterdescendants():
        tag = element.tag
        if tag.__class__ is not str or tag == "script" or tag == "style":
            return None  # a comment's text is not the cell's (its tail is); scripts are left out: joined instead
        text = element.text
        if text and not text.isspace():
            if found is not None:
                return None
            found = text
        text = element.tail
        if text and not text.isspace():
            if found is not None:
                return None
            found = text
    return found or ""


@functools.lru_cache(maxsize=256)
def _confidence(value: str | None) -> float | None:
    """An OCR cell's ``data-confidence`` (0..1), None when absent or not a number."""
    try:
        return min(max(float(value), 0.0), 1.0) if value is not None else None
    except ValueError:
        return None


def table_grid(table: Selector, normalise: Callable[[str], str] | None = None) -> Grid:
    """Expand rowspan/colspan into a rectangular grid of slots.

    One pass that fills each row's list of slots in place (a slot a span
    from above already holds is skipped), the budget counted before a
    cell's slots are made.

    >>> html = '<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr><tr><td>c</td><td>d</td></tr></table>'
    >>> [[c.text for c in row] for row in table_grid(Selector(html).xpath("//table")[0])]
    [['a', 'b', 'b'], ['a', 'c', 'd']]
    """
    element = table.root
    return rows_grid([_cells(row) for row in _ROWS(element)], normalise)


def rows_grid(
    rows: list[list[etree._Element]],
    normalise: Callable[[str], str] | None = None,
    seen: dict[str, str] | None = None,
) -> Grid:
    """:func:`table_grid` of a table whose rows' cells were already listed (by :func:`data_table_rows`).

    ``seen`` maps a cell's text as read to its text cleaned and normalised
    (most cells are "0": done once); the tables of one page, read with one
    ``normalise``, may share it.
    """
    n_rows = len(rows)
    if seen is None:
        seen = {}
    limit = current().grid_max_cells
    slots = 0  # slots the spans ask for so far: counted before they are made
    lines: list[list[GridCell | None]] = [[] for _ in range(n_rows)]
    wide: set[int] = set()  # rows a cell spanning columns fills
    for r, cells in enumerate(rows):
        line = lines[r]
        c = 0
        for cell in cells:
            while c < len(line) and line[c] is not None:
                c += 1
            get = cell.get
            rowspan = get("rowspan")
            rowspan = 1 if rowspan is None else min(_parsed_span(rowspan), n_rows - r)
            colspan = get("colspan")
            colspan = 1 if colspan is None else _parsed_span(colspan)
            slots += rowspan * colspan
            if slots > limit:
                check(slots, limit, "GRID_MAX_CELLS", f"table spans ask for more than {limit} cells (row {r + 1})")
            raw = (cell.text or "") if not len(cell) else _cell_text(cell)
            text = seen.get(raw)
            if text is None:
                text = clean_cell(raw) if normalise is None else normalise(clean_cell(raw))
                seen[raw] = text
            confidence = get("data-confidence")
            slot = _new_cell(GridCell, (text, (r, c), None if confidence is None else _confidence(confidence)))
            end = c + colspan
            if rowspan == 1 and colspan == 1:  # most cells: one slot, free (skipped to above)
                if c == len(line):
                    line.append(slot)
                else:
                    line[c] = slot
                c = end
                continue
            if colspan > 1:
                wide.update(range(r, r + rowspan))
            for below in lines[r : r + rowspan]:
                if len(below) < end:
                    below.extend([None] * (end - len(below)))
                for k in range(c, end):
                    if below[k] is None:
                        below[k] = slot
            c = end
    width = max(map(len, lines), default=0)
    check(n_rows * width, limit, "GRID_MAX_CELLS", f"table of {n_rows} rows by {width} columns")
    empty = GridCell("", (-1, -1))
    plain = [r not in wide and line.count(None) + width - len(line) <= 1 for r, line in enumerate(lines)]
    return Grid([[empty if s is None else s for s in line] + [empty] * (width - len(line)) for line in lines], plain)


def data_tables(main: Selector) -> list[Selector]:
    """Tables that hold data, in document order; layout tables are rejected.

    A table wrapping another table is page layout, and so is a table of one
    column; the tables inside a layout table are still considered.
    """
    return [Selector(root=element, type="html") for element, _ in data_table_rows(main)]


def _holds_table(table: etree._Element, following: etree._Element | None) -> bool:
    """Whether ``table`` holds a table, given the table after it in document order: the first
    table inside it would be that one (a look up from it, not a search of the whole table)."""
    return following is not None and any(up is table for up in following.iterancestors("table"))


def data_table_rows(main: Selector) -> list[tuple[etree._Element, list[list[etree._Element]]]]:
    """:func:`data_tables` as (table element, its rows' cells): the cells listed to judge a table are kept for its grid."""
    limit = current().tables_max_per_page
    found = []
    tables = list(main.root.iter("table"))  # the root too, in document order
    for i, element in enumerate(tables):
        if _holds_table(element, tables[i + 1] if i + 1 < len(tables) else None):
            continue
        rows = [_cells(row) for row in _ROWS(element)]
        if max(map(len, rows), default=0) < 2:
            continue
        found.append((element, rows))
        check(len(found), limit, "TABLES_MAX_PER_PAGE", f"page has more than {limit} data tables")
    return found


def text_cells(text: str) -> list[str]:
    """The cells of tables flattened into text, in reading order.

    ``a | b | |`` lines are split on the bars (empty cells dropped: in such
    dumps they are left-overs of spans); any other line is one cell.
    """
    cells: list[str] = []
    for line in (text or "").splitlines():
        if "|" in line:
            cells += [c for c in (clean_cell(x) for x in line.split("|")) if c]
        elif line.strip():
            cells.append(clean_cell(line))
    return cells


def text_runs(text: str) -> list[tuple[list[str], list[str]]]:
    """Text table cells grouped as (labels, values) runs: one logical row each.

    >>> text_runs("规章\\n0\\n0\\n行政许可 | 3 |")
    [(['规章'], ['0', '0']), (['行政许可'], ['3'])]
    """
    runs: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for cell in text_cells(text):
        if is_value_cell(cell):
            values.append(cell)
            continue
        if values:
            runs.append((labels, values))
            labels, values = [], []
        labels.append(cell)
    if labels or values:
        runs.append((labels, values))
    return runs
