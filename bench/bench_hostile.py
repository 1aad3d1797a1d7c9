"""Hostile inputs that used to take quadratic time: CPU seconds of each slow path.

``python bench/bench_hostile.py`` — 200 KB of random bytes through the decode
(mojibake repair), 2,000 links in one ``<div>`` through the attachment-link scan,
a DOCX table of 2,000 rows merged down one column through the DOCX converter.
Seeded, so every run measures the same inputs; CPU time (process_time), best of 3.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable

from parsel import Selector

from crawler.attachments.docx import docx_to_html
from crawler.attachments.links import attachment_links, page_is_thin
from crawler.text.encoding import decode_body

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def random_bytes(size: int = 200_000, seed: int = 18) -> bytes:
    return random.Random(seed).randbytes(size)


def links_in_one_div(n: int = 2000) -> Selector:
    anchors = "".join(f'附件{i}：<a href="/f/{i}.pdf">第{i}号年度报告.pdf</a> ' for i in range(n))
    return Selector(text=f"<html><body><div>{anchors}</div></body></html>")


def merged_docx(rows: int = 2000) -> bytes:
    def row(first: bool) -> str:
        merge = '<w:vMerge w:val="restart"/>' if first else "<w:vMerge/>"
        return (
            f"<w:tr><w:tc><w:tcPr>{merge}</w:tcPr><w:p><w:r><w:t>合并</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>"
        )

    table = "<w:tbl>" + "".join(row(i == 0) for i in range(rows)) + "</w:tbl>"
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{table}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def cpu(run: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    body, body4 = random_bytes(), random_bytes(800_000)
    page, page4 = links_in_one_div(), links_in_one_div(8000)
    docx, docx4 = merged_docx(), merged_docx(8000)
    cases = {
        "decode 200 KB random bytes (text/html, no charset)": lambda: decode_body(body, "text/html"),
        "decode 200 KB random bytes (charset=gbk)": lambda: decode_body(body, "text/html; charset=gbk"),
        "decode 800 KB random bytes (text/html, no charset)": lambda: decode_body(body4, "text/html"),
        "attachment links: 2,000 links in one <div>": lambda: (attachment_links(page, "http://x/"), page_is_thin(page)),
        "attachment links: 8,000 links in one <div>": lambda: (
            attachment_links(page4, "http://x/"),
            page_is_thin(page4),
        ),
        "DOCX: 2,000 rows merged down one column": lambda: docx_to_html(docx),
        "DOCX: 8,000 rows merged down one column": lambda: docx_to_html(docx4),
    }
    print("| input | CPU s |\n|---|---|")
    for name, run in cases.items():
        print(f"| {name} | {cpu(run):.3f} |", flush=True)


if __name__ == "__main__":
    main()
