"""OCR of table images and scanned PDF pages (tesseract chi_sim + ruling-line grids).

blocks = image_blocks(png_bytes)        # paragraphs and OcrTable, cells with confidence
blocks = scanned_pdf_blocks(pdf_bytes)  # every page rasterised by pdftoppm, then the same
"""

from __future__ import annotations

from crawler.ocr.page import ImageError, OcrBlock, OcrCell, OcrTable, load_gray, page_blocks
from crawler.ocr.render import render_ocr_document
from crawler.ocr.scan import ScanError, image_blocks, scanned_pdf_blocks
from crawler.ocr.tesseract import OcrError, available

__all__ = [
    "ImageError",
    "OcrBlock",
    "OcrCell",
    "OcrError",
    "OcrTable",
    "ScanError",
    "available",
    "image_blocks",
    "load_gray",
    "page_blocks",
    "render_ocr_document",
    "scanned_pdf_blocks",
]
