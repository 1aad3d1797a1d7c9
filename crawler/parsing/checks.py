"""The four consistency checks (勾稽关系) of spec/report-tables.md.

Each check compares a printed total (``expected``) with the sum of its
parts (``actual``).  A blank operand counts as 0 only when its whole row is
blank or zero; otherwise the check is ``not_checkable``.  And a check fails
only when every operand is printed: sums that disagree because a blank row
was read as 0 are ``not_checkable`` (real tables left unfilled or cut off
past some row read as all-zero rows, and their totals would then "fail").
"""

from __future__ import annotations

from crawler.parsing.labels import APPLICANT_COLUMNS, APPLICATION_COLUMNS, REVIEW_GROUPS

Tables = dict[str, dict[str, dict[str, object]]]
Check = dict[str, object]

_LEAVES_2019 = (
    "3.1",
    "3.2",
    *(f"3.3.{i}" for i in range(1, 9)),
    *(f"3.4.{i}" for i in range(1, 4)),
    *(f"3.5.{i}" for i in range(1, 6)),
)


class _NotCheckable(Exception):
    """An operand is missing or blank in a row that has numbers."""


def _numbers(rows: dict[str, dict[str, object]], operands: list[tuple[str, str]]) -> tuple[list[float], bool]:
    """The operands' values and whether all were printed: a blank cell of an all-blank-or-zero row is 0, not printed.

    One loop over a check's operands, not a call per operand: a report's
    checks read some 250 of them.
    """
    values: list[float] = []
    printed = True
    for row, col in operands:
        cells = rows.get(row)
        if cells is None:
            raise _NotCheckable
        value = cells.get(col)
        if isinstance(value, (int, float)):
            values.append(value)
        elif all(v in (None, 0) for v in cells.values()):
            values.append(0)
            printed = False
        else:
            raise _NotCheckable
    return values, printed


def _check(
    code: str,
    scope: str,
    rows: dict[str, dict[str, object]],
    expected: list[tuple[str, str]],
    actual: list[tuple[str, str]],
) -> Check:
    not_checkable: Check = {
        "check_code": code,
        "scope": scope,
        "expected": None,
        "actual": None,
        "status": "not_checkable",
    }
    try:
        exp_values, exp_printed = _numbers(rows, expected)
        act_values, act_printed = _numbers(rows, actual)
    except _NotCheckable:
        return not_checkable
    exp = _tidy(sum(exp_values))
    act = _tidy(sum(act_values))
    agree = abs(exp - act) < 1e-6
    if not agree and not (exp_printed and act_printed):
        return not_checkable
    return {"check_code": code, "scope": scope, "expected": exp, "actual": act, "status": "pass" if agree else "fail"}


def _tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)


def run_checks(tables: Tables) -> list[Check]:
    """All applicable checks; tables the report lacks yield no checks.

    >>> apps = {r: {c: 0 for c in APPLICATION_COLUMNS} for r in ("1", "2", "3.7", "4")}
    >>> apps["1"]["total"] = 1
    >>> [c["status"] for c in run_checks({"applications": apps})
    ...  if c["check_code"] == "applications_balance" and c["scope"] == "total"]
    ['fail']
    """
    checks: list[Check] = []
    apps = tables.get("applications")
    if apps:
        other_leaves = tuple(r for r in apps if r.startswith("3.6.")) or ("3.6",)
        leaves = _LEAVES_2019 + other_leaves
        for col in APPLICATION_COLUMNS:
            checks.append(
                _check("applications_balance", col, apps, [("1", col), ("2", col)], [("3.7", col), ("4", col)])
            )
        for col in APPLICATION_COLUMNS:
            checks.append(_check("applications_outcomes", col, apps, [("3.7", col)], [(r, col) for r in leaves]))
        for row in apps:
            checks.append(
                _check("applications_applicants", row, apps, [(row, "total")], [(row, c) for c in APPLICANT_COLUMNS])
            )
    review = tables.get("review_litigation", {}).get("all")
    if review:
        rows = {
            group: {k.split(".", 1)[1]: v for k, v in review.items() if k.startswith(group + ".")}
            for group in REVIEW_GROUPS
        }
        for group in REVIEW_GROUPS:
            checks.append(
                _check(
                    "review_litigation_totals",
                    group,
                    rows,
                    [(group, "total")],
                    [(group, leaf) for leaf in ("upheld", "corrected", "other", "pending")],
                )
            )
    return checks
