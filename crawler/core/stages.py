"""The parsing stages, in order: each reads a :class:`Report` and fills its own fields.

A stage is a plain function; :func:`run_stage` gives every one the same
policy: a :class:`StageError` (an expected failure, e.g. a corrupt PDF) or
any bug is recorded on the report under the stage's name and counted
(``<stage>/failed_count``), and the next stage still runs on what is there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

import parsel
from w3lib.encoding import html_to_unicode

from crawler.attachments import AttachmentError, converter_name, is_attachment, to_html
from crawler.budgets import BudgetExceeded, PartialResult
from crawler.core.report import Report
from crawler.core.table_images import table_images
from crawler.parsing.checks import run_checks
from crawler.parsing.identity import content_key, dedup_key, report_id
from crawler.parsing.metadata import extract_metadata
from crawler.parsing.sections import split_sections
from crawler.parsing.tables import extract_tables
from crawler.text.encoding import decode_body
from crawler.text.extract import iter_lines, scan
from crawler.text.page import page_text, parse_html
from crawler.text.script import TRADITIONAL, detect_script

logger = logging.getLogger(__name__)


class StageError(Exception):
    """A stage could not do its job on this report; the message says why."""


@dataclass(frozen=True)
class Stage:
    """One step of the core: its name (as recorded in errors and stats) and function.

    ``switch`` names the setting that turns it off (on by default).
    """

    name: str
    run: Callable[[Report], None]
    switch: str | None = None


def run_stage(stage: Stage, report: Report) -> None:
    """Run one stage under the shared policy: failures are recorded, never raised."""
    try:
        stage.run(report)
    except (StageError, BudgetExceeded) as exc:  # expected: a bad file, or work over its budget
        logger.warning("%s: %s failed: %s", report.url, stage.name, exc)
        report.fail(stage.name, str(exc))
        report.count(f"{stage.name}/failed_count")
    except Exception as exc:  # a parser bug must not cost the report: it is stored with the error
        logger.exception("%s failed for %s", stage.name, report.url)
        report.fail(stage.name, f"{type(exc).__name__}: {exc}")
        report.count(f"{stage.name}/failed_count")


# ---------------------------------------------------------------- bytes → tree


def attachment(report: Report) -> None:
    """A PDF/DOCX body → HTML and its tree; HTML bodies pass untouched.

    A legacy .doc or a corrupt file is recorded and left as it was; decode
    then leaves it alone (its bytes read as HTML are garbage).
    """
    body = report.body
    if not isinstance(body, bytes) or not body:
        return
    kind = is_attachment(report.content_type, body, report.url)
    if kind is None:
        return
    report.count(f"attachment/kind/{kind}")
    try:
        html = to_html(kind, body)
    except PartialResult as exc:  # over a budget part-way (a scan's OCR time): keep what was read, name the rest
        if not isinstance(exc.partial, str) or not exc.partial:
            raise StageError(str(exc)) from exc
        report.fail("attachment", str(exc))
        report.count("attachment/partial_count")
        html = exc.partial
    except AttachmentError as exc:
        raise StageError(str(exc)) from exc
    except Exception as exc:
        raise StageError(f"{kind} converter failed: {type(exc).__name__}: {exc}") from exc
    if html is None:  # no converter returns None any more; kept for a kind added without one
        report.fail("attachment", f"{kind} attachment: no converter")
        return
    report.html = html
    report.tree = parse_html(html)
    report.source_encoding = kind
    report.encoding_reason = f"attachment: {kind} ({converter_name(kind, html)})"
    if 'data-source="ocr"' in html:
        report.count("attachment/ocr_count")
    report.repairs = []
    report.count("attachment/converted_count")


def decode(report: Report) -> None:
    """Bytes → repaired text and one parsed tree (charset by evidence, mojibake repaired)."""
    if report.tree is not None or report.failed("attachment"):
        report.count("decode/skipped_attachment_count")
        return
    body = report.body
    if not isinstance(body, bytes) or not body:
        report.fail("decode", f"no body to decode for {report.url}")
        report.count("decode/missing_body_count")
        return
    decoded = decode_body(body, report.content_type)
    report.tree = parse_html(decoded.html)
    report.html = decoded.html
    report.source_encoding = decoded.encoding
    report.encoding_reason = decoded.reason
    report.repairs = decoded.repairs
    report.count(f"decode/encoding/{decoded.encoding}")
    if decoded.reason.startswith("detected"):
        report.count("decode/detected_count")
        logger.info("%s: %s", report.url, decoded.reason)
    if decoded.repairs:
        report.count("decode/repaired_count")
        report.count("decode/repairs_count", len(decoded.repairs))
        kinds = ", ".join(sorted({r["kind"] for r in decoded.repairs}))
        logger.info("%s: %d mojibake repairs (%s)", report.url, len(decoded.repairs), kinds)


def plain_tree(report: Report) -> None:
    """When no decode stage ran: the page by its declared charset (header/meta/BOM).

    Not an attachment the attachment stage refused, nor a page decode failed on.
    """
    if report.tree is not None or report.failed("attachment", "decode") or not report.body:
        return
    encoding, html = html_to_unicode(report.content_type, report.body)
    report.source_encoding = report.source_encoding or encoding
    report.html = html
    report.tree = parse_html(html)


# ---------------------------------------------------------------- tree → text


def normalise(report: Report) -> None:
    """Main content → clean Simplified text, the source's script, the metadata block's text."""
    if report.tree is None:
        report.fail("normalise", "no parsed tree (decode failed)")
        report.count("normalise/missing_tree_count")
        return
    root = report.tree.root
    scanned = scan(root)  # one walk: sizes, metadata labels, and the visible text the script is read from
    script = detect_script(scanned.visible)
    page = page_text(root, traditional=script == TRADITIONAL, scanned=scanned)
    report.script = script
    report.text = page.text
    # The element itself, wrapped (no XPath round trip: tag names on broken
    # pages need not make a valid path).
    report.main = parsel.Selector(root=page.main, type="html")
    report.meta_text = page.meta_text
    report.count(f"normalise/script/{script}")
    if not page.text:
        report.fail("normalise", "main content is empty")
        report.count("normalise/empty_text_count")
    if page.meta is None:
        report.count("normalise/no_meta_block_count")


# ---------------------------------------------------------------- text → fields


def metadata(report: Report) -> None:
    """Title, 索引号, publisher, dates, report year, 文号, format."""
    plain_tree(report)
    tree = report.tree
    fields = extract_metadata(
        text=report.plain_text(),
        meta_text=report.meta_text or "",
        tree=tree,
        table_text=report.table_text,  # read only when the text leaves the format open
        link_title=report.link_title,
        link_date=report.link_date,
        page_lines=iter_lines(tree.root) if tree is not None else (),
        normalise=report.normaliser(),
    )
    for name, value in fields.items():
        setattr(report, name, value)
    if not fields.get("title"):
        report.fail("metadata", "no report title found")


def sections(report: Report) -> None:
    """The report's parts, each with its spec code; headings read like the normalised text."""
    parts = split_sections(report.plain_text())
    clean = report.normaliser()
    for part in parts:
        part["heading"] = clean(str(part["heading"]))
    report.sections = parts
    if not any(s["heading"] for s in parts):
        report.fail("sections", "no section headings found")


