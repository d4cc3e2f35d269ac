"""The micro-vs-macro chart's words: its title and key, each comparison's line and hover
text, the note on micro steps on the funnel's path, and the table's columns."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from funnel_gui.core.analysis.impact import ON_PATH_NOTE, MicroRow
from funnel_gui.qt.charts.fitting import shortened
from funnel_gui.qt.charts.parts import reference_key
from funnel_gui.qt.models.frame_table import Column
from funnel_gui.qt.text import (
    format_count,
    format_p_value,
    format_percent,
    format_points,
    format_ratio,
    format_relative,
    format_seconds,
)
from funnel_gui.qt.theme import LEFT_HEX, MICRO_HEX, SIGNIFICANT_HEX, WARNING_HEX

ON_PATH_TEXT = "on the funnel's path: everyone who converts did it, so no comparison"
TOO_FEW_TEXT = "too few to judge"
DID_HEX = MICRO_HEX  # did the micro conversion
DID_NOT_HEX = LEFT_HEX  # did not: the grey of "nothing happened"


def _interval(low: float, high: float) -> str:
    return f"{format_percent(low)}–{format_percent(high)}"


TABLE_COLUMNS = (
    Column("conversion", "Conversion"),
    Column("type", "Type"),
    Column("reached", "Reached", format_count, "Units who reached this step or did this", True),
    Column("rate_from_start", "From step 1", format_percent, "Reached / entered the funnel", True),
    Column(
        "time_to_reach_median_s",
        "Median time from step 1",
        format_seconds,
        "Median time from the step-1 event (for extra micro-conversions: to the first one)",
        True,
    ),
    Column("rate_did", "Macro rate if did", format_percent, "Conversion of those who did it", True),
    Column(
        "rate_did_not", "Macro rate if not", format_percent, "Conversion of those who did not", True
    ),
    Column("lift", "Lift", format_points, "Macro rate if did − if not", True),
    Column("lift_low", "Lift 95% CI from", format_points, "Newcombe interval", True),
    Column("lift_high", "to", format_points, "Newcombe interval", True),
    Column("p_value", "p", format_p_value, "Two-proportion z-test", True),
    Column("odds_ratio", "Odds ratio", format_ratio, "With +1 in every cell", True),
    Column("n_did", "Did (n)", format_count, "Group A: did it", True),
    Column("n_did_not", "Did not (n)", format_count, "Group B: everyone else who entered", True),
    Column("note", "Note"),
)


def row_hover_text(row: MicroRow) -> str:
    """Every number of a comparison, in words."""
    m, c = row.impact, row.impact.comparison
    lines = [
        row.label,
        f"did it: {format_count(m.macro_a)} of {format_count(m.n_a)} converted"
        f" ({format_percent(c.rate_a)}, 95% CI {_interval(*c.ci_a)})",
        f"did not: {format_count(m.macro_b)} of {format_count(m.n_b)} converted"
        f" ({format_percent(c.rate_b)}, 95% CI {_interval(*c.ci_b)})",
        f"lift {format_points(c.difference)} (95% CI {format_points(c.difference_ci[0])}"
        f" to {format_points(c.difference_ci[1])}),"
        f" relative {format_relative(c.relative_lift)}",
        f"{_p_text(c.p_value)} · odds ratio {format_ratio(c.odds_ratio)}",
    ]
    if m.time_to_micro is not None:
        lines.append(f"median time from step 1 to it: {format_seconds(m.time_to_micro.median)}")
    if c.too_few:
        lines.append(f"{TOO_FEW_TEXT}: each group needs at least 30")
    return "\n".join(lines)


def on_path_note(rows: list[MicroRow]) -> str:
    """ "Product view and Add to cart are on the funnel's path: everyone who converts did
    them, so there is nothing to compare"."""
    if not rows:
        return ""
    names = [r.label for r in rows]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    verb, them = ("is", "it") if len(names) == 1 else ("are", "them")
    return (
        f"{listed} {verb} on the funnel's path: everyone who converts did {them},"
        " so there is nothing to compare"
    )


def title_html(macro_label: str, overall: float) -> str:
    """What the chart shows, and its key: the dots' colours and the dashed line."""
    key = (
        f"<span style='color:{DID_HEX}'>●</span> did it ·"
        f" <span style='color:{DID_NOT_HEX}'>●</span> did not"
    )
    if not math.isnan(overall):
        key += f" · {reference_key('everyone', overall)}"
    return f"Conversion to {escape(shortened(macro_label))}: {key}"


def header_html(row: MicroRow) -> str:
    """The comparison's line of words: name, lift, p-value (the rest is in the hover)."""
    label = f"<b>{escape(row.label)}</b>"
    if row.step_number is not None:
        label += f" (step {row.step_number})"
    c = row.impact.comparison
    if math.isnan(c.difference):
        return f"{label} · nothing to compare: one group is empty"
    text = escape(
        f"lift {format_points(c.difference)} ({format_relative(c.relative_lift)})"
        f" · {_p_text(c.p_value)}"
    )
    if c.too_few:
        text += f" · <span style='color:{WARNING_HEX}'><b>⚠ {TOO_FEW_TEXT}</b></span>"
    elif c.p_value < 0.05:
        text = f"<span style='color:{SIGNIFICANT_HEX}'>{text}</span>"
    return f"{label} · {text}"


def _p_text(p: float) -> str:
    shown = format_p_value(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def rates_html(did: float, did_not: float) -> str:
    """The two macro rates, next to their dots: "30.0% vs 15.0%"."""
    parts = []
    if not math.isnan(did):
        parts.append(f"<b style='color:{DID_HEX}'>{format_percent(did)}</b>")
    if not math.isnan(did_not):
        parts.append(f"<b>{format_percent(did_not)}</b>")
    return " vs ".join(parts)


def table_tooltip(row: Any) -> str:
    if row.note == ON_PATH_NOTE:
        return f"{row.conversion}: {ON_PATH_TEXT}."
    if row.note == TOO_FEW_TEXT:
        return f"{row.conversion}: {TOO_FEW_TEXT} (fewer than 30 in a group)."
    return ""
