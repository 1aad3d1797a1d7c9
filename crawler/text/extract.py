"""Find a report page's main content and metadata block, render them as lines.

Main content: starting from ``<body>``, descend into the child that holds
most of the non-link text while it holds at least ``DOMINANT`` of it; menus
are mostly links, footers and metadata are short, so the descent stops at
the element that wraps the report body.  The metadata block is the smallest
element naming at least two metadata labels (索引号, 发布机构 …); it is
left out of the main text.  Rendering puts one paragraph per line and a
table row per line with cells joined by `` | ``; portal boilerplate lines
(分享到, 打印本页 …) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from lxml import etree

from crawler.text.pinyin import strip_pinyin

# Non-space text size and link-text size of each element (see text_sizes).
Sizes = tuple[dict[etree._Element, int], dict[etree._Element, int]]

DOMINANT = 0.7
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "blockquote",
        "pre",
        "center",
        "form",
        "title",
        "hr",
        "main",
        "aside",
        "figure",
        "figcaption",
        "caption",
        "tbody",
        "thead",
        "tfoot",
    ]
)
SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "iframe", "object", "select", "button", "head"])
# Metadata labels, both scripts (pages are decoded, not yet converted).
META_LABELS = (
    "索引号",
    "索引號",
    "发布机构",
    "發布機構",
    "发布单位",
    "發布單位",
    "公开日期",
    "公開日期",
    "发布日期",
    "發布日期",
    "成文日期",
    "发文日期",
    "文号",
    "文號",
    "主题分类",
    "主題分類",
    "体裁分类",
    "體裁分類",
    "公开方式",
    "公開方式",
    "信息来源",
    "信息來源",
    "发布时间",
    "發布時間",
    "所属机构",
    "來源",
    "来源",
    "公开范围",
    "组配分类",
    "有效性",
)
_META_LABEL_RE = re.compile("|".join(map(re.escape, META_LABELS)))
META_MAX_CHARS = 800
# Text worth checking for labels (a label may be split by pinyin).
META_KEYS = ("索引", "布", "源", "日期", "文号", "文號", "分类", "分類", "公开", "公開", "机构", "機構")
_META_KEY_RE = re.compile("|".join(map(re.escape, META_KEYS)))
# Lines of portal chrome (after normalisation, Simplified).
BOILERPLATE_RE = re.compile(
    r"^(?:当前位置|您当前的位置|您现在的位置|首页\s*[>＞»]|分享到|分享[:：]?$|"
    r"【?\s*打印(?:本页|此页|文章)?\s*】?\s*(?:【?\s*关闭|$)|【?\s*关闭(?:本页|窗口|此页)\s*】?$|"
    r"扫一扫|温馨提示|网站标识码|.*备案号|主办单位|承办单位|技术支持|版权所有|"
    r"【?\s*字[体号][:：]?|.*(?:收藏本页|加入收藏|设为首页)|上一篇|下一篇|相关链接|"
    r"打印\s+关闭|\|+$)"
)
WS_RE = re.compile(r"\s+")
# A newline in the page source (not a block boundary) is a soft break: it
# vanishes between hanzi and becomes a space elsewhere.
SOURCE_BREAK_RE = re.compile(r"[ \t\r]*\n\s*")
SOFT = "\x01"
# The hanzi before a run is matched, not looked behind at: a pattern that starts with a character
# class is searched for in C, one that starts with a lookbehind is tried at every position.
SOFT_BETWEEN_CJK_RE = re.compile(r"([\u3400-\u9fff，。、；：）])\x01+(?=[\u3400-\u9fff（])")


def _soft(text: str) -> str:
    return SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text


def _unsoft(text: str) -> str:
    if SOFT not in text:
        return text
    return SOFT_BETWEEN_CJK_RE.sub(r"\1", text).replace(SOFT, " ")


# How rendering treats a tag: its text runs on (INLINE), a block boundary before and after
# (BLOCK), a cell boundary before (CELL), or nothing of it (SKIPPED; its tail still counts).
INLINE, BLOCK, CELL, SKIPPED = 0, 1, 2, 3
_KIND: dict[str, int] = {
    **dict.fromkeys(BLOCK_TAGS, BLOCK),
    **dict.fromkeys(("td", "th"), CELL),
    **dict.fromkeys(SKIP_TAGS, SKIPPED),
}
CELL_SEPARATOR = " | "
LAYOUT_CELL_CHARS = 300


def _is_element(node: object) -> bool:
    return isinstance(getattr(node, "tag", None), str)


def _count(text: str | None) -> int:
    """Length less one per run of whitespace (as ``len - len(WS_RE.findall)``)."""
    if not text:
        return 0
    words = text.split()
    if not words:
        return len(text) - 1
    return len(text) - len(words) + 1 - text[0].isspace() - text[-1].isspace()


# The script is decided on what a reader sees, not on the markup: Word-pasted
# cells repeat `font-family:宋体` hundreds of times in their style attributes.
SCRIPT_SAMPLE = 20_000
_NOT_VISIBLE = frozenset(["script", "style"])


@dataclass
class Scan:
    """What one walk of a parsed page gives the text stage (see :func:`scan`)."""

    total: dict[etree._Element, int]  # non-space text size per element (text_sizes)
    links: dict[etree._Element, int]  # of which inside links
    key_texts: list[tuple[str, etree._Element]]  # text naming a metadata key, with its holder, in order
    visible: str  # the body's text outside scripts and styles, in order, up to SCRIPT_SAMPLE
    # What _walk appends for the root with every table rendered as a layout table, in order (soft
    # breaks unresolved), and each data table's [start, end) in it with what _walk renders for it.
    pieces: list[str]
    data_tables: list[tuple[int, int, str]]
    # [start, end) in pieces of each element outside skipped ones; None: a data table has a row
    # that _walk renders out of document order (a row in a row, or in a skipped element)
    spans: dict[etree._Element, tuple[int, int]] | None
    root: etree._Element  # the element walked


# An open table of the flow, while scan walks it: where it starts in the pieces, its rows (each
# the spans of its cells), how many rows are open, whether it lays out the page (a table inside,
# or a cell of running text), its cells that may hold running text, and whether a row of it
# renders out of document order.
_T_START, _T_ROWS, _T_OPEN, _T_LAYOUT, _T_MAYBE, _T_ODD = range(6)


def _blank_with_break(text: str) -> str:
    """A whitespace run holding a line break, as the flow renders it: one soft break when the break starts
    the run (the usual indentation after a tag), else each source break kept as a soft one."""
    return SOFT if text.lstrip(" \t\r")[:1] == "\n" else SOURCE_BREAK_RE.sub(SOFT, text)


def scan(root: etree._Element) -> Scan:
    """Sizes, metadata-key texts, the visible-text sample and the page's rendering in one walk of the tree.

    Four walks before (a bottom-up size pass, an XPath for key texts, an XPath
    for the body's visible text, :func:`_walk` of the main content), the same
    results: sizes as :func:`text_sizes`, key texts as :func:`_key_texts`,
    the sample as the text nodes of
    ``//body//text()[not(parent::script or parent::style)]`` joined until
    they reach ``SCRIPT_SAMPLE`` characters, and the rendering from which any
    element's lines are sliced (:func:`scanned_lines`).  Every table renders
    as a layout table; at its end, one that is not (:func:`_closed_table`,
    decided on the sizes the walk counted) gets its rows, rendered from its
    cells' pieces.  The walk is lxml's ``iter`` (in C; iterative, so no
    nesting depth is too deep): an element whose parent is not the innermost
    open one closes the open ones it is not inside, and a closed element's
    tail follows it, in document order.  The sizes are :func:`_count`
    inlined: per element and text node this loop is most of the normalise
    stage.
    """
    total: dict[etree._Element, int] = {}
    links: dict[etree._Element, int] = {}
    keys: list[tuple[str, etree._Element]] = []
    visible: list[str] = []
    pieces: list[str] = []
    spans: dict[etree._Element, tuple[int, int]] = {}
    tables: list[list[Any]] = []  # the open tables of the flow, outermost first (see _T_START)
    data_tables: list[tuple[int, int, str]] = []
    follows = True
    seen = 0  # characters of visible text so far
    in_body = 0
    search, skip_tags, not_visible, kinds, block_tags, breaks = (
        _META_KEY_RE.search,
        SKIP_TAGS,
        _NOT_VISIBLE,
        _KIND,
        BLOCK_TAGS,
        SOURCE_BREAK_RE.sub,
    )
    base = root.getparent()
    # Open elements, outermost first: [element, tag (lower case), size, link size, out, start, length],
    # where out is the pieces when its text and its children's tails render (None inside a skipped
    # element), start where it starts in them, length all its text's (for a cell's layout test).
    # The first stands for the root's parent.
    top: list[Any] = [base, "", 0, 0, pieces, 0, 0]
    stack: list[list[Any]] = [top]
    for el in chain(root.iter(), (None,)):  # None: close everything at the end
        parent = el.getparent() if el is not None else base
        while top[0] is not parent:
            closed, tag, size, link, out, start, length = stack.pop()
            if tag in skip_tags:
                size = link = 0
            elif tag == "a":
                link = size
            total[closed] = size
            links[closed] = link
            if tag == "body":
                in_body -= 1
            top = stack[-1]
            top[2] += size
            top[3] += link
            top[6] += length
            if tables and (tag == "td" or tag == "th"):  # _is_layout_table's cell test, on the counts
                if size > LAYOUT_CELL_CHARS:  # size is never above _count of the cell's text
                    tables[-1][_T_LAYOUT] = True
                elif length > LAYOUT_CELL_CHARS:  # nor _count above its length
                    tables[-1][_T_MAYBE].append(closed)
                if out is not None and top[1] == "tr":  # a cell of the row
                    tables[-1][_T_ROWS][-1].append((start, len(pieces)))
            if out is not None:
                if tag in block_tags:
                    if tag == "table":
                        if not _closed_table(tables.pop(), pieces, data_tables):
                            follows = False
                    else:
                        pieces.append("\n")
                        if tag == "tr" and tables:
                            tables[-1][_T_OPEN] -= 1
                spans[closed] = (start, len(pieces))
            elif top[4] is not None:  # a skipped element in the flow
                spans[closed] = (start, start)
            if closed is root:  # the root's own tail is not read
                break
            text = closed.tail
            if text:
                n = len(text)
                top[6] += n
                out = top[4]
                if text.isspace():
                    top[2] += n - 1
                    if out is not None:
                        out.append(text if "\n" not in text else _blank_with_break(text))
                else:
                    top[2] += n - len(text.split()) + 1 - text[0].isspace() - text[-1].isspace()
                    if search(text):
                        keys.append((text, closed))
                    if out is not None:
                        out.append(breaks(SOFT, text) if "\n" in text else text)
                if in_body and seen < SCRIPT_SAMPLE and top[1] not in not_visible:
                    visible.append(text)
                    seen += n
        if el is None:
            break
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            text = el.tail
            if text:
                n = len(text)
                top[6] += n
                out = top[4]
                if text.isspace():
                    top[2] += n - 1
                    if out is not None:
                        out.append(text if "\n" not in text else _blank_with_break(text))
                else:
                    top[2] += n - len(text.split()) + 1 - text[0].isspace() - text[-1].isspace()
                    if search(text):
                        keys.append((text, el))
                    if out is not None:
                        out.append(breaks(SOFT, text) if "\n" in text else text)
                if in_body and seen < SCRIPT_SAMPLE and top[1] not in not_visible:
                    visible.append(text)
                    seen += n
            continue
        tag = tag.lower()
        if tag == "body":
            in_body += 1
        out = top[4]
        start = len(pieces)
        if out is not None:  # in the flow: what _walk appends before its text
            kind = kinds.get(tag, INLINE)
            if kind == BLOCK:
                pieces.append("\n")
                if tag == "table":
                    if tables:
                        tables[-1][_T_LAYOUT] = True
                    tables.append([start, [], 0, False, [], False])
                elif tag == "tr" and tables:
                    table = tables[-1]
                    table[_T_ROWS].append([])
                    if table[_T_OPEN]:
                        table[_T_ODD] = True
                    table[_T_OPEN] += 1
            elif kind == CELL:
                pieces.append(" ")
            elif kind == SKIPPED:
                out = None
        elif tables and (tag == "table" or tag == "tr"):  # in a skipped element inside a table
            tables[-1][_T_LAYOUT if tag == "table" else _T_ODD] = True
        text = el.text
        size = length = 0
        if text:
            length = len(text)
            if tag in skip_tags:  # not counted (a skipped element's size is 0): a page's scripts can be most of it
                if search(text):
                    keys.append((text, el))
            elif text.isspace():
                size = length - 1
                if out is not None:
                    out.append(text if "\n" not in text else _blank_with_break(text))
            else:
                size = length - len(text.split()) + 1 - text[0].isspace() - text[-1].isspace()
                if search(text):
                    keys.append((text, el))
                if out is not None:
                    out.append(breaks(SOFT, text) if "\n" in text else text)
            if in_body and seen < SCRIPT_SAMPLE and tag not in not_visible:
                visible.append(text)
                seen += length
        top = [el, tag, size, 0, out, start, length]
        stack.append(top)
    found = Scan(total, links, keys, "".join(visible), pieces, data_tables, spans if follows else None, root)
    _LAST_SCAN[:] = [found]
    return found


def _closed_table(table: list[Any], pieces: list[str], data_tables: list[tuple[int, int, str]]) -> bool:
    """End a table of the flow: a layout table's boundary, or a data table's rows; False if a row is out of order.

    :func:`_is_layout_table` on what the walk counted: a table inside, or a
    cell whose text cannot be short, is a layout table; a cell that only may
    be long (its whitespace runs and scripts between the two counts) is read
    as that test reads it.  A data table's cell is its pieces with block
    boundaries as spaces (text pieces hold no newline: they are soft
    breaks), which is what :func:`_inline_text` gives it.
    """
    if table[_T_LAYOUT] or any(
        _count(etree.tostring(td, method="text", encoding=str, with_tail=False)) > LAYOUT_CELL_CHARS
        for td in table[_T_MAYBE]
    ):
        pieces.append("\n")
        return True
    rows = ["\n"]
    for cells in table[_T_ROWS]:
        texts = [_cell_text(pieces, a, b) for a, b in cells]
        if any(texts):
            rows.append(CELL_SEPARATOR.join(texts) + "\n")
    data_tables.append((table[_T_START], len(pieces), "".join(rows)))
    return not table[_T_ODD]


def _cell_text(pieces: list[str], start: int, end: int) -> str:
    """A data table's cell from its pieces in the flow, as :func:`_inline_text` renders it.

    A bare cell is its marker and one text (no newline: text pieces hold
    soft breaks instead), read without the joins.
    """
    if end - start == 2 and SOFT not in (text := pieces[start + 1]):
        return " ".join(text.split())
    if end - start < 2:
        return ""
    return " ".join(_unsoft("".join(pieces[start:end]).replace("\n", " ")).split())


# The page scanned last, for :func:`iter_lines`: the metadata stage reads the top of the page the
# normalise stage has just scanned.  One page, kept until its top is read (or the next scan).
_LAST_SCAN: list[Scan] = []


def scanned_lines(found: Scan, el: etree._Element, skip: etree._Element | None = None) -> list[str] | None:
    """:func:`render_lines` of `el` (`skip`, inside it, left out) from the scan's pieces; None where they cannot say."""
    text = _scanned_text(found, el, skip)
    if text is None:
        return None
    return list(_text_lines(text))


def _scanned_text(found: Scan, el: etree._Element, skip: etree._Element | None) -> str | None:
    """What :func:`_walk` appends for `el`, joined and soft breaks resolved, from the scan's pieces.

    An element inside a data table renders as it does in the flow (a data
    table holds no table); one holding data tables, with their rows.  A
    `skip` inside a data table is left to :func:`_walk` (its cell would
    render without it).
    """
    spans = found.spans
    span = spans.get(el) if spans is not None else None
    if span is None:
        return None
    start, end = span
    if skip is None:
        return _unsoft(_joined(found, start, end))
    cut = spans.get(skip)  # type: ignore[union-attr]  # spans is not None: span was found in it
    if cut is None or cut[0] < start or cut[1] > end:
        return None
    if any(a < cut[0] < b for a, b, _ in found.data_tables):
        return None
    return _unsoft(_joined(found, start, cut[0]) + _joined(found, cut[1], end))


def _joined(found: Scan, start: int, end: int) -> str:
    """The pieces from `start` to `end`, each data table within them as its rows."""
    pieces = found.pieces
    parts: list[str] = []
    for a, b, rows in found.data_tables:  # in document order, none inside another
        if a >= start and b <= end:
            parts.append("".join(pieces[start:a]))
            parts.append(rows)
            start = b
    parts.append("".join(pieces[start:end]))
    return "".join(parts)


def text_sizes(root: etree._Element) -> Sizes:
    """Non-space text and link-text sizes per element, bottom-up in one pass."""
    total: dict[etree._Element, int] = {}
    links: dict[etree._Element, int] = {}
    count, skip_tags = _count, SKIP_TAGS
    for el in reversed(list(root.iter(etree.Element))):
        tag = el.tag.lower()
        if tag in skip_tags:
            total[el] = links[el] = 0
            continue
        text = el.text
        size = count(text) if text else 0
        link = 0
        if len(el):
            for child in el:
                tail = child.tail
                if tail:
                    size += count(tail)
                child_size = total.get(child)
                if child_size is not None:  # None: a comment or processing instruction
                    size += child_size
                    link += links[child]
        total[el] = size
        links[el] = size if tag == "a" else link
    return total, links


def find_main(root: etree._Element, sizes: Sizes | None = None) -> etree._Element:
    """The element wrapping the report body."""
    total, links = sizes or text_sizes(root)
    body = root.find(".//body")
    node = body if body is not None else root
    while True:
        own = total.get(node, 0) - links.get(node, 0)
        best, best_size = None, 0
        for child in node:
            if _is_element(child):
                size = total.get(child, 0) - links.get(child, 0)
                if size > best_size:
                    best, best_size = child, size
        if best is None or own == 0 or best_size < DOMINANT * own:
            return node
        node = best


def find_meta(
    root: etree._Element,
    total: dict[etree._Element, int],
    key_texts: list[tuple[str, etree._Element]] | None = None,
) -> etree._Element | None:
    """Smallest element naming at least two metadata labels (`key_texts`: :func:`scan`'s, if done)."""
    hits: dict[etree._Element, set[str]] = {}
    for text, parent in _key_texts(root) if key_texts is None else key_texts:
        plain = strip_pinyin(text)  # 發(fā)布時(shí)間 is a label too
        if not _META_LABEL_RE.search(plain):  # most hits are body text saying 公开
            continue
        labels = {label for label in META_LABELS if label in plain}
        if not labels:
            continue
        node = parent
        while node is not None:
            hits.setdefault(node, set()).update(labels)
            node = node.getparent()
    candidates = [el for el, labels in hits.items() if len(labels) >= 2 and total.get(el, 0) <= META_MAX_CHARS]
    if not candidates:
        return None
    best = max(candidates, key=lambda el: (len(hits[el]), -total.get(el, 0)))
    if best.tag in ("tr", "td", "th", "tbody"):  # render whole rows, cells apart
        table = next(best.iterancestors("table"), None)
        if table is not None and total.get(table, 0) <= META_MAX_CHARS:
            return table
    return best


def _key_texts(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """(text, holder) of each text node naming a metadata key, in document order.

    The holder is the element whose ``text`` or ``tail`` it is (what lxml's
    ``getparent()`` gives for a text node).  A walk of the tree with one
    regex per text: an XPath of twelve ``contains()`` per text node cost
    three times as much.  Iterative, so no nesting depth is too deep.
    """
    found: list[tuple[str, etree._Element]] = []
    search = _META_KEY_RE.search
    if root.text and isinstance(root.tag, str) and search(root.text):
        found.append((root.text, root))
    stack: list[tuple[Iterator[etree._Element], etree._Element]] = [(iter(root), root)]
    while stack:
        children, owner = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            tail = owner.tail
            if owner is not root and tail and search(tail):
                found.append((tail, owner))
            continue
        if isinstance(child.tag, str):
            text = child.text
            if text and search(text):
                found.append((text, child))
            stack.append((iter(child), child))
        elif child.tail and search(child.tail):  # a comment or processing instruction: only its tail is text
            found.append((child.tail, child))
    return found


def _inline_text(el: etree._Element, skip: etree._Element | None) -> str:
    """A table cell's text on one line (`el` is a ``<td>``/``<th>``).

    ``" ".join(s.split())`` is ``WS_RE.sub(" ", s).strip()`` (the same
    whitespace, as ``str.isspace``) without the regex.
    """
    if not len(el) and el is not skip:  # a bare cell: what _parts yields for it, without the walk
        text = el.text
        if not text:
            return ""
        if "\n" not in text and SOFT not in text:  # _soft and _unsoft would leave it as it is
            return " ".join(text.split())
        return " ".join(_unsoft(_soft(text)).split())
    pieces: list[str] = []
    _inline_pieces(el, skip, pieces)
    return " ".join(_unsoft("".join(pieces)).split())


def _inline_pieces(el: etree._Element, skip: etree._Element | None, out: list[str]) -> None:
    """The text of `el` in document order with every boundary a space (a table cell's), appended to `out`.

    Plain calls, not a generator per element: a cell's ``<p><span>`` would
    otherwise pass every piece up through a generator per level; a childless
    child is read in the loop, without a call.  Recursive; parsed pages nest
    at most ``HTML_MAX_DEPTH`` (256) deep.
    """
    tag = el.tag
    if not isinstance(tag, str):
        return
    kind = _KIND.get(tag.lower(), INLINE)
    if kind == SKIPPED or el is skip:
        return
    if kind:  # a cell or a block starts with a boundary
        out.append(" ")
    text = el.text
    if text:
        out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
    for child in el:
        if len(child):
            _inline_pieces(child, skip, out)
        else:  # what the call would append for a childless element
            tag = child.tag
            if isinstance(tag, str) and child is not skip:
                child_kind = _KIND.get(tag.lower(), INLINE)
                if child_kind != SKIPPED:
                    if child_kind:
                        out.append(" ")
                    text = child.text
                    if text:
                        out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
                    if child_kind == BLOCK:
                        out.append(" ")
        text = child.tail
        if text:
            out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
    if kind == BLOCK:
        out.append(" ")


def _is_layout_table(table: etree._Element) -> bool:
    """A table that lays out a page (a table inside, or a cell of running text), not one of data.

    A cell's text is its text nodes joined (``itertext``), read in C as the
    node's string value (``tostring(method="text")``): ``itertext`` steps
    through Python per node.
    """
    if table.find(".//table") is not None:
        return True
    for td in table.iter("td", "th"):
        text = etree.tostring(td, method="text", encoding=str, with_tail=False) if len(td) else td.text or ""
        if len(text) > LAYOUT_CELL_CHARS and _count(text) > LAYOUT_CELL_CHARS:  # _count is never above len
            return True
    return False


def _walk(el: etree._Element, skip: etree._Element | None, out: list[str]) -> None:
    """The text of `el` in document order, appended to `out`; block boundaries are "\n" (cells inline).

    Plain calls appending to one list, not a generator per element (each
    piece passed up through every level), so a page renders in one join; a
    childless child is read in the loop, without a call.  Recursive; parsed
    pages nest at most ``HTML_MAX_DEPTH`` (256) deep.
    """
    tag = el.tag
    if not isinstance(tag, str):
        return
    tag = tag.lower()
    kind = _KIND.get(tag, INLINE)
    if kind == SKIPPED or el is skip:
        return
    if tag == "table" and not _is_layout_table(el):
        out.append("\n")
        for row in el.iter("tr"):
            cells = []
            # HTML parsing lowercases tag names, so lxml's tag filter is the td/th test
            for cell in row.iterchildren("td", "th"):
                text = cell.text
                if len(cell) or cell is skip or (text and ("\n" in text or SOFT in text)):
                    cells.append(_inline_text(cell, skip))
                else:  # _inline_text's bare cell, without the call
                    cells.append(" ".join(text.split()) if text else "")
            if any(cells):
                out.append(CELL_SEPARATOR.join(cells) + "\n")
        return
    if kind == CELL:  # a cell outside a rendered table: keep cells apart
        out.append(" ")
    elif kind == BLOCK:
        out.append("\n")
    text = el.text
    if text:
        out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
    for child in el:
        if len(child):
            _walk(child, skip, out)
        else:  # what the call would append for a childless element
            tag = child.tag
            if isinstance(tag, str) and child is not skip:
                tag = tag.lower()
                child_kind = _KIND.get(tag, INLINE)
                if tag == "table":  # its own rule (no rows: one boundary)
                    _walk(child, skip, out)
                elif child_kind != SKIPPED:
                    if child_kind == BLOCK:
                        out.append("\n")
                    elif child_kind == CELL:
                        out.append(" ")
                    text = child.text
                    if text:
                        out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
                    if child_kind == BLOCK:
                        out.append("\n")
        text = child.tail
        if text:
            out.append(SOURCE_BREAK_RE.sub(SOFT, text) if "\n" in text else text)
    if kind == BLOCK:
        out.append("\n")


# iter_lines yields lines as it walks this many levels down; below, a subtree renders in one piece.
LAZY_DEPTH = 6


def _chunks(el: etree._Element, skip: etree._Element | None, depth: int = 0) -> Iterator[str]:
    """What :func:`_walk` appends for `el`, a subtree at a time (deeper than ``LAZY_DEPTH``: whole)."""
    tag = el.tag
    if depth >= LAZY_DEPTH or not isinstance(tag, str) or not len(el) or tag.lower() == "table":
        out: list[str] = []
        _walk(el, skip, out)
        if out:
            yield "".join(out)
        return
    tag = tag.lower()
    if tag in SKIP_TAGS or el is skip:
        return
    if tag in ("td", "th"):
        yield " "
    block = tag in BLOCK_TAGS
    if block:
        yield "\n"
    if el.text:
        yield _soft(el.text)
    for child in el:
        yield from _chunks(child, skip, depth + 1)
        if child.tail:
            yield _soft(child.tail)
    if block:
        yield "\n"


def iter_lines(el: etree._Element, skip: etree._Element | None = None) -> Iterator[str]:
    """Paragraph lines of `el` (raw: not normalised), `skip` left out; lazily,
    so a reader that needs only the top of a page stops walking where it stops.

    Of the page :func:`scan` walked last, the lines are read from its pieces
    instead (the metadata stage reads the top of the page the normalise stage
    has just scanned): the same lines, as no stage changes a parsed tree.
    Reading the whole page (its root) lets the scan go: that is the stages'
    last read of it, and the page's tree need not outlive its report.
    """
    found = _LAST_SCAN[0] if _LAST_SCAN else None
    spans = found.spans if found is not None and skip is None else None
    span = spans.get(el) if spans is not None else None
    if found is None or span is None:
        text = _scanned_text(found, el, skip) if found is not None else None
        if text is None:
            return _walked_lines(el, skip)
        return _text_lines(text)
    if el is found.root:
        _LAST_SCAN.clear()
    return _sliced_lines(found, *span)


# Pieces joined at a time by _sliced_lines: a page's top is a few hundred of them.
SLICE_PIECES = 256


def _sliced_lines(found: Scan, start: int, end: int) -> Iterator[str]:
    """The lines of the pieces from `start` to `end` (data tables as their rows), a few hundred pieces at a time.

    Text is resolved up to its last newline, the rest carried to the next
    block: neither of ``_unsoft``'s patterns matches across a newline.
    """
    carry = ""
    for block in _blocks(found, start, end):
        text = carry + block
        cut = text.rfind("\n")
        if cut < 0:
            carry = text
            continue
        yield from _text_lines(_unsoft(text[:cut]))
        carry = text[cut + 1 :]
    yield from _text_lines(_unsoft(carry))


def _text_lines(text: str) -> Iterator[str]:
    """The non-blank lines of a rendered text, each with its whitespace runs as single spaces."""
    return (line for piece in text.split("\n") if (line := " ".join(piece.split())))


def _blocks(found: Scan, start: int, end: int) -> Iterator[str]:
    """What :func:`_joined` joins, in order, a block of ``SLICE_PIECES`` pieces (or a data table's rows) at a time."""
    pieces = found.pieces
    for a, b, rows in [*found.data_tables, (end, end, "")]:  # in document order, none inside another
        if a < start or b > end:
            continue
        for i in range(start, a, SLICE_PIECES):
            yield "".join(pieces[i : min(i + SLICE_PIECES, a)])
        yield rows
        start = b


def _walked_lines(el: etree._Element, skip: etree._Element | None) -> Iterator[str]:
    """:func:`iter_lines` by a walk of `el`, yielding as it goes."""
    current: list[str] = []
    for part in _chunks(el, skip):
        if "\n" not in part:
            current.append(part)
            continue
        first, *rest = part.split("\n")
        current.append(first)
        for piece in rest:
            line = " ".join(_unsoft("".join(current)).split())
            if line:
                yield line
            current = [piece]
    line = " ".join(_unsoft("".join(current)).split())
    if line:
        yield line


def render_lines(el: etree._Element, skip: etree._Element | None = None) -> list[str]:
    """:func:`iter_lines`, as a list: one walk, one join, then the lines.

    Soft breaks are resolved over the whole text at once: neither of
    ``_unsoft``'s patterns matches across a newline, so this is line by line.
    """
    out: list[str] = []
    _walk(el, skip, out)
    text = _unsoft("".join(out))
    return list(_text_lines(text))


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Lines that are not portal chrome (expects normalised Simplified lines)."""
    return [line for line in lines if not BOILERPLATE_RE.match(line)]
