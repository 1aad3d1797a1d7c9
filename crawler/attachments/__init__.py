"""Report attachments (PDF, DOCX, DOC, WPS, XLS/XLSX/ET, images) → an HTML document the pipeline reads unchanged.

Pure functions, no Scrapy imports::

    kind = is_attachment(content_type, body, url)   # one of KINDS, or None
    html = to_html(kind, body)                       # str (a scanned PDF and an image are OCR'd)

``to_html`` raises :class:`AttachmentError` for a corrupt or unreadable file.
"""

from __future__ import annotations

from crawler.attachments.detect import KINDS, is_attachment
from crawler.attachments.formats import CONVERTERS as FORMAT_CONVERTERS
from crawler.attachments.formats import KINDS as FORMAT_KINDS
from crawler.attachments.render import AttachmentError

LEGACY_DOC_ERROR = "legacy .doc attachment: not parsed"

__all__ = ["KINDS", "LEGACY_DOC_ERROR", "AttachmentError", "converter_name", "is_attachment", "to_html"]

CONVERTERS = {"pdf": "pdfplumber", "docx": "word/document.xml", **FORMAT_CONVERTERS}


def converter_name(kind: str, html: str | None = None) -> str:
    """What turned a `kind` into HTML, for ``encoding_reason``; pass the `html` to tell a scanned PDF.

    >>> converter_name("pdf")
    'pdfplumber'
    >>> converter_name("pdf", '<div class="attachment attachment-pdf ocr">')
    'pdftoppm + tesseract chi_sim'
    """
    if kind == "pdf" and html is not None and 'class="attachment attachment-pdf ocr"' in html[:2048]:
        return CONVERTERS["pdf-scan"]
    return CONVERTERS.get(kind, "none")


def to_html(kind: str, body: bytes) -> str | None:
    """The attachment as an HTML document (the formats beyond PDF/DOCX: crawler.attachments.formats).

    Paragraphs become ``<p>``, tables ``<table><tr><td>`` with ``rowspan`` /
    ``colspan``.  Raises :class:`AttachmentError` when the file is corrupt.
    """
    if kind == "pdf":
        from crawler.attachments.pdf import pdf_to_html

        try:
            return pdf_to_html(body)
        except AttachmentError as exc:
            if str(exc).startswith("corrupt PDF") and (b"/Encrypt" in body[-4096:] or b"/Encrypt" in body[:4096]):
                raise AttachmentError("encrypted PDF: a password is needed to open it") from exc
            if "no text layer" not in str(exc):
                raise
        from crawler.attachments.formats import scanned_pdf_to_html

        return scanned_pdf_to_html(body)  # a scan: every page OCR'd
    if kind == "docx":
        from crawler.attachments.docx import docx_to_html

        return docx_to_html(body)
    if kind in FORMAT_KINDS:
        from crawler.attachments.formats import convert

        return convert(kind, body)
    raise ValueError(f"unknown attachment kind {kind!r} (expected one of {', '.join(KINDS)})")
