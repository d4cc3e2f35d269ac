"""The Drivers view's words (FUNNEL_SEMANTICS §12): the header, the key, each candidate's
hover text, the A/B test sentence, why a candidate cannot be a micro-conversion, and the
table's columns. Associations only: nothing here says "causes" or "drives"."""

from __future__ import annotations

import math
from html import escape

from funnel_gui.core.analysis.drivers_details import AdjustSuggestion
from funnel_gui.core.analysis.drivers_result import Candidate, Comparison, DriversResult
from funnel_gui.core.analysis.unit_words import counted_text, unit_word
from funnel_gui.qt.models.frame_table import Column
from funnel_gui.qt.text import (
    NOT_APPLICABLE,
    format_count,
    format_flag,
    format_p_value,
    format_percent,
    is_missing,
)
from funnel_gui.qt.text import format_points as _points
from funnel_gui.qt.theme import LEFT_HEX, MACRO_HEX, MICRO_HEX

ADJUSTED_HEX = MICRO_HEX  # the adjusted difference: filled blue dots
RAW_HEX = MACRO_HEX  # the raw one: hollow amber diamonds
TOO_FEW_HEX = LEFT_HEX  # "too few to judge": grey
TOO_FEW_TEXT = "too few to judge"
BASELINE_NO_MICRO = "“Any activity” is the engagement baseline, not an action to track"
REPEAT_NO_MICRO = "A micro-conversion counts an event once; “at least k times” cannot be one"
ALREADY_IN_TRAY = "Already in the funnel's micro-conversions"


def _one_decimal(value: object) -> str:
    return NOT_APPLICABLE if is_missing(value) else f"{float(str(value)):,.1f}"


TABLE_COLUMNS = (
    Column("candidate", "Did in the first period"),
    Column("exposed", "Did (n)", format_count, "Eligible entrants who did it", True),
    Column("unexposed", "Did not (n)", format_count, "Eligible entrants who did not", True),
    Column("rate_exposed", "Rate if did", format_percent, "Macro rate of those who did", True),
    Column("rate_unexposed", "Rate if not", format_percent, "Macro rate of the others", True),
    Column("raw_diff", "Raw diff", _points, "Rate if did − rate if not", True),
    Column("raw_ci_low", "Raw 95% CI from", _points, "Newcombe interval", True),
    Column("raw_ci_high", "to", _points, "Newcombe interval", True),
    Column("raw_q", "Raw q", format_p_value, "Benjamini–Hochberg q-value", True),
    Column("adjusted_diff", "Adjusted diff", _points, "Mantel–Haenszel risk difference", True),
    Column("adjusted_ci_low", "Adj. 95% CI from", _points, "Greenland–Robins interval", True),
    Column("adjusted_ci_high", "to", _points, "Greenland–Robins interval", True),
    Column("adjusted_q", "Adj. q", format_p_value, "Benjamini–Hochberg q-value", True),
    Column(
        "conversions_at_stake",
        "At stake",
        _one_decimal,
        "Conversions at stake: lower bound of the difference × those who did not",
        True,
    ),
    Column("too_few", "Too few", format_flag, "Fewer than 5 conversions in a group", True),
    Column("ab_per_arm", "A/B per arm", format_count, "People per arm to confirm it", True),
    Column("ab_days", "A/B days", _one_decimal, "Days of eligible traffic (both arms)", True),
)


def header_text(result: DriversResult) -> str:
    """ "2,357 eligible (left out: 489 still open, 237 converted before the landmark)"."""
    return (
        f"{result.eligible:,} eligible (left out: {result.left_out_still_open:,} still open,"
        f" {result.left_out_converted_before_landmark:,} converted before the landmark)"
    )


def suggestions_text(suggestions: tuple[AdjustSuggestion, ...]) -> str:
    if not suggestions:
        return ""
    parts = [f"{s.property} ({s.explanation})" for s in suggestions]
    return "Suggested to adjust for: " + "; ".join(parts)


def legend_html(result: DriversResult) -> str:
    """The chart's key: markers, the zero line, the baseline's dashed line."""
    adjusted = any(c.adjusted is not None for c in result.candidates)
    parts = []
    if adjusted:
        parts.append(f"<span style='color:{ADJUSTED_HEX}'>●</span> adjusted")
    parts.append(f"<span style='color:{RAW_HEX}'>◇</span> raw")
    base = result.baseline.shown_difference.diff
    if not math.isnan(base):
        parts.append(f"┆ any activity {escape(_points(base))}")
    parts.append(f"<span style='color:{TOO_FEW_HEX}'>■</span> {TOO_FEW_TEXT}")
    return " · ".join(parts)


def _comparison_text(name: str, c: Comparison) -> str:
    if math.isnan(c.diff):
        return f"{name}: no difference to show"
    text = f"{name} {_points(c.diff)} (95% CI {_points(c.ci[0])} to {_points(c.ci[1])})"
    if not math.isnan(c.q):
        text += f", q = {format_p_value(c.q)}"
    return text


def candidate_hover_text(c: Candidate) -> str:
    lines = [
        c.label,
        f"did it: {c.exposed_converted:,} of {c.exposed:,} converted"
        f" ({format_percent(c.rate_exposed)})",
        f"did not: {c.unexposed_converted:,} of {c.unexposed:,} converted"
        f" ({format_percent(c.rate_unexposed)})",
        _comparison_text("raw difference", c.raw),
    ]
    if c.adjusted is not None:
        lines.append(_comparison_text("adjusted", c.adjusted))
    lines.append(f"conversions at stake: {c.at_stake:,.1f}")
    if c.too_few:
        lines.append(f"{TOO_FEW_TEXT}: fewer than 5 conversions in a group")
    return "\n".join(lines)


def ab_test_text(c: Candidate, counted: str = "people") -> str:
    """ "An A/B test needs about 1,234 people per arm, about 5.1 days of your eligible
    traffic, to confirm this." """
    ab = c.ab_test
    if ab is None:
        return "No A/B test size: this difference is not above zero."
    days = f", about {ab.days:,.1f} days of your eligible traffic," if ab.days else ""
    who = unit_word(counted, ab.per_arm)
    return f"An A/B test needs about {ab.per_arm:,} {who} per arm{days} to confirm this."


def nudge_text(count: int, counted: str = "people") -> str:
    return (
        f"{counted_text(count, counted)} did it, have not converted and their window is still open"
    )
