"""Scanned PDFs (pages with no text layer) rasterised with poppler's pdftoppm, then OCR'd page by page.

A table that runs from the foot of one page onto the next (same column
count, first thing on the new page) is joined into one, as for text PDFs.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from crawler.budgets import BudgetExceeded, Deadline, PartialResult, current
from crawler.ocr.page import OcrBlock, OcrTable, load_gray, page_blocks

logger = logging.getLogger(__name__)

DPI = 200  # enough for 10.5 pt Chinese text; 300 doubles the time for no gain on clean scans
MAX_PAGES = 60  # an annual report has 5–20 pages
TIMEOUT = 120.0  # seconds for pdftoppm on the whole document
# The whole scan's time is OCR_REPORT_MAX_SECONDS (crawler/budgets.py, 600 s: ~4 s a page here, so
# 60 pages fit on a loaded machine), each page's OCR_MAX_SECONDS.


class ScanError(ValueError):
    """The scanned PDF cannot be rasterised (corrupt, encrypted, too long, no pdftoppm)."""


def join_pages(pages: list[list[OcrBlock]]) -> list[OcrBlock]:
    """Pages' blocks in order, a table continued at the top of the next page joined to the previous one."""
    out: list[OcrBlock] = []
    for blocks in pages:
        for i, block in enumerate(blocks):
            previous = out[-1] if out else None
            if (
                i == 0
                and isinstance(block, OcrTable)
                and isinstance(previous, OcrTable)
                and previous.columns == block.columns
            ):
                previous.rows.extend(block.rows)
            else:
                out.append(block)
    return out


def image_deadline(what: str = "OCR of one image") -> Deadline:
    """The ``OCR_MAX_SECONDS`` budget of one image or page, starting now."""
    return Deadline(current().ocr_max_seconds, "OCR_MAX_SECONDS", what)


def image_blocks(body: bytes, deadline: Deadline | None = None) -> list[OcrBlock]:
    """One image (PNG/JPEG) of a report page or of a table, within `deadline` (default ``OCR_MAX_SECONDS``)."""
    gray = load_gray(body)
    return page_blocks(gray, deadline or image_deadline())


def scanned_pdf_blocks(
    body: bytes, *, dpi: int = DPI, timeout: float = TIMEOUT, total: float | None = None
) -> list[OcrBlock]:
    """Every page of an image-only PDF rasterised and read, within `total` seconds for the document.

    Without `total` the document has ``OCR_REPORT_MAX_SECONDS`` and each page
    ``OCR_MAX_SECONDS``; running out is a named ``budget:`` error.
    """
    limit = current().ocr_report_max_seconds if total is None else total
    if shutil.which("pdftoppm") is None:
        raise ScanError("scanned PDF: pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="reports-scan-") as tmp:
        source = Path(tmp, "in.pdf")
        source.write_bytes(body)
        command = ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-l", str(MAX_PAGES), str(source), str(Path(tmp, "p"))]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ScanError(f"scanned PDF: pdftoppm timed out after {timeout:g} s") from exc
        images = sorted(Path(tmp).glob("p-*.png"))
        if done.returncode != 0 or not images:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ScanError(f"scanned PDF: pdftoppm failed: {reason[-1][:200] if reason else done.returncode}")
        deadline = time.monotonic() + limit  # OCR time: rasterising is bounded by `timeout` above
        pages: list[list[OcrBlock]] = []
        over: list[BudgetExceeded] = []  # pages whose own OCR_MAX_SECONDS ran out: left out, named
        for n, image in enumerate(images, 1):
            if time.monotonic() > deadline:
                progress = f"{n - 1 - len(over)} of {len(images)} pages read"
                if total is not None:
                    raise ScanError(f"scanned PDF: OCR timed out after {total:g} s ({progress})")
                what = f"scanned PDF OCR ran out ({progress})"
                raise PartialResult(what, "OCR_REPORT_MAX_SECONDS", limit, partial=join_pages(pages) or None)
            try:
                pages.append(page_blocks(load_gray(image.read_bytes()), image_deadline(f"OCR of scanned page {n}")))
            except BudgetExceeded as exc:
                logger.warning("scanned PDF: %s", exc)
                over.append(exc)
    logger.debug("scanned PDF: %d pages OCR'd", len(pages))
    if over:
        first = over[0]
        what = f"{len(over)} of {len(images)} scanned pages not read: {str(first).removeprefix('budget: ')}"
        raise PartialResult(what.rsplit(", over ", 1)[0], first.setting, first.limit, partial=join_pages(pages) or None)
    return join_pages(pages)
