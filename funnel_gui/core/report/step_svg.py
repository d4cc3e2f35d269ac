"""A plain bar chart of the step counts as inline SVG, for a report made without the app's
charts (the command line): the bars, each count and its conversion from step 1."""

from __future__ import annotations

from html import escape

from funnel_gui.core.analysis.chart_data import step_tick_label
from funnel_gui.core.engine.results import FunnelResult

_WIDTH, _BAR_AREA, _LABEL_ROOM = 1100, 260, 64
MICRO, MACRO = "#1d4ed8", "#b45309"  # the app's micro and macro colours (qt/theme.py)


def step_bars_svg(result: FunnelResult) -> str:
    steps = result.steps
    if not steps:
        return "<p class='note'>The funnel has no steps.</p>"
    top = max(s.count for s in steps) or 1
    slot = _WIDTH / len(steps)
    bar = slot * 0.6
    height = _BAR_AREA + _LABEL_ROOM + 30
    parts = [
        f"<svg class='steps' xmlns='http://www.w3.org/2000/svg' width='{_WIDTH}' "
        f"height='{height}' viewBox='0 0 {_WIDTH} {height}' role='img' "
        f"aria-label='{escape(counted_title(result))}'>"
    ]
    for i, s in enumerate(steps):
        h = _BAR_AREA * s.count / top
        x = i * slot + (slot - bar) / 2
        y = 30 + _BAR_AREA - h
        colour = MACRO if s.kind == "macro" else MICRO
        rate = "" if s.from_start is None else f" · {s.from_start:.1%}"
        parts.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{bar:.1f}' height='{h:.1f}' "
            f"fill='{colour}'/>"
            f"<text x='{x + bar / 2:.1f}' y='{y - 6:.1f}' text-anchor='middle' "
            f"font-size='13'>{s.count:,}{rate}</text>"
            f"<text x='{x + bar / 2:.1f}' y='{30 + _BAR_AREA + 20}' text-anchor='middle' "
            f"font-size='13'>{escape(step_tick_label(result, s))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def counted_title(result: FunnelResult) -> str:
    return f"{result.counted} at each step"
