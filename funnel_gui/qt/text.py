"""How numbers, durations and filters read in the app: one definition of each.

Every formatter takes whatever a table cell may hold (a number, None, NaN, pandas' NA) and
says "–" for a missing value, so the charts, tables, tooltips and the HTML report agree.
Durations here are seconds of analysis results, rounded for reading ("1.5 min"); the exact,
parseable durations of the funnel's settings ("90m") are `core.definition.durations`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import SupportsFloat, SupportsInt

import numpy as np
import pandas as pd

from funnel_gui.core.definition.model import Filter, FilterOp

NOT_APPLICABLE = "–"

# Pick the unit after rounding, so 59.97 s reads "1 min", not "60 s".
_DURATION_UNITS: tuple[tuple[str, float, float], ...] = (
    ("s", 1.0, 60.0),
    ("min", 60.0, 60.0),
    ("h", 3_600.0, 24.0),
    ("d", 86_400.0, math.inf),
)


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: a cell with nothing to say."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


# Checked first: a runtime-checkable protocol's isinstance costs tens of microseconds, and a
# table asks for thousands of cells.
_NUMBERS = (int, float, np.integer, np.floating)


def _number(value: object) -> float:
    """A cell's number (Python's or numpy's); text that is not one raises ValueError."""
    if isinstance(value, (*_NUMBERS, SupportsFloat)):  # checked in this order
        return float(value)
    return float(str(value))


def _whole(value: object) -> int:
    if isinstance(value, (*_NUMBERS, SupportsInt)):
        return int(value)
    return int(str(value))


def format_seconds(value: object) -> str:
    """A duration in seconds for people: "45 s", "3.2 min", "1.5 h", "2.1 d"."""
    if is_missing(value):
        return NOT_APPLICABLE
    seconds = _number(value)
    if not math.isfinite(seconds):
        return NOT_APPLICABLE
    if seconds < 0:
        return f"-{format_seconds(-seconds)}"
    for name, size, limit in _DURATION_UNITS:
        amount = seconds / size
        # Whole seconds are precise enough from 10 s up; a tenth matters below that.
        digits = 0 if name == "s" and amount >= 10 else 1
        shown = round(amount, digits)
        if shown < limit:
            return f"{shown:,.{digits}f}".removesuffix(".0") + f" {name}"
    raise AssertionError("unreachable: the last unit has no limit")


def format_percent(value: object) -> str:
    """A fraction 0..1 as "12.3%"; 0/0 has no rate, so "–" rather than "nan%"."""
    return NOT_APPLICABLE if is_missing(value) else f"{_number(value):.1%}"


def format_points(value: object) -> str:
    """A difference of rates in percentage points: "+7.4 pts"."""
    return NOT_APPLICABLE if is_missing(value) else f"{_number(value) * 100:+.1f} pts"


def format_relative(value: object) -> str:
    """A relative change: "+12%"."""
    return NOT_APPLICABLE if is_missing(value) else f"{_number(value):+.0%}"


def format_count(value: object) -> str:
    return NOT_APPLICABLE if is_missing(value) else f"{_whole(value):,}"


def format_p_value(value: object) -> str:
    if is_missing(value):
        return NOT_APPLICABLE
    p = _number(value)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def format_ratio(value: object) -> str:
    return NOT_APPLICABLE if is_missing(value) else f"{_number(value):.2f}×"


def format_text(value: object) -> str:
    return NOT_APPLICABLE if is_missing(value) else str(value)


def format_time(value: object) -> str:
    """A moment, UTC, to the second: "2026-03-02 00:05:00"."""
    if is_missing(value):
        return NOT_APPLICABLE
    moment = value if isinstance(value, datetime | np.datetime64) else str(value)
    return f"{pd.Timestamp(moment):%Y-%m-%d %H:%M:%S}"


def format_flag(value: object) -> str:
    """A table's tick: "yes" or nothing."""
    return "yes" if value else ""


def format_yes_no(value: object) -> str:
    return NOT_APPLICABLE if value is None else ("yes" if value else "no")


# ------------------------------------------------------------------ filters


@dataclass(frozen=True)
class OperatorText:
    words: str  # in the pickers: "is one of"
    symbol: str  # in one-line summaries on step cards and chips: "in"


FILTER_OPERATORS: dict[FilterOp, OperatorText] = {
    "eq": OperatorText("is", "="),
    "neq": OperatorText("is not", "≠"),
    "in": OperatorText("is one of", "in"),
    "not_in": OperatorText("is not one of", "not in"),
    "contains": OperatorText("contains", "contains"),
    "gt": OperatorText("greater than", ">"),
    "lt": OperatorText("less than", "<"),
    "is_set": OperatorText("is set", "is set"),
    "not_set": OperatorText("is not set", "is not set"),
}


def filter_summary(filters: Sequence[Filter]) -> str:
    """`device = mobile and country in (DE, FR)`: how filters read on a card or a chip."""
    parts = []
    for flt in filters:
        op = FILTER_OPERATORS[flt.op].symbol
        value = flt.value
        if value is None:
            parts.append(f"{flt.property} {op}")
        elif isinstance(value, tuple):
            parts.append(f"{flt.property} {op} ({', '.join(value)})")
        elif isinstance(value, float):
            parts.append(f"{flt.property} {op} {value:g}")
        else:
            parts.append(f"{flt.property} {op} {value}")
    return " and ".join(parts)
