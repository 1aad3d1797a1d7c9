"""Split a report's text into its parts, each with the spec's section code."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from crawler.parsing.labels import SECTION_PATTERNS, UNNUMBERED_HEADINGS, compact, strip_numbering

# A heading may start a line or follow whitespace / the end of a sentence
# (headings run together with their text on one line, seed 004).  The test is
# written after the numbering's first character (``_AFTER_FIRST``: the
# character before that one is no such boundary), so each pattern starts with
# a character class and the regex engine skips to the candidates instead of
# trying a lookbehind at every position of the text.
_AFTER_FIRST = r"(?<![^\s。；;:：].)"
_HEAD = r"(?P<h>[^\n。；;，,：:]{2,60}?)(?=\s|$|[。；;，,：:])"
_STYLES: dict[str, re.Pattern[str]] = {
    # 一、 二. 十二、 or 第三部分
    "top": re.compile(
        r"(?P<num>[一二三四五六七八九十第]"
        + _AFTER_FIRST
        + r"(?:(?<=第)[一二三四五六七八九十]{1,2}部分\s*[、:：.]?|(?<!第)[一二三四五六七八九十]?\s*[、.．]))\s*"
        + _HEAD
    ),
    "paren": re.compile(
        r"(?P<num>[(（]" + _AFTER_FIRST + r"\s*[一二三四五六七八九十]{1,2}\s*[)）][、.．]?)\s*" + _HEAD
    ),
    "arabic": re.compile(r"(?m)^[ \t\u3000]*(?P<num>\d{1,2}\s*[、.．](?!\d))\s*" + _HEAD),
}
_UNNUMBERED = re.compile(r"(?m)^[ \t\u3000]*(?P<h>[^\n]{2,40}?)[ \t\u3000]*$")
# The same after a line break, the break matched: a literal first character, so the regex
# engine jumps from line to line instead of testing every position for a line start.
_UNNUMBERED_AFTER_BREAK = re.compile(r"(?m)\n[ \t\u3000]*(?P<h>[^\n]{2,40}?)[ \t\u3000]*$")
_MAX_INLINE = 30  # a heading that does not start its line is short
# Compiled once: ``re.search(pattern, …)`` looks its pattern up in re's cache on every call, per candidate.
_SENTENCE_END = re.compile(r"[。；;]")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _Heading:
    start: int
    end: int
    heading: str
    code: str
    number: int | None = None  # the top-level number it prints (一 → 1, 第三部分 → 3, 4. → 4)


# A part outside the national list (审批事项, 工作人员及支出情况, …): kept with its heading.
EXTRA_PART = "other_part"
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@functools.lru_cache(maxsize=1024)
def numbering_value(num: str) -> int | None:
    """The number a heading's numbering prints.

    >>> numbering_value("三、"), numbering_value("第十二部分"), numbering_value("4."), numbering_value("（二）")
    (3, 12, 4, 2)
    """
    digits = re.sub(r"[^\d一二三四五六七八九十]", "", num)
    if digits.isdigit():
        return int(digits)
    if not digits:
        return None
    if digits.startswith("十"):
        return 10 + _CN.get(digits[1:], 0)
    if len(digits) == 2 and digits[1] == "十":
        return _CN.get(digits[0], 0) * 10
    if len(digits) == 2:
        return _CN.get(digits[0], 0) * 10 + _CN.get(digits[1], 0) if digits[1] != "十" else None
    return _CN.get(digits)


def classify_heading(heading: str) -> str | None:
    """Section code for a heading's words (numbering already removed), or None.

    Remembered for short strings: every report prints the template's headings,
    and the tables stage asks about the same captions.

    >>> [classify_heading(h) for h in ["总体情况", "依申请公开和不予公开情况", "存在的主要问题及改进情况"]]
    ['overview', 'applications', 'problems']
    """
    return _classify_cached(heading) if len(heading) <= _CACHED_CHARS else _classify(heading)


_CACHED_CHARS = 120


def _classify(heading: str) -> str | None:
    flat = compact(heading)
    for code, pattern in SECTION_PATTERNS:
        if pattern.search(flat):
            return code
    return None


_classify_cached = functools.lru_cache(maxsize=16384)(_classify)


def _candidates(text: str, style: str, *, uncoded: bool = False) -> list[_Heading]:
    """Numbered headings of one style; with ``uncoded``, also whole-line ones naming no part (code "")."""
    found = []
    for match in _STYLES[style].finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        at_line_start = not text[line_start : match.start()].strip()
        heading_words = match["h"].strip()
        if not at_line_start and len(heading_words) > _MAX_INLINE:
            continue
        code = classify_heading(heading_words)
        end = match.end()
        if not code and at_line_start:  # a themed heading: 二、聚焦法定内容，主动公开…
            line_end = text.find("\n", match.start())
            line_end = len(text) if line_end < 0 else line_end
            line = text[match.end("num") : line_end]
            if len(line) <= 60 and not _SENTENCE_END.search(line):
                code = classify_heading(line)
                if code:  # the whole line is the heading, as printed
                    heading_words, end = line.strip(), line_end
        heading = "".join(match["num"].split()) + heading_words  # whitespace out (str.split's is \s)
        number = numbering_value(match["num"])
        if code:
            found.append(_Heading(match.start(), end, heading, code, number))
        elif uncoded and at_line_start and len(heading_words) <= _MAX_INLINE and not _table_row(text, match.end()):
            found.append(_Heading(match.start(), end, heading, "", number))
    return found


def _table_row(text: str, pos: int) -> bool:
    """The line goes on as a table row (``四、结转下年度继续办理 | 3 | 0 …``), not as a heading."""
    line_end = text.find("\n", pos)
    rest = text[pos : len(text) if line_end < 0 else line_end]
    return "|" in rest or _DIGIT.search(rest) is not None


def _in_sequence(heads: list[_Heading], extra: list[_Heading], *, strict: bool) -> list[_Heading]:
    """The parts in numbering order: uncoded headings that fill a gap in the numbers
    become extra parts; with ``strict`` (1. 2. numbering, which row labels and
    sub-items also use), a coded heading that goes back in the numbering is not a part.
    """
    if strict:
        kept: list[_Heading] = []
        for head in heads:
            if kept and head.number is not None and kept[-1].number is not None and head.number <= kept[-1].number:
                continue
            kept.append(head)
        heads = kept
    out = list(heads)
    for head in sorted(extra, key=lambda h: h.start):
        before = [h for h in out if h.start < head.start]
        after = [h for h in out if h.start > head.start]
        prev_n = before[-1].number if before else 0
        next_n = after[0].number if after else None
        if head.number is None or prev_n is None or head.number != prev_n + 1:
            continue
        if next_n is not None and head.number >= next_n:
            continue
        if after or before:  # an extra part sits among the statutory ones
            out.append(_Heading(head.start, head.end, head.heading, EXTRA_PART, head.number))
            out.sort(key=lambda h: h.start)
    return sorted(out, key=lambda h: h.start)


def _drop_table_of_contents(heads: list[_Heading], text: str) -> list[_Heading]:
    """A 目录 listing the headings before the report repeats them: keep the second run."""
    if len(heads) < 4:
        return heads
    first = _words(heads[0].heading)
    for i in range(2, len(heads)):
        if _words(heads[i].heading) == first:
            run = heads[:i]
            body = sum(len(text[a.end : b.start].strip()) for a, b in itertools.pairwise([*run, heads[i]]))
            if body <= 20 * len(run):
                return heads[i:]
            break
    return heads


def _unnumbered(text: str) -> list[_Heading]:
    found = []
    first = _UNNUMBERED.match(text)
    for match in itertools.chain((first,) if first else (), _UNNUMBERED_AFTER_BREAK.finditer(text)):
        words = match["h"].strip()
        code = _unnumbered_code(words)
        if code:
            found.append(_Heading(match.start("h"), match.end("h"), words, code))
    return found


@functools.lru_cache(maxsize=16384)
def _unnumbered_code(words: str) -> str | None:
    """The code of a line that is an unnumbered part heading, else None (short lines: remembered)."""
    return classify_heading(words) if UNNUMBERED_HEADINGS.match(compact(words)) else None


def _whole_line(text: str, head: _Heading) -> bool:
    """The heading is its line's only content (bar closing punctuation)."""
    line_start = text.rfind("\n", 0, head.start) + 1
    line_end = text.find("\n", head.end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start : head.start].strip() and not text[head.end : line_end].strip(" \t\u3000:：。.")


