"""Blocks (paragraphs, tables with spans) → the HTML document the pipeline reads."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class AttachmentError(ValueError):
    """The attachment file is corrupt or cannot be read."""


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)  # cells in reading order; covered cells left out
    columns: int = 0


Block = str | Table  # a paragraph's text, or a table


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between CJK characters, one between words.

    >>> join_lines(["政府信息公", "开工作", "annual", "report"])
    '政府信息公开工作annual report'
    """
    out = ""
    for line in (s.strip() for s in lines):
        if not line:
            continue
        if out and not (CJK.match(out[-1]) or CJK.match(line[0])):
            out += " "
        out += line
    return out


def _title(blocks: list[Block]) -> str:
    for block in blocks:
        if isinstance(block, str) and block.strip():
            return block.strip() if len(block.strip()) <= 80 else ""
    return ""


def _text(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def span_attributes(rowspan: int, colspan: int) -> str:
    """`` rowspan="2" colspan="3"`` for a merged cell, nothing for a single one."""
    return (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")


def render_table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            cells.append(f"<td{span_attributes(cell.rowspan, cell.colspan)}>{_text(cell.text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1">\n' + "\n".join(rows) + "\n</table>"


def render_document(kind: str, blocks: list[Block], title: str | None = None) -> str:
    """One ``<p>`` per paragraph, one ``<table>`` per table, in reading order."""
    body = []
    for block in blocks:
        if isinstance(block, Table):
            if block.rows:
                body.append(render_table(block))
        elif block.strip():
            body.append(f"<p>{_text(block.strip())}</p>")
    head_title = html.escape(title if title is not None else _title(blocks))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{head_title}</title></head>\n<body>\n"
        f'<div class="attachment attachment-{kind}">\n' + "\n".join(body) + "\n</div>\n</body></html>\n"
    )
