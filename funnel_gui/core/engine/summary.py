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
    # Units at or past each step (furthest >= k), a required step's count (§3.4), in one
    # pass: units stopping exactly at each level, then "at least k" from the top.
    exactly = np.bincount(level, minlength=defn.n_steps + 1)
    reach = [int(c) for c in np.cumsum(exactly[::-1])[::-1][1:]]
    matched = _matched(defn, units, counted)
    # §15: an optional step counts the units whose reported attempt matched it.
    counts = [m if m is not None else r for m, r in zip(matched, reach, strict=True)]
    # still_open[k]: units still open at level exactly k.
    open_at = np.bincount(level[units.still_open], minlength=defn.n_steps + 1)
    timings = _timings(defn, units)
    flows = open_flows(defn, units, counted)
    steps = []
    kinds = shown_kinds(defn.steps)  # §2: the views agree on the macro step
    for k, step in enumerate(defn.steps):
        # Rates and drop-off from the units at or past the previous step: with optional
        # steps (§15) a count may rise again after one, and the drop-off stays the units
        # that stopped there (those §14 gives reasons for).
        prev = reach[k - 1] if k else reach[0]
        drop = prev - reach[k] if k else 0
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
                optional=step.optional,
                skipped=reach[k] - counts[k] if step.optional else None,
                flow=None if flows is None else flows[k],
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


def _matched(defn: FunnelDefinition, units: UnitResults, counted: np.ndarray) -> list[int | None]:
    """§15: per optional step, the counted units whose reported attempt matched it."""
    return [
        int(np.count_nonzero((units.step_time[:, k] != NAT) & counted)) if s.optional else None
        for k, s in enumerate(defn.steps)
    ]


def open_flows(
    defn: FunnelDefinition, units: UnitResults, counted: np.ndarray
) -> list[dict[str, int]] | None:
    """§15, open funnels: per step the units whose reported attempt reached (covers) it,
    entered there, proceeded to a later step (the next one, or past an optional one), or
    exited (reached but did not proceed)."""
    if not defn.open:
        return None
    covers = (units.step_time != NAT) & counted[:, None]
    entry = units.entry_step if units.entry_step is not None else np.ones(len(counted), int)
    out = []
    for k in range(defn.n_steps):
        reached = int(np.count_nonzero(covers[:, k]))
        entered = int(np.count_nonzero(counted & (entry == k + 1)))
        on = int(np.count_nonzero(covers[:, k] & (units.furthest > k + 1)))
        out.append(
            {"reached": reached, "entered": entered, "proceeded": on, "exited": reached - on}
        )
    return out


def _timings(
    defn: FunnelDefinition, units: UnitResults
) -> list[tuple[TimingStats | None, TimingStats | None]]:
    """Per step: time from the previous step and time to convert (§6); none in any order."""
    if defn.open or defn.has_optional:
        return _flexible_timings(defn, units)
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


def _flexible_timings(
    defn: FunnelDefinition, units: UnitResults
) -> list[tuple[TimingStats | None, TimingStats | None]]:
    """§6 with §15: time from the attempt's previous matched event (an optional step
    jumped over is no event) and from its entry event, over the units whose reported
    attempt matched the step after another one. A step after a required one in a
    closed funnel is timed as without §15: who matched it matched the step before."""
    times = units.step_time
    entry = units.entry_time() if defn.open else times[:, 0]
    out: list[tuple[TimingStats | None, TimingStats | None]] = [(None, None)]
    for k in range(1, defn.n_steps):
        column = times[:, k]
        if not defn.open and not defn.steps[k - 1].optional:
            from_previous = _timing(units, k, k - 1)
            # For step 2 the previous step is step 1: the same durations, computed once.
            out.append((from_previous, from_previous if k == 1 else _timing(units, k, 0)))
            continue
        # Without optional steps an open attempt covers its steps without gaps: the event
        # before is k - 1's (NAT when k is the entry step).
        gapless = defn.open and not defn.has_optional
        before = times[:, k - 1] if gapless else _last_matched(times, k)
        has = np.flatnonzero((column != NAT) & (before != NAT))
        out.append(
            (
                TimingStats.of(column[has] - before[has]),
                TimingStats.of(column[has] - entry[has]),
            )
        )
    return out


def _last_matched(times: np.ndarray, k: int) -> np.ndarray:
    """Per unit, its reported attempt's last matched event before step k (NAT: none)."""
    before = times[:, 0].copy()
    for j in range(1, k):
        before = np.where(times[:, j] != NAT, times[:, j], before)
    return before


def _histogram(
    defn: FunnelDefinition, units: UnitResults, counted: np.ndarray
) -> TimeHistogram | None:
    """§6: time to convert, step 1 (an open funnel: the entry) to the last step, of the
    units that got there from an earlier step."""
    if defn.order == "any" or defn.n_steps < 2:
        return None
    times = units.step_time
    done = (times[:, -1] != NAT) & counted
    if units.entry_step is not None:
        done &= units.entry_step < defn.n_steps
    return TimeHistogram.of(times[done, -1] - units.entry_time()[done], defn.window_ns)


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
    for k, step in enumerate(defn.steps):
        if step.optional:  # §15: the units that matched it, as the step's count
            did = units.step_time[counted, k] != NAT
            at_least[:, k] = np.bincount(group[did], minlength=len(names))
    shown = display_names(np.asarray(names, dtype=object))
    groups = [
        BreakdownGroup(str(text), [int(c) for c in row], name if isinstance(name, tuple) else None)
        for name, text, row in zip(names, shown, at_least, strict=True)
        if row[0]  # a name no counted unit has (only codes give those) is no group
    ]
    groups.sort(key=lambda g: (-g.counts[0], g.values or (g.value,)))
    breakdown = defn.breakdown
    return BreakdownResult(breakdown.property, breakdown.attribution, groups, breakdown.properties)
