"""Repair the two kinds of mojibake government pages carry.

* ``utf8-as-gbk``: UTF-8 bytes that were once read as GBK and stored that
  way (``锛堜竴锛夊仴`` is ``（一）健``).  Re-encoding the run as GB18030 gives
  the UTF-8 bytes back; the repair is exact unless the reader replaced a
  byte it could not pair, in which case that one character is lost.
* ``gbk-dropped-byte``: a GBK (or Big5) stream that lost or gained one
  byte, so every following pair is read out of step until the next ASCII
  byte (``　。ㄒ唬┙∪珯C`` is ``　（一）健全機`` missing a byte).  The byte
  at fault is found by scoring every cut; the character it belonged to is
  lost.

Both work on runs of non-ASCII characters (a shifted stream always falls
back into step at an ASCII byte) and only act when the run holds several
characters reports rarely use and the repair scores clearly better than the
original (see :mod:`crawler.text.charsets`), so correct text is left alone.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from crawler.text import charsets

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

MIN_SUSPICIOUS = 2      # unusual characters (or one, with a loose ASCII byte) to examine a run
MIN_GAIN = 4            # a repair must improve the score by at least this much
SNIPPET = 24
MAX_ROUNDS = 3          # dropped bytes repaired per run at most


def repair_text(
    text: str, encoding: str | None = None, script: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Repair mojibake in `text`; return the text and the repairs made.

    `encoding` is the codec the text was decoded with, when it came from
    bytes decoded with ``errors="surrogateescape"``: it enables the
    dropped-byte repair, which needs the original bytes back.  Lone
    surrogates left afterwards become U+FFFD.  `script` ("simplified" or
    "traditional", of the page) makes characters of the other script count
    as suspicious when scoring a cut.

    >>> repair_text("报告锛堜竴锛夊仴鍏ㄦ満鏋勶紝寮哄寲棰嗗\ue1f1銆�")[0]
    '报告（一）健全机构，强化领导'
    """
    repairs: list[dict[str, Any]] = []
    if charsets.suspicious_re(script).search(text) is not None:
        codec = encoding if encoding in SHIFTABLE else None
        pieces: list[str] = []
        last = 0
        for match in SEGMENT_RE.finditer(text):
            segment = match.group()
            if not _worth_examining(segment, script):
                continue
            fixed, kinds = _repair_segment(segment, codec, script)
            if not kinds:
                continue
            before_segment = text[last:match.start()]
            if "gbk-dropped-byte" in kinds and _ends_with_replacement_mark(text, match.start()):
                # an encoder's "?" for the character the lost byte belonged to
                before_segment = before_segment[:-1]
                kinds.append("replacement-mark")
            where = sum(map(len, pieces)) + len(before_segment)
            pieces.append(before_segment)
            pieces.append(fixed)
            last = match.end()
            for kind in kinds:
                repairs.append({
                    "kind": kind, "where": where,
                    "before": segment[:SNIPPET], "after": fixed[:SNIPPET],
                })
        if pieces:
            pieces.append(text[last:])
            text = "".join(pieces)
    if encoding is not None and _has_surrogates(text):
        count = len(SURROGATE_RE.findall(text))
        text = SURROGATE_RE.sub("\ufffd", text)
        repairs.append({"kind": "undecodable-bytes", "where": text.find("\ufffd"),
                        "count": count})
    return text, repairs


SURROGATE_RE = re.compile("[\udc80-\udcff]+")


def _ends_with_replacement_mark(text: str, end: int) -> bool:
    """A "?" right before `end`, itself after non-ASCII text or at the start."""
    return end >= 1 and text[end - 1] == "?" and (end == 1 or text[end - 2] >= "\x80")


def _has_surrogates(text: str) -> bool:
    return SURROGATE_RE.search(text) is not None


def _worth_examining(segment: str, script: str | None = None) -> bool:
    unusual = charsets.suspicious_count(segment, script)
    if unusual >= MIN_SUSPICIOUS:
        return True
    return unusual >= 1 and (
        charsets.SANDWICHED_RE.search(segment) is not None
        or any(charsets.char_weight(ch) <= charsets.BAD for ch in segment)
    )


def _repair_segment(
    segment: str, codec: str | None, script: str | None
) -> tuple[str, list[str]]:
    """Best repair of one non-ASCII run, or the run itself and no kinds."""
    kinds: list[str] = []
    if not _has_surrogates(segment):
        fixed = repair_utf8_as_gbk(segment)
        if fixed is not None:
            segment = fixed
            kinds.append("utf8-as-gbk")
    if codec is not None:
        for _ in range(MAX_ROUNDS):
            if not _worth_examining(segment, script) and not _has_surrogates(segment):
                break
            fixed = repair_dropped_byte(segment, codec, script)
            if fixed is None:
                break
            segment = fixed
            kinds.append("gbk-dropped-byte" if codec != "big5hkscs" else "big5-dropped-byte")
    return segment, kinds


def _mojibake_bytes(segment: str) -> tuple[bytes, list[int]]:
    """Bytes a GBK reader consumed to produce `segment`, and char offsets.

    ``€`` is the lone byte 0x80 (as browsers read it) and U+FFFD a byte the
    reader could not use, kept as 0xFF so it breaks any UTF-8 sequence.
    """
    out = bytearray()
    offsets = []
    for ch in segment:
        offsets.append(len(out))
        if ch == "€":
            out += b"\x80"
        elif ch == "\ufffd":
            out += LOST
        else:
            out += ch.encode("gb18030")
    offsets.append(len(out))
    return bytes(out), offsets


def repair_utf8_as_gbk(segment: str) -> str | None:
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
        after = raw[offsets[first]:offsets[stop]].decode("utf-8", "replace").replace("\ufffd", "")
        if charsets.score(after) - charsets.score(before) < MIN_GAIN // 2 + len(before) // 4:
            continue
        pieces.append(segment[last_char:first])
        pieces.append(after)
        last_char = stop
        changed = True
    if not changed:
        return None
    pieces.append(segment[last_char:])
    return "".join(pieces)


def repair_dropped_byte(segment: str, codec: str, script: str | None = None) -> str | None:
    """Cut the one byte that threw a two-byte stream out of step.

    `segment` must come from bytes decoded with ``surrogateescape``.  Every
    cut up to just past the first unusual character is tried; the best
    scoring one wins if it beats the segment by a clear margin.  None when
    no cut helps.
    """
    try:
        raw = segment.encode(codec, "surrogateescape")
    except UnicodeEncodeError:
        return None
    offsets = [0]
    for ch in segment:
        offsets.append(offsets[-1] + len(ch.encode(codec, "surrogateescape")))
    first_bad = next(
        (i for i, ch in enumerate(segment) if charsets.char_weight(ch, script) < 0),
        len(segment),
    )
    base = charsets.score(segment, script)
    best_score, best = base + MIN_GAIN, None
    # The cut lies before the first visibly wrong character, usually a few
    # characters before it; one byte either side of every boundary.
    for index in range(max(0, first_bad - 40), min(len(segment), first_bad + 2)):
        for cut in {offsets[index], offsets[index] + 1}:
            if cut >= len(raw):
                continue
            candidate = (raw[:cut] + raw[cut + 1:]).decode(codec, "surrogateescape")
            value = charsets.score(candidate, script)
            if value >= best_score:  # ties: the later cut keeps more of the text as read
                best_score, best = value, candidate
    return best
