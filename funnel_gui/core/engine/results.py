"""What a funnel computation returns (FUNNEL_SEMANTICS §3–§7): per step, per unit, per group."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from funnel_gui.core.arrays import NAT
from funnel_gui.core.definition.model import FunnelDefinition

# Timings live in their own module; re-exported here, where results have always had them.
from funnel_gui.core.engine.timings import NS_PER_SECOND as NS_PER_SECOND
from funnel_gui.core.engine.timings import TimeHistogram as TimeHistogram
from funnel_gui.core.engine.timings import TimingStats as TimingStats

# §14: why a unit's reported attempt stopped, in the order the result lists them (several
# of the section's rules share a key: strict order's too-soon next event is `min_gap`).
REASONS = ("still_open", "interrupted", "window", "max_gap", "min_gap", "filter", "never")


@dataclass(frozen=True)
class StepResult:
    number: int  # 1-based
    label: str
    kind: str
    count: int
    from_previous: float | None  # count_k / count_{k-1}; None for step 1 or 0/0
    from_start: float | None  # count_k / count_1
    drop_off: int  # count_{k-1} - count_k (0 for step 1)
    drop_off_rate: float | None
    still_open: int  # §7: reached k-1, not k, window still open
    time_from_previous: TimingStats | None
    time_to_convert: TimingStats | None
    # §14, from step 2 on in ordered funnels: why the units whose furthest step is the
    # previous one stopped there (REASONS keys; they add up to the drop-off).
    reasons: dict[str, int] | None = None
    # §15: an optional step's units whose reported attempt jumped over it.
    optional: bool = False
    skipped: int | None = None
    # §15, open funnels: reached (covered), entered (started there), proceeded (covers
    # the next step too) and exited (reached, not proceeded).
    flow: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "number": self.number,
            "label": self.label,
            "kind": self.kind,
            "count": self.count,
            "from_previous": self.from_previous,
            "from_start": self.from_start,
            "drop_off": self.drop_off,
            "drop_off_rate": self.drop_off_rate,
            "still_open": self.still_open,
            "time_from_previous": (
                self.time_from_previous.to_dict() if self.time_from_previous else None
            ),
            "time_to_convert": (self.time_to_convert.to_dict() if self.time_to_convert else None),
        }
        if self.reasons is not None:
            out["reasons"] = dict(self.reasons)
        if self.optional:
            out["optional"] = True
            out["skipped"] = self.skipped
        if self.flow is not None:
            out.update(self.flow)
        return out


@dataclass(frozen=True)
class UnitResults:
    """One entry per unit that entered the funnel (excluded ones included)."""

    actor: np.ndarray  # actor code
    session: np.ndarray | None  # session code (unit = session)
    furthest: np.ndarray  # 0 when excluded
    excluded: np.ndarray
    still_open: np.ndarray
    step_time: np.ndarray  # (n_units, n_steps) int64 ns of the reported attempt, NAT if not
    breakdown: np.ndarray | None  # object array of group values
    step_row: np.ndarray | None = None  # (n_units, n_steps) table row positions, -1 if not
    window_end: np.ndarray | None = None  # reported attempt's entry time + window
    reason: np.ndarray | None = None  # §14: int8 index into REASONS, -1 if none; ordered only
    # §18, breakdown by a list of properties: each unit's combination as a code into the
    # combinations (tuples of values; None = excluded). Spelt out per property only when
    # a table asks (`breakdown_parts`): most results are never turned into one.
    breakdown_combination: tuple[np.ndarray, np.ndarray] | None = None

    def breakdown_parts(self) -> tuple[np.ndarray, ...] | None:
        """Per property of a list breakdown (§18), each unit's value (None if excluded)."""
        if self.breakdown_combination is None:
            return None
        codes, names = self.breakdown_combination
        width = max((len(n) for n in names if n is not None), default=0)
        return tuple(
            np.array([None if n is None else n[i] for n in names], dtype=object).take(codes)
            for i in range(width)
        )

    # §16, counting attempts: each row is a counted attempt, numbered within its unit.
    attempt: np.ndarray | None = None
    # §15, open funnels: the step (1-based) the reported attempt started at (0: excluded).
    entry_step: np.ndarray | None = None

    def entry_time(self) -> np.ndarray:
        """Each unit's entry event time: step 1's, in an open funnel the entry step's
        (§15); NAT when excluded."""
        if self.entry_step is None or not len(self.entry_step):
            return np.asarray(self.step_time[:, 0])
        column = np.maximum(self.entry_step - 1, 0)
        return np.asarray(self.step_time[np.arange(len(column)), column])


