"""Repair the two kinds of mojibake government pages carry.

* ``utf8-as-gbk``: UTF-8 bytes that were once read as GBK and stored that
  way (``锛堜竴锛夊仴`` is ``（一）健``).  Re-encoding the run as GB18030 gives
  the UTF-8 bytes back.  The repair is exact unless the reader replaced a
  byte it could not pair: a U+FFFD before a multi-byte character was 0x80
  and is restored; one before ASCII could have been any continuation byte,
  and that one character is lost.  Once a text shows clear UTF-8 mojibake,
  runs too short to judge alone are repaired too.
* ``gbk-dropped-byte``: a GBK (or Big5) stream that lost or gained one
  byte, so every following pair is read out of step until the next ASCII
  byte (``　。ㄒ唬┙∪珯C`` is ``　（一）健全機`` missing a byte).  The byte
  at fault is found by trying the cuts before the damage and ranking them
  with character classes (:mod:`crawler.text.charsets`) plus a word
  model (:mod:`crawler.text.lm`); the character it belonged to is lost.

Both work on runs of non-ASCII characters (a shifted stream always falls
back into step at an ASCII byte).  Only runs holding a trace of damage
(characters reports rarely use, an undecodable byte, a loose trail byte)
are examined, so clean pages cost one regex scan, and a repair must score
clearly better than the run as read, so correct text is left alone.  At
most ``MOJIBAKE_MAX_RUNS`` runs are examined per page (:mod:`crawler.budgets`;
real damaged pages hold a few hundred, random bytes tens of thousands):
the rest is left as read, and a ``budget`` repair record says so.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from typing import Any

from crawler.budgets import BudgetExceeded, current
from crawler.text import charsets, lm
from crawler.text.pinyin import TONED

PINYIN_LETTERS = TONED + "üÜ"

# A run of non-ASCII characters and the ASCII character after it (a
# shifted GBK pair may have swallowed or released that byte).
# Runs joined by one ASCII letter or symbol (a loose trail byte) stay one.
SEGMENT_RE = re.compile(r"(?:[^\x00-\x7f]+[@-~](?=[^\x00-\x7f]))*[^\x00-\x7f]+[\x00-\x7f]?")
# Valid UTF-8 multi-byte characters, possibly ending in an incomplete one
# whose last byte was lost (marked 0xFF by _mojibake_bytes).
UTF8_RUN_RE = re.compile(
    rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}|[\x40-\x7e])*"
    rb"(?:(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
    rb"(?:(?:[\xc2-\xf4][\x80-\xbf]{0,2})?(?:\xff|\Z))?"
    rb"|[\xc2-\xf4][\x80-\xbf]{1,2}\xff)"
)
LOST = b"\xff"  # never valid in UTF-8: stands for a byte the reader replaced

# Codecs whose streams can fall out of step (two-byte characters).
SHIFTABLE = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950"}

MIN_SUSPICIOUS = 2  # unusual characters (or one, with a loose ASCII byte) to examine a run
MIN_GAIN = 4  # a repair must improve the score by at least this much
SNIPPET = 24
MAX_ROUNDS = 3  # dropped bytes repaired per run at most
SEARCH = 40  # characters before the damage where the cut is looked for


def repair_text(
    text: str, encoding: str | None = None, script: str | None = None, *, rare: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Repair mojibake in `text`; return the text and the repairs made.

    `encoding` is the codec the text was decoded with, when it came from
    bytes decoded with ``errors="surrogateescape"``: it enables the
    dropped-byte repair, which needs the original bytes back.  Lone
    surrogates left afterwards become U+FFFD.  `script` ("simplified" or
    "traditional", of the page) makes characters of the other script count
    as suspicious when scoring a cut.  `rare`: ``charsets.non_ascii(text)``,
    when the caller has it.

    >>> repair_text("报告锛堜竴锛夊仴鍏ㄦ満鏋勶紝寮哄寲棰嗗\ue1f1銆�")[0]
    '报告（一）健全机构，强化领导'
    """
    repairs: list[dict[str, Any]] = []
    codec = encoding if encoding in SHIFTABLE else None
    traces, hints = _hints(text, script, codec is not None, charsets.non_ascii(text) if rare is None else rare)
    read_with_surrogates = any("\udc80" <= ch <= "\udcff" for ch in traces)
    if hints:
        found: list[tuple[re.Match[str], str, list[str]]] = []
        missed: list[re.Match[str]] = []
        limit = current().mojibake_max_runs
        unexamined: int | None = None  # where the runs past the budget start, in the text as read
        for examined, match in enumerate(_hinted_segments(text, hints)):
            if examined == limit:
                unexamined = match.start()
                break
            segment = match.group()
            if not _worth_examining(segment, script, codec):
                missed.append(match)
                continue
            fixed, kinds = _repair_segment(segment, codec, script)
            if kinds:
                found.append((match, fixed, kinds))
            else:
                missed.append(match)
        if missed and any("utf8-as-gbk" in kinds for _, _, kinds in found):
            # The text is UTF-8 read as GBK: runs too short to judge alone
            # (``鏈�`` between digits is 月) are repaired if that is no worse.
            for match in missed:
                short_fix = repair_utf8_as_gbk(match.group(), min_gain=0)
                if short_fix is not None:
                    found.append((match, short_fix, ["utf8-as-gbk"]))
            found.sort(key=lambda hit: hit[0].start())
        read = len(text)
        text = _apply(text, found, repairs)
        if unexamined is not None:  # nothing after it changed: its place in the repaired text
            over = BudgetExceeded(f"more than {limit} runs hold traces of damage", "MOJIBAKE_MAX_RUNS", limit)
            where = len(text) - (read - unexamined)
            repairs.append({"kind": "budget", "where": where, "reason": f"{over}; the rest is left as read"})
        if found:  # a cut can leave a byte that fits no pair, or take one away
            read_with_surrogates = SURROGATE_RE.search(charsets.non_ascii(text)) is not None
    if encoding is not None and read_with_surrogates:
        text, count = SURROGATE_RE.subn("\ufffd", text)
        repairs.append({"kind": "undecodable-bytes", "where": text.find("\ufffd"), "count": count})
    return text, repairs


