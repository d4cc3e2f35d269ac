"""From per-unit outcomes to the step table, timings and breakdown groups (§3.4–§7)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from funnel_gui.core.arrays import NAT, counts_reaching
from funnel_gui.core.definition.model import FunnelDefinition, shown_kinds
from funnel_gui.core.engine.breakdown import BreakdownCodes, display_names
from funnel_gui.core.engine.results import (
    BreakdownGroup,
    BreakdownResult,
    FunnelResult,
    StepResult,
    TimeHistogram,
    TimingStats,
    UnitResults,
)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def summarise(
    defn: FunnelDefinition,
    units: UnitResults,
    actor_ids: Any,
    last_time_ns: int,
    warnings: list[str],
    breakdown_codes: BreakdownCodes | None = None,
) -> FunnelResult:
    counted = ~units.excluded
    # Levels of the counted units (excluded ones count at no step).
    level = np.where(counted, units.furthest, 0) if units.excluded.any() else units.furthest
    # One pass: units stopping exactly at each level, then "at least k" from the top.
    exactly = np.bincount(level, minlength=defn.n_steps + 1)
    counts = [int(c) for c in np.cumsum(exactly[::-1])[::-1][1:]]
    # still_open[k]: units still open at level exactly k.
    open_at = np.bincount(level[units.still_open], minlength=defn.n_steps + 1)
    timings = _timings(defn, units)
    steps = []
    kinds = shown_kinds(defn.steps)  # §2: the views agree on the macro step
    for k, step in enumerate(defn.steps):
        prev = counts[k - 1] if k else counts[0]
        drop = prev - counts[k] if k else 0
        from_previous, to_convert = timings[k]
        steps.append(
            StepResult(
                number=k + 1,
                label=step.display_label,
                kind=kinds[k],
                count=counts[k],
                from_previous=_ratio(counts[k], prev) if k else None,
                from_start=_ratio(counts[k], counts[0]),
                drop_off=drop,
                drop_off_rate=_ratio(drop, prev) if k else None,
                still_open=int(open_at[k]) if k else 0,
                time_from_previous=from_previous,
                time_to_convert=to_convert,
            )
        )
    return FunnelResult(
        time_to_convert_histogram=_histogram(defn, units, counted),
        definition=defn,
        steps=steps,
        units=units,
        actor_ids=actor_ids,
        actors_entered=len(units.furthest),
        excluded=int(np.count_nonzero(units.excluded)),
        last_time_ns=last_time_ns,
        breakdown=_groups(defn, units, counted, breakdown_codes),
        warnings=warnings,
    )


def _timings(
    defn: FunnelDefinition, units: UnitResults
) -> list[tuple[TimingStats | None, TimingStats | None]]:
    """Per step: time from the previous step and time to convert (§6); none in any order."""
    out: list[tuple[TimingStats | None, TimingStats | None]] = [(None, None)]
    for k in range(1, defn.n_steps):
        if defn.order == "any":
            out.append((None, None))
            continue
        from_previous = _timing(units, k, k - 1)
        # For step 2 the previous step is step 1: the same durations, computed once.
        to_convert = from_previous if k == 1 else _timing(units, k, 0)
        out.append((from_previous, to_convert))
    return out


def _histogram(
    defn: FunnelDefinition, units: UnitResults, counted: np.ndarray
) -> TimeHistogram | None:
    """§6: time to convert, step 1 to the last step, of the units that got there."""
    if defn.order == "any" or defn.n_steps < 2:
        return None
    times = units.step_time
    done = (times[:, -1] != NAT) & counted
    return TimeHistogram.of(times[done, -1] - times[done, 0], defn.window_ns)


def _timing(units: UnitResults, k: int, since: int) -> TimingStats | None:
    column = units.step_time[:, k]
    # Excluded units have no reported attempt, so their times are all NAT already.
    reached = np.flatnonzero(column != NAT)
    return TimingStats.of(column[reached] - units.step_time[reached, since])


def _groups(
    defn: FunnelDefinition,
    units: UnitResults,
    counted: np.ndarray,
    codes: BreakdownCodes | None,
) -> BreakdownResult | None:
    """Per group value, units per step; one pass however many groups there are."""
    if defn.breakdown is None or units.breakdown is None:
        return None
    furthest = units.furthest[counted]
    if codes is None:
        group, names = pd.factorize(units.breakdown[counted])  # hashing: any number of groups
    else:
        # Two codes may share a name (a property value spelled "(none)"): one group.
        same_name, names = pd.factorize(codes.names)
        group = same_name[codes.codes[counted]]
    at_least = counts_reaching(group, len(names), furthest, defn.n_steps)
    shown = display_names(np.asarray(names, dtype=object))
    groups = [
        BreakdownGroup(str(text), [int(c) for c in row], name if isinstance(name, tuple) else None)
        for name, text, row in zip(names, shown, at_least, strict=True)
        if row[0]  # a name no counted unit has (only codes give those) is no group
    ]
    groups.sort(key=lambda g: (-g.counts[0], g.values or (g.value,)))
    breakdown = defn.breakdown
    return BreakdownResult(breakdown.property, breakdown.attribution, groups, breakdown.properties)
