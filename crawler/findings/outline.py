"""Are the statutory parts present, in order, and numbered consistently?

The 2019 and 2021 templates have six parts; legacy reports seven (with
收费及减免).  Three ``outline`` checks per report, each with the headings as
printed in its evidence: ``parts_present`` (every statutory part has a
heading), ``parts_order`` (they come in the template's order) and
``numbering`` (top-level numbers run 一、二、三… without gaps or repeats).
A report whose parts could not be found at all is ``not_checkable``.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.parsing.sections import numbering_value

PARTS = {
    "2021": ("overview", "active", "applications", "review_litigation", "problems", "other"),
    "2019": ("overview", "active", "applications", "review_litigation", "problems", "other"),
    "legacy": ("overview", "active", "applications", "fees", "review_litigation", "problems", "other"),
}
# A top-level number: 一、 / 第一部分 / 1. / 1、 at the start of the heading (not （一）, a sub-part).
TOP_NUMBER = re.compile(
    r"^\s*(?:第\s*([一二三四五六七八九十]+)\s*(?:部分|章|节)|([一二三四五六七八九十]+)\s*[、.．]|(\d{1,2})\s*[、.．](?!\d))"
)

Check = dict[str, Any]


def heading_number(heading: str) -> int | None:
    """The top-level number a heading prints, if any.

    >>> heading_number("三、收到和处理政府信息公开申请情况"), heading_number("（三）其他"), heading_number("第二部分 主动公开")
    (3, None, 2)
    """
    match = TOP_NUMBER.match(heading or "")
    if not match:
        return None
    return numbering_value(match.group(0))


def _check(scope: str, status: str, expected: object, actual: object, headings: list[str]) -> Check:
    return {
        "check_code": "outline",
        "scope": scope,
        "expected": expected,
        "actual": actual,
        "status": status,
        "evidence": {"headings": headings},
    }


def outline_checks(sections: list[dict[str, Any]], fmt: str | None) -> list[Check]:
    """The three outline checks of one report's sections.

    >>> secs = [{"code": c, "heading": h} for c, h in [("overview", "一、总体情况"), ("active", "二、主动公开"),
    ...         ("applications", "三、收到和处理申请"), ("review_litigation", "五、复议诉讼"),
    ...         ("problems", "五、存在的主要问题"), ("other", "六、其他需要报告的事项")]]
    >>> [(c["scope"], c["status"]) for c in outline_checks(secs, "2021")]
    [('parts_present', 'pass'), ('parts_order', 'pass'), ('numbering', 'fail')]
    """
    parts = PARTS.get(fmt or "", PARTS["2021"])
    printed = [s for s in sections if s.get("heading")]
    headings = [str(s["heading"]) for s in printed]
    if not printed:
        return [
            _check(scope, "not_checkable", None, None, []) for scope in ("parts_present", "parts_order", "numbering")
        ]
    codes = [str(s.get("code")) for s in printed]
    missing = [p for p in parts if p not in codes]
    present = _check(
        "parts_present",
        "fail" if missing else "pass",
        ",".join(parts),
        ",".join(p for p in parts if p in codes),
        headings,
    )
    statutory = [c for c in codes if c in parts]
    firsts = list(dict.fromkeys(statutory))  # a repeated heading counts where it first appears
    in_order = firsts == sorted(firsts, key=parts.index)
    order = _check(
        "parts_order",
        "pass" if in_order else "fail",
        ",".join(sorted(firsts, key=parts.index)),
        ",".join(firsts),
        headings,
    )
    numbers = [heading_number(h) for h in headings]
    if any(n is None for n in numbers):
        numbering = _check("numbering", "not_checkable", None, None, headings)  # unnumbered or mixed styles
    else:
        want = list(range(1, len(numbers) + 1))
        numbering = _check("numbering", "pass" if numbers == want else "fail", want, numbers, headings)
    return [present, order, numbering]
