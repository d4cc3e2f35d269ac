"""A funnel definition in plain words (FUNNEL_SEMANTICS §2, §11–§20), for the HTML report:
someone who has only the report must be able to rebuild the funnel from these lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from funnel_gui.core.definition.durations import format_duration
from funnel_gui.core.definition.model import (
    DEFAULT_LANDMARK_NS,
    Breakdown,
    DateRange,
    DriversSettings,
    Exclusion,
    Filter,
    FunnelDefinition,
    Step,
    macro_step,
)
from funnel_gui.core.definition.writer import format_instant

_OPS = {
    "eq": "is",
    "neq": "is not",
    "in": "is one of",
    "not_in": "is not one of",
    "contains": "contains",
    "gt": "is greater than",
    "lt": "is less than",
    "is_set": "is set",
    "not_set": "is not set",
}

_ORDERS = {
    "sequential": "sequential: each step after the previous one, other events may come between",
    "strict": "strict: each step must be the very next event of the unit",
    "any": "any order: a unit's level is how many different steps it did (1 step, 2 steps, …)",
}


@dataclass(frozen=True)
class Fact:
    """One line of the definition: what (`term`) and how it is set (`words`)."""

    term: str
    words: str


def filter_words(filters: Sequence[Filter]) -> str:
    """`device is mobile and country is one of DE, FR`."""
    parts = []
    for flt in filters:
        value = flt.value
        if value is None:
            parts.append(f"{flt.property} {_OPS[flt.op]}")
        elif isinstance(value, tuple):
            parts.append(f"{flt.property} {_OPS[flt.op]} {', '.join(value)}")
        elif isinstance(value, float):
            parts.append(f"{flt.property} {_OPS[flt.op]} {value:g}")
        else:
            parts.append(f'{flt.property} {_OPS[flt.op]} "{value}"')
    return " and ".join(parts)


def step_words(number: int, step: Step, *, macro: bool) -> str:
    """ "2. Cart: add_to_cart where device is "mobile"; within 1h of step 1 (micro)"."""
    text = f"{number}. {step.display_label}: {' or '.join(step.events)}"
    if step.where:
        text += f" where {filter_words(step.where)}"
    gaps = []
    if step.min_gap_ns is not None:
        gaps.append(f"at least {format_duration(step.min_gap_ns)}")
    if step.max_gap_ns is not None:
        gaps.append(f"at most {format_duration(step.max_gap_ns)}")
    if gaps:
        text += f"; {' and '.join(gaps)} after step {number - 1}"
    if getattr(step, "optional", False):
        text += "; optional"
    return text + (" (macro)" if macro else " (micro)")


def exclusion_words(exclusion: Exclusion) -> str:
    a, b = exclusion.between
    where = f" where {filter_words(exclusion.where)}" if exclusion.where else ""
    return f"{' or '.join(exclusion.events)}{where} between step {a} and step {b}"


def breakdown_words(breakdown: Breakdown) -> str:
    names = ", ".join(breakdown.names())
    attribution = breakdown.attribution
    step = breakdown.step_number()
    where = (
        "the first step's event"
        if attribution == "first_step"
        else "the last step reached"
        if attribution == "last_step"
        else f"step {step}'s event"
    )
    return f"by {names}, the value on {where}"


def date_words(date_range: DateRange) -> str:
    start = format_instant(date_range.start_ns) if date_range.start_ns is not None else None
    end = format_instant(date_range.end_ns) if date_range.end_ns is not None else None
    if start and end:
        text = f"entered from {start} (inclusive) to {end} (exclusive)"
    elif start:
        text = f"entered from {start} on"
    elif end:
        text = f"entered before {end}"
    else:
        return "all dates"
    return text + ", UTC; later steps may fall after the range"


def drivers_words(settings: DriversSettings) -> str:
    text = (
        f"observation period from {format_duration(settings.lookback_ns)} before entry to "
        f"{format_duration(settings.landmark_ns)} after it"
    )
    if settings.adjust_for:
        text += f"; adjusted for {', '.join(settings.adjust_for)}"
    return text


def definition_facts(defn: FunnelDefinition) -> list[Fact]:
    """Every setting of `defn`, the defaults included, in the order a person reads them."""
    macro = macro_step(defn)
    unit = "sessions" if defn.unit == "session" else "people (actors)"
    count = "attempts (totals)" if defn.count == "totals" else f"unique {unit}"
    facts = [
        Fact("Name", defn.name or "Untitled funnel"),
        Fact("Order", _ORDERS.get(defn.order, defn.order)),
        Fact("Window", f"{format_duration(defn.window_ns)} from the step-1 event"),
        Fact("Unit", unit),
        Fact("Counting", count),
    ]
    facts += [Fact("Step", step_words(i, s, macro=i == macro)) for i, s in enumerate(defn.steps, 1)]
    facts += [Fact("Exclusion", exclusion_words(e)) for e in defn.exclusions]
    if not defn.exclusions:
        facts.append(Fact("Exclusions", "none"))
    facts.append(Fact("Breakdown", breakdown_words(defn.breakdown) if defn.breakdown else "none"))
    facts.append(Fact("Dates", date_words(defn.date_range) if defn.date_range else "all dates"))
    micro = [
        f"{m.display_label}: {' or '.join(m.events)}"
        + (f" where {filter_words(m.where)}" if m.where else "")
        for m in defn.micro_conversions
    ]
    facts.append(Fact("Micro-conversions", "; ".join(micro) if micro else "none"))
    facts += _options_facts(defn)
    return facts


def _options_facts(defn: FunnelDefinition) -> list[Fact]:
    """The version-2 options (§12–§20), only when set."""
    facts = []
    if defn.hold:
        facts.append(Fact("Hold constant", ", ".join(defn.hold)))
    if defn.filters:
        facts.append(Fact("Funnel filters", f"only events where {filter_words(defn.filters)}"))
    if defn.inactivity_ns is not None:
        facts.append(
            Fact("Sessions", f"a new one after {format_duration(defn.inactivity_ns)} inactive")
        )
    if getattr(defn, "open", False):
        facts.append(Fact("Open funnel", "a unit may enter at any step"))
    drivers = defn.drivers
    if drivers != DriversSettings() or drivers.landmark_ns != DEFAULT_LANDMARK_NS:
        facts.append(Fact("Drivers", drivers_words(drivers)))
    return facts
