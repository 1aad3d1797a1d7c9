"""Tables as printed: HTML tables as a true grid, text tables as cell runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsel import Selector

from crawler.parsing.values import clean_cell, is_value_cell

_MAX_SPAN = 200
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef()、.:,“”])\s+(?=[\u3000-\u9fff\uff00-\uffef()“”])")


def clean_label(text: str) -> str:
    """Printed label with line breaks and stray spaces inside words removed.

    >>> clean_label("商业 企业")
    '商业企业'
    >>> clean_label("本年新\\n制作数量")
    '本年新制作数量'
    """
    return _CJK_GAP.sub("", clean_cell(text))


@dataclass(frozen=True)
class GridCell:
    """One slot of the grid; a spanned cell fills several slots with one origin."""

    text: str
    origin: tuple[int, int]   # (row, column) of the <td> that fills this slot


Grid = list[list[GridCell]]


def _span(value: str | None) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return min(max(int(match[1]), 1), _MAX_SPAN) if match else 1


def _cell_text(cell: Selector) -> str:
    parts = cell.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return clean_cell(" ".join(parts))


def table_grid(table: Selector) -> Grid:
    """Expand rowspan/colspan into a rectangular grid of slots.

    >>> html = '<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr><tr><td>c</td><td>d</td></tr></table>'
    >>> [[c.text for c in row] for row in table_grid(Selector(html).xpath("//table")[0])]
    [['a', 'b', 'b'], ['a', 'c', 'd']]
    """
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    taken: dict[tuple[int, int], GridCell] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row.xpath("./td|./th"):
            while (r, c) in taken:
                c += 1
            slot = GridCell(_cell_text(cell), (r, c))
            rowspan = min(_span(cell.attrib.get("rowspan")), len(rows) - r)
            colspan = _span(cell.attrib.get("colspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.setdefault((r + dr, c + dc), slot)
            c += colspan
        width = max(width, c, max((cc + 1 for (rr, cc) in taken if rr == r), default=0))
    empty = GridCell("", (-1, -1))
    return [[taken.get((r, c), empty) for c in range(width)] for r in range(len(rows))]


def data_tables(main: Selector) -> list[Selector]:
    """Tables that hold data, in document order; layout tables are rejected.

    A table wrapping another table is page layout, and so is a table of one
    column; the tables inside a layout table are still considered.
    """
    found = []
    for table in main.xpath("descendant-or-self::table"):
        if table.xpath(".//table"):
            continue
        rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        if max((len(r.xpath("./td|./th")) for r in rows), default=0) < 2:
            continue
        found.append(table)
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