def _misnumbered_parts(text: str, top: list[_Heading], paren: list[_Heading] | None = None) -> list[_Heading]:
    """``（二）`` headings inside a top-level part that are really parts of their own.

    Seed 000 prints the legacy parts 依申请公开… / 收费及减免… / 行政复议… as
    ``(二)``–``(四)`` under part 二.  A sub-heading counts as a part when it is
    a line of its own naming a whole part (``…情况``) of another kind than the
    part it sits in; ``（一）主动公开。全年…`` under 总体情况 stays prose.
    """
    found = []
    for head in _candidates(text, "paren") if paren is None else paren:
        enclosing = [t for t in top if t.start < head.start]
        if not enclosing or enclosing[-1].code == head.code:
            continue
        words = strip_numbering(compact(head.heading))
        if _whole_line(text, head) and words.endswith("情况"):
            found.append(head)
    return found


def find_headings(text: str) -> list[_Heading]:
    """Headings of the report's parts, in order, in the numbering style it uses."""
    unnumbered = _unnumbered(text)
    # Each style's text is scanned once: its coded headings are those of the
    # uncoded scan that have a code, in the same order (paren headings are
    # never read uncoded).
    scanned: dict[str, list[_Heading]] = {}

    def coded(style: str) -> list[_Heading]:
        if style not in scanned:
            scanned[style] = _candidates(text, style, uncoded=style != "paren")
        return [h for h in scanned[style] if h.code]

    best: list[_Heading] = []
    best_score = 0
    best_style = ""
    for style in _STYLES:  # top level first: it wins ties
        heads = coded(style)
        score = len({h.code for h in heads})
        if score > best_score and (style == "top" or score >= 3):
            best, best_score, best_style = heads, score, style
        if style == "top" and score >= 2:
            break
    if best_style in ("top", "arabic"):
        uncoded = [h for h in scanned[best_style] if not h.code]
        best = _in_sequence(best, uncoded, strict=best_style == "arabic")
    if best_style == "top":
        best = sorted(best + _misnumbered_parts(text, best, coded("paren")), key=lambda h: h.start)
    best = _drop_table_of_contents(best, text)
    taken = {h.start for h in best}
    numbered_words = {_words(b.heading) for b in best}
    merged = best + [
        h
        for h in unnumbered
        if not any(b.start <= h.start < b.end or h.start <= b.start < h.end for b in best)
        and h.start not in taken
        and not _echoed(h, best, numbered_words)
    ]
    return sorted(merged, key=lambda h: h.start)


