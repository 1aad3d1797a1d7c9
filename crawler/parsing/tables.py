"""Map printed tables to the canonical cells of spec/report-tables.md.

Rows are recognised by their labels (``ROW_PATTERNS``), columns by their
header labels (``COLUMN_LABELS``); position is used only inside what the
labels already decided (a truncated header such as ``结果``, a text table
whose header lost its spans).  Whatever cannot be mapped is reported in
``errors``; nothing is guessed silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree
from parsel import Selector

from crawler.parsing.grid import Grid, GridCell, clean_label, data_table_rows, rows_grid, text_runs
from crawler.parsing.labels import (
    ACTIVE_COLUMNS,
    APPLICATION_COLUMNS,
    APPLICATION_ROWS_2019,
    APPLICATION_ROWS_2021,
    COLUMN_LABELS,
    GROUP_PATTERNS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_LEAVES,
    ROW_PATTERNS,
    TABLE_CODES,
    VALUE_UNITS,
    compact,
    strip_numbering,
)
from crawler.parsing.sections import classify_heading
from crawler.parsing.values import is_value_cell, parse_value

Cell = dict[str, object]
_FULL_COLUMN_LABEL = {(t, code): full for t, cols in COLUMN_LABELS.items() for code, _, full in cols}


@dataclass
class TablesResult:
    """Long-form cells, the nested ``tables`` view, and what went wrong."""

    cells: list[Cell] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, dict[str, dict[str, object]]]:
        nested: dict[str, dict[str, dict[str, object]]] = {}
        key: tuple[object, object] | None = None
        row: dict[str, object] = {}
        for cell in self.cells:  # a row's cells are consecutive: its dict is looked up once
            if (cell["table_code"], cell["row_code"]) != key:
                key = (cell["table_code"], cell["row_code"])
                row = nested.setdefault(str(key[0]), {}).setdefault(str(key[1]), {})
            row[str(cell["col_code"])] = cell["value"]
        return nested


@dataclass(frozen=True)
class Label:
    """What a printed label is: a row, a group of rows, a column, prose."""

    kind: str  # "row" | "group" | "column" | "heading" | "prose"
    table: str | None = None
    code: str | None = None


_COLUMN_RES = tuple(
    (table, tuple((code, re.compile(pattern), full) for code, pattern, full in columns))
    for table, columns in COLUMN_LABELS.items()
)
# Cells that can only be values (numbers, units, placeholders) are never labels.
_VALUE_ONLY = re.compile(
    r"[\d.,+\-−/\\—－×…%]*(?:" + "|".join(sorted(map(re.escape, VALUE_UNITS), key=len, reverse=True)) + ")?"
)


@functools.lru_cache(maxsize=8192)
def _column_matches(words: str) -> tuple[tuple[str, str], ...]:
    """(table, column code) of every table whose columns ``words`` names; cached, as labels recur."""
    found = []
    for table, columns in _COLUMN_RES:
        for code, pattern, full in columns:
            if pattern.search(words) or (len(words) >= 2 and full.startswith(words)):
                found.append((table, code))
                break
    return tuple(found)


_PROSE = Label("prose")
# Labels are immutable values: one instance per distinct label, not one per cell read.
_label = functools.lru_cache(maxsize=4096)(Label)
# words, numbered, row (table, code), group (table, code), column matches, heading
_Facts = tuple[str, bool, tuple[str, str] | None, tuple[str, str] | None, tuple[tuple[str, str], ...], bool]


# A parenthetical note printed after a row label (folded to ASCII brackets by compact()).
_NOTE = re.compile(r"\([^()]*\)")
# A label a region adds to a statutory table (其他主动公开文件): Chinese words, no digits.
_EXTRA_LABEL = re.compile(r"^[\u4e00-\u9fff()、]{2,30}$")


@functools.lru_cache(maxsize=4096)
def _leaf_words(text: str) -> str:
    """A header label as its column is matched (compacted, numbering stripped); cached, as labels recur."""
    return strip_numbering(compact(text))


def _row_of(words: str) -> tuple[str, str] | None:
    return next(((table, code) for table, code, pattern in ROW_PATTERNS if pattern.search(words)), None)


@functools.lru_cache(maxsize=8192)
def _label_facts(text: str) -> Label | _Facts | None:
    """What a printed label could be, independent of where it is read.

    Cached: the same template labels recur in every report, and the reading
    state (which table, which group) only picks among these facts.
    """
    flat = compact(text)
    if not flat or _VALUE_ONLY.fullmatch(flat):
        return None
    if len(flat) > 80 or "。" in flat:
        return _PROSE
    words = strip_numbering(flat)
    numbered = words != flat
    row = _row_of(words)
    if row is None and "(" in words:  # 行政许可（本机关不承担行政许可职能，下同）: the note is not the label
        row = _row_of(_NOTE.sub("", words))
    group = next(((table, code) for table, code, pattern in GROUP_PATTERNS if pattern.search(words)), None)
    heading = bool(numbered and classify_heading(words))
    return words, numbered, row, group, tuple(_column_matches(words)), heading


@functools.lru_cache(maxsize=16384)
def _classify(text: str, apps_last: bool, table: str | None, group: str | None) -> Label | None:
    """What a label is, read in a state: the table last read, the applications group, and
    whether it is the row's last label with an applications row already read (``apps_last``).

    Cached on the label and that state: the same few labels are read in every report.
    """
    facts = _label_facts(text)
    if facts is None or isinstance(facts, Label):
        return facts
    words, numbered, row, group_of, columns, heading = facts
    if words == "其他" and (numbered or apps_last) and group == "3.6":
        return _label("row", "applications", "3.6.3")
    # A bare 总计 is the applications total only where a total row can be.
    if row is not None and not (row[1] == "3.7" and not (numbered or apps_last)):
        return _label("row", *row)
    if group_of is not None:
        return _label("group", *group_of)
    if columns:
        for table_of, code in columns:
            if table_of == table:
                return _label("column", table_of, code)
        return _label("column", *columns[0])
    if heading:
        return _label("heading")
    return None


class _ColumnMap(NamedTuple):
    """A header map (grid column → (table, col_code, printed label, span)) with what every data row reads of it.

    Made once per header (and cached with it), not once per data row: the
    columns in grid order, the grid columns their spans cover, whether every
    span is one column, and the table.
    """

    columns: dict[int, tuple[str, str, str, int]]
    order: tuple[tuple[int, str, str, int], ...]  # (grid column, col_code, printed label, span), by column
    covered: frozenset[int]
    single: bool
    table: str
    last: int  # the last grid column mapped: a row narrower than that is read in sequence

    @classmethod
    def of(cls, columns: dict[int, tuple[str, str, str, int]]) -> _ColumnMap | None:
        """The map of ``columns`` (None when empty)."""
        if not columns:
            return None
        order = tuple((c, code, label, span) for c, (_, code, label, span) in sorted(columns.items()))
        covered = frozenset(c + k for c, v in columns.items() for k in range(v[3]))
        single = all(span == 1 for *_, span in order)
        return cls(columns, order, covered, single, next(iter(columns.values()))[0], order[-1][0])


# header rows' cells, table, group → (column map, errors it records); cleared when full
_HEADER_MAPS: dict[
    tuple[tuple[tuple[GridCell, ...], ...], str | None, str | None],
    tuple[_ColumnMap | None, tuple[str, ...]],
] = {}
_HEADER_MAPS_MAX = 1024
# labels, has values, reading state → (row, state after, header updates); cleared when full
_ROWS_READ: dict[
    tuple[tuple[str, ...], bool, str | None, str | None, bool, bool, bool],
    tuple[tuple[str, str, str] | None, str | None, str | None, bool, tuple[tuple[str, str | None, str], ...]],
] = {}
_ROWS_READ_MAX = 4096


class _Mapper:
    """Stateful reader of table rows, shared by HTML grids and text tables."""

    def __init__(self, fmt: str | None) -> None:
        self.fmt = fmt
        self.result = TablesResult()
        self.rows: dict[tuple[str, str], list[int | float | None]] = {}
        self.tables_read: set[str] = set()  # tables of ``rows``: asked per label, kept as rows are added
        self.printed: dict[str, set[str]] = {}  # table → rows with cells: what the gaps are judged on
        self.table: str | None = None  # table the last label belonged to
        self.group: str | None = None  # applications group, e.g. "3.6"
        self.active_format: str | None = None
        self.header: dict[str, dict[str, str]] = {t: {} for t in TABLE_CODES}
        self.after_data = False
        self.last_active_columns: list[str] = []
        self._ops: list[tuple[str, str | None, str]] | None = None  # header updates, while a row is read uncached

    # -- labels -------------------------------------------------------------

    def classify(self, text: str, *, last: bool = False) -> Label | None:
        return _classify(text, last and self._in_apps(), self.table, self.group)

    def _in_apps(self) -> bool:
        """Reading the applications table, with an applications row already read."""
        return self.table == "applications" and "applications" in self.tables_read

    def _note(self, label: Label, text: str) -> None:
        """Update the reading state with one label."""
        if label.kind in ("prose", "heading"):
            self.table, self.group = None, None
            return
        if label.table:
            self.table = label.table
        if label.kind == "column":
            if self.after_data:
                self._header_op(str(label.table), None, "")  # a column label always names its table
                self.after_data = False
            self._header_op(str(label.table), str(label.code), clean_label(text))
        elif label.kind == "group":
            if label.table == "applications" and str(label.code).startswith("3."):
                self.group = label.code
            elif label.code == "block" and self.after_data:
                self._header_op("active", None, "")
                self.after_data = False
        elif label.kind == "row":
            code = str(label.code)
            self.group = code.rsplit(".", 1)[0] if code.count(".") == 2 else None

    def _header_op(self, table: str, code: str | None, label: str) -> None:
        """A column label read into ``header`` (``code`` None: the table's header starts afresh); recorded for replay."""
        self._header_apply(table, code, label)
        if self._ops is not None:
            self._ops.append((table, code, label))

    def _header_apply(self, table: str, code: str | None, label: str) -> None:
        """One header update, copy on write: ``header`` and its dicts are never changed in place,
        so a reading saves the state it may restore by reference (most rows change no header)."""
        if code is None:
            self.header = {**self.header, table: {}}
        elif code not in self.header[table]:
            self.header = {**self.header, table: {**self.header[table], code: label}}

    def resolve_row(self, labels: list[str], has_values: bool) -> tuple[str, str, str] | None:
        """(table, row_code, printed label) of a row from its label cells.

        Cached on the labels and every part of the reading state the reading
        depends on; a hit sets the state the reading left and replays its
        header updates (template rows recur in every report).
        """
        key = (
            tuple(labels),
            has_values,
            self.table,
            self.group,
            self.after_data,
            "active" in self.tables_read,
            "applications" in self.tables_read,
        )
        hit = _ROWS_READ.get(key)
        if hit is None:
            self._ops = []
            row = self._resolve_row(labels, has_values)
            if len(_ROWS_READ) >= _ROWS_READ_MAX:
                _ROWS_READ.clear()
            _ROWS_READ[key] = (row, self.table, self.group, self.after_data, tuple(self._ops))
            self._ops = None
            return row
        row, self.table, self.group, self.after_data, ops = hit
        for table, code, label in ops:
            self._header_apply(table, code, label)
        return row

    def _resolve_row(self, labels: list[str], has_values: bool) -> tuple[str, str, str] | None:
        """:meth:`resolve_row` uncached."""
        row = None
        if has_values and len(labels) == 1:
            extra = self._extra_row(labels[0])
            if extra:
                return extra
        for i, text in enumerate(labels):
            last = i == len(labels) - 1
            label = self.classify(text, last=last)
            if label is None:
                continue
            self._note(label, text)
            if label.kind == "row":
                row = (str(label.table), str(label.code), clean_label(text))
            elif label.kind == "group" and label.code == "3.6" and last and has_values:
                row = ("applications", "3.6", clean_label(text))
            elif label.kind == "prose":
                row = None
        return row

    def _extra_row(self, text: str) -> tuple[str, str, str] | None:
        """A row the national template does not have, printed among the active rows.

        Regions add rows such as 其他主动公开文件 under 第二十条第（一）项; they are
        kept as ``extra:<label>`` (never summed into a national total) instead
        of being dropped with their numbers.
        """
        if self.table != "active" or "active" not in self.tables_read:
            return None
        facts = _label_facts(text)
        if not isinstance(facts, tuple) or facts[2] is not None or facts[3] is not None:
            return None  # prose, a template row or a group label
        words = facts[0]
        if not _EXTRA_LABEL.match(words) or re.match(r"^(合计|总计|小计|信息内容)$", words):
            return None
        label = clean_label(text)
        return ("active", f"extra:{label}", label)

    # -- columns ------------------------------------------------------------

    def columns_for(self, table: str, row: str, n_values: int) -> list[tuple[str, str]]:
        """(col_code, col_label) a row's values fill in order, when no grid header says."""
        header = self.header.get(table, {})
        if table == "applications":
            codes: Iterable[str] = APPLICATION_COLUMNS
        elif table == "review_litigation":
            codes = REVIEW_COLUMNS
        elif row.startswith("extra:"):  # no template columns: the header's, else the row above's
            codes = list(header) if len(header) == n_values else self.last_active_columns
        else:
            options = [(fmt, ACTIVE_COLUMNS[fmt][row]) for fmt in ("2021", "2019") if row in ACTIVE_COLUMNS[fmt]]
            fmt, codes = max(
                options,
                key=lambda o: (
                    len(set(header) & set(o[1])),
                    len(o[1]) == n_values,
                    o[0] == (self.active_format or self.fmt),
                ),
            )
            self.active_format = fmt
        out = []
        for code in codes:
            leaf = code.split(".")[-1]
            label = (header.get(code) or header.get(leaf)) if table != "review_litigation" else None
            out.append((code, label or _FULL_COLUMN_LABEL.get((table, leaf), leaf)))
        return out

    # -- output -------------------------------------------------------------

    def emit(
        self,
        table: str,
        row: str,
        row_label: str,
        values: list[tuple[str, str, str]],
        confidences: list[float | None] | None = None,
    ) -> None:
        """Cells of one row; `confidences` (per value) marks OCR'd cells: source 'ocr' and their confidence."""
        key = (table, row)
        if table == "active":
            self.last_active_columns = [code for code, _, _ in values]
        parsed = [parse_value(raw) for _, _, raw in values]
        if key in self.rows:
            if self.rows[key] != parsed:
                self.result.errors.append(f"{table}/{row}: printed twice with different values; first kept")
            return
        self.rows[key] = parsed
        self.tables_read.add(table)
        if not values:
            return
        self.printed.setdefault(table, set()).add(row)
        # Each cell a copy of the row's dict with its four own fields set: a quarter cheaper than a 7-key literal.
        row_cell: dict[str, object] = {
            "table_code": table,
            "row_code": row,
            "row_label": row_label,
            "col_code": None,
            "col_label": None,
            "raw": None,
            "value": None,
        }
        new, add = row_cell.copy, self.result.cells.append
        confs = confidences or [None] * len(values)
        for (col, col_label, raw), value, conf in zip(values, parsed, confs, strict=False):
            cell = new()
            cell["col_code"] = col
            cell["col_label"] = col_label
            cell["raw"] = raw
            cell["value"] = value
            if conf is not None:
                cell["source"], cell["confidence"] = "ocr", conf
            add(cell)

    def emit_sequence(
        self, table: str, row: str, row_label: str, raws: list[str], confidences: list[float | None] | None = None
    ) -> None:
        """Values in printed order onto the row's columns, reporting any mismatch."""
        if table == "review_litigation" and row == "all" and len(raws) < len(REVIEW_LEAVES):
            return
        columns = self.columns_for(table, row, len(raws))
        if len(raws) != len(columns):
            self.result.errors.append(
                f"{table}/{row}: {len(raws)} values for {len(columns)} columns; "
                f"mapped the first {min(len(raws), len(columns))} in template order"
            )
        self.emit(
            table,
            row,
            row_label,
            [(code, label, raw) for (code, label), raw in zip(columns, raws, strict=False)],
            confidences,
        )

    # -- text tables --------------------------------------------------------

    def read_text(self, text: str, skip: set[str]) -> None:
        self.table, self.group, self.after_data = None, None, False
        for labels, values in text_runs(text):
            row = self.resolve_row(labels, bool(values))
            if not values:
                continue
            if row is None and self.table == "review_litigation":
                row = ("review_litigation", "all", "")
            if row is not None and row[0] not in skip:
                self.emit_sequence(row[0], row[1], row[2], values)
                self.after_data = True

    # -- HTML grids ---------------------------------------------------------

    def header_map(self, grid: Grid, header_rows: list[int]) -> _ColumnMap | None:
        """Grid column → (table, col_code, printed label, span) from header rows; None when none maps.

        Cached on the header rows' cells and the reading state the labels
        are classified in: a template's header recurs in every report.  The
        errors a map records are recorded again on a cache hit.
        """
        key = (tuple(tuple(grid[r]) for r in header_rows), self.table, self.group)
        hit = _HEADER_MAPS.get(key)
        if hit is None:
            before = len(self.result.errors)
            columns = self._header_map(grid, header_rows)
            if len(_HEADER_MAPS) >= _HEADER_MAPS_MAX:
                _HEADER_MAPS.clear()
            hit = _HEADER_MAPS[key] = (_ColumnMap.of(columns), tuple(self.result.errors[before:]))
        else:
            self.result.errors.extend(hit[1])
        return hit[0]  # immutable in use: shared by every report of the template

    def _header_map(self, grid: Grid, header_rows: list[int]) -> dict[int, tuple[str, str, str, int]]:
        """:meth:`header_map` uncached.

        A spanned header cell is classified once, not once per column it
        covers (the reading state does not change while the map is made).
        """
        width = len(grid[0]) if grid else 0
        head = [grid[r] for r in header_rows]
        known: dict[tuple[int, int], Label | None] = {}  # origin → its label
        paths: list[list[tuple[str, Label | None, tuple[int, int]]]] = []
        votes: dict[str, int] = {}
        for c in range(width):
            path: list[tuple[str, Label | None, tuple[int, int]]] = []
            seen: set[tuple[int, int]] = set()
            for line in head:
                cell = line[c]
                origin = cell.origin
                if origin in seen or not cell.text:
                    continue
                seen.add(origin)
                if origin in known:
                    label = known[origin]
                else:
                    label = known[origin] = self.classify(cell.text)
                path.append((cell.text, label, origin))
                if label is not None and label.table and label.kind in ("column", "group"):
                    votes[label.table] = votes.get(label.table, 0) + 1
            paths.append(path)
        if not votes:
            return {}
        table = max(votes, key=lambda t: votes[t])
        columns: dict[int, tuple[str, str, str, int]] = {}
        for c, path in enumerate(paths):
            leaf = None
            for p in reversed(path):
                if p[1] is not None and p[1].kind == "column":
                    leaf = p
                    break
            if leaf is None:
                continue
            text, _, origin = leaf
            if c > 0 and any(line[c - 1].origin == origin for line in head):
                continue  # not the first column of a spanned header cell
            span = 1
            while c + span < width and any(line[c + span].origin == origin for line in head):
                span += 1
            code = next((code for t, code in _column_matches(_leaf_words(text)) if t == table), None)
            if table == "review_litigation":
                groups = [p[1].code for p in path if p[1] and p[1].kind == "group" and p[1].code in REVIEW_GROUPS]
                code = f"{groups[-1] if groups else '?'}.{code}"
            if code:
                columns[c] = (table, code, clean_label(text), span)
        if table == "review_litigation":
            columns = self._review_by_position(columns)
        return columns

    def _review_by_position(
        self, columns: dict[int, tuple[str, str, str, int]]
    ) -> dict[int, tuple[str, str, str, int]]:
        """Fill groups/leaves the labels left open (``行政诉讼`` without a
        sub-heading, a truncated ``结果``) from the template's order."""
        ordered = sorted(columns)
        if len(ordered) != len(REVIEW_COLUMNS):
            bad = [columns[c][1] for c in ordered if "?" in columns[c][1]]
            if bad:
                self.result.errors.append(f"review_litigation: {len(ordered)} header columns, groups unknown for {bad}")
            return {c: v for c, v in columns.items() if "?" not in v[1]}
        out = {}
        truncated = []
        for c, canonical in zip(ordered, REVIEW_COLUMNS, strict=False):
            table, code, label, span = columns[c]
            leaf = compact(label)
            full = _FULL_COLUMN_LABEL[("review_litigation", canonical.split(".")[1])]
            group, printed_leaf = code.split(".")
            compatible = full.startswith(leaf) or printed_leaf == canonical.split(".")[1]
            if not compatible or group not in ("?", canonical.split(".")[0]):
                self.result.errors.append(f"review_litigation: header {label!r} where the template has {canonical}")
            elif leaf != full:
                truncated.append(label)
            out[c] = (table, canonical, label, span)
        if truncated:
            self.result.errors.append(
                "review_litigation: header labels short of the template's "
                f"({' '.join(dict.fromkeys(truncated))}); the 15 columns mapped by the template's order"
            )
        return out

    def read_grid(self, grid: Grid, carried: dict[str, _ColumnMap]) -> None:
        self.table, self.group, self.after_data = None, None, False
        header_rows: list[int] = []
        colmap: _ColumnMap | None = None
        covered: frozenset[int] = frozenset()  # grid columns the header map reads (spans included)
        fresh_header = False
        prev_data = False
        plain = grid.plain
        for r, row in enumerate(grid):
            distinct = list(enumerate(row)) if plain[r] else _distinct(row)
            if fresh_header:
                new_map = self.header_map(grid, header_rows)
                if new_map is not None:
                    colmap = carried[new_map.table] = new_map
                    covered = colmap.covered
            texts = [cell.text for _, cell in distinct]
            # A label is a cell that is not a value (an empty cell is a value): decided once per cell.
            is_value = list(map(is_value_cell, texts))
            if covered:
                labels = [
                    t for (c, _), t, v in zip(distinct, texts, is_value, strict=True) if not v and c not in covered
                ]
                mapped_values = [t for (c, _), t in zip(distinct, texts, strict=True) if c in covered]
            else:
                labels = [t for t, v in zip(texts, is_value, strict=True) if not v]
                mapped_values = []
            last_label = len(is_value) - 1 - is_value[::-1].index(False) if False in is_value else -1
            loose_values = texts[last_label + 1 :]
            has_values = bool(loose_values) or bool(mapped_values)
            # Without values the row is read once: a second reading from the same state would repeat it.
            saved = (self.table, self.group, self.after_data, self.header) if has_values else None
            found = self.resolve_row(labels, has_values)
            if found is None and has_values and any(parse_value(t) is not None for t in mapped_values + loose_values):
                table_of_map = colmap.table if colmap else None
                if table_of_map == "review_litigation" or (not colmap and self.table == "review_litigation"):
                    found = ("review_litigation", "all", "")
            is_data = found is not None and (has_values or bool(covered))
            if not is_data:
                if saved is not None:
                    self.table, self.group, self.after_data, self.header = saved
                    self.resolve_row(labels, False)
                kinds = [self.classify(t) for t in labels]
                if any(k and k.kind in ("column", "group") for k in kinds):
                    if prev_data or not header_rows:
                        header_rows = []
                    header_rows.append(r)
                    fresh_header = True
                    prev_data = False
                continue
            fresh_header = False
            prev_data = True
            table, code, row_label = found  # type: ignore[misc]  # is_data holds only when found is not None
            use = colmap if colmap and colmap.table == table else carried.get(table)
            if use and use.last < len(row):
                values, confidences = _mapped_values(row, use)
                self.emit(table, code, row_label, values, confidences)
            else:
                confs = [cell.confidence for _, cell in distinct[last_label + 1 :]]
                self.emit_sequence(table, code, row_label, loose_values, confs)
            self.after_data = True

    # -- completeness ---------------------------------------------------------

    def report_gaps(self, main: Selector | None) -> None:
        """Rows and tables the report's format has that were not read (``main``'s images counted only when asked)."""
        tables = self.printed
        apps = tables.get("applications")
        if apps:
            expected = (
                APPLICATION_ROWS_2021
                if any(r.startswith("3.6.") for r in apps) or ("3.6" not in apps and self.fmt == "2021")
                else APPLICATION_ROWS_2019
            )
            missing = [r for r in expected if r not in apps]
            if missing:
                self.result.errors.append(f"applications: rows not found: {', '.join(missing)}")
        active = tables.get("active")
        if active:
            fmt = self.active_format or self.fmt or "2021"
            missing = [r for r in ACTIVE_COLUMNS.get(fmt, ACTIVE_COLUMNS["2021"]) if r not in active]
            if missing:
                self.result.errors.append(f"active: rows not found: {', '.join(missing)}")
        if self.fmt in ("2019", "2021"):
            images = int(_IMAGES(main.root)) if main is not None and not tables else 0
            if not tables and images:
                self.result.errors.append(
                    f"tables printed as images ({images} <img> in the report body): no table data"
                )
                return
            for table in TABLE_CODES:
                if table not in tables:
                    self.result.errors.append(f"{table}: table not found")


def _distinct(row: list[GridCell]) -> list[tuple[int, GridCell]]:
    """(grid column, cell) of each cell of a row with spans, at its first slot."""
    distinct = []
    seen: set[tuple[int, int]] = set()
    for c, cell in enumerate(row):
        if cell.origin not in seen:
            seen.add(cell.origin)
            distinct.append((c, cell))
    return distinct


def _mapped_values(row: list[GridCell], use: _ColumnMap) -> tuple[list[tuple[str, str, str]], list[float | None]]:
    """(col_code, col_label, raw) and confidence of each mapped column of a data row.

    A column reads the first slot of its span not read yet that has text,
    else the first not read (a cell spanning two columns is read once).
    """
    values: list[tuple[str, str, str]] = []
    confidences: list[float | None] = []
    used: set[tuple[int, int]] = set()
    if use.single:  # most headers: each column one slot, read unless its cell was read already
        for c, col_code, col_label, _ in use.order:
            slot = row[c]
            if slot.origin in used:
                values.append((col_code, col_label, ""))
                confidences.append(None)
            else:
                used.add(slot.origin)
                values.append((col_code, col_label, slot.text))
                confidences.append(slot.confidence)
        return values, confidences
    width = len(row)
    for c, col_code, col_label, span in use.order:
        pick = first = None
        for k in range(c, min(c + span, width)):
            slot = row[k]
            if slot.origin in used:
                continue
            if first is None:
                first = slot
            if slot.text:
                pick = slot
                break
        if pick is None:
            pick = first
        if pick is None:
            values.append((col_code, col_label, ""))
            confidences.append(None)
            continue
        used.add(pick.origin)
        values.append((col_code, col_label, pick.text))
        confidences.append(pick.confidence)
    return values, confidences


_IMAGES = etree.XPath("count(.//img)")  # on the element: no Selector per image just to count them


def extract_tables(
    *,
    main: Selector | None = None,
    text: str = "",
    fmt: str | None = None,
    normalise: Callable[[str], str] | None = None,
) -> TablesResult:
    """Canonical cells of the report's three tables.

    HTML tables inside ``main`` are read first; a table still missing
    afterwards is looked for in ``text`` (tables flattened to text, one
    cell per line or ``|`` rows).
    """
    # Labels and values are normalised where they are read (HTML cells here;
    # `text` comes normalised), so that Traditional/pinyin labels map too.
    mapper = _Mapper(fmt)
    carried: dict[str, _ColumnMap] = {}
    seen: dict[str, str] = {}  # cell texts as read → as read by the mapper, for all the page's tables
    if main is not None:
        for _, rows in data_table_rows(main):
            grid = rows_grid(rows, normalise, seen)
            if grid:
                mapper.read_grid(grid, carried)
    found = set(mapper.printed)
    if text and len(found) < len(TABLE_CODES):
        mapper.read_text(text, skip=found)
    mapper.report_gaps(main)
    mapper.result.errors = list(dict.fromkeys(mapper.result.errors))
    return mapper.result
