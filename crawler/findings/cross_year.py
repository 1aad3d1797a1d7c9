"""Numbers that must carry over from a body's previous report.

``cross_year_carryover``: this year's 二、上年结转 = last year's 四、结转下年度,
per applicant column.  ``cross_year_in_force`` (2021 template, both years):
现行有效件数 = last year's 现行有效件数 + 本年制发件数 − 本年废止件数, for 规章
and 行政规范性文件.  Either is ``not_checkable`` when there is no previous
report, an operand is blank, or the format changed between the years (the
2019 template has no 现行有效件数).  The evidence names the previous report,
the cells compared and both URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.parsing.labels import APPLICATION_COLUMNS

Tables = dict[str, dict[str, dict[str, Any]]]
Check = dict[str, Any]


@dataclass(frozen=True)
class YearReport:
    """What the cross-year checks read of one report."""

    report_id: str
    report_year: int
    format: str | None
    url: str
    tables: Tables


def _num(tables: Tables, table: str, row: str, col: str) -> float | None:
    value = tables.get(table, {}).get(row, {}).get(col)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)


def _check(
    code: str, scope: str, status: str, expected: float | None, actual: float | None, evidence: dict[str, Any]
) -> Check:
    return {
        "check_code": code,
        "scope": scope,
        "expected": None if expected is None else _tidy(expected),
        "actual": None if actual is None else _tidy(actual),
        "status": status,
        "evidence": evidence,
    }


def cross_year_checks(current: YearReport, previous: YearReport | None) -> list[Check]:
    """Both cross-year checks of ``current`` against its body's report of the year before.

    >>> now = YearReport("b", 2023, "2021", "http://x/2023", {"applications": {"2": {"total": 4}}})
    >>> last = YearReport("a", 2022, "2021", "http://x/2022", {"applications": {"4": {"total": 3}}})
    >>> [(c["scope"], c["status"]) for c in cross_year_checks(now, last) if c["scope"] == "total"]
    [('total', 'fail')]
    """
    checks: list[Check] = []
    base: dict[str, Any] = {"url": current.url}
    if previous is None or previous.report_year != current.report_year - 1:
        reason = (
            "no report of the previous year" if previous is None else f"previous report is of {previous.report_year}"
        )
        for col in APPLICATION_COLUMNS:
            checks.append(_check("cross_year_carryover", col, "not_checkable", None, None, {**base, "reason": reason}))
        for row in ("rules", "normative"):
            checks.append(_check("cross_year_in_force", row, "not_checkable", None, None, {**base, "reason": reason}))
        return checks
    evidence = {**base, "previous_report_id": previous.report_id, "previous_url": previous.url}
    for col in APPLICATION_COLUMNS:
        carried_in = _num(current.tables, "applications", "2", col)
        carried_out = _num(previous.tables, "applications", "4", col)
        cells = {
            f"{current.report_year}:applications.2.{col}": carried_in,
            f"{previous.report_year}:applications.4.{col}": carried_out,
        }
        if carried_in is None or carried_out is None:
            checks.append(
                _check("cross_year_carryover", col, "not_checkable", None, None, {**evidence, "cells": cells})
            )
            continue
        status = "pass" if abs(carried_in - carried_out) < 1e-6 else "fail"
        checks.append(
            _check("cross_year_carryover", col, status, carried_out, carried_in, {**evidence, "cells": cells})
        )
    same_template = current.format == previous.format == "2021"
    for row in ("rules", "normative"):
        now_in_force = _num(current.tables, "active", row, "in_force")
        operands = {
            f"{previous.report_year}:active.{row}.in_force": _num(previous.tables, "active", row, "in_force"),
            f"{current.report_year}:active.{row}.issued": _num(current.tables, "active", row, "issued"),
            f"{current.report_year}:active.{row}.repealed": _num(current.tables, "active", row, "repealed"),
        }
        cells = {f"{current.report_year}:active.{row}.in_force": now_in_force, **operands}
        if not same_template:
            why = f"format {previous.format} → {current.format}: 现行有效件数 is in the 2021 template only"
            checks.append(
                _check(
                    "cross_year_in_force", row, "not_checkable", None, None, {**evidence, "cells": cells, "reason": why}
                )
            )
            continue
        if now_in_force is None or any(v is None for v in operands.values()):
            checks.append(_check("cross_year_in_force", row, "not_checkable", None, None, {**evidence, "cells": cells}))
            continue
        prev_in_force, issued, repealed = (v or 0.0 for v in operands.values())
        expected = prev_in_force + issued - repealed
        status = "pass" if abs(expected - now_in_force) < 1e-6 else "fail"
        checks.append(_check("cross_year_in_force", row, status, expected, now_in_force, {**evidence, "cells": cells}))
    return checks
