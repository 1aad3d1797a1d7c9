"""CPU per page and cell accuracy of each attachment format on the 青溪县 fixtures (issue 16).

    .venv/bin/python bench/bench_formats.py

Per format: the converter plus the whole parse (crawler.core.parse_report),
CPU seconds of this process and its children (LibreOffice, tesseract,
pdftoppm) per page, and the share of the typed cells (expected.json) read
with the right value.  Also antiword and catdoc on the .doc, for the
converter choice: whether each keeps the Chinese text and the merged cells.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import time
from pathlib import Path

from crawler.attachments.formats.flipbook import flipbook_to_html, page_urls
from crawler.core import parse_report

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "sites" / "formats_qingxi"
CONTENT_TYPES = {
    "doc": "application/msword",
    "wps": "application/octet-stream",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/octet-stream",
    "et": "application/octet-stream",
    "image": "image/png",
    "scan": "application/pdf",
}
PAGES = {"doc": 4, "wps": 4, "xls": 1, "xlsx": 1, "et": 1, "image": 1, "scan": 5}  # printed pages; a workbook = 1


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    expected = json.loads((SITE / "expected.json").read_text("utf-8"))
    print("| format | converter | CPU s/page | wall s | cells right | accuracy |")
    print("|---|---|---|---|---|---|")
    for kind, ct in CONTENT_TYPES.items():
        e = expected[kind]
        body = (SITE / e["path"].lstrip("/")).read_bytes()
        c0, w0 = cpu(), time.perf_counter()
        report = parse_report(body, ct, "http://127.0.0.1" + e["path"])
        c1, w1 = cpu(), time.perf_counter()
        want = {(t, r, c): v for t, rows in e["tables"].items() for r, cols in rows.items() for c, v in cols.items()}
        got = {(x["table_code"], x["row_code"], x["col_code"]): x["value"] for x in report.cells or []}
        right = sum(1 for k, v in want.items() if got.get(k) == v)
        reason = (report.encoding_reason or "").removeprefix("attachment: ")
        print(
            f"| {kind} | {reason} | {(c1 - c0) / PAGES[kind]:.2f} | {w1 - w0:.1f} | {right}/{len(want)} |"
            f" {right / len(want):.3f} |"
        )
    book = ROOT / "fixtures" / "sites" / "formats_flipbook" / "books" / "2023ndbg" / "files" / "basic-html"
    index = "http://127.0.0.1/books/2023ndbg/files/basic-html/index.html"
    urls = page_urls((book / "index.html").read_text("utf-8"), index)
    pages = [(book / u.rsplit("/", 1)[1]).read_bytes() for u in urls]
    c0, w0 = cpu(), time.perf_counter()
    report = parse_report(flipbook_to_html(pages).encode(), "text/html; charset=utf-8", index)
    c1, w1 = cpu(), time.perf_counter()
    e = expected["flipbook"]
    want = {(t, r, c): v for t, rows in e["tables"].items() for r, cols in rows.items() for c, v in cols.items()}
    got = {(x["table_code"], x["row_code"], x["col_code"]): x["value"] for x in report.cells or []}
    right = sum(1 for k, v in want.items() if got.get(k) == v)
    print(
        f"| flipbook | {len(pages)} pageN.html (positioned divs) | {(c1 - c0) / len(pages):.2f} | {w1 - w0:.1f} |"
        f" {right}/{len(want)} | {right / len(want):.3f} |"
    )
    doc = SITE / expected["doc"]["path"].lstrip("/")
    for tool, args in (("antiword", ["-m", "UTF-8.txt"]), ("catdoc", ["-d", "utf-8"])):
        if shutil.which(tool) is None:
            continue
        out = subprocess.run([tool, *args, str(doc)], capture_output=True, timeout=60, check=False).stdout
        text = out.decode("utf-8", "replace")
        print(
            f"\n{tool}: Chinese title read: {expected['doc']['title'] in text}; "
            f"label 三、本年度办理结果 found whole: {'三、本年度办理结果' in text}; "
            "output is plain text: no rowspan/colspan survives"
        )


if __name__ == "__main__":
    main()
