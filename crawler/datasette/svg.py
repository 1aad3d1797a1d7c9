"""Small inline SVG charts for the reading room.

Our own renderer, not a charting plugin: the charts are a few bars and
points, must work offline (no JavaScript bundle fetched from a CDN), and
print in a screenshot exactly as the numbers in the page beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#718096", "#d69e2e", "#319795")


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str = ""
    marks: Sequence[str] = field(default_factory=tuple)  # per point: "" / "late" / "missing"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 260,
    percent: bool = False,
) -> str:
    """Grouped bars, one group per label; a missing value leaves a gap marked 缺.

    Every bar carries its number in a <title> and in data-value, so tests and
    screen readers read the same figure the bar shows.
    """
    left, right, top, bottom = 48, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for s in series for v in s.values if v is not None]
    peak = max(numbers, default=0.0) or 1.0
    if percent:
        peak = max(peak, 1.0)
    groups = max(len(labels), 1)
    slot = plot_w / groups
    bar_w = max(2.0, (slot * 0.8) / max(len(series), 1))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for frac in (0.5, 1.0):
        y = top + plot_h * (1 - frac)
        tick = _fmt(peak * frac * (100 if percent else 1)) + ("%" if percent else "")
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(tick)}</text>')
    for gi, label in enumerate(labels):
        x0 = left + gi * slot + slot * 0.1
        out.append(
            f'<text x="{left + gi * slot + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle"'
            f' class="tick">{escape(str(label))}</text>'
        )
        for si, s in enumerate(series):
            color = s.color or PALETTE[si % len(PALETTE)]
            value = s.values[gi] if gi < len(s.values) else None
            mark = s.marks[gi] if gi < len(s.marks) else ""
            x = x0 + si * bar_w
            if value is None:
                out.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle" class="gap"'
                    f' data-series="{escape(s.name)}" data-label="{escape(str(label))}" data-mark="{escape(mark or "gap")}">{"缺" if mark == "missing" else "–"}</text>'
                )
                continue
            h = plot_h * (value / peak) if peak else 0.0
            shown = _fmt(value * 100) + "%" if percent else _fmt(value)
            stroke = ' stroke="#e53e3e" stroke-width="2"' if mark == "late" else ""
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}"'
                f' fill="{color}"{stroke} data-series="{escape(s.name)}" data-label="{escape(str(label))}"'
                f' data-value="{escape(_fmt(value))}" data-mark="{escape(mark)}">'
                f"<title>{escape(s.name)} {escape(str(label))}: {escape(shown)}{' (逾期 late)' if mark == 'late' else ''}</title></rect>"
            )
            if len(series) * groups <= 40:
                out.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle"'
                    f' class="value">{escape(shown)}</text>'
                )
    legend_x = left
    for si, s in enumerate(series):
        color = s.color or PALETTE[si % len(PALETTE)]
        out.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{legend_x + 14}" y="{height - 5}" class="tick">{escape(s.name)}</text>')
        legend_x += 24 + 12 * len(s.name)
    out.append("</svg>")
    return "".join(out)
