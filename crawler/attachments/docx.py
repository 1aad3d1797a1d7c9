"""DOCX → blocks: ``word/document.xml`` read with lxml.

``w:p`` paragraphs become paragraphs (``w:br`` a line break inside one);
``w:tbl`` tables become grids, ``w:gridSpan`` as ``colspan`` and
``w:vMerge`` (``restart`` … continue) as ``rowspan``.  Content controls
(``w:sdt``) are read through; deleted text (``w:delText``) and field codes
(``w:instrText``) are not text.  Word's automatic list numbering is not
rendered (its numbers are not in the text).

The XML is untrusted: no entity is expanded, nothing is fetched, and a
part that declares a DTD (OOXML has none) is refused.  Budgets
(:mod:`crawler.budgets`): the part is counted while it inflates
(``DOCX_MAX_XML_BYTES``, whatever the zip header claims), its nesting while
it is parsed (``DOCX_MAX_XML_DEPTH``), and the conversion's time between
blocks and table rows (``CONVERTER_MAX_SECONDS``).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from crawler.attachments.render import AttachmentError, Block, Cell, Table, render_document
from crawler.budgets import BudgetExceeded, Deadline, check, check_html, current

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
DOCUMENT = "word/document.xml"
CHUNK = 1024 * 1024  # inflated a megabyte at a time, counted as it comes
MAX_SPAN = 200  # columns one cell may span (as crawler/parsing/grid.py reads HTML spans)
_NUMBER = re.compile(r"\s*(\d+)")


def _val(element: etree._Element | None, default: str | None = None) -> str | None:
    if element is None:
        return default
    value: str | None = element.get(f"{W}val", default)
    return value


def paragraph_text(p: etree._Element) -> str:
    """The text of one ``w:p`` (not of paragraphs nested in its text boxes)."""
    parts: list[str] = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if next(el.iterancestors(f"{W}p"), None) is not p:
            continue
        if el.tag == f"{W}t":
            parts.append(el.text or "")
        elif el.tag == f"{W}tab":
            parts.append(" ")
        elif el.tag == f"{W}noBreakHyphen":
            parts.append("-")
        elif el.get(f"{W}type") in (None, "textWrapping"):
            parts.append("\n")
    return "".join(parts).strip()


def _cell_text(tc: etree._Element) -> str:
    lines = [paragraph_text(p) for p in tc.iter(f"{W}p")]
    return "\n".join(line for line in lines if line)


def _count(value: str | None, default: int, low: int, high: int) -> int:
    """A page-supplied count (``w:gridSpan``, ``w:gridBefore``) as an int in [low, high]; junk is `default`."""
    match = _NUMBER.match(value or "")
    return min(max(int(match[1][:6]), low), high) if match else default


def table_grid(tbl: etree._Element, deadline: Deadline | None = None) -> Table:
    """One ``w:tbl`` as rows of cells; vertical merges become rowspans in one pass over the rows."""
    grid = Table()
    open_merges: dict[int, Cell] = {}  # column → the cell a vertical merge there continues
    width = 0
    for r, tr in enumerate(tbl.findall(f"{W}tr")):
        if deadline is not None and r % 64 == 0:
            deadline.check(f"table row {r}")
        col = _count(_val(tr.find(f"{W}trPr/{W}gridBefore"), "0"), 0, 0, MAX_SPAN)
        row: list[Cell] = []
        still_open: dict[int, Cell] = {}
        for tc in _row_cells(tr):
            props = tc.find(f"{W}tcPr")
            span = _count(_val(props.find(f"{W}gridSpan") if props is not None else None, "1"), 1, 1, MAX_SPAN)
            vmerge = props.find(f"{W}vMerge") if props is not None else None
            merge = None if vmerge is None else ("restart" if _val(vmerge) == "restart" else "continue")
            above = open_merges.get(col)
            if merge == "continue" and above is not None:
                above.rowspan += 1  # covered by the merge that starts above
                still_open[col] = above
            else:
                cell = Cell(_cell_text(tc), rowspan=1, colspan=span)
                row.append(cell)
                if merge == "restart":
                    still_open[col] = cell
            col += span
        open_merges = still_open
        width = max(width, col)
        grid.rows.append(row)
    grid.columns = width
    return grid


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    """``w:tc`` of a row, including those wrapped in content controls."""
    cells = []
    for child in tr:
        if child.tag == f"{W}tc":
            cells.append(child)
        elif child.tag == f"{W}sdt":
            cells += child.findall(f"{W}sdtContent/{W}tc")
    return cells


def _blocks(container: etree._Element, out: list[Block], deadline: Deadline) -> None:
    for child in container:
        deadline.check(f"{len(out)} blocks read")
        if child.tag == f"{W}p":
            out.append(paragraph_text(child))
        elif child.tag == f"{W}tbl":
            out.append(table_grid(child, deadline))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                _blocks(content, out, deadline)
        elif child.tag in (f"{W}customXml", f"{W}ins", f"{W}smartTag"):
            _blocks(child, out, deadline)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, stopped as soon as they pass `limit` (the header's size is the sender's claim)."""
    what = f"DOCX {DOCUMENT} inflates to more than {limit} bytes"
    check(info.file_size, limit, "DOCX_MAX_XML_BYTES", f"DOCX {DOCUMENT} declares {info.file_size} bytes")
    out = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            out += chunk
            check(len(out), limit, "DOCX_MAX_XML_BYTES", what)
    return bytes(out)


