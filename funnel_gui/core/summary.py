"""From per-unit outcomes to the step table, timings and breakdown groups (§3.4–§7)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from funnel_gui.core.definition import FunnelDefinition
from funnel_gui.core.results import (
    NAT,
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
) -> FunnelResult:
    counted = ~units.excluded
    counts = [int((counted & (units.furthest >= k)).sum()) for k in range(1, defn.n_steps + 1)]
    steps = []
    for k, step in enumerate(defn.steps):
        prev = counts[k - 1] if k else counts[0]
        drop = prev - counts[k] if k else 0
        open_k = int((units.still_open & (units.furthest == k)).sum()) if k else 0
        steps.append(
            StepResult(
                number=k + 1,
                label=step.display_label,
                kind=step.kind,
                count=counts[k],
                from_previous=_ratio(counts[k], prev) if k else None,
                from_start=_ratio(counts[k], counts[0]),
                drop_off=drop,
                drop_off_rate=_ratio(drop, prev) if k else None,
                still_open=open_k,
                time_from_previous=_timing(units, k, k - 1) if k and defn.order != "any" else None,
                time_to_convert=_timing(units, k, 0) if k and defn.order != "any" else None,
            )
        )
    return FunnelResult(
        time_to_convert_histogram=_histogram(defn, units, counted),
        definition=defn,
        steps=steps,
        units=units,
        actor_ids=actor_ids,
        actors_entered=len(units.furthest),
        excluded=int(units.excluded.sum()),
        last_time_ns=last_time_ns,
        breakdown=_groups(defn, units, counted),
        warnings=warnings,
    )


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
    defn: FunnelDefinition, units: UnitResults, counted: np.ndarray
) -> BreakdownResult | None:
    """Per group value, units per step; one pass however many groups there are."""
    if defn.breakdown is None or units.breakdown is None:
        return None
    values = units.breakdown[counted]
    furthest = units.furthest[counted]
    group, names = pd.factorize(values)  # hashing: fast on millions, any number of groups
    # table[g, k] = units of group g whose furthest step is exactly k; cumulate from the end.
    table = np.zeros((len(names), defn.n_steps + 1), dtype=np.int64)
    np.add.at(table, (group, furthest), 1)
    at_least = np.cumsum(table[:, ::-1], axis=1)[:, ::-1][:, 1:]
    groups = [
        BreakdownGroup(str(name), [int(c) for c in row])
        for name, row in zip(names, at_least, strict=True)
    ]
    groups.sort(key=lambda g: (-g.counts[0], g.value))
    return BreakdownResult(defn.breakdown.property, defn.breakdown.attribution, groups)
