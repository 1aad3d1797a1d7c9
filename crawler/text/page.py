"""One report page from decoded tree to clean text: the pure core of NormalisePipeline."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from crawler.budgets import check, check_depth, current
from crawler.text import extract
from crawler.text.normalise import normalise_lines


def parse_html(html: str) -> Selector:
    """One parse of a decoded page, the tree every stage after decode reads.

    The same document as ``parsel.Selector(text=html, type="html")`` (parsel's
    preparation: stripped, NULs out, UTF-8, recovering, huge trees), but built
    by lxml's plain HTML parser: lxml.html's parser looks up a Python element
    class for every element proxy made, a tenth of the stages' CPU, and no stage
    uses lxml.html's element methods.

    Every parse of a report's HTML comes here, so the parser's input is bounded
    here: over ``HTML_MAX_BYTES`` is :class:`~crawler.budgets.BudgetExceeded`
    (a tree costs ~25 times its source), whichever stage asked.
    """
    body = html.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    check(len(body), current().html_max_bytes, "HTML_MAX_BYTES", f"the page is {len(body)} bytes of HTML")
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser)
    if root is None:  # nothing but a comment or a doctype
        root = etree.fromstring(b"<html/>", parser=parser)
    check_depth(root, "the page")
    return Selector(root=root, type="html")


@dataclass
class PageText:
    """Main-content element, its clean text, and the metadata block's text."""

    main: etree._Element
    text: str
    meta: etree._Element | None
    meta_text: str


def page_text(root: etree._Element, *, traditional: bool, scanned: extract.Scan | None = None) -> PageText:
    """Main content and metadata of a parsed page, normalised to Simplified.

    ``scanned``: :func:`extract.scan` of `root`, when the caller walked it already.
    """
    found = scanned or extract.scan(root)
    main = extract.find_main(root, (found.total, found.links))
    meta = extract.find_meta(root, found.total, found.key_texts)
    skip = meta if meta is not None and _inside(meta, main) else None
    lines = normalise_lines(_lines(found, main, skip), traditional=traditional)
    lines = extract.drop_boilerplate(lines)
    meta_lines = normalise_lines(_lines(found, meta, None), traditional=traditional) if meta is not None else []
    return PageText(main, "\n".join(lines), meta, "\n".join(meta_lines))


def _lines(found: extract.Scan, el: etree._Element, skip: etree._Element | None) -> list[str]:
    """The rendered lines of `el`: sliced from the scan's pieces, rendered again only where they cannot say."""
    lines = extract.scanned_lines(found, el, skip)
    return extract.render_lines(el, skip) if lines is None else lines


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    node = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False
