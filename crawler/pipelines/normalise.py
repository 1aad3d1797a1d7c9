"""NormalisePipeline: main content → clean Simplified text, script, metadata text."""

from __future__ import annotations

import logging

import parsel
from lxml import etree
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ReportItem, add_error
from crawler.text.page import page_text
from crawler.text.script import TRADITIONAL, detect_script

logger = logging.getLogger(__name__)

# The script is decided on what a reader sees, not on the markup: Word-pasted
# cells repeat `font-family:宋体` hundreds of times in their style attributes.
# Script and style hold only text, so parent:: suffices; plain strings, not smart ones.
VISIBLE_TEXT = etree.XPath("//body//text()[not(parent::script or parent::style)]", smart_strings=False)
SCRIPT_SAMPLE = 20_000


class NormalisePipeline:
    """Set ``text``, ``script``, ``main`` (a Selector within ``tree``), ``meta_text``.

    Settings: ``NORMALISE_ENABLED`` (default True).
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        if not crawler.settings.getbool("NORMALISE_ENABLED", True):
            raise NotConfigured("NORMALISE_ENABLED is off")
        return cls(crawler)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"normalise/{key}")

    def process_item(self, item: ReportItem) -> ReportItem:
        tree = item.get("tree")
        if tree is None:
            add_error(item, "normalise", "no parsed tree (decode failed)")
            self._inc("missing_tree_count")
            return item
        try:
            root = tree.root
            script = detect_script(visible_text(root))
            page = page_text(root, traditional=script == TRADITIONAL)
            # The element itself, wrapped (no XPath round trip: tag names
            # on broken pages need not make a valid path).
            main = parsel.Selector(root=page.main, type="html")
        except Exception as exc:
            logger.warning("normalise failed for %s: %s", item.get("url"), exc)
            add_error(item, "normalise", f"{type(exc).__name__}: {exc}")
            self._inc("failed_count")
            return item
        item["script"] = script
        item["text"] = page.text
        item["main"] = main
        item["meta_text"] = page.meta_text
        self._inc(f"script/{script}")
        if not page.text:
            add_error(item, "normalise", "main content is empty")
            self._inc("empty_text_count")
        if page.meta is None:
            self._inc("no_meta_block_count")
        return item


def visible_text(root: etree._Element) -> str:
    """The page's text nodes (no tags, attributes, scripts or styles), capped."""
    parts: list[str] = []
    size = 0
    for text in VISIBLE_TEXT(root):
        parts.append(text)
        size += len(text)
        if size >= SCRIPT_SAMPLE:
            break
    return "".join(parts)
