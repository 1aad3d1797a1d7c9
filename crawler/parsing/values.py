"""Cell values: the number a printed cell stands for."""

from __future__ import annotations

import functools
import re
import unicodedata

from crawler.parsing.labels import EMPTY_VALUES, VALUE_UNITS

_UNITS = "|".join(sorted(map(re.escape, VALUE_UNITS), key=len, reverse=True))
_NUMBER = re.compile(rf"^(?P<sign>[+\-−]?)(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)(?P<frac>\.\d+)?(?:{_UNITS})?$")


_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def clean_cell(text: str) -> str:
    """Cell text as stored in ``raw``: width folded, whitespace collapsed.

    >>> clean_cell("  １２\\n件 ")
    '12 件'
    """
    text = unicodedata.normalize("NFKC", text or "").replace("\u200b", "")
    return _SPACE.sub(" ", text).strip()


# Digits a cell's number may have: longer is a serial number or garbage, not a value.
MAX_DIGITS = 30


@functools.lru_cache(maxsize=65536)
def parse_value(raw: str) -> int | float | None:
    """The number in a cell, or None for blank, "/", "—", "无", prose.

    >>> [parse_value(x) for x in ["0件", "１２", "1,234", "3.5", "/", "—", "无", "", "-2"]]
    [0, 12, 1234, 3.5, None, None, None, None, -2]
    """
    text = _SPACE.sub("", unicodedata.normalize("NFKC", raw or ""))
    if text in EMPTY_VALUES:
        return None
    match = _NUMBER.match(text)
    if not match:
        return None
    digits = match["num"].replace(",", "")
    if len(digits) > MAX_DIGITS:  # no count in a report is that long (and int() refuses 4,300+ digits)
        return None
    sign = -1 if match["sign"] in ("-", "−") else 1
    if match["frac"]:
        return sign * float(digits + match["frac"])
    return sign * int(digits)


@functools.lru_cache(maxsize=65536)
def is_value_cell(raw: str) -> bool:
    """True when a cell holds a number or a placeholder for one.

    >>> [is_value_cell(x) for x in ["0", "12件", "/", "", "规章", "总计"]]
    [True, True, True, True, False, False]
    """
    text = _SPACE.sub("", unicodedata.normalize("NFKC", raw or ""))
    return text in EMPTY_VALUES or parse_value(text) is not None
