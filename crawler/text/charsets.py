"""Character classes used to judge whether decoded Chinese text is plausible.

The classes are built once, lazily, from the GB2312 code table (its level-1
block is the 3,755 most common hanzi) and OpenCC's Simplified → Traditional
tables (so a correct Traditional page scores as well as a Simplified one).
Mojibake — GBK read out of step, UTF-8 read as GBK, Big5 read as GBK — is
dominated by symbol rows, bopomofo, box drawing, private-use code points,
GBK-extension rarities and GB2312 level-2 hanzi, which real reports rarely
use.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import re
import sys
from collections import Counter
from collections.abc import Iterable

import opencc

# Punctuation and symbols that real reports use; everything else outside
# ASCII and the hanzi classes counts as suspicious.
COMMON_PUNCTUATION = (
    "，。、；：？！“”‘’（）《》〈〉【】〔〕［］｛｝「」『』—–…·•　"
    "－％．／＋＝＜＞＆＊＠＃～｜＿"
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
    "㎡℃×÷±≤≥≠‰°¥￥€\u00a0\u200b\ufeff■□●○◆◇★☆▲△√"
)
FULLWIDTH_ALNUM = "".join(chr(c) for c in range(0xFF10, 0xFF1A)) + "".join(
    chr(c) for c in list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))
)

# Weights used when scoring a candidate repair (see mojibake.score).
GOOD = 1
RARE = -1
BAD = -3
ESCAPED = -5  # an undecodable byte kept as a lone surrogate


def _gb2312_block(first_row: int, last_row: int) -> str:
    chars = []
    for row in range(first_row, last_row + 1):
        for cell in range(0xA1, 0xFF):
            ch = bytes((row, cell)).decode("gb2312", "ignore")
            if ch:
                chars.append(ch)
    return "".join(chars)


@functools.cache
def common_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi and their Traditional forms."""
    level1 = _gb2312_block(0xB0, 0xD7)
    joined = "\n".join(level1)
    traditional: set[str] = set()
    for config in ("s2t", "s2tw", "s2hk"):
        traditional.update(opencc.OpenCC(config).convert(joined))
    traditional.discard("\n")
    # Variant Traditional forms (註, 纔, 祕 …) that convert to a level-1 hanzi.
    gbk = _gbk_hanzi()
    back = opencc.OpenCC("tw2s").convert("\n".join(gbk)).split("\n")
    level1_set = frozenset(level1)
    traditional.update(t for t, s in zip(gbk, back, strict=False) if s != t and s in level1_set)
    return level1_set | frozenset(traditional)


def _gbk_hanzi() -> list[str]:
    """Every hanzi GBK encodes (rows 0x81-0xFE)."""
    chars = []
    for lead in range(0x81, 0xFF):
        for trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
            ch = bytes((lead, trail)).decode("gbk", "ignore")
            if ch and "\u4e00" <= ch <= "\u9fff":
                chars.append(ch)
    return chars


@functools.cache
def rare_hanzi() -> frozenset[str]:
    """GB2312 level-2 hanzi (real but uncommon: names, classical words)."""
    return frozenset(_gb2312_block(0xD8, 0xF7)) - common_hanzi()


@functools.cache
def simplified_only() -> frozenset[str]:
    """Level-1 hanzi that a Traditional text never uses (they have a Traditional form)."""
    return frozenset(_gb2312_block(0xB0, 0xD7)) - _traditional_forms()


@functools.cache
def traditional_only() -> frozenset[str]:
    """Traditional forms that a Simplified text never uses."""
    return _traditional_forms() - frozenset(_gb2312_block(0xB0, 0xF7))


@functools.cache
def _traditional_forms() -> frozenset[str]:
    return common_hanzi() - (frozenset(_gb2312_block(0xB0, 0xD7)) - _s2t_identity())


