"""Checking a parsed funnel file (current version) and turning it into a FunnelDefinition.

Strict on purpose: a key or value it does not understand is refused with a message naming
it and where it is; things that are merely odd (repeated event names) become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from funnel_gui.core.definition.checks import (
    FunnelFileError,
    at,
    choice,
    expect_bool,
    expect_list,
    expect_object,
    expect_text,
    kind_of,
    number_text,
    optional,
    read_duration,
    read_instant,
    read_max_gap,
    read_window,
    shown,
)
from funnel_gui.core.definition.model import (
    DEFAULT_WINDOW_NS,
    FILTER_OPS,
    MAX_BREAKDOWN_PROPERTIES,
    MAX_STEPS,
    Breakdown,
    Count,
    DateRange,
    DriversSettings,
    Exclusion,
    Filter,
    FunnelDefinition,
    Kind,
    MicroConversion,
    Order,
    Step,
    Unit,
    default_kinds,
    optional_step_problem,
    shape_problem,
    totals_problem,
)

_TOP_KEYS = (
    "format",
    "version",
    "name",
    "order",
    "window",
    "unit",
    "steps",
    "exclusions",
    "breakdown",
    "date_range",
    "micro_conversions",
    "count",
    "hold",
    "filters",
    "sessions",
    "drivers",
    "open",
)
_STEP_KEYS = ("label", "events", "kind", "where", "max_gap", "min_gap", "optional")
_FILTER_KEYS = ("property", "op", "value")
_EXCLUSION_KEYS = ("events", "where", "between")
_BREAKDOWN_KEYS = ("property", "attribution", "properties")
_DATE_RANGE_KEYS = ("from", "to")
_MICRO_KEYS = ("label", "events", "where")
_DRIVERS_KEYS = ("landmark", "lookback", "adjust_for")
_SESSIONS_KEYS = ("inactivity",)
_COUNTS: tuple[Count, ...] = ("uniques", "totals")
_ORDERS: tuple[Order, ...] = ("sequential", "strict", "any")
_UNITS: tuple[Unit, ...] = ("actor", "session")
_KINDS: tuple[Kind, ...] = ("micro", "macro")
_STEP_ATTRIBUTION = re.compile(r"step_([1-9][0-9]{0,3})")
_T = TypeVar("_T")


class DefinitionReader:
    """Turns a current-version dict into a FunnelDefinition, collecting warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def definition(self, data: Mapping[str, Any]) -> FunnelDefinition:
        obj = expect_object(data, "", _TOP_KEYS, required=("steps",))
        raw_steps = _steps_list(obj["steps"])
        n = len(raw_steps)
        kinds = default_kinds(n)
        order: Order = optional(obj, "order", "", choice(_ORDERS, "an order"), "sequential")
        count: Count = optional(obj, "count", "", choice(_COUNTS, "a way of counting"), "uniques")
        problem = totals_problem(count, order)
        if problem is not None:
            raise FunnelFileError(problem, "count")
        steps = tuple(self.step(s, i, kinds[i]) for i, s in enumerate(raw_steps))
        for i, step in enumerate(steps):
            problem = optional_step_problem(i, n, order) if step.optional else None
            if problem is not None:
                raise FunnelFileError(problem, f"steps[{i}].optional")
        defn = FunnelDefinition(
            steps=steps,
            name=optional(obj, "name", "", expect_text, ""),
            order=order,
            window_ns=optional(obj, "window", "", read_window, DEFAULT_WINDOW_NS),
            unit=optional(obj, "unit", "", choice(_UNITS, "a unit"), "actor"),
            exclusions=optional(obj, "exclusions", "", self.list_of(self.exclusion, n), ()),
            breakdown=optional(obj, "breakdown", "", _breakdown(n), None),
            date_range=optional(obj, "date_range", "", _date_range, None),
            micro_conversions=optional(
                obj, "micro_conversions", "", self.list_of(self.micro, n), ()
            ),
            drivers=optional(obj, "drivers", "", _drivers, DriversSettings()),
            count=count,
            hold=optional(obj, "hold", "", _distinct_property_names, ()),
            filters=optional(obj, "filters", "", _filters, ()),
            inactivity_ns=optional(obj, "sessions", "", _sessions, None),
            open=optional(obj, "open", "", expect_bool, False),
        )
        problem = shape_problem(defn)  # §15 with the other options
        if problem is not None:
            raise FunnelFileError(problem, "open" if defn.open else "steps")
        return defn

    def list_of(
        self, read: Callable[[Any, str, int], _T], n_steps: int
    ) -> Callable[[Any, str], tuple[_T, ...]]:
        def read_all(value: Any, path: str) -> tuple[_T, ...]:
            items = expect_list(value, path)
            return tuple(read(item, f"{path}[{i}]", n_steps) for i, item in enumerate(items))

        return read_all

    def step(self, value: Any, index: int, default_kind: Kind) -> Step:
        path = f"steps[{index}]"
        obj = expect_object(value, path, _STEP_KEYS, required=("events",))
        max_gap = optional(obj, "max_gap", path, read_max_gap, None)
        min_gap = optional(obj, "min_gap", path, read_duration, None)
        if max_gap is not None and min_gap is not None and min_gap > max_gap:
            raise FunnelFileError(
                f'"min_gap" ({shown(obj["min_gap"])}) is longer than "max_gap" '
                f"({shown(obj['max_gap'])}); no event could satisfy both",
                path,
            )
        if index == 0 and (max_gap is not None or min_gap is not None):
            # Kept so that moving the step back keeps its limits; the engine ignores them.
            self.warnings.append(
                f"{path}: max_gap and min_gap are measured from the previous step, "
                "so they have no effect on the first step"
            )
        return Step(
            events=self.events(obj["events"], at(path, "events")),
            label=optional(obj, "label", path, expect_text, ""),
            kind=optional(obj, "kind", path, choice(_KINDS, "a kind"), default_kind),
            where=optional(obj, "where", path, _filters, ()),
            max_gap_ns=max_gap,
            min_gap_ns=min_gap,
            optional=optional(obj, "optional", path, expect_bool, False),
        )

    def exclusion(self, value: Any, path: str, n_steps: int) -> Exclusion:
        obj = expect_object(value, path, _EXCLUSION_KEYS, required=("events", "between"))
        return Exclusion(
            events=self.events(obj["events"], at(path, "events")),
            between=_between(obj["between"], at(path, "between"), n_steps),
            where=optional(obj, "where", path, _filters, ()),
        )

    def micro(self, value: Any, path: str, n_steps: int) -> MicroConversion:
        obj = expect_object(value, path, _MICRO_KEYS, required=("events",))
        return MicroConversion(
            events=self.events(obj["events"], at(path, "events")),
            label=optional(obj, "label", path, expect_text, ""),
            where=optional(obj, "where", path, _filters, ()),
        )

    def events(self, value: Any, path: str) -> tuple[str, ...]:
        items = expect_list(value, path)
        if not items:
            raise FunnelFileError("the list is empty; give at least one event name", path)
        names: dict[str, int] = {}  # name -> times listed; a dict keeps the order
        for i, item in enumerate(items):
            name = expect_text(item, f"{path}[{i}]")
            if not name:
                raise FunnelFileError("an event name cannot be empty", f"{path}[{i}]")
            names[name] = names.get(name, 0) + 1
        for name, count in names.items():
            if count > 1:
                self.warnings.append(
                    f"{path}: {shown(name)} is listed {count} times; the repeats were dropped"
                )
        return tuple(names)


