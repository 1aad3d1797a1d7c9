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

from crawler.ocr.page import OcrBlock, OcrTable, load_gray, page_blocks

logger = logging.getLogger(__name__)

DPI = 200  # enough for 10.5 pt Chinese text; 300 doubles the time for no gain on clean scans
MAX_PAGES = 60  # an annual report has 5–20 pages
TIMEOUT = 120.0  # seconds for pdftoppm on the whole document
TOTAL_TIMEOUT = 600.0  # seconds for the whole scan: ~4 s a page here, so 60 pages fit on a loaded machine


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


def image_blocks(body: bytes) -> list[OcrBlock]:
    """One image (PNG/JPEG) of a report page or of a table."""
    return page_blocks(load_gray(body))


def scanned_pdf_blocks(
    body: bytes, *, dpi: int = DPI, timeout: float = TIMEOUT, total: float = TOTAL_TIMEOUT
) -> list[OcrBlock]:
    """Every page of an image-only PDF rasterised and read, within `total` seconds for the document."""
    deadline = time.monotonic() + total
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
        pages: list[list[OcrBlock]] = []
        for image in images:
            if time.monotonic() > deadline:
                raise ScanError(f"scanned PDF: OCR timed out after {total:g} s ({len(pages)} of {len(images)} pages)")
            pages.append(page_blocks(load_gray(image.read_bytes())))
    logger.debug("scanned PDF: %d pages OCR'd", len(pages))
    return join_pages(pages)
