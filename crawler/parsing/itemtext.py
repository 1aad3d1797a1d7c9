"""What the parsing stages read from a report item, when earlier stages left gaps.

Takes any mapping (a ReportItem in the pipeline), so no Scrapy import here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from parsel import Selector

from crawler.text.extract import iter_lines
from crawler.text.normalise import normalise_fragment

Normaliser = Callable[[str], str]


def item_text(item: Mapping[str, Any]) -> str:
    """The item's clean text; without one, the rendered lines of ``main`` (or the page)."""
    if item.get("text"):
        return str(item["text"])
    sel = page_selector(item)
    if sel is None:
        return ""
    return "\n".join(iter_lines(sel.root))


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


def normaliser(item: Mapping[str, Any]) -> Normaliser:
    """The text stage's string normaliser (pinyin out, Simplified, widths).

    Strings the parsers take straight from the tree (cells, the ``<h1>``, a
    metadata line) go through it so they read like the item's ``text``.
    """
    return partial(normalise_fragment, traditional=item.get("script") == "traditional")
