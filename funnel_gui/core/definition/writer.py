"""Turning a FunnelDefinition into the content of a funnel file (FUNNEL_SEMANTICS §11).

Only keys that differ from their defaults are written; `funnel_file.definition_to_dict`
puts the `format` and `version` header in front.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from funnel_gui.core.definition.checks import EPOCH
from funnel_gui.core.definition.durations import format_duration
from funnel_gui.core.definition.model import (
    DEFAULT_WINDOW_NS,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    DriversSettings,
    Exclusion,
    Filter,
    FunnelDefinition,
    Kind,
    MicroConversion,
    Step,
    default_kinds,
)


def definition_body(defn: FunnelDefinition) -> dict[str, Any]:
    """The file's content for `defn` after the header: only non-default keys."""
    out: dict[str, Any] = {}
    if defn.name:
        out["name"] = defn.name
    if defn.order != "sequential":
        out["order"] = defn.order
    if defn.window_ns != DEFAULT_WINDOW_NS:
        out["window"] = format_duration(defn.window_ns)
    if defn.unit != "actor":
        out["unit"] = defn.unit
    kinds = default_kinds(defn.n_steps)
    out["steps"] = [_step_dict(step, kinds[i]) for i, step in enumerate(defn.steps)]
    if defn.exclusions:
        out["exclusions"] = [_exclusion_dict(e) for e in defn.exclusions]
    if defn.breakdown is not None:
        out["breakdown"] = _breakdown_dict(defn.breakdown)
    if defn.date_range is not None:
        out["date_range"] = _date_range_dict(defn.date_range)
    if defn.micro_conversions:
        out["micro_conversions"] = [_micro_dict(m) for m in defn.micro_conversions]
    out.update(_counting_options(defn))
    if defn.drivers != DriversSettings():
        out["drivers"] = _drivers_dict(defn.drivers)
    return out


def _counting_options(defn: FunnelDefinition) -> dict[str, Any]:
    """The version-2 keys of §16–§20 that differ from their defaults."""
    out: dict[str, Any] = {}
    if defn.count != "uniques":
        out["count"] = defn.count
    if defn.hold:
        out["hold"] = list(defn.hold)
    if defn.filters:
        out["filters"] = [_filter_dict(f) for f in defn.filters]
    if defn.inactivity_ns is not None:
        out["sessions"] = {"inactivity": format_duration(defn.inactivity_ns)}
    if defn.open:
        out["open"] = True  # §15
    return out


def _drivers_dict(settings: DriversSettings) -> dict[str, Any]:
    default = DriversSettings()
    out: dict[str, Any] = {}
    if settings.landmark_ns != default.landmark_ns:
        out["landmark"] = format_duration(settings.landmark_ns)
    if settings.lookback_ns != default.lookback_ns:
        out["lookback"] = format_duration(settings.lookback_ns)
    if settings.adjust_for:
        out["adjust_for"] = list(settings.adjust_for)
    return out


def _step_dict(step: Step, default_kind: Kind) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if step.label:
        out["label"] = step.label
    out["events"] = list(step.events)
    if step.kind != default_kind:
        out["kind"] = step.kind
    if step.where:
        out["where"] = [_filter_dict(f) for f in step.where]
    if step.max_gap_ns is not None:
        out["max_gap"] = format_duration(step.max_gap_ns)
    if step.min_gap_ns is not None:
        out["min_gap"] = format_duration(step.min_gap_ns)
    if step.optional:
        out["optional"] = True  # §15
    return out


def _filter_dict(flt: Filter) -> dict[str, Any]:
    out: dict[str, Any] = {"property": flt.property, "op": flt.op}
    if isinstance(flt.value, tuple):
        out["value"] = list(flt.value)
    elif isinstance(flt.value, float) and flt.value.is_integer() and abs(flt.value) < 1e16:
        out["value"] = int(flt.value)  # "gt": 5 reads better than 5.0 and loads back equal
    elif flt.value is not None:
        out["value"] = flt.value
    return out


def _exclusion_dict(exclusion: Exclusion) -> dict[str, Any]:
    out: dict[str, Any] = {"events": list(exclusion.events)}
    if exclusion.where:
        out["where"] = [_filter_dict(f) for f in exclusion.where]
    out["between"] = list(exclusion.between)
    return out


def _breakdown_dict(breakdown: Breakdown) -> dict[str, Any]:
    out: dict[str, Any] = (
        {"properties": list(breakdown.properties)}
        if breakdown.is_list()
        else {"property": breakdown.property}
    )
    if breakdown.attribution != "first_step":
        out["attribution"] = breakdown.attribution
    return out


def _date_range_dict(date_range: DateRange) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if date_range.start_ns is not None:
        out["from"] = format_instant(date_range.start_ns)
    if date_range.end_ns is not None:
        out["to"] = format_instant(date_range.end_ns)
    return out


def _micro_dict(micro: MicroConversion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if micro.label:
        out["label"] = micro.label
    out["events"] = list(micro.events)
    if micro.where:
        out["where"] = [_filter_dict(f) for f in micro.where]
    return out


def format_instant(ns: int) -> str:
    """ "2026-03-01" at midnight UTC, else an ISO UTC time to the nanosecond with a Z."""
    seconds, frac = divmod(ns, NS_PER_SECOND)
    moment = (EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None)
    if frac == 0 and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    digits = f"{frac:09d}".rstrip("0")
    return moment.isoformat(timespec="seconds") + (f".{digits}" if digits else "") + "Z"
