"""Tables stage: canonical table cells and the consistency checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from crawler.items import ReportItem, add_error
from crawler.parsing.checks import run_checks
from crawler.parsing.tables import extract_tables
from crawler.parsing.itemtext import item_text, page_selector

logger = logging.getLogger(__name__)


def _normaliser(item: ReportItem) -> Callable[[str], str] | None:
    """The text stage's cell normaliser, when that stage is installed."""
    try:
        from crawler.text.normalise import normalise_fragment  # noqa: PLC0415
    except ImportError:
        return None
    return partial(normalise_fragment, traditional=item.get("script") == "traditional")


class TablesPipeline:
    """Fill ``cells``, ``tables`` and ``checks``; record what could not be mapped."""

    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            result = extract_tables(
                main=page_selector(item),
                text=item_text(item),
                fmt=item.get("format"),
                normalise=_normaliser(item),
            )
        except Exception as exc:
            logger.exception("tables failed for %s", item.get("url"))
            add_error(item, "tables", f"{type(exc).__name__}: {exc}")
            item["cells"], item["tables"], item["checks"] = [], {}, []
            return item
        item["cells"] = result.cells
        item["tables"] = result.tables
        item["checks"] = run_checks(result.tables)
        for error in result.errors:
            add_error(item, "tables", error)
        return item
