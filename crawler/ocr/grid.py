"""Table structure from ruling lines: a morphological opening on a numpy array.

Printed and scanned statistical tables are ruled and axis-aligned, so a
run-length opening (a pixel is line when ``min_run`` dark pixels in a row
cover it) finds the lines; OpenCV's morphology would do the same with a
60 MB wheel.  Slots between consecutive lines are merged wherever the line
between them is missing, which gives each cell its rowspan/colspan.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DARK = 160  # grey level below which a pixel is ink
LINE_COVER = 0.6  # share of a boundary that must be line for the two slots to be separate


@dataclass(frozen=True)
class GridBox:
    """One cell: its slot position and span, and its pixel box (x0, y0, x1, y1) inside the lines."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class TableBox:
    box: tuple[int, int, int, int]
    cells: list[GridBox]
    rows: int
    cols: int


def _runs(mask: NDArray[np.bool_], length: int, axis: int) -> NDArray[np.bool_]:
    """Opening of `mask` by a 1×`length` line along `axis`: pixels covered by a run ≥ length."""
    m = np.moveaxis(mask, axis, -1).astype(np.int32)
    if m.shape[-1] < length:
        return np.zeros_like(mask)
    pad = np.zeros((*m.shape[:-1], 1), np.int32)
    cs = np.concatenate([pad, np.cumsum(m, axis=-1)], axis=-1)
    full = (cs[..., length:] - cs[..., :-length]) == length  # run of `length` starts here
    cs2 = np.concatenate([pad, np.cumsum(full.astype(np.int32), axis=-1)], axis=-1)
    n = m.shape[-1]
    idx = np.arange(n)
    lo = np.clip(idx - length + 1, 0, full.shape[-1])
    hi = np.clip(idx + 1, 0, full.shape[-1])
    covered = (cs2[..., hi] - cs2[..., lo]) > 0
    return np.moveaxis(covered, -1, axis)


def _centres(profile: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D profile."""
    out: list[tuple[int, int]] = []
    start = None
    for i, on in enumerate(profile.tolist()):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(profile)))
    return out


def line_masks(gray: NDArray[np.uint8]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Horizontal and vertical ruling-line masks of a grey image."""
    ink = gray < DARK
    h, w = ink.shape
    run = max(40, min(h, w) // 25)  # longer than any glyph stroke
    return _runs(ink, run, axis=1), _runs(ink, run, axis=0)


def find_tables(gray: NDArray[np.uint8]) -> list[TableBox]:
    """Every ruled table in the image, top to bottom, with its cells."""
    horiz, vert = line_masks(gray)
    tables = []
    rows_with_h: NDArray[np.bool_] = np.asarray(horiz.any(axis=1))
    bands = _centres(rows_with_h)
    if len(bands) < 2:
        return []
    # group horizontal lines into tables: consecutive lines joined by vertical lines
    groups: list[list[tuple[int, int]]] = [[bands[0]]]
    for prev, cur in itertools.pairwise(bands):
        between = vert[prev[1] : cur[0]]
        if between.size and between.any(axis=0).sum() >= 2 and between.all(axis=0).any():
            groups[-1].append(cur)
        else:
            groups.append([cur])
    for lines in groups:
        if len(lines) < 2:
            continue
        table = _table(horiz, vert, lines)
        if table is not None:
            tables.append(table)
    return tables


def _table(horiz: NDArray[np.bool_], vert: NDArray[np.bool_], hlines: list[tuple[int, int]]) -> TableBox | None:
    y0, y1 = hlines[0][0], hlines[-1][1]
    cols_with_v: NDArray[np.bool_] = np.asarray(vert[y0:y1].any(axis=0))
    vlines = _centres(cols_with_v)
    if len(vlines) < 2:
        return None
    x0, x1 = vlines[0][0], vlines[-1][1]
    nr, nc = len(hlines) - 1, len(vlines) - 1
    # is there a line between slot (r, c) and (r, c+1)?  between (r, c) and (r+1, c)?
    right = np.ones((nr, nc), bool)
    below = np.ones((nr, nc), bool)
    for r in range(nr):
        top, bottom = hlines[r][1], hlines[r + 1][0]
        for c in range(nc - 1):
            a, b = vlines[c + 1]
            strip = vert[top:bottom, a:b].any(axis=1)
            right[r, c] = strip.size > 0 and strip.mean() >= LINE_COVER
    for c in range(nc):
        left, rgt = vlines[c][1], vlines[c + 1][0]
        for r in range(nr - 1):
            a, b = hlines[r + 1]
            strip = horiz[a:b, left:rgt].any(axis=0)
            below[r, c] = strip.size > 0 and strip.mean() >= LINE_COVER
    seen = np.zeros((nr, nc), bool)
    cells = []
    for r in range(nr):
        for c in range(nc):
            if seen[r, c]:
                continue
            cs = 1
            while c + cs < nc and not right[r, c + cs - 1] and not seen[r, c + cs]:
                cs += 1
            rs = 1
            while r + rs < nr and not below[r + rs - 1, c] and not seen[r + rs, c]:
                rs += 1
            seen[r : r + rs, c : c + cs] = True
            box = (vlines[c][1], hlines[r][1], vlines[c + cs][0], hlines[r + rs][0])
            cells.append(GridBox(r, c, rs, cs, box))
    return TableBox((x0, y0, x1, y1), cells, nr, nc)