def _steps_list(value: Any) -> list[Any]:
    steps = expect_list(value, "steps")
    if not steps:
        raise FunnelFileError("the list is empty; a funnel needs at least one step", "steps")
    if len(steps) > MAX_STEPS:
        raise FunnelFileError(
            f"{len(steps)} steps is too many; a funnel has at most {MAX_STEPS}", "steps"
        )
    return steps


def _filters(value: Any, path: str) -> tuple[Filter, ...]:
    return tuple(_filter(item, f"{path}[{i}]") for i, item in enumerate(expect_list(value, path)))


def _filter(value: Any, path: str) -> Filter:
    obj = expect_object(value, path, _FILTER_KEYS, required=("property", "op"))
    prop = expect_text(obj["property"], at(path, "property"))
    if not prop:
        raise FunnelFileError("the property name cannot be empty", at(path, "property"))
    op = choice(FILTER_OPS, "an operator")(obj["op"], at(path, "op"))
    if op in ("is_set", "not_set"):
        if "value" in obj:
            raise FunnelFileError(f'"{op}" takes no value; remove "value"', path)
        return Filter(prop, op)
    if "value" not in obj:
        raise FunnelFileError(f'"{op}" needs a "value"', path)
    raw, value_path = obj["value"], at(path, "value")
    if op in ("in", "not_in"):
        return Filter(prop, op, _text_values(raw, value_path, op))
    if op in ("gt", "lt"):
        return Filter(prop, op, _number(raw, value_path, op))
    return Filter(prop, op, _text_value(raw, value_path))