SURROGATE_RE = re.compile("[\udc80-\udcff]+")
# Characters that are a trace each (see _hint_re) looked up with str.find, at
# most this many different ones (a pass each, ~20 times cheaper than the
# regex engine's); more, and one scan of the whole text with _trace_re.
MAX_TRACE_CHARS = 16


@functools.cache
def _hint_re(script: str | None, shiftable: bool) -> re.Pattern[str]:
    """Any trace of mojibake: an unusual character, €, or (for two-byte
    codecs) what a shifted stream leaves, see SHIFT_HINT_RE."""
    # Pinyin letters (zhèn) are GB2312 characters that pages annotate
    # hanzi with, not a trace of mojibake.
    pattern = charsets.suspicious_re(script, PINYIN_LETTERS).pattern + "|€"
    if shiftable:
        pattern += "|" + SHIFT_HINT_RE.pattern
    return re.compile(pattern)


def _hints(text: str, script: str | None, shiftable: bool, rare: str) -> tuple[set[str], list[int]]:
    """The characters of `text` that are traces by themselves, and where every
    :func:`_hint_re` match starts, in order.

    The same positions as ``_hint_re(...).finditer(text)``, found without
    stepping the regex engine through the page's markup (~17 ns a
    character, the most of a clean page's decode): the traces that are one
    character (unusual, €, an undecodable byte) are found among the page's
    non-ASCII characters and located with ``str.find``; for two-byte codecs
    a non-ASCII character before an ASCII letter or symbol takes one scan
    with a one-character-class regex.  Every match of the pattern starts at
    a non-ASCII character and at most takes one ASCII one with it, which
    cannot start a match, so the starts do not depend on how long the
    matches are.  `rare` is ``charsets.non_ascii(text)``.
    """
    traces = set(charsets.suspicious_re(script, PINYIN_LETTERS).findall(rare))
    if "€" in rare:
        traces.add("€")
    starts: set[int] = set()
    if len(traces) > MAX_TRACE_CHARS:
        starts.update(hit.start() for hit in _trace_re(script).finditer(text))
    else:
        for ch in traces:
            at = text.find(ch)
            while at >= 0:
                starts.add(at)
                at = text.find(ch, at + 1)
    if shiftable and rare:
        starts.update(hit.start() for hit in LOOSE_AFTER_RE.finditer(text))
    return traces, sorted(starts)


@functools.cache
def _trace_re(script: str | None) -> re.Pattern[str]:
    """One character that is a trace by itself: the first two branches of
    :func:`_hint_re` as one class, which the regex engine scans for fast."""
    return re.compile("[^\\x00-\\x7f" + charsets.char_class(charsets.fine_chars(script, PINYIN_LETTERS) - {"€"}) + "]")


