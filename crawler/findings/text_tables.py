"""Numbers the text states about the tables, compared with the cells they describe.

Only sentences that clearly name one cell are read: 本年新收…申请N件,
办结N件, 结转下年度…N件, 行政复议…N件/起, 行政诉讼…N件/起, 制发规范性文件N件,
and the filler between the words and the number must be short (共, 共计,
合计, 为, 达 …), so "较上年增加N件" or "其中…N件" is not taken for the count.
A sentence whose cells are blank or absent is left alone: no false failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Tables = dict[str, dict[str, dict[str, Any]]]
Check = dict[str, Any]

FILLER = r"[共计合总为达约了]{0,3}"
NUMBER = r"(\d{1,6})\s*(?:件|起|个|份)"
SENTENCE_END = re.compile(r"[。；;！!？?\n]")


@dataclass(frozen=True)
class Claim:
    """A statement pattern and the cells whose sum it states."""

    scope: str
    pattern: re.Pattern[str]
    cells: tuple[tuple[str, str, str], ...]


def _claim(scope: str, words: str, *cells: tuple[str, str, str]) -> Claim:
    return Claim(scope, re.compile(words + FILLER + NUMBER), cells)


CLAIMS: tuple[Claim, ...] = (
    _claim(
        "applications_new",
        r"(?:本年度?|全年|年内)?新收(?:到)?(?:各类)?政府信息公开申请",
        ("applications", "1", "total"),
    ),
    _claim(
        "applications_received",
        r"(?:本年度?|全年|年内)(?:共)?收到(?:各类)?政府信息公开申请",
        ("applications", "1", "total"),
    ),
    _claim("applications_closed", r"(?:政府信息公开申请|申请)?(?:已)?办结", ("applications", "3.7", "total")),
    _claim("applications_carried", r"结转(?:至|到)?下(?:一)?年度(?:继续办理)?", ("applications", "4", "total")),
    _claim("review_cases", r"(?:政府信息公开)?行政复议(?:案件|申请)?", ("review_litigation", "all", "review.total")),
    _claim(
        "litigation_cases",
        r"(?:政府信息公开)?行政诉讼(?:案件)?",
        ("review_litigation", "all", "suit_direct.total"),
        ("review_litigation", "all", "suit_after_review.total"),
    ),
    _claim("normative_issued", r"(?:新)?(?:制发|印发)(?:行政)?规范性文件", ("active", "normative", "issued")),
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text or "") if s.strip()]


def _value(tables: Tables, cell: tuple[str, str, str]) -> float | None:
    table, row, col = cell
    value = tables.get(table, {}).get(row, {}).get(col)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def text_vs_table(text: str, tables: Tables) -> list[Check]:
    """One ``text_vs_table`` check per clear statement whose cells are printed.

    >>> tables = {"applications": {"1": {"total": 12}, "3.7": {"total": 11}}}
    >>> [(c["scope"], c["status"]) for c in text_vs_table("本年度新收政府信息公开申请12件，办结10件。", tables)]
    [('applications_new', 'pass'), ('applications_closed', 'fail')]
    """
    checks: list[Check] = []
    seen: set[str] = set()
    for sentence in sentences(text):
        for claim in CLAIMS:
            match = claim.pattern.search(sentence)
            if not match or claim.scope in seen:
                continue
            values = [_value(tables, cell) for cell in claim.cells]
            if any(v is None for v in values):
                continue  # the cells it speaks of are not printed: nothing to compare
            stated = int(match.group(1))
            actual = sum(v for v in values if v is not None)
            seen.add(claim.scope)
            checks.append(
                {
                    "check_code": "text_vs_table",
                    "scope": claim.scope,
                    "expected": stated,
                    "actual": int(actual) if float(actual).is_integer() else actual,
                    "status": "pass" if abs(stated - actual) < 1e-6 else "fail",
                    "evidence": {
                        "sentence": sentence[:300],
                        "cells": {".".join(cell): v for cell, v in zip(claim.cells, values, strict=True)},
                    },
                }
            )
    return checks
