"""Normalise report text: pinyin out, Simplified script, widths, spaces.

``normalise_fragment`` is the per-string function (the tables stage calls
it on every cell); ``normalise_lines`` applies it to rendered paragraphs and
drops empty ones.
"""

from __future__ import annotations

import functools
import re

from crawler.text.pinyin import TONED, strip_pinyin
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
# Runs of the characters WIDTH_TABLE maps: str.translate with a dict looks up every
# character (~0.1 µs each on hanzi), a regex finds the few runs (rendered text has none of the spaces).
WIDTH_RUN_RE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(WIDTH_TABLE)) + "]+")
SPACES_RE = re.compile(r" {2,}")
# Full-width stop, slash and minus inside numbers: １２．５ → 12.5
NUMBER_PUNCT_RE = re.compile(r"(?<=\d)[．／－](?=\d)")
NUMBER_PUNCT = {"．": ".", "／": "/", "－": "-"}
# Half-width punctuation in Chinese context → full-width (not inside numbers).
COMMA_RE = re.compile(rf"(?<=[{CJK}）》”])\s?,\s?|(?<!\d),\s?(?=[{CJK}（《“])")
PUNCT_AFTER_CJK_RE = re.compile(rf"(?<=[{CJK}）》”])([;:?!])")
FULL_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# COMMA_RE for many lines at once: \\s less the newline (LINE_SPACE, spelled out so that the
# pattern starts with one character class, which the regex engine scans for in C).
LINE_SPACE = "\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
COMMA_LINES_RE = re.compile(
    rf"[{LINE_SPACE},](?:(?<=[{CJK}）》”][{LINE_SPACE}]),[{LINE_SPACE}]?"
    rf"|(?<=[{CJK}）》”],)[{LINE_SPACE}]?"
    rf"|(?<=,)(?<!\d,)[{LINE_SPACE}]?(?=[{CJK}（《“]))"
)
HALF_PUNCT_RE = re.compile(r"[;:?!]")
PAREN_RE = re.compile(r"\(([^()\n]*)\)")
HAS_CJK_RE = re.compile(rf"[{CJK}]")


def normalise_widths(text: str) -> str:
    """Widths and spaces of one line (no newlines expected).

    >>> normalise_widths("２０２３年\u3000共\u00a0计\u200b１２．５％ ， 见(一)(2023)(单位:万元)")
    '2023年 共 计12.5%，见（一）(2023)（单位：万元）'
    """
    return _widths(text, COMMA_RE).strip()


def _width_run(match: re.Match[str]) -> str:
    return match.group().translate(WIDTH_TABLE)


def _widths(text: str, comma_re: re.Pattern[str]) -> str:
    """:func:`normalise_widths` before its strip; each rewrite only where its trigger character is.

    None of the patterns matches across a newline (``COMMA_LINES_RE`` is
    ``COMMA_RE`` with ``\\s`` less newline), so a whole text goes through at
    once, as each of its lines would.
    """
    text = WIDTH_RUN_RE.sub(_width_run, text)
    if "．" in text or "／" in text or "－" in text:
        text = NUMBER_PUNCT_RE.sub(lambda m: NUMBER_PUNCT[m.group()], text)
    if "," in text:
        text = comma_re.sub("，", text)
    if "(" in text:
        text = PAREN_RE.sub(lambda m: f"（{m.group(1)}）" if HAS_CJK_RE.search(m.group(1)) else m.group(), text)
    if HALF_PUNCT_RE.search(text):
        text = PUNCT_AFTER_CJK_RE.sub(lambda m: FULL_PUNCT[m.group(1)], text)
    if " " in text:
        if "  " in text:
            text = SPACES_RE.sub(" ", text)
        # no space next to full-width punctuation
        text = SPACE_BY_PUNCT_RE.sub("", text)
    return text


# A space before closing or after opening full-width punctuation (the space first: a literal to scan for).
SPACE_BY_PUNCT_RE = re.compile(r" (?:(?=[，。、；：？！）》”])|(?<=[，。、；：？！（《“] ))")
# What every pinyin annotation strip_pinyin removes starts with: a parenthesis, then a letter.
PINYIN_OPEN_RE = re.compile("[(（][a-zü" + TONED + "]")
# Whitespace other than a space or a newline (str.isspace's, as \\s).
OTHER_SPACE_RE = re.compile(r"[^\S \n]")


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
    if PINYIN_OPEN_RE.search(text):  # else strip_pinyin would return it as it is
        text = strip_pinyin(text)
    if traditional:
        text = to_simplified(text)
    if "\n" in text:  # the lines at once, then each stripped (as normalise_widths does)
        text = _widths(text, COMMA_LINES_RE)
        if (
            " \n" in text or "\n " in text or text[:1].isspace() or text[-1:].isspace() or OTHER_SPACE_RE.search(text)
        ):  # a line with whitespace at an end
            return "\n".join(line.strip() for line in text.split("\n"))
        return text
    return normalise_widths(text)


def normalise_lines(lines: list[str], *, traditional: bool) -> list[str]:
    """Normalise rendered paragraphs in one pass; empty ones are dropped."""
    joined = normalise_fragment("\n".join(lines), traditional=traditional)
    return [line for line in joined.split("\n") if line]
