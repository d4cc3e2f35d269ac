"""The trend chart's words: a period's name, what hovering it says, and the table's columns."""

from __future__ import annotations

import pandas as pd

from funnel_gui.core.analysis.trends import Period, TrendPoint, period_end, trend_step_label
from funnel_gui.core.analysis.unit_words import unit_title, unit_word
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.models.frame_table import Column
from funnel_gui.qt.text import format_count, format_percent


def day_month(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%b}"  # "7 Sep" (strftime's %-d is not portable)


def period_label(start: pd.Timestamp, period: Period) -> str:
    """ "Mon 7 Sep 2026", "Week of 7 Sep 2026 (Mon–Sun, to 13 Sep)", "September 2026"."""
    if period == "day":
        return f"{start:%a} {day_month(start)} {start.year}"
    if period == "week":
        last = period_end(start, "week") - pd.Timedelta(days=1)
        return f"Week of {day_month(start)} {start.year} (Mon–Sun, to {day_month(last)})"
    return f"{start:%B %Y}"


def period_hover_text(point: TrendPoint, label: str, step_labels: dict[int, str]) -> str:
    """Everything about one period: who entered, how many got how far, the rates."""
    lines = [label, f"Entered: {point.counts[0]:,}"]
    for k, step_label in step_labels.items():
        rate = point.rate(k)
        lines.append(f"{step_label}: {point.counts[k - 1]:,} · {format_percent(rate)} from step 1")
    if point.incomplete:
        lines.append("Incomplete: the window is still open, these rates may still rise")
    return "\n".join(lines)


def table_columns(result: FunnelResult) -> list[Column]:
    """A row per period: its name, who entered, how many reached each step, the conversion
    to the macro step, and whether the period's window is still open."""
    macro = macro_step(result.definition)
    who = unit_word(result)
    columns = [
        Column("label", "Period", tooltip=f"The UTC day, ISO week or month {who} entered"),
        Column(
            "entered", "Entered", format_count, f"{unit_title(result)} who entered (step 1)", True
        ),
    ]
    for k in range(2, result.definition.n_steps + 1):
        key = f"{k}. {trend_step_label(result, k)}"
        columns.append(
            Column(key, key, format_count, f"{unit_title(result)} who reached step {k}", True)
        )
    columns += [
        Column(
            "conversion",
            f"Conversion to {trend_step_label(result, macro)}",
            format_percent,
            f"Share of those who entered who reached step {macro} (the macro step)",
            True,
        ),
        Column("open", "Incomplete", tooltip="The conversion window has not ended yet"),
    ]
    return columns
