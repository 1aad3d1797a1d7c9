"""Which office or image format a body is, beyond PDF/DOCX: the hooks detect.py calls.

OLE2 files (Word 97, Excel 97, WPS, encrypted OOXML) share one magic
number; what tells them apart is the names of the streams in the
compound file's directory, stored as UTF-16LE, so a search of the body for
those names decides without parsing the container.
"""

from __future__ import annotations

import re

WORD_STREAM = "WordDocument".encode("utf-16-le")
BOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # an OOXML file with a password
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
IMAGE_EXTENSION = re.compile(r"\.(png|jpe?g)(?=$|[?#&;])", re.I)
NAMED = re.compile(r"\.(doc|wps|xls|et|docx|xlsx)(?=$|[?#&;])", re.I)


def _named(url: str | None) -> str | None:
    match = NAMED.search(url or "")
    return match.group(1).lower() if match else None


def ole2_kind(body: bytes, url: str | None) -> str | None:
    """``doc``/``wps``/``xls``/``et`` (or the OOXML name of an encrypted package) by the streams it holds.

    None when no known stream is found (the caller falls back to the URL).

    >>> ole2_kind(b"\\xd0\\xcf" + "Workbook".encode("utf-16-le"), "http://x/t.et")
    'et'
    """
    named = _named(url)
    if WORD_STREAM in body:
        return "wps" if named == "wps" else "doc"
    if any(stream in body for stream in BOOK_STREAMS):
        return "et" if named == "et" else "xls"
    if ENCRYPTED_STREAM in body:
        return named if named in ("docx", "xlsx") else "docx"
    return None


def zip_sheet(names: list[str]) -> bool:
    """A zip is an .xlsx when it is an OPC package ([Content_Types].xml) with a workbook part."""
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


def image_kind(head: bytes) -> str | None:
    """``image`` for a PNG or JPEG body."""
    return "image" if head.startswith((PNG_MAGIC, JPEG_MAGIC)) else None


FIB_MAGIC = b"\xec\xa5"  # wIdent of a Word 97 File Information Block
F_ENCRYPTED = 0x0100


def word_encrypted(body: bytes, sector: int = 512) -> bool:
    """True when the Word 97 FIB says fEncrypted (a password-protected .doc/.wps).

    The WordDocument stream starts on a sector boundary with the FIB; the
    first sector that starts with its magic is taken as the FIB.
    """
    for offset in range(sector, min(len(body), 8 * 1024 * 1024), sector):
        if body[offset : offset + 2] == FIB_MAGIC:
            flags = int.from_bytes(body[offset + 0x0A : offset + 0x0C], "little")
            return bool(flags & F_ENCRYPTED)
    return False
