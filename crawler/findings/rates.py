"""Outcome rates that make bodies comparable, each with its denominator and cells.

实质公开率 = (予以公开 + 部分公开) / 本年度办理结果总计; 不予公开率 and
无法提供率 over the same total; 行政复议纠错率 = 结果纠正 / (维持 + 纠正 + 其他)
(cases still pending have no result yet), and the same for 行政诉讼 over
both suit groups.  A rate whose denominator is 0 or blank is not stored
(there is nothing to divide); one under :data:`SMALL_N` carries ``small_n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Tables = dict[str, dict[str, dict[str, Any]]]
SMALL_N = 30


@dataclass(frozen=True)
class Measure:
    """One number about a report, with what it was computed from."""

    code: str
    value: float | None
    denominator: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def _cell(tables: Tables, table: str, row: str, col: str) -> float | None:
    value = tables.get(table, {}).get(row, {}).get(col)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _rate(code: str, parts: dict[str, float | None], whole: dict[str, float | None]) -> Measure | None:
    """sum(parts) / sum(whole) when every operand is printed and the whole is positive."""
    if any(v is None for v in (*parts.values(), *whole.values())):
        return None
    denominator = sum(v for v in whole.values() if v is not None)
    if denominator <= 0:
        return None
    numerator = sum(v for v in parts.values() if v is not None)
    cells = {"numerator": parts, "denominator": whole, "small_n": denominator < SMALL_N}
    return Measure(code, round(numerator / denominator, 6), denominator, cells)


def outcome_rates(tables: Tables) -> list[Measure]:
    """The five rates a report's tables allow (none when a table or operand is missing).

    >>> apps = {"3.1": {"total": 6}, "3.2": {"total": 2}, "3.7": {"total": 10},
    ...         "3.3.1": {"total": 1}, "3.4.1": {"total": 1}}
    >>> [(m.code, m.value) for m in outcome_rates({"applications": apps})][:1]
    [('disclosure_rate', 0.8)]
    """
    out: list[Measure] = []
    apps = tables.get("applications") or {}
    total = {"applications.3.7.total": _cell(tables, "applications", "3.7", "total")}

    def rows(prefix: str) -> dict[str, float | None]:
        return {
            f"applications.{r}.total": _cell(tables, "applications", r, "total") for r in apps if r.startswith(prefix)
        }

    if apps:
        disclosed = {
            "applications.3.1.total": _cell(tables, "applications", "3.1", "total"),
            "applications.3.2.total": _cell(tables, "applications", "3.2", "total"),
        }
        for code, parts in (
            ("disclosure_rate", disclosed),
            ("refusal_rate", rows("3.3.")),
            ("unavailable_rate", rows("3.4.")),
        ):
            if parts:
                measure = _rate(code, parts, total)
                if measure is not None:
                    out.append(measure)
    review = (tables.get("review_litigation") or {}).get("all")
    if review:

        def col(name: str) -> dict[str, float | None]:
            return {f"review_litigation.all.{name}": _cell(tables, "review_litigation", "all", name)}

        decided = ("upheld", "corrected", "other")
        review_rate = _rate(
            "review_correction_rate",
            col("review.corrected"),
            {k: v for d in decided for k, v in col(f"review.{d}").items()},
        )
        suits = ("suit_direct", "suit_after_review")
        suit_rate = _rate(
            "litigation_correction_rate",
            {k: v for s in suits for k, v in col(f"{s}.corrected").items()},
            {k: v for s in suits for d in decided for k, v in col(f"{s}.{d}").items()},
        )
        out += [m for m in (review_rate, suit_rate) if m is not None]
    return out