def _hinted_segments(text: str, hints: list[int]) -> Iterator[re.Match[str]]:
    """The SEGMENT_RE matches of `text` that hold a hint (a start of :func:`_hints`), in order.

    Clean pages have a handful of hints, so the segments around them are
    found without walking the whole page: a segment never spans two ASCII
    characters in a row, so the segmentation restarts there.
    """
    done = 0
    for at in hints:
        if at < done:
            continue
        start = at
        while start > done and not (text[start - 1] < "\x80" and (start < 2 or text[start - 2] < "\x80")):
            start -= 1
        for match in SEGMENT_RE.finditer(text, start):
            done = match.end()
            if done > at:
                if match.start() <= at:
                    yield match
                break


# A byte that fits no pair, or a trail byte (0x40-0x7E) set loose between hanzi.
LOOSE_BYTE_RE = re.compile("[\udc80-\udcff]|(?<=[^\x00-\x7f])[@-~](?=[^\x00-\x7f])")


def _apply(text: str, found: list[tuple[re.Match[str], str, list[str]]], repairs: list[dict[str, Any]]) -> str:
    """`text` with each repaired segment replaced, the repairs recorded."""
    if not found:
        return text
    pieces: list[str] = []
    length = 0  # of what is in `pieces`: kept as it grows (summing the pieces per repair was quadratic)
    last = 0
    for match, fixed, kinds in found:
        segment = match.group()
        before_segment = text[last : match.start()]
        if "gbk-dropped-byte" in kinds and _ends_with_replacement_mark(text, match.start()):
            # an encoder's "?" for the character the lost byte belonged to
            before_segment = before_segment[:-1]
            kinds = [*kinds, "replacement-mark"]
        where = length + len(before_segment)
        pieces.append(before_segment)
        pieces.append(fixed)
        length = where + len(fixed)
        last = match.end()
        for kind in kinds:
            repairs.append(
                {
                    "kind": kind,
                    "where": where,
                    "before": segment[:SNIPPET],
                    "after": fixed[:SNIPPET],
                }
            )
    pieces.append(text[last:])
    return "".join(pieces)


def _ends_with_replacement_mark(text: str, end: int) -> bool:
    """A "?" right before `end`, itself after non-ASCII text or at the start."""
    return end >= 1 and text[end - 1] == "?" and (end == 1 or text[end - 2] >= "\x80")


def _has_surrogates(text: str) -> bool:
    return SURROGATE_RE.search(text) is not None


def _worth_examining(segment: str, script: str | None = None, codec: str | None = None) -> bool:
    if codec is not None and _has_surrogates(segment):
        return True  # a byte that fits no pair
    if codec is not None:
        loose = LOOSE_BYTE_RE.search(segment) or TRAILING_LETTER_RE.search(segment)
        if loose is not None:
            # A trail byte set loose, or an ASCII letter after a run.  Brackets,
            # underscores and @ there (击[注册], 报告_抚宁区, 邮箱xx@) are
            # usually clean text: then only with characters reports never use.
            if loose.group()[-1] not in CLEAN_AFTER_HAN:
                return True
            return charsets.suspicious_count(segment, script) >= 1
    unusual = charsets.suspicious_count(segment, script)
    if unusual and script is not None and charsets.suspicious_re().search(segment) is None:
        # Characters of the other script alone are a quoted name or a page
        # of mixed script, not mojibake (whose garbage is mostly rarities).
        return False
    if unusual >= MIN_SUSPICIOUS:
        return True
    return unusual >= 1 and (
        charsets.SANDWICHED_RE.search(segment) is not None
        or any(charsets.char_weight(ch) <= charsets.BAD for ch in segment)
    )


# Anything a shifted two-byte stream leaves: an undecodable byte, or an
# ASCII letter or symbol right after a non-ASCII character.
LOOSE_AFTER_RE = re.compile(f"[^\\x00-\\x7f{PINYIN_LETTERS}][@-~]")
SHIFT_HINT_RE = re.compile("[\udc80-\udcff]|" + LOOSE_AFTER_RE.pattern)
CLEAN_AFTER_HAN = frozenset("[]_@{}")
# A run that ends in a letter or symbol: perhaps the last trail byte of a
# shifted stream (下载PDF ends like that too: only a clearly better cut wins).
TRAILING_LETTER_RE = re.compile(f"[^\\x00-\\x7f{PINYIN_LETTERS}][@-~]\\Z")