@functools.cache
def _s2t_identity() -> frozenset[str]:
    """Level-1 hanzi that some Traditional standard (OpenCC, Taiwan, Hong Kong) keeps."""
    level1 = _gb2312_block(0xB0, 0xD7)
    kept: set[str] = set()
    for config in ("s2t", "s2tw", "s2hk"):
        converted = opencc.OpenCC(config).convert("\n".join(level1)).split("\n")
        kept.update(s for s, t in zip(level1, converted, strict=False) if s == t)
    return frozenset(kept)


@functools.cache
def good_chars() -> frozenset[str]:
    return common_hanzi() | frozenset(COMMON_PUNCTUATION) | frozenset(FULLWIDTH_ALNUM)


def char_class(chars: frozenset[str]) -> str:
    """A regex character class body for a set of characters."""
    return "".join(re.escape(c) for c in sorted(chars))


@functools.cache
def fine_chars(script: str | None = None, also_fine: str = "") -> frozenset[str]:
    """The non-ASCII characters :func:`suspicious_re` does not match."""
    good = good_chars() | frozenset(also_fine)
    if script == "traditional":
        good = good - simplified_only()
    elif script == "simplified":
        good = good - traditional_only()
    return good


@functools.cache
def suspicious_re(script: str | None = None, also_fine: str = "") -> re.Pattern[str]:
    """Matches one non-ASCII character that is not common in reports.

    With `script`, characters of the other script are suspicious too;
    characters in `also_fine` are not.
    """
    return re.compile("[^\\x00-\\x7f" + char_class(fine_chars(script, also_fine)) + "]")


WRONG_SCRIPT = -2


@functools.cache
def weights(script: str | None = None) -> dict[str, int]:
    """Weight per non-ASCII character; `script` penalises the other script."""
    table = dict.fromkeys(rare_hanzi(), RARE)
    table.update(dict.fromkeys(good_chars(), GOOD))
    if script == "traditional":
        table.update(dict.fromkeys(simplified_only(), WRONG_SCRIPT))
    elif script == "simplified":
        table.update(dict.fromkeys(traditional_only(), WRONG_SCRIPT))
    return table


@functools.cache
def frequent_weights(script: str | None = None) -> dict[str, int]:
    """`weights` with a bonus for report vocabulary (used to rank repairs)."""
    table = dict(weights(script))
    for ch in frequent_chars():
        if table.get(ch, 0) > 0:
            table[ch] += BIGRAM_BONUS
    return table


def char_weight(ch: str, script: str | None = None) -> int:
    """Plausibility of one character in a Chinese report."""
    if ch < "\x80":
        return GOOD if ch >= " " or ch in "\n\r\t" else BAD
    if "\udc80" <= ch <= "\udcff":
        return ESCAPED
    return weights(script).get(ch, BAD)


BIGRAM_BONUS = 1
BRACKET_PAIRS = (("（", "）"), ("《", "》"), ("“", "”"), ("〔", "〕"), ("【", "】"))
BRACKET_PENALTY = 2
# An ASCII letter or symbol between two non-ASCII characters: in GBK text
# usually a trail byte set loose by a dropped byte (0x40-0x7E).
SANDWICHED_RE = re.compile(r"(?<=[^\x00-\x7f])[@-~](?=[^\x00-\x7f])")
HAN_PAIR_RE = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


@functools.cache
def bigrams() -> frozenset[str]:
    """Hanzi pairs frequent in reports (package data ``lexicon/bigrams.txt``)."""
    data = importlib.resources.files("crawler.text.lexicon").joinpath("bigrams.txt")
    return frozenset(data.read_text(encoding="utf-8").split())


FREQUENT_PUNCTUATION = "，。、；：？！“”（）《》〔〕"


@functools.cache
def frequent_chars() -> frozenset[str]:
    """Characters of report vocabulary: those of the known pairs, and punctuation."""
    return frozenset("".join(bigrams())) | frozenset(FREQUENT_PUNCTUATION)