def _echoed(head: _Heading, numbered: list[_Heading], numbered_words: set[str]) -> bool:
    """An unnumbered line before the numbered parts that a numbered heading repeats
    (a 目录 or summary listing the parts: 行政复议和行政诉讼情况 … 五、行政复议和行政诉讼情况)."""
    return bool(numbered) and head.start < numbered[0].start and _words(head.heading) in numbered_words


@functools.lru_cache(maxsize=16384)
def _words(heading: str) -> str:
    """A heading's words, compacted, without numbering (headings are short and recur: remembered)."""
    return strip_numbering(compact(heading))


def split_sections(text: str, *, preamble_min: int = 40) -> list[dict[str, object]]:
    """The report's parts as ``[{seq, code, heading, text}]``.

    Text before the first heading becomes the ``overview`` part (with an
    empty heading) when the report prints no overview heading of its own.
    A heading printed twice in a row with the same words (a heading repeated
    as a table caption) is one part; two differently worded headings of the
    same kind stay two parts, as printed.
    """
    text = text or ""
    heads = find_headings(text)
    parts: list[dict[str, object]] = []
    numbered_from_one = bool(heads) and heads[0].number == 1  # what precedes part 一 is a preamble
    if heads and not numbered_from_one and not any(h.code == "overview" for h in heads):
        preamble = text[: heads[0].start].strip()
        if len(preamble) >= preamble_min:
            parts.append({"code": "overview", "heading": "", "text": preamble})
    for i, head in enumerate(heads):
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        body = text[head.end : end].strip()
        if (
            parts
            and parts[-1]["code"] == head.code
            and not parts[-1]["text"]
            and _words(str(parts[-1]["heading"])) == _words(head.heading)
        ):
            parts[-1]["text"] = body
            continue
        parts.append({"code": head.code, "heading": head.heading, "text": body})
    return [{"seq": seq, **part} for seq, part in enumerate(parts, start=1)]
