"""PDF → blocks with pdfplumber: text lines into paragraphs, ruled tables into grids.

Budgets (:mod:`crawler.budgets`): a PDF of more than ``PDF_MAX_PAGES``
pages is refused before any page is read (and, should its page tree hide
more pages than it declares, at the first one past the budget); the parse
stops once it has taken ``PDF_MAX_SECONDS``, checked between pages; each
page's layout is released once its blocks are read.

Per page, in reading order (top to bottom): the ruled tables pdfplumber
finds (``find_tables``, the engine behind ``extract_tables``) become
:class:`Table` blocks with their merged cells as ``rowspan``/``colspan``;
the characters outside them become lines, and lines become paragraphs
(a new one at a first-line indent, after a short line, at a wider gap, or
at a part heading such as 一、 / （一）).  Page numbers and running
headers/footers in the page margins are dropped; a table that runs on
from the foot of one page to the head of the next is one table.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdftypes import resolve1

from crawler.attachments.render import AttachmentError, Block, Cell, Table, join_lines, render_document
from crawler.budgets import BudgetExceeded, Deadline, check, check_html, current

# pdfminer logs every token it parses at DEBUG, and Scrapy leaves the root
# logger open to DEBUG (its handler does the filtering), so each record was
# built only to be dropped: two thirds of the time spent on a fixture PDF.
logging.getLogger("pdfminer").setLevel(logging.INFO)

MARGIN = 0.08  # top/bottom share of the page where headers, footers, page numbers live
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–‒－·\s]*\d{1,4}[-—–‒－·\s]*|第\s*\d+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*[/／]\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)\s*$",
    re.I,
)
HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]+[部分章条])"
)
SNAP = 1.5  # points: cell edges closer than this are the same grid line


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _snap(values: list[float]) -> list[float]:
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > SNAP:
            edges.append(value)
    return edges


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def table_grid(table: Any) -> Table:
    """A pdfplumber table as rows of cells with rowspan/colspan from the cell boxes."""
    texts = table.extract()
    placed: list[tuple[int, int, Cell]] = []
    boxes = [
        (box, text)
        for row, row_texts in zip(table.rows, texts, strict=False)
        for box, text in zip(row.cells, row_texts, strict=False)
        if box is not None
    ]
    xs = _snap([v for box, _ in boxes for v in (box[0], box[2])])
    ys = _snap([v for box, _ in boxes for v in (box[1], box[3])])
    for (x0, top, x1, bottom), text in boxes:
        col, row = _index(xs, x0), _index(ys, top)
        cell = Cell(
            join_lines((text or "").split("\n")),
            rowspan=max(1, _index(ys, bottom) - row),
            colspan=max(1, _index(xs, x1) - col),
        )
        placed.append((row, col, cell))
    grid = Table(columns=max(len(xs) - 1, 0))
    by_row: dict[int, list[tuple[int, Cell]]] = {}
    for row, col, cell in placed:
        by_row.setdefault(row, []).append((col, cell))
    for row in sorted(by_row):
        grid.rows.append([cell for _, cell in sorted(by_row[row], key=lambda c: c[0])])
    return grid


def _lines(page: Any, boxes: list[tuple[float, float, float, float]]) -> list[Line]:
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    return [
        Line(d["text"], d["x0"], d["x1"], d["top"], d["bottom"])
        for d in outside.extract_text_lines(layout=False, strip=True, return_chars=False)
        if d["text"].strip()
    ]


def _in_margin(line: Line, height: float) -> bool:
    return line.bottom < height * MARGIN or line.top > height * (1 - MARGIN)


def paragraphs(lines: list[Line], left: float, right: float, size: float) -> list[str]:
    """Wrapped lines → paragraphs (CJK layout: first-line indent, ragged last line)."""
    out: list[list[str]] = []
    previous: Line | None = None
    for line in lines:
        new = (
            previous is None
            or line.x0 > left + 1.5 * size  # indented first line, or centred
            or previous.x1 < right - 2 * size  # previous line ended short
            or line.top - previous.bottom > 0.9 * size  # a wider gap than the line spacing
            or bool(HEADING.match(line.text))
        )
        if new:
            out.append([line.text])
        else:
            out[-1].append(line.text)
        previous = line
    return [join_lines(p) for p in out]


def _page_blocks(page: Any) -> list[tuple[float, Line | Table]]:
    tables = [t for t in page.find_tables() if t.cells]
    grids = []
    for table in tables:
        grid = table_grid(table)
        if grid.columns <= 1 and len(grid.rows) <= 1:  # a box drawn round text, not a table
            continue
        grids.append((table.bbox, grid))
    boxes = [bbox for bbox, _ in grids]
    items: list[tuple[float, Line | Table]] = [(bbox[1], grid) for bbox, grid in grids]
    items += [(line.top, line) for line in _lines(page, boxes)]
    return sorted(items, key=lambda item: item[0])


def declared_pages(pdf: pdfplumber.PDF) -> int | None:
    """The page count the document's page tree declares (``/Count``), None if unreadable."""
    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"]).get("Count"))
    except Exception:  # noqa: BLE001  # a damaged catalog: pdfplumber's own page walk reports it
        return None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _read_pages(body: bytes) -> list[tuple[float, list[tuple[float, Line | Table]]]]:
    """Each page's height and blocks, within the page and time budgets."""
    budgets = current()
    limit = budgets.pdf_max_pages
    deadline = Deadline(budgets.pdf_max_seconds, "PDF_MAX_SECONDS", "PDF parse")
    # Page objects only for the pages within the budget, plus one to tell that there are more.
    with pdfplumber.open(io.BytesIO(body), pages=list(range(1, limit + 2))) as pdf:
        declared = declared_pages(pdf)
        if declared is not None:
            check(declared, limit, "PDF_MAX_PAGES", f"PDF has {declared} pages")
        pages = pdf.pages
        check(len(pages), limit, "PDF_MAX_PAGES", f"PDF has more than {limit} pages")
        out = []
        for number, page in enumerate(pages, 1):
            deadline.check(f"{number - 1} of {len(pages)} pages read")
            out.append((page.height, _page_blocks(page)))
            page.close()  # its characters and layout are in the blocks now
        deadline.check(f"{len(pages)} pages read")
        return out