@dataclass(frozen=True)
class BreakdownGroup:
    value: str  # for a list of properties (§18), their values joined, to show
    counts: list[int]
    values: tuple[str, ...] | None = None  # §18: each property's value


@dataclass(frozen=True)
class BreakdownResult:
    property: str
    attribution: str
    groups: list[BreakdownGroup]
    properties: tuple[str, ...] = ()  # §18: set when the breakdown names a list

    def to_dict(self) -> dict[str, Any]:
        if self.properties:
            # §18: with a list of properties, a group's value is the list of their values.
            return {
                "properties": list(self.properties),
                "attribution": self.attribution,
                "groups": [
                    {"value": list(g.values or ()), "counts": g.counts} for g in self.groups
                ],
            }
        return {
            "property": self.property,
            "attribution": self.attribution,
            "groups": [{"value": g.value, "counts": g.counts} for g in self.groups],
        }


@dataclass(frozen=True)
class MicroMacroResult:
    """§9: macro rate of units that did a micro conversion (A) against those who did not (B)."""

    label: str
    macro_step: int  # 1-based
    on_path: bool  # a micro step before M in an ordered funnel: nothing computed (moot)
    n_a: int
    n_b: int
    macro_a: int
    macro_b: int
    comparison: Any  # stats.ProportionComparison
    # Group A's time from the entry (step-1) event to its first micro-conversion event.
    time_to_micro: TimingStats | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.comparison
        if self.on_path:
            return {
                "label": self.label,
                "macro_step": self.macro_step,
                "on_path": True,
                "note": "on the funnel's path before the macro step: everyone who "
                "converted did it, so there is nothing to compare",
            }
        return {
            "label": self.label,
            "macro_step": self.macro_step,
            "on_path": self.on_path,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "macro_a": self.macro_a,
            "macro_b": self.macro_b,
            "rate_a": json_number(c.rate_a),
            "rate_b": json_number(c.rate_b),
            "ci_a": [json_number(v) for v in c.ci_a],
            "ci_b": [json_number(v) for v in c.ci_b],
            "difference": json_number(c.difference),
            "difference_ci": [json_number(v) for v in c.difference_ci],
            "relative_lift": json_number(c.relative_lift),
            "p_value": json_number(c.p_value),
            "odds_ratio": json_number(c.odds_ratio),
            "too_few": c.too_few,
            "time_to_micro_median_s": self.time_to_micro.median if self.time_to_micro else None,
        }


def json_number(value: float) -> float | None:
    """JSON has no NaN: undefined statistics are null."""
    return None if value != value else float(value)


@dataclass(frozen=True)
class EntryDays:
    """§8 for results computed where the data lives (core/sql), which carry no per-unit
    table: counted units per UTC day of their reported attempt's step-1 event, enough
    for trends by day, week or month."""

    day_start_ns: np.ndarray  # int64, ascending
    counts: np.ndarray  # (days, steps): units reaching each step
    first_entry_ns: int
    last_entry_ns: int


