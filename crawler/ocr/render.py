"""OCR blocks → the attachment HTML, each table cell marked ``data-source="ocr"`` with its confidence.

The table stage reads ``data-source``/``data-confidence`` off a ``<td>``
into the cell dict's ``source``/``confidence`` keys (stored in
``table_cells``); everything else reads these tables like any other.
"""

from __future__ import annotations

import html

from crawler.attachments.render import span_attributes
from crawler.ocr.page import OcrBlock, OcrTable


def render_ocr_table(table: OcrTable) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            spans = span_attributes(cell.rowspan, cell.colspan)
            cells.append(
                f'<td{spans} data-source="ocr" data-confidence="{cell.confidence:.2f}">{html.escape(cell.text)}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1" data-source="ocr">\n' + "\n".join(rows) + "\n</table>"


def render_ocr_document(kind: str, blocks: list[OcrBlock], title: str = "") -> str:
    body = []
    for block in blocks:
        if isinstance(block, OcrTable):
            if block.rows:
                body.append(render_ocr_table(block))
        elif block.strip():
            body.append(f"<p>{html.escape(block.strip())}</p>")
    if not title:
        title = next((b for b in blocks if isinstance(b, str) and 0 < len(b) <= 80), "")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        f'<div class="attachment attachment-{kind} ocr">\n' + "\n".join(body) + "\n</div>\n</body></html>\n"
    )