def _text_values(value: Any, path: str, op: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise FunnelFileError(
            f'"{op}" needs a non-empty list of values, found {kind_of(value)}', path
        )
    return tuple(_text_value(item, f"{path}[{i}]") for i, item in enumerate(value))


def _text_value(value: Any, path: str) -> str:
    """Filter values compare as text (§2), so numbers are stored as the text they read as."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(_finite(value, path))
    hint = f'; write it as text, e.g. "{str(value).lower()}"' if isinstance(value, bool) else ""
    raise FunnelFileError(f"expected text or a number, found {kind_of(value)}{hint}", path)


def _number(value: Any, path: str, op: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return _finite(float(value), path)
        except OverflowError:
            raise FunnelFileError(f"{shown(value)} is too large a number", path) from None
    hint = ""
    if isinstance(value, str) and _looks_numeric(value):
        hint = f"; write it without quotes: {value.strip()}"
    raise FunnelFileError(f'"{op}" compares numbers, found {kind_of(value)}{hint}', path)


def _finite(value: float, path: str) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise FunnelFileError(f"{value} is not a usable number", path)
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _between(value: Any, path: str, n_steps: int) -> tuple[int, int]:
    if n_steps < 2:
        raise FunnelFileError("an exclusion needs a funnel of at least 2 steps", path)
    valid = f"two step numbers [a, b] with 1 ≤ a < b ≤ {n_steps}"
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise FunnelFileError(f"expected {valid}, found {kind_of(value)}", path)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise FunnelFileError(f"expected {valid}, found {shown(value)}", path)
    a, b = value
    if not 1 <= a < b <= n_steps:
        raise FunnelFileError(f"{shown(value)} is not {valid} (step numbers are 1-based)", path)
    return (a, b)


def _breakdown(n_steps: int) -> Callable[[Any, str], Breakdown]:
    def read(value: Any, path: str) -> Breakdown:
        obj = expect_object(value, path, _BREAKDOWN_KEYS)
        attribution = optional(obj, "attribution", path, expect_text, "first_step")
        if attribution not in ("first_step", "last_step"):
            _check_step_attribution(attribution, at(path, "attribution"), n_steps)
        if "property" in obj and "properties" in obj:
            raise FunnelFileError(
                'give either "property" (one name) or "properties" (a list), not both', path
            )
        if "properties" in obj:
            names = _distinct_property_names(obj["properties"], at(path, "properties"))
            if not 1 <= len(names) <= MAX_BREAKDOWN_PROPERTIES:
                raise FunnelFileError(
                    f"a breakdown combines 1 to {MAX_BREAKDOWN_PROPERTIES} properties, "
                    f"not {len(names)}",
                    at(path, "properties"),
                )
            return Breakdown.several(names, attribution)
        if "property" not in obj:
            raise FunnelFileError('the required key "property" (or "properties") is missing', path)
        prop = expect_text(obj["property"], at(path, "property"))
        if not prop:
            raise FunnelFileError("the property name cannot be empty", at(path, "property"))
        return Breakdown(prop, attribution)

    return read


def _check_step_attribution(attribution: str, path: str, n_steps: int) -> None:
    match = _STEP_ATTRIBUTION.fullmatch(attribution)
    if match is None or not 1 <= int(match[1]) <= n_steps:
        raise FunnelFileError(
            f"{shown(attribution)} is not an attribution; use first_step, last_step or "
            f"step_N with N from 1 to {n_steps} (the number of steps)",
            path,
        )


def _date_range(value: Any, path: str) -> DateRange:
    obj = expect_object(value, path, _DATE_RANGE_KEYS)
    start = optional(obj, "from", path, read_instant, None)
    end = optional(obj, "to", path, read_instant, None)
    if start is not None and end is not None and start >= end:
        raise FunnelFileError(
            f'"from" ({obj["from"]}) must be before "to" ({obj["to"]}); "to" is exclusive', path
        )
    return DateRange(start, end)


def _drivers(value: Any, path: str) -> DriversSettings:
    obj = expect_object(value, path, _DRIVERS_KEYS)
    default = DriversSettings()
    adjust = optional(obj, "adjust_for", path, _property_names, default.adjust_for)
    return DriversSettings(
        landmark_ns=optional(obj, "landmark", path, read_max_gap, default.landmark_ns),
        lookback_ns=optional(obj, "lookback", path, read_duration, default.lookback_ns),
        adjust_for=adjust,
    )


def _sessions(value: Any, path: str) -> int:
    """§20: the inactivity timeout that starts a new session."""
    obj = expect_object(value, path, _SESSIONS_KEYS, required=("inactivity",))
    return read_max_gap(obj["inactivity"], at(path, "inactivity"))


def _distinct_property_names(value: Any, path: str) -> tuple[str, ...]:
    """Property names, each at most once (naming one twice is a slip, never a choice)."""
    names = _property_names(value, path)
    for i, name in enumerate(names):
        if name in names[:i]:
            raise FunnelFileError(f"{shown(name)} is named twice", f"{path}[{i}]")
    return names


def _property_names(value: Any, path: str) -> tuple[str, ...]:
    names = tuple(expect_text(v, f"{path}[{i}]") for i, v in enumerate(expect_list(value, path)))
    for i, name in enumerate(names):
        if not name:
            raise FunnelFileError("a property name cannot be empty", f"{path}[{i}]")
    return names
