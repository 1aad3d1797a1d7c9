"""Sections stage: the report's parts, each with its spec code."""

from __future__ import annotations

import logging

from crawler.items import ReportItem, add_error
from crawler.parsing.itemtext import item_text, normaliser
from crawler.parsing.sections import split_sections

logger = logging.getLogger(__name__)


class SectionsPipeline:
    """Split the report text into ``sections`` [{seq, code, heading, text}]."""

    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            sections = split_sections(item_text(item))
            clean = normaliser(item)  # headings read like the normalised text, however it was made
            for section in sections:
                section["heading"] = clean(str(section["heading"]))
        except Exception as exc:
            logger.exception("sections failed for %s", item.get("url"))
            add_error(item, "sections", f"{type(exc).__name__}: {exc}")
            sections = []
        item["sections"] = sections
        if not any(s["heading"] for s in sections):
            add_error(item, "sections", "no section headings found")
        return item
