"""Converters for the report formats beyond text PDF and DOCX: .doc/.wps, spreadsheets, images, scans.

Pure functions of the bytes, called from :func:`crawler.attachments.to_html`::

    html = convert("doc", body)        # LibreOffice → DOCX → the DOCX reader
    html = convert("xlsx", body)       # openpyxl; "xls" xlrd; "et" LibreOffice → xlsx
    html = convert("image", body)      # tesseract chi_sim, cells with data-confidence
    html = scanned_pdf_to_html(body)   # pdftoppm pages → the same OCR

Every failure is an :class:`~crawler.attachments.render.AttachmentError`
whose message names the format and the reason (corrupt, encrypted, too
large, timed out, converter missing), which the attachment stage records.
"""

from __future__ import annotations

import logging

from crawler.attachments.render import AttachmentError, render_document

logger = logging.getLogger(__name__)

KINDS = ("doc", "wps", "xls", "xlsx", "et", "image")
CONVERTERS = {
    "doc": "LibreOffice → docx",
    "wps": "LibreOffice → docx",
    "xls": "xlrd",
    "xlsx": "openpyxl",
    "et": "LibreOffice → xlsx",
    "image": "tesseract chi_sim",
    "pdf-scan": "pdftoppm + tesseract chi_sim",
}
MAX_IMAGE_BYTES = 30 * 1024 * 1024
ENCRYPTED_OLE2 = "EncryptedPackage".encode("utf-16-le")


def _office_to_docx_html(kind: str, body: bytes) -> str:
    from crawler.attachments.docx import docx_to_html
    from crawler.attachments.formats.detect import WORD_STREAM, word_encrypted
    from crawler.attachments.formats.office import convert as soffice_convert

    if ENCRYPTED_OLE2 in body or word_encrypted(body):
        raise AttachmentError(f"{kind} encrypted: password-protected document")
    # .wps (WPS Writer) is read by LibreOffice's Word filter: name it .doc so the
    # type detection never picks the unrelated Microsoft Works importer.
    if WORD_STREAM not in body:
        raise AttachmentError(f"{kind} corrupt: no Word document stream in the file")
    docx = soffice_convert(body, "doc", "docx", infilter="MS Word 97")
    try:
        return docx_to_html(docx).replace("attachment-docx", f"attachment-{kind}", 1)
    except AttachmentError as exc:
        raise AttachmentError(f"{kind} converter failed: {exc}") from exc


def _sheet_html(kind: str, body: bytes) -> str:
    from crawler.attachments.formats.sheet import workbook_blocks, xls_sheets, xlsx_sheets

    if kind == "xlsx":
        if ENCRYPTED_OLE2 in body[: 1 << 20]:
            raise AttachmentError("xlsx encrypted: password-protected workbook")
        blocks = workbook_blocks(xlsx_sheets(body))
    elif kind == "xls":
        blocks = workbook_blocks(xls_sheets(body))
    else:  # et: WPS Spreadsheets; LibreOffice reads it and writes xlsx
        from crawler.attachments.formats.office import convert as soffice_convert

        if ENCRYPTED_OLE2 in body:
            raise AttachmentError("et encrypted: password-protected workbook")
        blocks = workbook_blocks(xlsx_sheets(soffice_convert(body, "xls", "xlsx", infilter="MS Excel 97")))
    if not blocks:
        raise AttachmentError(f"{kind} empty: no cells in any sheet")
    return render_document(kind, blocks)


def _image_html(body: bytes) -> str:
    from crawler.ocr import ImageError, OcrError, image_blocks, render_ocr_document

    if len(body) > MAX_IMAGE_BYTES:
        raise AttachmentError(f"image too large: {len(body)} bytes > {MAX_IMAGE_BYTES}")
    try:
        return render_ocr_document("image", image_blocks(body))
    except (ImageError, OcrError) as exc:
        raise AttachmentError(str(exc)) from exc


def scanned_pdf_to_html(body: bytes) -> str:
    """An image-only PDF read by OCR; called when the PDF reader finds no text layer."""
    from crawler.budgets import PartialResult
    from crawler.ocr import OcrError, ScanError, render_ocr_document, scanned_pdf_blocks

    try:
        blocks = scanned_pdf_blocks(body)
    except (ScanError, OcrError) as exc:
        raise AttachmentError(str(exc)) from exc
    except PartialResult as exc:  # over an OCR budget part-way: the pages read in time, as HTML
        if exc.partial:
            exc.partial = render_ocr_document("pdf", exc.partial)
        raise
    if not blocks:
        raise AttachmentError("scanned PDF: OCR found no text")
    return render_ocr_document("pdf", blocks)


def convert(kind: str, body: bytes) -> str:
    """The attachment of `kind` (one of :data:`KINDS`) as the HTML document the pipeline reads."""
    if kind in ("doc", "wps"):
        return _office_to_docx_html(kind, body)
    if kind in ("xls", "xlsx", "et"):
        return _sheet_html(kind, body)
    if kind == "image":
        return _image_html(body)
    raise ValueError(f"not a formats kind: {kind!r}")
