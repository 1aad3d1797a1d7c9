"""Script detection and Traditional → Simplified conversion.

Traditional pages on mainland portals are mainland documents run through a
"繁體" converter, so the way back is character conversion, not regional
vocabulary.  We use OpenCC ``tw2s``: the standard Traditional → Simplified
tables plus reversal of Taiwan character variants, which turns the
converter's ``著力 / 接著 / 著重`` back into the mainland ``着力 / 接着 /
着重`` (``t2s`` leaves them as ``著``).  ``tw2sp`` is wrong for these pages:
its Taiwan → mainland phrase table rewrites words mainland documents use
(seed 001: 文件 → 文档, 程序 → 进程, 执行 → 运行, 效能 → 性能, 档案 → 文件).

Simplified text never passes through OpenCC (it would turn 乾安县 into
干安县), and in Traditional text the names in :mod:`crawler.text.names`
are converted by table, not by OpenCC.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable

import opencc

from crawler.text import charsets
from crawler.text.names import PLACE_NAMES

OPENCC_CONFIG = "tw2s"
SIMPLIFIED = "simplified"
TRADITIONAL = "traditional"
# A page is Traditional when Traditional-only characters outnumber
# Simplified-only ones this many times (and there are a few of them).
TRADITIONAL_RATIO = 3
MIN_TRADITIONAL = 5


@functools.cache
def _converter(config: str = OPENCC_CONFIG) -> opencc.OpenCC:
    """One converter per config: building one costs ~60 ms."""
    return opencc.OpenCC(config)


@functools.cache
def _script_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    trad = re.compile("[" + "".join(sorted(charsets.traditional_only())) + "]")
    simp = re.compile("[" + "".join(sorted(charsets.simplified_only())) + "]")
    return trad, simp


def script_counts(text: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) character counts."""
    trad, simp = _script_res()
    return len(trad.findall(text)), len(simp.findall(text))


def detect_script(text: str) -> str:
    """ "traditional" or "simplified".

    >>> detect_script("送莊鎮2016年政府信息公開工作年度報告")
    'traditional'
    >>> detect_script("盖北镇2021年政府信息公开年度报告")
    'simplified'
    """
    trad_re, simp_re = _script_res()
    trad = len(trad_re.findall(text))
    if trad == 0:
        return SIMPLIFIED
    # Simplified-only characters are counted only as far as the rule looks:
    # on a Simplified page they are most hanzi, and each match costs ~0.3 µs.
    enough = trad // TRADITIONAL_RATIO + 1 if trad >= MIN_TRADITIONAL else 1
    simp = sum(1 for _ in itertools.islice(simp_re.finditer(text), enough))
    if trad >= MIN_TRADITIONAL and trad >= TRADITIONAL_RATIO * simp:
        return TRADITIONAL
    if simp == 0:
        return TRADITIONAL
    return SIMPLIFIED


@functools.cache
def protected_names() -> dict[str, str]:
    """Traditional spellings OpenCC would damage → correct Simplified name."""
    convert: Callable[[str], str] = _converter().convert  # OpenCC.convert is unannotated
    table: dict[str, str] = {}
    for name in PLACE_NAMES:
        spellings = {name}
        for config in ("s2t", "s2tw", "s2hk"):
            spellings.add(_converter(config).convert(name))
        for spelling in spellings:
            if convert(spelling) != name:
                table[spelling] = name
    return table


@functools.cache
def _protected_re() -> re.Pattern[str] | None:
    names = sorted(protected_names(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names))) if names else None


def to_simplified(text: str) -> str:
    """Convert Traditional text to Simplified, keeping protected names.

    Call only on text detected as Traditional.

    >>> to_simplified("吉林省乾安縣送莊鎮政府信息公開")
    '吉林省乾安县送庄镇政府信息公开'
    >>> to_simplified("乾安的發展，著力推進")
    '乾安的发展，着力推进'
    """
    convert: Callable[[str], str] = _converter().convert  # OpenCC.convert is unannotated
    pattern = _protected_re()
    if pattern is None or pattern.search(text) is None:
        return convert(text)
    table = protected_names()
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(convert(text[last : match.start()]))
        pieces.append(table[match.group()])
        last = match.end()
    pieces.append(convert(text[last:]))
    return "".join(pieces)
