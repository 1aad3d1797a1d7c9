"""A FlipBuilder-style book (``files/basic-html/page1.html … pageN.html``) → one HTML report.

Each page prints its text in absolutely positioned ``<div>``s and its
table rules as thin positioned ``<div>``s.  The rules are drawn into a
bitmap and read by the same ruling-line grid as OCR (crawler.ocr.grid),
which gives each cell its rowspan/colspan; the text divs are then put in
the cell their centre falls in, read top to bottom (so a label stacked one
character per div reads as one word, and a wrapped label as one line).
A table that runs from the foot of one page onto the next is joined.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
from lxml import etree, html
from w3lib.encoding import html_to_unicode

from crawler.attachments.render import AttachmentError, Block, Cell, Table, join_lines, render_document
from crawler.ocr.grid import find_tables
from crawler.ocr.page import HEADING, paragraphs

logger = logging.getLogger(__name__)

MAX_PAGES = 200
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_SIDE = 20_000  # px: a page box larger than this is not a book page
RULE = 3  # px: a div this thin (and long) is a table rule
LINE_TOLERANCE = 4  # px: text divs whose tops differ by less are on one line
PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$")
STYLE_PX = re.compile(r"(left|top|width|height|font-size)\s*:\s*(-?[\d.]+)px", re.I)
COLUMN_GAP = re.compile(r"\S\s{2,}\S")  # a text-layer line whose words sit in columns
PAGE_LINK = re.compile(r"(?:^|/)page(\d+)\.html?$", re.I)


@dataclass(frozen=True)
class Piece:
    """A positioned div: text (empty for a rule) and its box in page pixels."""

    text: str
    left: float
    top: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


def page_urls(index_html: str, base_url: str, limit: int | None = MAX_PAGES) -> list[str]:
    """The pageN.html links of a book's ``files/basic-html/index.html``, in page order, at most `limit` (None: all).

    >>> page_urls('<a href="page2.html">2</a><a href="page1.html">1</a>', "http://x/files/basic-html/index.html")
    ['http://x/files/basic-html/page1.html', 'http://x/files/basic-html/page2.html']
    """
    from urllib.parse import urljoin

    tree = html.fromstring(index_html or "<html/>")
    found: dict[int, str] = {}
    for href in tree.xpath("//a/@href"):
        match = PAGE_LINK.search(str(href).split("?")[0])
        if match:
            found.setdefault(int(match.group(1)), urljoin(base_url, str(href)))
    urls = [found[n] for n in sorted(found)]
    return urls if limit is None else urls[:limit]


def _style(element: etree._Element) -> dict[str, float]:
    return {k.lower(): float(v) for k, v in STYLE_PX.findall(element.get("style") or "")}


def page_pieces(body: bytes) -> list[Piece]:
    """Every positioned div of one page: its own text, or none for a rule."""
    if len(body) > MAX_PAGE_BYTES:
        raise AttachmentError(f"flipbook page too large: {len(body)} bytes > {MAX_PAGE_BYTES}")
    try:
        tree = html.fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        raise AttachmentError(f"flipbook page corrupt: {exc}") from exc
    pieces = []
    for div in tree.iter("div"):
        style = _style(div)
        if "left" not in style or "top" not in style:
            continue
        text = "".join(div.xpath("./text()|./span//text()|./b//text()|./font//text()")).strip()
        size = style.get("font-size", 14.0)
        width = style.get("width", size * max(len(text), 1))
        height = style.get("height", size * 1.2)
        if text or min(width, height) <= RULE:
            pieces.append(Piece(text, style["left"], style["top"], width, height))
    return pieces


def _lines(pieces: list[Piece]) -> list[list[Piece]]:
    out: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.top, p.left)):
        if out and abs(piece.top - out[-1][0].top) < LINE_TOLERANCE:
            out[-1].append(piece)
        else:
            out.append([piece])
    return [sorted(line, key=lambda p: p.left) for line in out]


def _text(pieces: list[Piece]) -> str:
    return join_lines([join_lines([p.text for p in line]) for line in _lines(pieces)])


def page_blocks(pieces: list[Piece]) -> list[Block]:
    """Tables (from the rules) and paragraphs (the text outside them) of one page, top to bottom."""
    rules = [p for p in pieces if not p.text]
    texts = [p for p in pieces if p.text]
    right = max((p.left + p.width for p in pieces), default=0)
    bottom = max((p.top + p.height for p in pieces), default=0)
    if right > MAX_SIDE or bottom > MAX_SIDE:
        raise AttachmentError(f"flipbook page too large: {right:.0f}x{bottom:.0f} px")
    items: list[tuple[float, Block]] = []
    used: set[int] = set()
    if rules:
        canvas = np.full((int(bottom) + 8, int(right) + 8), 255, np.uint8)
        for rule in rules:
            x0, y0 = max(int(rule.left), 0), max(int(rule.top), 0)
            canvas[y0 : y0 + max(round(rule.height), 1), x0 : x0 + max(round(rule.width), 1)] = 0
        for box in find_tables(canvas):
            table = Table(columns=box.cols)
            rows: dict[int, list[Cell]] = {r: [] for r in range(box.rows)}
            for cell in box.cells:
                x0, y0, x1, y1 = cell.box
                inside = [i for i, p in enumerate(texts) if x0 <= p.centre[0] <= x1 and y0 <= p.centre[1] <= y1]
                used |= set(inside)
                rows[cell.row].append(Cell(_text([texts[i] for i in inside]), cell.rowspan, cell.colspan))
            table.rows = [rows[r] for r in range(box.rows) if rows[r]]
            items.append((box.box[1], table))
    outside = [p for i, p in enumerate(texts) if i not in used]
    margin = bottom * 0.08
    lines = []
    for line in _lines(outside):
        text = join_lines([p.text for p in line])
        top = line[0].top
        if PAGE_NUMBER.match(text) and (top < margin or top > bottom - margin):
            continue  # a page number in the margin
        lines.append((int(top), text, int(line[0].left)))
    items += [(float(top), text) for top, text in paragraphs(lines)]
    return [block for _, block in sorted(items, key=lambda item: item[0])]


def join_pages(pages: list[list[Block]]) -> list[Block]:
    """A table first on a page, with the column count of the table that ended the page before, continues it."""
    out: list[Block] = []
    for blocks in pages:
        for i, block in enumerate(blocks):
            previous = out[-1] if out else None
            if (
                i == 0
                and isinstance(block, Table)
                and isinstance(previous, Table)
                and previous.columns == block.columns
            ):
                previous.rows.extend(block.rows)
            else:
                out.append(block)
    return out


def text_layer_blocks(body: bytes) -> list[Block]:
    """The paragraphs of a page that prints only a text layer in ``<code>`` (FlipBuilder's basic-html copy).

    Such a page has no positioned divs and no rules: a table in it is text
    whose columns are runs of spaces, so it is kept as text here (its cells
    are not recovered; the page image would have to be OCR'd for that).
    """
    _, text = html_to_unicode(None, body)  # BOM or <meta> charset, else UTF-8
    try:
        tree = html.fromstring(text)
    except (etree.ParserError, ValueError):
        return []
    raw = "\n".join("".join(code.itertext()) for code in tree.iter("code"))
    out: list[list[str]] = []
    alone = True  # the previous line stands alone (a heading or a row of columns)
    for line in raw.splitlines():
        text = " ".join(line.split())
        if not text or PAGE_NUMBER.match(text):
            continue
        row = COLUMN_GAP.search(line.strip()) is not None
        starts = alone or row or line[:1].isspace() or HEADING.match(text) is not None
        if starts:
            out.append([text])
        else:
            out[-1].append(text)
        alone = row or HEADING.match(text) is not None
    return [join_lines(lines) for lines in out]


def book_page_blocks(body: bytes) -> list[Block]:
    """One page's blocks: from its positioned divs, else from its ``<code>`` text layer."""
    pieces = page_pieces(body)
    return page_blocks(pieces) if pieces else text_layer_blocks(body)


def flipbook_to_html(pages: list[bytes], title: str | None = None) -> str:
    """The book's pages (page1.html … pageN.html bytes, in order) as one HTML report."""
    if not pages:
        raise AttachmentError("flipbook empty: no pages")
    if len(pages) > MAX_PAGES:
        raise AttachmentError(f"flipbook too large: {len(pages)} pages > {MAX_PAGES}")
    blocks = join_pages([book_page_blocks(page) for page in pages])
    if not blocks:
        raise AttachmentError("flipbook empty: no positioned text on any page")
    logger.debug("flipbook: %d pages, %d blocks", len(pages), len(blocks))
    return render_document("flipbook", blocks, title)
