"""A page image → its paragraphs and tables, each table cell with OCR confidence.

Cells are cropped inside their ruling lines and read in one tesseract
batch (``--psm 6``, a block of text: wrapped labels come back as lines
joined here); the text outside the tables is read with the tables painted
white.  A cell's confidence is its least confident word's, so a number is
only as sure as its worst digit group; a cell with no ink is blank with
confidence 1.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from crawler.attachments.render import join_lines
from crawler.budgets import Deadline
from crawler.ocr.grid import TableBox, find_tables
from crawler.ocr.tesseract import Word, recognise

logger = logging.getLogger(__name__)

MAX_PIXELS = 60_000_000  # a 600 dpi A3 scan; larger images are refused (decompression bombs)
INSET = 4  # pixels cut from each side of a cell so ruling lines stay out of the crop
PAD = 12  # white border around a crop: tesseract reads glyphs touching the edge badly
MIN_INK = 6  # dark pixels below which a cell crop is blank
DIGITISH = re.compile(r"^[0-9OoIl|.,，]+$")
NUMBER_LIKE = re.compile(r"^[0-9OoIl|.,，\s]{1,14}$")  # a count or an amount, as the Chinese model read it
NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
DIGITS = "0123456789.,"
DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "，": ","})


class ImageError(ValueError):
    """The image cannot be decoded or is too large."""


@dataclass
class OcrCell:
    text: str
    rowspan: int
    colspan: int
    confidence: float


@dataclass
class OcrTable:
    rows: list[list[OcrCell]] = field(default_factory=list)
    columns: int = 0


OcrBlock = str | OcrTable


def load_gray(body: bytes) -> NDArray[np.uint8]:
    """Decode PNG/JPEG bytes to a grey array, refusing corrupt or oversized images."""
    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(f"image too large: {image.width}x{image.height} pixels > {MAX_PIXELS}")
            image.load()
            return np.asarray(image.convert("L"), dtype=np.uint8)
    except ImageError:
        raise
    except Exception as exc:  # PIL raises UnidentifiedImageError, OSError, SyntaxError … on damaged files
        raise ImageError(f"image corrupt: {type(exc).__name__}: {exc}") from exc


def _fix_number(text: str) -> str:
    """OCR look-alikes in an all-digit cell read as digits (O→0, l→1)."""
    return text.translate(DIGIT_FIX) if DIGITISH.match(text) and re.search(r"\d", text) else text


def _lines(words: list[Word]) -> list[list[Word]]:
    grouped: dict[tuple[int, int, int, int], list[Word]] = {}
    for word in words:
        grouped.setdefault((word.page, word.block, word.par, word.line), []).append(word)
    return [sorted(ws, key=lambda w: w.left) for _, ws in sorted(grouped.items())]


def _text(words: list[Word]) -> str:
    return join_lines([join_lines([w.text for w in line]) for line in _lines(words)])


def _crop(gray: NDArray[np.uint8], box: tuple[int, int, int, int]) -> NDArray[np.uint8] | None:
    x0, y0, x1, y1 = box
    crop = gray[y0 + INSET : y1 - INSET, x0 + INSET : x1 - INSET]
    if crop.size == 0 or int((crop < 128).sum()) < MIN_INK:
        return None
    return np.pad(crop, PAD, constant_values=255)


def read_tables(
    gray: NDArray[np.uint8], tables: list[TableBox], tmp: Path, deadline: Deadline | None = None
) -> list[OcrTable]:
    """OCR every cell of `tables` in one batch."""
    crops: list[Path] = []
    where: list[tuple[int, int]] = []  # (table, cell) per crop
    for t, table in enumerate(tables):
        for c, cell in enumerate(table.cells):
            crop = _crop(gray, cell.box)
            if crop is None:
                continue
            path = tmp / f"t{t}c{c}.png"
            Image.fromarray(crop).save(path)
            crops.append(path)
            where.append((t, c))
    words = recognise(crops, psm=6, deadline=deadline)
    by_crop: dict[int, list[Word]] = {}
    for word in words:
        by_crop.setdefault(word.page, []).append(word)
    read: dict[tuple[int, int], tuple[str, float]] = {}
    numeric: list[int] = []  # crops that read as a number: read again as digits only
    for i, key in enumerate(where):
        ws = by_crop.get(i, [])
        text = _fix_number(_text(ws))
        read[key] = (text, min((w.confidence for w in ws), default=0.0))
        if NUMBER_LIKE.match(text):
            numeric.append(i)
    numeric += _numeric_columns(tables, where, read, set(numeric))
    if numeric:
        again = recognise([crops[i] for i in numeric], psm=7, lang="eng", whitelist=DIGITS, deadline=deadline)
        by_digit: dict[int, list[Word]] = {}
        for word in again:
            by_digit.setdefault(numeric[word.page], []).append(word)
        for i, ws in by_digit.items():
            text = "".join(w.text for w in sorted(ws, key=lambda w: w.left))
            if NUMBER.match(text):
                read[where[i]] = (text, min(w.confidence for w in ws))
    out = []
    for t, table in enumerate(tables):
        grid = OcrTable(columns=table.cols)
        rows: dict[int, list[OcrCell]] = {r: [] for r in range(table.rows)}
        for c, cell in enumerate(table.cells):
            text, conf = read.get((t, c), ("", 1.0))
            rows[cell.row].append(OcrCell(text, cell.rowspan, cell.colspan, conf))
        grid.rows = [rows[r] for r in range(table.rows) if rows[r]]
        out.append(grid)
    return out


def _numeric_columns(
    tables: list[TableBox], where: list[tuple[int, int]], read: dict[tuple[int, int], tuple[str, float]], done: set[int]
) -> list[int]:
    """Short cells in a column that is mostly numbers: the Chinese model reads a lone 7 as 了, so read them as digits.

    A column is numeric when most of its read cells are numbers; its other
    short cells (≤ 4 characters) are read again with the digits-only model.
    """
    crop_of = {key: i for i, key in enumerate(where)}
    out = []
    for t, table in enumerate(tables):
        columns: dict[int, list[tuple[int, str]]] = {}
        for c, cell in enumerate(table.cells):
            if cell.colspan == 1 and (t, c) in read:
                columns.setdefault(cell.col, []).append((c, read[(t, c)][0]))
        for entries in columns.values():
            numbers = sum(1 for _, text in entries if NUMBER.match(text))
            if numbers * 2 <= len(entries):
                continue
            for c, text in entries:
                i = crop_of[(t, c)]
                if i not in done and not NUMBER.match(text) and len(text) <= 4:
                    out.append(i)
    return sorted(out)


def read_text(
    gray: NDArray[np.uint8], tables: list[TableBox], tmp: Path, deadline: Deadline | None = None
) -> list[tuple[int, str]]:
    """(top y, paragraph) of the text outside the tables."""
    page = gray.copy()
    for table in tables:
        x0, y0, x1, y1 = table.box
        page[y0 : y1 + 1, x0 : x1 + 1] = 255
    if int((page < 128).sum()) < MIN_INK:
        return []
    path = tmp / "text.png"
    Image.fromarray(page).save(path)
    words = recognise([path], psm=3, deadline=deadline)
    groups: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        groups.setdefault((word.block, word.par), []).append(word)
    out = []
    for ws in groups.values():
        for line in _lines(ws):
            text = join_lines([w.text for w in line])
            if text:
                out.append((min(w.top for w in line), text, min(w.left for w in line)))
    return paragraphs(out)


HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(][一二三四五六七八九十]{1,3}[）)])")


def paragraphs(lines: list[tuple[int, str, int]]) -> list[tuple[int, str]]:
    """Lines into paragraphs: a new one at an indented first line or a part heading."""
    if not lines:
        return []
    lines.sort()
    left = min(x for _, _, x in lines)
    out: list[tuple[int, list[str]]] = []
    for top, text, x in lines:
        indented = x - left > 20
        if not out or indented or HEADING.match(text) or HEADING.match(out[-1][1][0]):
            out.append((top, [text]))
        else:
            out[-1][1].append(text)
    return [(top, join_lines(texts)) for top, texts in out]


def page_blocks(gray: NDArray[np.uint8], deadline: Deadline | None = None) -> list[OcrBlock]:
    """Paragraphs and tables of one page image in reading order.

    `deadline` bounds every tesseract run of the page together (``OCR_MAX_SECONDS``).
    """
    tables = find_tables(gray)
    with tempfile.TemporaryDirectory(prefix="reports-ocr-") as tmp:
        grids = read_tables(gray, tables, Path(tmp), deadline)
        text = read_text(gray, tables, Path(tmp), deadline)
    items: list[tuple[int, OcrBlock]] = [(t.box[1], g) for t, g in zip(tables, grids, strict=True)]
    items += text
    logger.debug("OCR page: %d tables, %d paragraphs", len(tables), len(text))
    return [block for _, block in sorted(items, key=lambda item: item[0])]
