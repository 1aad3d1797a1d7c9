"""Tables stage: canonical table cells and the consistency checks."""

from __future__ import annotations

import logging

from crawler.items import ReportItem, add_error
from crawler.parsing.checks import run_checks
from crawler.parsing.itemtext import item_text, normaliser, page_selector
from crawler.parsing.tables import extract_tables

logger = logging.getLogger(__name__)


class TablesPipeline:
    """Fill ``cells``, ``tables`` and ``checks``; record what could not be mapped."""

    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            result = extract_tables(
                main=page_selector(item),
                text=item_text(item),
                fmt=item.get("format"),
                normalise=normaliser(item),
            )
        except Exception as exc:
            logger.exception("tables failed for %s", item.get("url"))
            add_error(item, "tables", f"{type(exc).__name__}: {exc}")
            item["cells"], item["tables"], item["checks"] = [], {}, []
            return item
        item["cells"] = result.cells
        item["tables"] = result.tables
        for error in result.errors:
            add_error(item, "tables", error)
        try:
            item["checks"] = run_checks(item["tables"])
        except Exception as exc:  # the cells stand on their own; the report keeps them
            logger.exception("checks failed for %s", item.get("url"))
            add_error(item, "checks", f"{type(exc).__name__}: {exc}")
            item["checks"] = []
        return item
