"""The ``images`` stage: tables printed as images in an HTML report, OCR'd and put back where they were printed.

The spider fetched the body's table-looking images (crawler/spiders/table_images.py)
and left them on the report as ``images`` ({url: bytes}).  This stage runs
after decode and before normalise, so the main-content pick, the sections
and the tables stage all read the spliced page as if the tables had been
printed in HTML; their cells carry ``source='ocr'`` and a confidence, and
the four checks run on them like on any other table.  An image that cannot
be read stays an image, its named error on the report.
"""

from __future__ import annotations

import logging

from crawler.attachments.formats.images import splice_table_images
from crawler.core.report import Report
from crawler.text.page import parse_html

logger = logging.getLogger(__name__)


def table_images(report: Report) -> None:
    """Splice the OCR'd tables of ``report.images`` into the decoded page, in place of their ``<img>``."""
    if not report.images:
        return
    if report.html is None or report.tree is None:
        report.fail("images", f"{len(report.images)} table images not read: the page has no decoded HTML")
        return
    html, errors = splice_table_images(report.html, report.url, report.images)
    for error in errors:
        report.fail("images", error)
    report.count("images/unreadable_count", len(errors))
    report.html = html
    report.tree = parse_html(html)
    spliced = len(report.tree.xpath("//div[@class='ocr-table-image']"))
    report.count("images/spliced_count", spliced)
    logger.info("%s: %d of %d table images read by OCR", report.url, spliced, len(report.images))
