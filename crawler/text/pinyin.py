"""Strip pinyin annotations that accessibility toolbars put after hanzi.

``鎮(zhèn)`` → ``鎮``.  Only a parenthesis right after a hanzi, holding one
lowercase syllable that is valid pinyin with a tone mark or tone number, is
removed; ``（一）``, ``(2023)``, ``(单位:万元)``, URLs and English stay.
Toneless syllables (``的(de)``) are removed only on pages that carry
toned annotations too.
"""

from __future__ import annotations

import functools
import re

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
TONE_BASE = str.maketrans(TONED, "aaaaeeeeiiiioooouuuuüüüünnnm")
ANNOTATION_RE = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]([a-zü" + TONED + r"]{1,6}[1-5]?)[)）]")
SYLLABLE_RE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|üan|van|ai|ei|ao|ou|an|en|in|un|ün"
    r"|ia|ie|iu|ua|uo|ui|üe|ue|ve|er|a|o|e|i|u|ü|v|ng|n|m)r?"
)
MIN_TONED_FOR_TONELESS = 3


NOT_PINYIN, TONELESS, TONED_SYLLABLE = 0, 1, 2


@functools.lru_cache(maxsize=4096)
def _kind(word: str) -> int:
    """Cached: an annotated page repeats a few hundred syllables thousands of times."""
    if SYLLABLE_RE.fullmatch(word.rstrip("12345").translate(TONE_BASE)) is None:
        return NOT_PINYIN
    toned = word[-1] in "12345" or any(ch in TONED for ch in word)
    return TONED_SYLLABLE if toned else TONELESS


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations after hanzi.

    >>> strip_pinyin("送莊鎮(zhèn)2016年度報(bào)告（一）(2023)(单位:万元)")
    '送莊鎮2016年度報告（一）(2023)(单位:万元)'
    >>> strip_pinyin("见附件(word)和(pdf)")
    '见附件(word)和(pdf)'
    """
    if "(" not in text and "（" not in text:
        return text
    toned = 0

    def toned_only(match: re.Match[str]) -> str:
        nonlocal toned
        if _kind(match.group(1)) == TONED_SYLLABLE:
            toned += 1
            return ""
        return match.group()

    text = ANNOTATION_RE.sub(toned_only, text)
    if toned >= MIN_TONED_FOR_TONELESS:
        text = ANNOTATION_RE.sub(lambda m: "" if _kind(m.group(1)) != NOT_PINYIN else m.group(), text)
    return text