def _repair_segment(segment: str, codec: str | None, script: str | None) -> tuple[str, list[str]]:
    """Best repair of one non-ASCII run, or the run itself and no kinds."""
    kinds: list[str] = []
    original = segment
    if not _has_surrogates(segment):
        fixed = repair_utf8_as_gbk(segment)
        if fixed is not None:
            segment = fixed
            kinds.append("utf8-as-gbk")
    if codec is None:
        return segment, kinds
    segment, kinds = _repair_dropped_bytes(segment, kinds, codec, script)
    if kinds and kinds[0] == "utf8-as-gbk":
        # A shifted GBK run can look like UTF-8 here and there: keep the
        # reading that makes the better text.
        other, other_kinds = _repair_dropped_bytes(original, [], codec, script)
        if other_kinds and rank(other, script) > rank(segment, script):
            return other, other_kinds
    return segment, kinds


def _repair_dropped_bytes(segment: str, kinds: list[str], codec: str, script: str | None) -> tuple[str, list[str]]:
    kinds = list(kinds)
    for _ in range(MAX_ROUNDS):
        if not _worth_examining(segment, script, codec):
            break
        fixed = repair_dropped_byte(segment, codec, script)
        if fixed is None:
            break
        segment = fixed
        kinds.append("gbk-dropped-byte" if codec != "big5hkscs" else "big5-dropped-byte")
    return segment, kinds


def _mojibake_bytes(segment: str) -> tuple[bytes, list[int]]:
    """Bytes a GBK reader consumed to produce `segment`, and char offsets.

    ``€`` is the lone byte 0x80 (as browsers read it) or GB18030's A2 E3,
    whichever continues the UTF-8 sequence around it.  U+FFFD is a byte the
    reader could not use: 0x80 when a multi-byte character follows (see
    below), else kept as 0xFF, which breaks any UTF-8 sequence.
    """
    out = bytearray()
    offsets = []
    need = 0  # UTF-8 continuation bytes still expected
    for index, ch in enumerate(segment):
        offsets.append(len(out))
        if ch == "€":
            following = segment[index + 1 : index + 2]
            # A2 finishes a character and E3 opens one that the next byte continues.
            if (
                need == 1
                and following >= "\x80"
                and (following in "€\ufffd" or 0x80 <= following.encode("gb18030")[0] <= 0xBF)
            ):
                piece = b"\xa2\xe3"
            else:
                piece = b"\x80"
        elif ch == "\ufffd":
            # A GB18030 reader replaces one byte: a bad lead (0x80 is the only
            # one UTF-8 has) or a lead whose trail is bad (< 0x40, 0x7F).  A
            # multi-byte character after it means the trail was good, so the
            # byte was 0x80; before ASCII it could be any continuation byte.
            following = segment[index + 1 : index + 2]
            piece = b"\x80" if following >= "\x80" else LOST
        else:
            piece = ch.encode("gb18030")
        out += piece
        for byte in piece:
            if need and 0x80 <= byte <= 0xBF:
                need -= 1
            else:
                need = 1 if 0xC2 <= byte <= 0xDF else 2 if 0xE0 <= byte <= 0xEF else 3 if 0xF0 <= byte <= 0xF4 else 0
    offsets.append(len(out))
    return bytes(out), offsets


