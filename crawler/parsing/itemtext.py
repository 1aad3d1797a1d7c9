"""What the parsing stages read from a report item, when earlier stages left gaps.

Takes any mapping (a ReportItem in the pipeline), so no Scrapy import here.
"""

from __future__ import annotations

import re

from collections.abc import Mapping
from typing import Any

from parsel import Selector

_BLOCKS = "p|div|tr|li|h1|h2|h3|h4|h5|h6|br|table|section|article"


def item_text(item: Mapping[str, Any]) -> str:
    """The item's clean text; without one, the text of ``main`` (or the page)."""
    if item.get("text"):
        return str(item["text"])
    sel = page_selector(item)
    if sel is None:
        return ""
    lines = []
    for node in sel.xpath(f"descendant-or-self::*[self::{' or self::'.join(_BLOCKS.split('|'))}]"
                          "[not(descendant::*[" + " or ".join(f"self::{t}" for t in _BLOCKS.split("|")) + "])]"):
        line = re.sub(r"\s+", " ", " ".join(node.xpath(".//text()").getall())).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def table_text(item: Mapping[str, Any]) -> str:
    """All text inside the tables of ``main``: format markers live there."""
    sel = page_selector(item)
    if sel is None:
        return ""
    return " ".join(sel.xpath(".//table//text()").getall())


def page_selector(item: Mapping[str, Any]) -> Selector | None:
    """``main`` when the text stage found it, else the whole page."""
    for key in ("main", "tree"):
        if item.get(key) is not None:
            return item[key]
    return None