def pdf_blocks(body: bytes) -> list[Block]:
    """The document's paragraphs and tables in reading order."""
    try:
        pages = _read_pages(body)
    except BudgetExceeded:
        raise
    except Exception as exc:  # pdfminer raises anything from PSSyntaxError to KeyError on damaged files
        raise AttachmentError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    if not pages:
        raise AttachmentError("corrupt PDF: no pages")
    # Running headers/footers: margin lines repeated on several pages, and page numbers.
    # Counted among margin lines only: a title line at the top of page 1 that the
    # signature repeats on the last page (云杉县自然资源局) is not a running header.
    repeated = Counter(
        item.text
        for height, blocks in pages
        for _, item in blocks
        if isinstance(item, Line) and _in_margin(item, height)
    )
    lines_all = [item for _, blocks in pages for _, item in blocks if isinstance(item, Line)]
    if not lines_all and not any(isinstance(i, Table) for _, b in pages for _, i in b):
        raise AttachmentError("PDF has no text layer (scanned image?): not parsed")
    body_lines = [
        ln for height, blocks in pages for _, ln in blocks if isinstance(ln, Line) and not _in_margin(ln, height)
    ] or lines_all
    left = min(ln.x0 for ln in body_lines) if body_lines else 0.0
    right = max(ln.x1 for ln in body_lines) if body_lines else 0.0
    size = statistics.median(ln.bottom - ln.top for ln in body_lines) if body_lines else 10.0
    out: list[Block] = []
    pending: list[Line] = []

    def flush() -> None:
        out.extend(paragraphs(pending, left, right, size))
        pending.clear()

    for height, blocks in pages:
        first_on_page = True
        for _, item in blocks:
            if isinstance(item, Line):
                if _in_margin(item, height) and (
                    PAGE_NUMBER.match(item.text) or (len(pages) > 1 and repeated[item.text] > 1)
                ):
                    continue
                pending.append(item)
                first_on_page = False
                continue
            flush()
            previous = out[-1] if out else None
            if first_on_page and isinstance(previous, Table) and previous.columns == item.columns:
                previous.rows.extend(item.rows)  # the table runs on from the previous page
            else:
                out.append(item)
            first_on_page = False
        # a paragraph may run on over the page break: keep `pending` across pages
        # unless the last thing on the page was a table
    flush()
    return out


def pdf_to_html(body: bytes) -> str:
    return check_html(render_document("pdf", pdf_blocks(body)), "the PDF converted")
