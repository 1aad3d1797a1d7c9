"""The decode stage's shortcuts give the answers of the rules they shortcut, at their edges."""

from __future__ import annotations

import re

import pytest

from crawler.text import charsets
from crawler.text.encoding import SURROGATE_FREE, choose_encoding
from crawler.text.mojibake import repair_text
from crawler.text.script import detect_script

TRAD, SIMP = "開", "开"  # a Traditional-only character and its Simplified form


@pytest.mark.parametrize(
    ("trad", "simp", "script"),
    [
        (0, 0, "simplified"),
        (1, 0, "traditional"),  # no Simplified-only character at all
        (4, 0, "traditional"),
        (4, 1, "simplified"),  # under five Traditional ones: any Simplified one decides
        (5, 1, "traditional"),  # at least three times as many
        (6, 2, "traditional"),
        (5, 2, "simplified"),
        (7, 3, "simplified"),
        (9, 3, "traditional"),
        (9, 4, "simplified"),
        (30, 10, "traditional"),
        (30, 11, "simplified"),
        (30, 500, "simplified"),
    ],
)
def test_script_rule_at_its_edges(trad: int, simp: int, script: str) -> None:
    text = "<p>政府信息公" + "x".join([TRAD] * trad) + "<br>" + SIMP * simp + "</p>"
    assert detect_script(text) == script
    assert detect_script(charsets.non_ascii(text)) == script


def test_non_ascii_keeps_every_non_ascii_character_in_order() -> None:
    text = "<p class=a>年报\u00a02023</p>\udc81x€𠀀z\udcff"
    assert charsets.non_ascii(text) == "年报\u00a0\udc81€𠀀\udcff"
    assert charsets.non_ascii("<html>ascii only</html>") == ""
    assert charsets.non_ascii_count(text) == 7
    page = "<p>" + "x" * 2000 + "年\udcff报</p>"  # few undecodable bytes in much text: decoded back
    assert charsets.non_ascii(page) == "年\udcff报"


def test_unusual_characters_are_counted_one_by_one_side_by_side_or_apart() -> None:
    assert charsets.suspicious_count("年报\ue000\ue001\ue002，工作\ue003") == 4
    assert charsets.suspicious_count("年报") == 0


def test_declared_codec_with_an_undecodable_byte_counts_its_error() -> None:
    body = "<meta charset=utf-8><p>政府信息公开年度报告</p>".encode() + b"\xff<p>" + "工作".encode()
    choice = choose_encoding(body, "text/html")
    assert choice.encoding == "utf-8"
    assert choice.reason == "detected: meta said utf-8 but 1 decode errors; utf-8 fewest errors (1), 92% common"


@pytest.mark.parametrize("traces", [1, 30])  # few: found by str.find; many: one scan
def test_every_damaged_run_is_repaired_however_many_traces(traces: int) -> None:
    clean = "（一）健全机构，强化领导"
    damaged = clean.encode("utf-8").decode("gb18030", "replace")
    rare = "".join(chr(0xE000 + i) for i in range(traces))  # private use: a trace each
    text = f"<p>{damaged}</p><p>说明{rare}</p><p>{damaged}</p>"
    fixed, repairs = repair_text(text)
    assert fixed == f"<p>{clean}</p><p>说明{rare}</p><p>{clean}</p>"
    assert [r["where"] for r in repairs] == [3, fixed.rindex("（一）")]


def test_undecodable_bytes_become_replacement_characters_one_record_per_page() -> None:
    body = "<p>政府信息公开</p>".encode() + b"\xff\xfe<p>" + "年度报告".encode() + b"\xc3"
    fixed, repairs = repair_text(body.decode("utf-8", "surrogateescape"), "utf-8", "simplified")
    assert fixed == "<p>政府信息公开</p>\ufffd<p>年度报告\ufffd"
    assert repairs == [{"kind": "undecodable-bytes", "where": 13, "count": 2}]


def test_a_byte_cut_by_the_repair_leaves_no_undecodable_bytes_record() -> None:
    body = "<p>政府信息公开</p>".encode("gbk") + b"\x81<p>" + "年度报告".encode("gbk")
    fixed, repairs = repair_text(body.decode("gb18030", "surrogateescape"), "gb18030", "simplified")
    assert fixed == "<p>政府信息公开</p><p>年度报告"
    assert [r["kind"] for r in repairs] == ["gbk-dropped-byte"]


@pytest.mark.parametrize(
    ("body", "encoding", "reason"),
    [
        (b"<p>annual report 2023</p>", "utf-8", "detected: no declaration; utf-8 clean"),  # every codec reads it
        ("<p>政府信息公开年度报告 浏览次数</p>".encode(), "utf-8", "detected: no declaration; utf-8 clean"),
        ("<p>政府信息公开年度报告</p>".encode("gbk"), "gb18030", "detected: no declaration; gb18030 clean"),
    ],
)
def test_undeclared_page_is_read_by_the_first_clean_best_codec(body: bytes, encoding: str, reason: str) -> None:
    choice = choose_encoding(body, "text/html")
    assert (choice.encoding, choice.reason) == (encoding, reason)


def _decodes(codec: str, seqs: list[bytes]) -> list[str]:
    out = []
    for seq in seqs:
        try:
            out.append(seq.decode(codec))
        except UnicodeDecodeError:
            pass
    return out


def test_codecs_trusted_to_decode_without_surrogates_never_yield_one() -> None:
    # encoding.SURROGATE_FREE: a strict decode with them has no error to count.
    one = [bytes((a,)) for a in range(256)]
    two = [bytes((a, b)) for a in range(0x80, 0x100) for b in range(0x100)]
    four = [
        bytes((a, b, c, d))
        for a in range(0x81, 0xFF)
        for b in range(0x30, 0x3A)
        for c in range(0x81, 0xFF)
        for d in range(0x30, 0x3A)
    ]
    seqs = {"utf-8": [], "cp1252": one, "big5hkscs": one + two, "gb18030": one + two + four}
    assert set(seqs) == SURROGATE_FREE
    for codec, candidates in seqs.items():
        assert not re.search("[\ud800-\udfff]", "".join(_decodes(codec, candidates))), codec
    # UTF-8 refuses encoded surrogates (ED A0-BF xx) outright
    assert _decodes("utf-8", [bytes((0xED, b, 0x80)) for b in range(0xA0, 0xC0)]) == []
