"""Normalise report text: pinyin out, Simplified script, widths, spaces.

``normalise_fragment`` is the per-string function (the tables stage calls
it on every cell); ``normalise_lines`` applies it to rendered paragraphs and
drops empty ones.
"""

from __future__ import annotations

import functools
import re

from crawler.text.pinyin import strip_pinyin
from crawler.text.script import to_simplified

CJK = r"\u3400-\u9fff\uf900-\ufaff"
# Full-width digits and Latin letters → ASCII; symbols used in numbers too.  Not ＝ or ＠:
# as ASCII they would start a live formula in a spreadsheet cell (issue 18), and no number needs them.
WIDTH_TABLE = str.maketrans(
    {
        **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "％": "%",
        "＋": "+",
        "＜": "<",
        "＞": ">",
        "＃": "#",
        "＆": "&",
        "＊": "*",
        "＿": "_",
        "＂": '"',
        "＇": "'",
        "｀": "`",
        # spaces: no-break, ideographic, the typographic ones → plain space
        "\u00a0": " ",
        "\u3000": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2004": " ",
        "\u2005": " ",
        "\u2006": " ",
        "\u2007": " ",
        "\u2008": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u205f": " ",
        "\t": " ",
        "\r": " ",
        "\f": " ",
        "\x0b": " ",
        # zero-width characters and BOM → nothing
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)
SPACES_RE = re.compile(r" {2,}")
# Full-width stop, slash and minus inside numbers: １２．５ → 12.5
NUMBER_PUNCT_RE = re.compile(r"(?<=\d)[．／－](?=\d)")
NUMBER_PUNCT = {"．": ".", "／": "/", "－": "-"}
# Half-width punctuation in Chinese context → full-width (not inside numbers).
COMMA_RE = re.compile(rf"(?<=[{CJK}）》”])\s?,\s?|(?<!\d),\s?(?=[{CJK}（《“])")
PUNCT_AFTER_CJK_RE = re.compile(rf"(?<=[{CJK}）》”])([;:?!])")
FULL_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
PAREN_RE = re.compile(r"\(([^()\n]*)\)")
HAS_CJK_RE = re.compile(rf"[{CJK}]")


def normalise_widths(text: str) -> str:
    """Widths and spaces of one line (no newlines expected).

    >>> normalise_widths("２０２３年\u3000共\u00a0计\u200b１２．５％ ， 见(一)(2023)(单位:万元)")
    '2023年 共 计12.5%，见（一）(2023)（单位：万元）'
    """
    text = text.translate(WIDTH_TABLE)
    if "．" in text or "／" in text or "－" in text:
        text = NUMBER_PUNCT_RE.sub(lambda m: NUMBER_PUNCT[m.group()], text)
    if "," in text:
        text = COMMA_RE.sub("，", text)
    if "(" in text:
        text = PAREN_RE.sub(lambda m: f"（{m.group(1)}）" if HAS_CJK_RE.search(m.group(1)) else m.group(), text)
    text = PUNCT_AFTER_CJK_RE.sub(lambda m: FULL_PUNCT[m.group(1)], text)
    text = SPACES_RE.sub(" ", text)
    # no space next to full-width punctuation
    text = SPACE_BY_PUNCT_RE.sub("", text)
    return text.strip()


SPACE_BY_PUNCT_RE = re.compile(r" (?=[，。、；：？！）》”])|(?<=[，。、；：？！（《“]) ")


def normalise_fragment(text: str, *, traditional: bool) -> str:
    """Clean one string: pinyin out, Traditional → Simplified, widths, spaces.

    Newlines are kept (each line cleaned on its own).  Short strings (cells,
    headings, metadata lines: the same template labels in every report) are
    cleaned once and remembered.

    >>> normalise_fragment("送莊鎮(zhèn)　２０１６年", traditional=True)
    '送庄镇 2016年'
    >>> normalise_fragment("乾安县（一）", traditional=False)
    '乾安县（一）'
    """
    if len(text) <= CACHED_CHARS:
        return _cached_fragment(text, traditional)
    return _fragment(text, traditional)


CACHED_CHARS = 200


@functools.lru_cache(maxsize=32768)
def _cached_fragment(text: str, traditional: bool) -> str:
    return _fragment(text, traditional)


def _fragment(text: str, traditional: bool) -> str:
    text = strip_pinyin(text)
    if traditional:
        text = to_simplified(text)
    if "\n" in text:
        return "\n".join(normalise_widths(line) for line in text.split("\n"))
    return normalise_widths(text)


def normalise_lines(lines: list[str], *, traditional: bool) -> list[str]:
    """Normalise rendered paragraphs in one pass; empty ones are dropped."""
    joined = normalise_fragment("\n".join(lines), traditional=traditional)
    return [line for line in joined.split("\n") if line]
