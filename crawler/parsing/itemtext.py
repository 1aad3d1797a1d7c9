"""What the parsing stages read from a report item, when earlier stages left gaps.

Takes any mapping (a ReportItem in the pipeline), so no Scrapy import here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from parsel import Selector

from crawler.text.normalise import normalise_fragment

_BLOCKS = frozenset({
    "p", "div", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tbody",
    "thead", "tfoot", "section", "article", "header", "footer", "nav", "center", "blockquote",
    "dl", "dt", "dd", "form", "body", "html", "pre", "title",
})
_CELLS = frozenset({"td", "th"})
_SKIP = frozenset({"script", "style", "noscript", "template", "head"})
_SPACES = re.compile(r"\s+")

Normaliser = Callable[[str], str]


def item_text(item: Mapping[str, Any]) -> str:
    """The item's clean text; without one, the rendered lines of ``main`` (or the page)."""
    if item.get("text"):
        return str(item["text"])
    sel = page_selector(item)
    if sel is None:
        return ""
    return "\n".join(block_lines(sel))


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


def block_lines(sel: Selector) -> list[str]:
    """The element's text as lines: one per block element or ``<br>``, table
    cells of one row joined by `` | ``; scripts and styles left out.

    >>> block_lines(Selector("<div>a<br>b<p>c</p>d<table><tr><td>x</td><td>y</td></tr></table></div>"))
    ['a', 'b', 'c', 'd', 'x | y']
    """
    return list(iter_block_lines(sel))


def iter_block_lines(sel: Selector) -> Iterator[str]:
    """:func:`block_lines`, lazily: a reader that only needs the top of the
    page (the metadata stage) stops walking the tree where it stops reading."""
    current: list[str] = []

    def flush() -> Iterator[str]:
        line = _SPACES.sub(" ", "".join(current)).strip(" |")
        current.clear()
        if line:
            yield line

    def walk(el: Any, root: bool = False) -> Iterator[str]:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag:
            if el.tail and not root:  # a comment's tail is page text
                current.append(el.tail)
            return
        block = tag in _BLOCKS
        if block or tag == "br":
            yield from flush()
        if el.text:
            current.append(el.text)
        for child in el:
            yield from walk(child)
        if tag in _CELLS:
            current.append(" | ")
        if block:
            yield from flush()
        if el.tail and not root:
            current.append(el.tail)

    yield from walk(sel.root, root=True)
    yield from flush()