def repair_utf8_as_gbk(segment: str, min_gain: float | None = None) -> str | None:
    """Undo UTF-8-read-as-GBK inside a run; None when there is nothing to do.

    >>> repair_utf8_as_gbk("锛堜竴锛夊仴鍏ㄦ満鏋")  # 构 lost its last byte: gone
    '（一）健全机'
    >>> repair_utf8_as_gbk("健全机构") is None
    True
    """
    try:
        raw, offsets = _mojibake_bytes(segment)
    except UnicodeEncodeError:
        return None
    pieces: list[str] = []
    last_char = 0
    changed = False
    for match in UTF8_RUN_RE.finditer(raw):
        start, end = match.span()
        if end - start < 3:
            continue
        # Widen to whole characters as read; partial UTF-8 at the edges is
        # a character already lost and decodes to nothing.
        first = bisect.bisect_right(offsets, start) - 1
        stop = bisect.bisect_left(offsets, end)
        if first < last_char:
            continue
        before = segment[first:stop]
        after = raw[offsets[first] : offsets[stop]].decode("utf-8", "replace").replace("\ufffd", "")
        gain = charsets.score(after) - charsets.score(before)
        if gain <= 0 or (min_gain is None and gain < MIN_GAIN // 2 + len(before) // 4):
            continue
        pieces.append(segment[last_char:first])
        pieces.append(after)
        last_char = stop
        changed = True
    if not changed:
        return None
    pieces.append(segment[last_char:])
    return "".join(pieces)


JUNK = -11  # a symbol reports never use costs as much as a hanzi the word model never saw


def rank(text: str, script: str | None = None) -> float:
    """How plausible `text` is as a report: character classes plus the word model."""
    junk = len(NON_HAN_JUNK_RE.findall(text)) if charsets.suspicious_re(script).search(text) else 0
    return charsets.score(text, script) + lm.score(text) + JUNK * junk


NON_HAN_JUNK_RE = re.compile(r"[^\x00-\x7f\u3400-\u9fff\uf900-\ufaff，。、；：？！“”‘’（）《》〈〉【】〔〕…—·　％]")


def repair_dropped_byte(segment: str, codec: str, script: str | None = None) -> str | None:
    """Cut the one byte that threw a two-byte stream out of step.

    `segment` must come from bytes decoded with ``surrogateescape``.  The
    cuts in the SEARCH characters before the first unusual character and
    before the first loose byte are tried; the best ranking one wins if it
    beats the segment by a clear margin.  None when no cut helps.
    """
    try:
        raw = segment.encode(codec, "surrogateescape")
    except UnicodeEncodeError:
        return None
    offsets = [0]
    for ch in segment:
        offsets.append(offsets[-1] + len(ch.encode(codec, "surrogateescape")))
    # The cut lies before a visibly wrong character, usually a few
    # characters before it, or before the byte the stream fell back into
    # step at (a loose byte, or a trail byte that swallowed the ASCII letter
    # after the run); one byte either side of every boundary.  Each cluster
    # of wrong characters gets its own window: a lone character of the
    # other script early in the run (時 on a Simplified page) is not where
    # the damage starts.
    anchors = _bad_clusters(segment, script)
    loose = LOOSE_BYTE_RE.search(segment)
    if loose is not None:
        anchors.append(loose.start())
    if TRAILING_LETTER_RE.search(segment) is not None:
        anchors.append(len(segment) - 1)
    indices: set[int] = set()
    for anchor in anchors:
        indices.update(range(max(0, anchor - SEARCH), min(len(segment), anchor + 2)))
    if not indices:
        return None
    cuts = sorted({cut for index in indices for cut in (offsets[index], offsets[index] + 1) if cut < len(raw)})
    # Every candidate equals the segment before the first cut and, once
    # the stream is back in step, at the end: only the part between (and
    # a few characters of context) is scored, against the same part of
    # the segment.
    start = max(0, min(indices) - CONTEXT)
    base_ranks: dict[int, float] = {}
    best_gain, best = float(MIN_GAIN), None
    for cut in cuts:
        candidate = (raw[:cut] + raw[cut + 1 :]).decode(codec, "surrogateescape")
        trim = max(0, _common_suffix(candidate, segment, len(segment) - start) - CONTEXT)
        if trim not in base_ranks:
            base_ranks[trim] = rank(segment[start : len(segment) - trim], script)
        gain = rank(candidate[start : len(candidate) - trim], script) - base_ranks[trim]
        if gain >= best_gain:  # ties: the later cut keeps more of the text as read
            best_gain, best = gain, candidate
    return best


CONTEXT = 6  # characters scored either side of what a cut changes
MAX_CLUSTERS = 3  # windows of wrong characters searched per run


def _bad_clusters(segment: str, script: str | None) -> list[int]:
    """Where each run of implausible characters starts (at most MAX_CLUSTERS)."""
    starts: list[int] = []
    last_bad = -10
    for i, ch in enumerate(segment):
        if charsets.char_weight(ch, script) < 0:
            if i - last_bad > 2:
                starts.append(i)
                if len(starts) == MAX_CLUSTERS:
                    break
            last_bad = i
    return starts or [len(segment)]


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix of `a` and `b`, at most `limit`."""
    low, high = 0, min(len(a), len(b), limit)
    while low < high:  # a suffix that matches is matched by every shorter one
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low
