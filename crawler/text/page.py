"""One report page from decoded tree to clean text: the pure core of NormalisePipeline."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crawler.text import extract
from crawler.text.normalise import normalise_lines


@dataclass
class PageText:
    """Main-content element, its clean text, and the metadata block's text."""

    main: etree._Element
    text: str
    meta: etree._Element | None
    meta_text: str


def page_text(root: etree._Element, *, traditional: bool) -> PageText:
    """Main content and metadata of a parsed page, normalised to Simplified."""
    sizes = extract.text_sizes(root)
    main = extract.find_main(root, sizes)
    meta = extract.find_meta(root, sizes[0])
    skip = meta if meta is not None and _inside(meta, main) else None
    lines = normalise_lines(extract.render_lines(main, skip), traditional=traditional)
    lines = extract.drop_boilerplate(lines)
    meta_lines = normalise_lines(extract.render_lines(meta), traditional=traditional) if meta is not None else []
    return PageText(main, "\n".join(lines), meta, "\n".join(meta_lines))


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    node = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False
