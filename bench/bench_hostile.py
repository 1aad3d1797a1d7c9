"""Hostile inputs that used to take quadratic time: CPU seconds of each slow path.

``python bench/bench_hostile.py`` — 200 KB of random bytes through the decode
(mojibake repair; also without the ``MOJIBAKE_MAX_RUNS`` budget, to show the
repair itself is linear), 2,000 links in one ``<div>`` through the
attachment-link scan and the listing-link harvest, a DOCX table of 2,000 rows
merged down one column through the DOCX converter; each also at four times
the size.  Seeded, so every run measures the same inputs; CPU time
(process_time), best of 3 (of 1 for the listing harvest, which is slow).
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable

from parsel import Selector

from crawler import budgets
from crawler.attachments.docx import docx_to_html
from crawler.attachments.links import attachment_links, page_is_thin
from crawler.cms.base import harvest_links
from crawler.text.encoding import decode_body

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def random_bytes(size: int = 200_000, seed: int = 18) -> bytes:
    return random.Random(seed).randbytes(size)


def links_in_one_div(n: int = 2000) -> Selector:
    anchors = "".join(
        f'附件{i}：<a href="/f/{i}.pdf">第{i}号年度报告.pdf</a> 2024-01-{i % 28 + 1:02d} ' for i in range(n)
    )
    return Selector(text=f"<html><body><div>{anchors}</div></body></html>")


def unbudgeted(run: Callable[[], object]) -> Callable[[], object]:
    """`run` without the mojibake run budget."""

    def inner() -> object:
        previous = budgets.configure(budgets.Budgets(mojibake_max_runs=10**9))
        try:
            return run()
        finally:
            budgets.configure(previous)

    return inner


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
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("decode 200 KB random bytes (text/html, no charset)", lambda: decode_body(body, "text/html"), 3),
        ("decode 200 KB random bytes (charset=gbk)", lambda: decode_body(body, "text/html; charset=gbk"), 3),
        ("decode 800 KB random bytes (text/html, no charset)", lambda: decode_body(body4, "text/html"), 3),
        ("decode 200 KB random bytes, no MOJIBAKE_MAX_RUNS", unbudgeted(lambda: decode_body(body, "text/html")), 3),
        ("decode 800 KB random bytes, no MOJIBAKE_MAX_RUNS", unbudgeted(lambda: decode_body(body4, "text/html")), 3),
        ("attachment links: 2,000 links in one <div>", lambda: (attachment_links(page, "x:/"), page_is_thin(page)), 3),
        (
            "attachment links: 8,000 links in one <div>",
            lambda: (attachment_links(page4, "x:/"), page_is_thin(page4)),
            3,
        ),
        ("listing links (cms harvest_links): 2,000 links in one <div>", lambda: harvest_links(page, "http://x/"), 1),
        ("DOCX: 2,000 rows merged down one column", lambda: docx_to_html(docx), 3),
        ("DOCX: 8,000 rows merged down one column", lambda: docx_to_html(docx4), 3),
    ]
    print("| input | CPU s |\n|---|---|")
    for name, run, rounds in cases:
        print(f"| {name} | {cpu(run, rounds):.3f} |", flush=True)


if __name__ == "__main__":
    main()
