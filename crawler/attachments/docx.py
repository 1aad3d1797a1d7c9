"""DOCX → blocks: ``word/document.xml`` read with lxml.

``w:p`` paragraphs become paragraphs (``w:br`` a line break inside one);
``w:tbl`` tables become grids, ``w:gridSpan`` as ``colspan`` and
``w:vMerge`` (``restart`` … continue) as ``rowspan``.  Content controls
(``w:sdt``) are read through; deleted text (``w:delText``) and field codes
(``w:instrText``) are not text.  Word's automatic list numbering is not
rendered (its numbers are not in the text).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

from crawler.attachments.render import AttachmentError, Block, Cell, Table, render_document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
DOCUMENT = "word/document.xml"
MAX_XML = 64 * 1024 * 1024  # an unzipped document.xml larger than this is not a report


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


@dataclass
class _Slot:
    col: int
    span: int
    merge: str | None  # None, "restart" or "continue"
    text: str


def _cell_text(tc: etree._Element) -> str:
    lines = [paragraph_text(p) for p in tc.iter(f"{W}p")]
    return "\n".join(line for line in lines if line)


def table_grid(tbl: etree._Element) -> Table:
    rows: list[list[_Slot]] = []
    width = 0
    for tr in tbl.findall(f"{W}tr"):
        col = int(_val(tr.find(f"{W}trPr/{W}gridBefore"), "0") or 0)
        slots = []
        for tc in _row_cells(tr):
            props = tc.find(f"{W}tcPr")
            span = int(_val(props.find(f"{W}gridSpan") if props is not None else None, "1") or 1)
            vmerge = props.find(f"{W}vMerge") if props is not None else None
            merge = None if vmerge is None else ("restart" if _val(vmerge) == "restart" else "continue")
            slots.append(_Slot(col, span, merge, _cell_text(tc)))
            col += span
        width = max(width, col)
        rows.append(slots)
    grid = Table(columns=width)
    for r, slots in enumerate(rows):
        out = []
        for slot in slots:
            if slot.merge == "continue" and _starts_above(rows, r, slot.col):
                continue
            rowspan = 1
            if slot.merge == "restart":
                for below in rows[r + 1 :]:
                    if any(s.col == slot.col and s.merge == "continue" for s in below):
                        rowspan += 1
                    else:
                        break
            out.append(Cell(slot.text, rowspan=rowspan, colspan=slot.span))
        grid.rows.append(out)
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


def _starts_above(rows: list[list[_Slot]], r: int, col: int) -> bool:
    """A continue cell is covered only when a merge at its column starts above it."""
    for above in reversed(rows[:r]):
        slot = next((s for s in above if s.col == col), None)
        if slot is None or slot.merge is None:
            return False
        if slot.merge == "restart":
            return True
    return False


def _blocks(container: etree._Element, out: list[Block]) -> None:
    for child in container:
        if child.tag == f"{W}p":
            out.append(paragraph_text(child))
        elif child.tag == f"{W}tbl":
            out.append(table_grid(child))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                _blocks(content, out)
        elif child.tag in (f"{W}customXml", f"{W}ins", f"{W}smartTag"):
            _blocks(child, out)


def docx_blocks(body: bytes) -> list[Block]:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            info = archive.getinfo(DOCUMENT)
            if info.file_size > MAX_XML:
                raise AttachmentError(f"DOCX {DOCUMENT} is {info.file_size} bytes: too large")
            xml = archive.read(info)
    except KeyError as exc:
        raise AttachmentError(f"corrupt DOCX: no {DOCUMENT} in the archive") from exc
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
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise AttachmentError(f"corrupt DOCX: {DOCUMENT}: {exc}") from exc
    body_el = root.find(f"{W}body")
    if body_el is None:
        raise AttachmentError(f"corrupt DOCX: {DOCUMENT} has no w:body")
    out: list[Block] = []
    _blocks(body_el, out)
    return [b for b in out if not (isinstance(b, str) and not b.strip())]


def docx_to_html(body: bytes) -> str:
    return render_document("docx", docx_blocks(body))