@dataclass
class FunnelResult:
    definition: FunnelDefinition
    steps: list[StepResult]
    units: UnitResults
    actor_ids: Any  # pyarrow string array: actor code -> id
    actors_entered: int
    excluded: int
    last_time_ns: int
    breakdown: BreakdownResult | None = None
    warnings: list[str] = field(default_factory=list)
    micro_macro: list[MicroMacroResult] = field(default_factory=list)
    time_to_convert_histogram: TimeHistogram | None = None
    session_ids: Any = None  # pyarrow string array: session code -> the export's id
    hold_missing: int | None = None  # §17: step events lacking a held property
    # Set by SQL engines (core/sql), whose `units` hold at most the rows asked for.
    entry_days: EntryDays | None = None

    @property
    def unit(self) -> str:
        return self.definition.unit

    @property
    def counted(self) -> str:
        """What each count counts: "attempts" (§16), "sessions" or "people"."""
        if self.definition.count == "totals":
            return "attempts"
        return "sessions" if self.definition.unit == "session" else "people"

    def steps_frame(self) -> pd.DataFrame:
        rows = []
        for s in self.steps:
            row = s.to_dict()
            for key in ("time_from_previous", "time_to_convert"):
                stats = row.pop(key)
                row[f"{key}_median_s"] = stats["median"] if stats else None
            for reason, count in row.pop("reasons", {}).items():
                row[f"reasons_{reason}"] = count
            rows.append(row)
        return pd.DataFrame(rows)

    def actors_frame(self) -> pd.DataFrame:
        """One row per unit that entered: furthest step, matched times, group, flags."""
        u = self.units
        ids = self.actor_ids.take(u.actor).to_pylist() if len(u.actor) else []
        frame: dict[str, Any] = {"actor": pd.Series(ids, dtype="string")}
        if u.session is not None:
            frame["session"] = u.session.astype(np.int64)
            if self.session_ids is not None and len(u.session):
                frame["session_id"] = pd.Series(
                    self.session_ids.take(u.session).to_pylist(), dtype="string"
                )
        frame["furthest_step"] = u.furthest.astype(np.int64)
        frame["excluded"] = u.excluded.astype(bool)
        frame["still_open"] = u.still_open.astype(bool)
        for k in range(self.definition.n_steps):
            times = u.step_time[:, k] if len(u.actor) else np.zeros(0, dtype=np.int64)
            frame[f"step_{k + 1}_time"] = pd.arrays.IntegerArray(
                np.where(times == NAT, 0, times).astype(np.int64), times == NAT
            )
        if u.breakdown is not None:
            frame["breakdown"] = pd.Series(u.breakdown, dtype="string")
        if u.reason is not None:
            # Index -1 (no reason: converted or excluded) picks the trailing None.
            names = np.array([*REASONS, None], dtype=object)
            frame["reason"] = pd.Series(names[u.reason], dtype="string")
        breakdown = self.definition.breakdown
        parts = u.breakdown_parts()
        if parts is not None and breakdown is not None:
            for name, part in zip(breakdown.names(), parts, strict=True):
                frame[f"breakdown.{name}"] = pd.Series(part, dtype="string")
        if u.entry_step is not None:
            frame["entry_step"] = u.entry_step.astype(np.int64)
        if u.attempt is not None:
            frame["attempt"] = pd.arrays.IntegerArray(
                np.maximum(u.attempt, 0).astype(np.int64), u.attempt < 0
            )
        return pd.DataFrame(frame)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.definition.name,
            "unit": self.definition.unit,
            "order": self.definition.order,
            "count": self.definition.count,
            "counted": self.counted,
            "actors_entered": self.actors_entered,
            "excluded": self.excluded,
            "hold_missing": self.hold_missing,
            "steps": [s.to_dict() for s in self.steps],
            "breakdown": self.breakdown.to_dict() if self.breakdown else None,
            "micro_macro": [m.to_dict() for m in self.micro_macro],
            "time_to_convert_histogram": (
                self.time_to_convert_histogram.to_dict() if self.time_to_convert_histogram else None
            ),
            "warnings": list(self.warnings),
            **({"open": True} if self.definition.open else {}),
        }
