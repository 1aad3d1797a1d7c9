"""Budgets that bound the work one report may cost, and the error when it is over.

A hostile or broken page must not take the crawl with it: a table whose
spans expand to millions of cells, a 2,000-page PDF, a DOCX that inflates to
gigabytes, a page of 30 MB.  Each converter and parser checks its budget as
it goes (never after the work is done) and raises :class:`BudgetExceeded`
with a named reason (``budget: PDF has 2000 pages, over PDF_MAX_PAGES=200``);
the core's stage policy stores the report with that error and the crawl goes
on.

The core has no Scrapy settings, so the limits live here as one
:class:`Budgets` value: :func:`current` is what the checks read,
:func:`configure` replaces it (the item pipelines do that once from the
crawl's settings, see :func:`from_settings`); ``scrapy extract``, the
benchmarks and tests run with the defaults.  The download size itself is
Scrapy's own ``DOWNLOAD_MAXSIZE``, checked while a compressed body inflates
(crawler/settings.py).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crawler.attachments.render import AttachmentError

logger = logging.getLogger(__name__)

MIB = 1024 * 1024


class BudgetExceeded(AttachmentError):
    """A report asked for more work than its budget allows; the message names the budget.

    An :class:`AttachmentError` so that a converter's caller records it like
    any unreadable file: the report is stored with the error, nothing else stops.
    """

    def __init__(self, what: str, setting: str, limit: float) -> None:
        self.setting, self.limit = setting, limit
        shown = str(int(limit)) if float(limit).is_integer() else f"{limit:g}"
        super().__init__(f"budget: {what}, over {setting}={shown}")


class PartialResult(BudgetExceeded):
    """Over a budget part-way through: what was read before it ran out rides along as ``partial``.

    The attachment stage stores that (an HTML document) with the named error,
    so a scan whose OCR time ran out keeps the pages read in time.
    """

    def __init__(self, what: str, setting: str, limit: float, partial: Any = None) -> None:
        super().__init__(what, setting, limit)
        self.partial = partial


@dataclass(frozen=True)
class Budgets:
    """The per-report limits; each field is the setting of the same name in upper case."""

    html_max_bytes: int = 8 * MIB  # page (or converted attachment) HTML handed to the parser
    html_max_depth: int = 256  # element nesting of a parsed page (the text walks recurse per level)
    grid_max_cells: int = 100_000  # slots of one table once rowspan/colspan are expanded
    tables_max_per_page: int = 200  # data tables read from one page
    pdf_max_pages: int = 200
    pdf_max_seconds: float = 60.0  # pdfplumber's parse, checked between pages
    docx_max_xml_bytes: int = 16 * MIB  # word/document.xml as inflated, counted while inflating
    docx_max_xml_depth: int = 100  # element nesting in word/document.xml
    converter_max_seconds: float = 30.0  # the DOCX converter, checked between blocks and table rows
    mojibake_max_runs: int = 5_000  # runs with traces of damage examined for repair per page
    ocr_max_seconds: float = 120.0  # tesseract on one image or scanned page (its subprocesses are killed)
    ocr_report_max_seconds: float = 600.0  # all OCR of one report: its table images, or a scan's pages

    @staticmethod
    def setting(name: str) -> str:
        """The Scrapy setting for a field: ``pdf_max_pages`` → ``PDF_MAX_PAGES``."""
        return name.upper()


DEFAULTS = Budgets()
SETTINGS = tuple(Budgets.setting(f.name) for f in dataclasses.fields(Budgets))
_current = DEFAULTS


def current() -> Budgets:
    """The budgets in force (the defaults unless :func:`configure` was called)."""
    return _current


def configure(budgets: Budgets) -> Budgets:
    """Put `budgets` in force for this process; returns the previous ones (tests restore them)."""
    global _current
    previous, _current = _current, budgets
    return previous


def from_settings(get: Callable[[str, Any], Any] | Mapping[str, Any]) -> Budgets:
    """Budgets from Scrapy settings (``settings.get``) or a mapping; a missing one keeps its default.

    >>> from_settings({"PDF_MAX_PAGES": "50"}).pdf_max_pages
    50
    """
    getter = get.get if isinstance(get, Mapping) else get
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Budgets):
        default = getattr(DEFAULTS, f.name)
        raw = getter(Budgets.setting(f.name), None)
        if raw is None or raw == "":
            continue
        try:
            value = type(default)(float(raw)) if isinstance(default, int) else float(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{Budgets.setting(f.name)} must be a number, not {raw!r}") from exc
        if value <= 0:
            raise ValueError(f"{Budgets.setting(f.name)} must be positive, not {raw!r}")
        values[f.name] = value
    return dataclasses.replace(DEFAULTS, **values)


def check(size: float, limit: float, setting: str, what: str) -> None:
    """Raise :class:`BudgetExceeded` when `size` is over `limit` (`what` says what was counted)."""
    if size > limit:
        raise BudgetExceeded(what, setting, limit)


class Deadline:
    """A time budget for one piece of work, checked between its steps."""

    def __init__(self, seconds: float, setting: str, what: str) -> None:
        self.seconds, self.setting, self.what = seconds, setting, what
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def check(self, progress: str = "") -> None:
        """Raise :class:`BudgetExceeded` once the time is up; `progress` says how far it got."""
        elapsed = self.elapsed()
        if elapsed > self.seconds:
            where = f" ({progress})" if progress else ""
            raise BudgetExceeded(f"{self.what} took {elapsed:.1f} s{where}", self.setting, self.seconds)


# What Scrapy says when a body is over DOWNLOAD_MAXSIZE: declared too big, grown too big
# while downloading, or inflated too big (HttpCompressionMiddleware).
_MAXSIZE_MESSAGES = (
    re.compile(r"(?:Expected to receive|Received) (\d+) bytes which is larger than download max size \((\d+)\)"),
    re.compile(r"\((\d+) B compressed, (\d+) B decompressed so far\) exceeded DOWNLOAD_MAXSIZE \((\d+) B\)"),
)


def download_budget_error(exception: BaseException | None) -> str | None:
    """The named budget error for a download Scrapy cut at ``DOWNLOAD_MAXSIZE``, else None.

    >>> download_budget_error(Exception("Received 70000000 bytes which is larger than download max size (67108864) in request <GET http://x/>."))
    'budget: the body is more than 70000000 bytes, over DOWNLOAD_MAXSIZE=67108864'
    >>> download_budget_error(Exception("Ignored response <200 http://x/> because its body (300000 B compressed, 67174400 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (67108864 B) during decompression."))
    'budget: the body inflates past 67174400 bytes (300000 compressed), over DOWNLOAD_MAXSIZE=67108864'
    """
    message = str(exception or "")
    declared = _MAXSIZE_MESSAGES[0].search(message)
    if declared:
        size, limit = declared.groups()
        return str(BudgetExceeded(f"the body is more than {size} bytes", "DOWNLOAD_MAXSIZE", int(limit)))
    inflated = _MAXSIZE_MESSAGES[1].search(message)
    if inflated:
        packed, size, limit = inflated.groups()
        what = f"the body inflates past {size} bytes ({packed} compressed)"
        return str(BudgetExceeded(what, "DOWNLOAD_MAXSIZE", int(limit)))
    return None


def html_budget_error(body: bytes, what: str) -> str | None:
    """The named budget error when `body` is more than ``HTML_MAX_BYTES`` for the HTML parser, else None.

    For callers that parse a response themselves (the spider's listing and
    cover-page reads): they skip the parse and say why.
    """
    limit = current().html_max_bytes
    if len(body) <= limit:
        return None
    return str(BudgetExceeded(f"{what} is {len(body)} bytes", "HTML_MAX_BYTES", limit))


def check_depth(root: Any, what: str) -> None:
    """Raise :class:`BudgetExceeded` when elements under `root` nest deeper than ``HTML_MAX_DEPTH``.

    One XPath of ``limit`` child steps: true when an element sits that deep
    (a third of the cost of walking start/end events in Python, every page).
    """
    limit = current().html_max_depth
    if limit < 1 or _deeper_than(limit)(root):  # the root alone is one level
        raise BudgetExceeded(f"{what} nests elements more than {limit} deep", "HTML_MAX_DEPTH", limit)


@functools.lru_cache(maxsize=8)
def _deeper_than(limit: int) -> Any:
    """XPath from an element: is there an element ``limit`` levels below it (it being level 1)?"""
    from lxml import etree

    return etree.XPath("boolean(" + "/".join(["*"] * limit) + ")")


def check_html(html: str, what: str) -> str:
    """`html` if its UTF-8 size is within ``HTML_MAX_BYTES``, else :class:`BudgetExceeded`."""
    size = len(html.encode("utf-8", "surrogatepass"))
    check(size, current().html_max_bytes, "HTML_MAX_BYTES", f"{what} is {size} bytes of HTML")
    return html