def tables(report: Report) -> None:
    """Canonical table cells; what could not be mapped is recorded."""
    result = extract_tables(
        main=report.selector(),
        text=report.plain_text(),
        fmt=report.format,
        normalise=report.normaliser(),
    )
    report.cells = result.cells
    report.tables = result.tables
    for error in result.errors:
        report.fail("tables", error)


def checks(report: Report) -> None:
    """The consistency checks over the tables the tables stage read."""
    if report.tables is not None:
        report.checks = run_checks(report.tables)


def identity(report: Report) -> None:
    """``dedup_key`` and ``report_id``; odd metadata falls back to the URL, saying why."""
    try:
        key = dedup_key(
            url=report.url,
            portal_id=report.portal_id,
            index_key=report.index_key,
            index_no=report.index_no,
            publisher=report.publisher,
            report_year=report.report_year,
            title=report.title,
        )
    except Exception as exc:  # any bug here must still give the report an id
        logger.exception("dedup key failed for %s", report.url)
        report.fail("dedup", f"{type(exc).__name__}: {exc}")
        key = "url:" + report.url
    report.dedup_key = key
    report.report_id = report_id(key)
    report.content_key = content_key(report.cells or [])


STAGES: tuple[Stage, ...] = (
    Stage("attachment", attachment, switch="ATTACHMENTS_ENABLED"),
    Stage("decode", decode, switch="DECODE_ENABLED"),
    Stage("images", table_images),  # table images the spider fetched, OCR'd into the page (before main content)
    Stage("normalise", normalise, switch="NORMALISE_ENABLED"),
    Stage("metadata", metadata),
    Stage("sections", sections),
    Stage("tables", tables),
    Stage("checks", checks),
    Stage("dedup", identity),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)


def stage(name: str) -> Stage:
    """The stage called ``name`` (KeyError names the known ones)."""
    for known in STAGES:
        if known.name == name:
            return known
    raise KeyError(f"no stage {name!r}; stages are {', '.join(STAGE_NAMES)}")


def switched_off(getbool: Callable[[str, bool], bool]) -> frozenset[str]:
    """Names of the stages whose switch setting is off (``getbool`` is e.g. ``settings.getbool``)."""
    return frozenset(s.name for s in STAGES if s.switch is not None and not getbool(s.switch, True))


def run_stages(report: Report, *, skip: Collection[str] = ()) -> Report:
    """Every stage in order except those in ``skip``; returns the same report."""
    for known in STAGES:
        if known.name not in skip:
            run_stage(known, report)
    return report
