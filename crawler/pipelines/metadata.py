"""Metadata stage: title, 索引号, publisher, dates, report year, 文号, format."""

from __future__ import annotations

import logging

from crawler.items import ReportItem, add_error
from crawler.parsing.itemtext import item_text, normaliser, table_text
from crawler.parsing.metadata import extract_metadata
from crawler.text.extract import iter_lines

logger = logging.getLogger(__name__)


class MetadataPipeline:
    """Fill the report's metadata fields from its text, metadata block and tags."""

    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            fields = extract_metadata(
                text=item_text(item),
                meta_text=item.get("meta_text") or "",
                tree=item.get("tree"),
                table_text=table_text(item),
                link_title=item.get("link_title"),
                link_date=item.get("link_date"),
                page_lines=iter_lines(item["tree"].root) if item.get("tree") is not None else (),
                normalise=normaliser(item),
            )
        except Exception as exc:  # a parsing bug must not lose the report
            logger.exception("metadata failed for %s", item.get("url"))
            add_error(item, "metadata", f"{type(exc).__name__}: {exc}")
            return item
        for name, value in fields.items():
            item[name] = value
        if not fields.get("title"):
            add_error(item, "metadata", "no report title found")
        return item