def build_bigrams(texts: Iterable[str], min_count: int = 1) -> list[str]:
    """Pairs seen at least `min_count` times, with their Traditional forms."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(HAN_PAIR_RE.findall(text))
    pairs = {pair for pair, n in counts.items() if n >= min_count}
    forms = set(pairs)
    for config in ("s2t", "s2tw", "t2s"):
        converted = opencc.OpenCC(config).convert("\n".join(sorted(pairs))).split("\n")
        forms.update(p for p in converted if len(p) == 2)
    return sorted(forms)


def score(text: str, script: str | None = None) -> int:
    """Sum of character weights plus a bonus per known pair: higher is better."""
    total = (BAD - GOOD) * len(SANDWICHED_RE.findall(text))
    # Mojibake breaks bracket pairs: （一） read one byte late is 。一）.
    for opening, closing in BRACKET_PAIRS:
        if closing in text:
            total -= BRACKET_PENALTY * _unopened(text, opening, closing)
    known = bigrams()
    total += BIGRAM_BONUS * sum(1 for pair in HAN_PAIR_RE.findall(text) if pair in known)
    return total + sum(map(_score_table(script).get, text, itertools.repeat(BAD)))


@functools.cache
def _score_table(script: str | None) -> dict[str, int]:
    """Weight of every character :func:`score` does not count as BAD: ASCII is
    GOOD, an undecodable byte ESCAPED, the rest by `frequent_weights` (one
    dict lookup a character, summed in C, not a branch each in Python)."""
    table = dict(frequent_weights(script))
    table.update(dict.fromkeys(map(chr, range(0x80)), GOOD))
    table.update(dict.fromkeys(map(chr, range(0xDC80, 0xDD00)), ESCAPED))
    return table


def _unopened(text: str, opening: str, closing: str) -> int:
    """Closing brackets with no opening one before them.

    An opening bracket left open is normal in a run cut at ASCII text
    (``《区政府2020年度…》``); a closing one out of nowhere is not.
    """
    depth = unopened = 0
    for ch in text:
        if ch == opening:
            depth += 1
        elif ch == closing:
            if depth:
                depth -= 1
            else:
                unopened += 1
    return unopened


def suspicious_count(text: str, script: str | None = None) -> int:
    """How many characters of `text` are unusual for a report.

    Counted by runs: mojibake is mostly unusual characters side by side,
    and each regex match costs far more than a character of it.
    """
    return sum(map(len, _suspicious_runs_re(script).findall(text)))


@functools.cache
def _suspicious_runs_re(script: str | None) -> re.Pattern[str]:
    return re.compile(suspicious_re(script).pattern + "+")


NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
ASCII_BYTES = bytes(range(0x80))


def non_ascii_count(text: str) -> int:
    """How many characters of `text` are not ASCII (one C pass, no list of matches)."""
    return len(text) - len(text.encode("ascii", "ignore"))


def non_ascii(text: str) -> str:
    """The non-ASCII characters of `text`, in order (lone surrogates too).

    Every class above is of non-ASCII characters, so a count or search of one
    gives the same answer on this string, which on an HTML page is a few
    percent of it: the ASCII is dropped by two C passes (UTF-8 bytes keep
    ASCII in single bytes that no multi-byte character uses) instead of
    being stepped over by the regex engine, ~6 ns a character.
    """
    if text.isascii():
        return ""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (undecodable bytes kept by surrogateescape)
        raw = text.encode("utf-8", "surrogatepass")
        if raw.count(0xED) * SURROGATE_DECODE_COST > len(text):
            # Decoding them back calls the error handler once each (~1.5 µs):
            # with many, the regex engine's ~6 ns a character is cheaper.
            return "".join(NON_ASCII_RUN_RE.findall(text))
        return raw.translate(None, ASCII_BYTES).decode("utf-8", "surrogatepass")
    return raw.translate(None, ASCII_BYTES).decode("utf-8")


NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
# A lone surrogate decoded back with surrogatepass costs this many characters of
# a regex scan (0xED leads every surrogate's UTF-8 form, and U+D000-U+D7FF's).
SURROGATE_DECODE_COST = 250


if __name__ == "__main__":  # python -m crawler.text.charsets SEED.txt... > crawler/text/lexicon/bigrams.txt
    from pathlib import Path

    texts = [Path(path).read_text(encoding="utf-8") for path in sys.argv[1:]]
    print("\n".join(build_bigrams(texts)))