# Untrusted XML: no entity expanded, no DTD loaded, nothing fetched, libxml2's size and depth limits kept.
XML_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def parse_part(xml: bytes, max_depth: int) -> etree._Element:
    """An OOXML part parsed as untrusted XML (:data:`XML_OPTIONS`), refused if it declares a DTD.

    Nesting deeper than `max_depth` stops the parse (:class:`BudgetExceeded`);
    a DTD is refused at the first element, before the rest is read
    (:class:`AttachmentError`); libxml2 refuses entity bombs in the DTD itself
    (``XMLSyntaxError``).
    """
    events = etree.iterparse(io.BytesIO(xml), events=("start", "end"), **XML_OPTIONS)
    depth = 0
    for event, element in events:
        if event == "end":
            depth -= 1
            continue
        if depth == 0 and element.getroottree().docinfo.internalDTD is not None:
            raise AttachmentError(f"DOCX {DOCUMENT} declares a DTD (OOXML parts have none): refused")
        depth += 1
        check(depth, max_depth, "DOCX_MAX_XML_DEPTH", f"DOCX {DOCUMENT} nests elements more than {max_depth} deep")
    root = events.root
    if root is None:
        raise AttachmentError(f"corrupt DOCX: {DOCUMENT} is empty")
    return root


def docx_blocks(body: bytes) -> list[Block]:
    budgets = current()
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            xml = _inflate(archive, archive.getinfo(DOCUMENT), budgets.docx_max_xml_bytes)
    except KeyError as exc:
        raise AttachmentError(f"corrupt DOCX: no {DOCUMENT} in the archive") from exc
    except BudgetExceeded:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        OSError,
        EOFError,
        ValueError,
    ) as exc:
        # zlib.error: a damaged deflate stream; NotImplementedError: a compression zipfile lacks
        raise AttachmentError(f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    try:
        root = parse_part(xml, budgets.docx_max_xml_depth)
    except etree.XMLSyntaxError as exc:
        raise AttachmentError(f"corrupt DOCX: {DOCUMENT}: {exc}") from exc
    body_el = root.find(f"{W}body")
    if body_el is None:
        raise AttachmentError(f"corrupt DOCX: {DOCUMENT} has no w:body")
    out: list[Block] = []
    _blocks(body_el, out, Deadline(budgets.converter_max_seconds, "CONVERTER_MAX_SECONDS", "DOCX conversion"))
    return [b for b in out if not (isinstance(b, str) and not b.strip())]


def docx_to_html(body: bytes) -> str:
    return check_html(render_document("docx", docx_blocks(body)), "the DOCX converted")
