"""Is a response body a report attachment, and of which kind?"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

from crawler.attachments.formats.detect import image_kind, ole2_kind, zip_sheet

KINDS = ("pdf", "docx", "doc", "wps", "xls", "xlsx", "et", "image")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 (also .xls/.ppt)
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
DOCX_PART = "word/document.xml"

CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/doc": "doc",
    "application/vnd.ms-word": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/kswps": "wps",
    "application/vnd.ms-works": "wps",
    "application/kset": "et",
    "image/png": "image",
    "image/jpeg": "image",
}
# Extensions, in the path or in a download script's query (downfile.jsp?filename=….pdf).
EXTENSION = re.compile(r"\.(pdf|docx|doc|wps|xlsx|xls|et|png|jpe?g)(?=$|[?#&;])", re.I)
OTHER_OLE2 = re.compile(r"\.(xls|ppt|msg|wps|et)(?=$|[?#&;])", re.I)
MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<", re.S)


def _zip_kind(body: bytes) -> str | None:
    """ "docx" for a Word zip, "" for another zip (xlsx, pptx …), None when unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
            return "docx" if DOCX_PART in names else "xlsx" if zip_sheet(names) else ""
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def url_extension(url: str | None) -> str | None:
    """The attachment extension a URL names, if any.

    >>> url_extension("http://x.gov.cn/module/download/downfile.jsp?filename=P0202401.PDF")
    'pdf'
    >>> url_extension("http://x.gov.cn/art/2024/1/2/art_1.html") is None
    True
    """
    if not url:
        return None
    parts = urlsplit(url)
    for text in (unquote(parts.path), unquote(parts.query)):
        match = EXTENSION.search(text)
        if match:
            ext = match.group(1).lower()
            return "image" if ext in ("png", "jpg", "jpeg") else ext
    return None


def is_attachment(content_type: str | bytes | None, body: bytes, url: str | None = None) -> str | None:
    """``"pdf"``, ``"docx"`` or ``"doc"`` when `body` is a report file, else None.

    Magic bytes decide first (a DOCX served as ``application/octet-stream``
    is a DOCX), then the Content-Type header, then the URL's extension.  A
    body that is markup (an HTML error page behind a ``.pdf`` link) is never
    an attachment.

    >>> is_attachment("application/octet-stream", b"%PDF-1.4 ...", "http://x/a.bin")
    'pdf'
    >>> is_attachment("text/html", b"<html>...</html>", "http://x/a.pdf") is None
    True
    """
    head = body[:1024]
    if image_kind(head):
        return "image"
    if head.lstrip().startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        kind = _zip_kind(body)
        if kind is not None:
            return kind or None  # a readable zip without word/document.xml (xlsx …) is no report
        # an unreadable zip falls through: a corrupt DOCX is still a DOCX, and says so on conversion
    elif head.startswith(OLE2_MAGIC):
        return ole2_kind(body, url) or (None if OTHER_OLE2.search(url or "") else "doc")
    elif MARKUP.match(head):
        return None
    elif PDF_MAGIC in head:  # the PDF spec allows junk before the header
        return "pdf"
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in CONTENT_TYPES:
        return CONTENT_TYPES[mime]
    if mime.startswith("text/"):
        return None
    return url_extension(url)


# The byte-level test before a report page is parsed for an attachment link
# (crawler/attachments/links.py): what a link to a file needs somewhere in the
# page's bytes — a file extension after a dot (the dot or the letters possibly
# written as a character reference or percent-encoded), or a download script's
# name.  ASCII in every charset a portal serves but UTF-16/32, which are parsed.
_EXT = rb"(?:pdf|docx?|wps|xlsx?|et|%[0-9a-f]{2}|&#)"  # or its first letter escaped
# Each alternative starts with a literal, so each regex is a fast scan of the lower-cased bytes
# (one regex of them all, ignoring case, tried every alternative at every byte: 8 times slower).
_FILE_HINTS = (
    re.compile(rb"\." + _EXT),
    re.compile(rb"%2e" + _EXT),
    re.compile(rb"&period;" + _EXT),
    re.compile(rb"&#(?:0*(?:4[6-9]|[5-9]\d|1[0-2]\d|383)|x0*(?:[2-7][0-9a-f]|17f));"),  # ASCII letters, dot, _, ſ
)
# The download scripts' names, an escaped _, and ſ in UTF-8 (the links' patterns ignore case: Unicode folds ſ to s).
_FILE_WORDS = (b"download", b"downfile", b"getfile", b"attach", b"fileid", b"file_id", b"&lowbar;", b"\xc5\xbf")
_IMAGE_HINTS = tuple(re.compile(dot + rb"(?:png|jpe?g)") for dot in (rb"\.", rb"%2e", rb"&period;"))  # &#46; is a hint
_IMG_TAG = re.compile(rb"<img[\s/]")
_WIDE = (b"\xff\xfe", b"\xfe\xff")


def may_link_attachment(body: bytes, url: str | None = None) -> bool:
    """False only when no link on this HTML page can point at a report file.

    A byte-level test, so the spider parses only the pages it must: a link
    counts as one by its URL's extension, its text's extension or a download
    script's name, and all of them are ASCII in the bytes.  An image name
    counts only outside an ``<img>`` tag (``src="logo.png"`` is no link).
    Conservative: anything it cannot rule out is True.

    >>> may_link_attachment(b'<p>2023</p><img src="/logo.png"><a href="/a/1.html">x</a>')
    False
    >>> may_link_attachment(b'<a href="/up/P0202401.PDF">\\xe9\\x99\\x84\\xe4\\xbb\\xb6</a>')
    True
    """
    if url_extension(url) is not None:
        return True  # a link of only a query or parameters keeps the page's own path
    head = body[:4096]
    if head.startswith(_WIDE) or b"\x00" in head:
        return True  # UTF-16/32: ASCII is not one byte each
    low = body.lower()  # ASCII letters only, as the links' patterns ignore their case
    if any(word in low for word in _FILE_WORDS) or any(hint.search(low) for hint in _FILE_HINTS):
        return True
    for hint in _IMAGE_HINTS:
        for match in hint.finditer(low):
            start = low.rfind(b"<", 0, match.start())
            if start < 0 or not _IMG_TAG.match(low, start) or b">" in low[start : match.start()]:
                return True
    return False
