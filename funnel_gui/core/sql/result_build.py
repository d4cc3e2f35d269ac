"""From the aggregate rows of aggregate_sql to the in-memory engine's FunnelResult.

Percentiles and means come from the same `TimingStats.of` the in-memory engine uses, fed
with the exact durations rebuilt from their (value, count) histogram, so both give the
same numbers (§21).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa

from funnel_gui.core.analysis.stats import compare_proportions
from funnel_gui.core.definition.model import FunnelDefinition, shown_kinds
from funnel_gui.core.engine.breakdown import JOINER
from funnel_gui.core.engine.micro_macro import macro_step, micro_matchers, on_path_result
from funnel_gui.core.engine.results import (
    REASONS,
    BreakdownGroup,
    BreakdownResult,
    EntryDays,
    MicroMacroResult,
    StepResult,
    TimeHistogram,
    TimingStats,
)
from funnel_gui.core.sql.aggregate_sql import NS_PER_DAY


@dataclass
class Aggregates:
    """The aggregate rows grouped by kind, as Python lists of (i1, i2, i3, v1, v2, v3, n)."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: pa.Table) -> Aggregates:
        out = cls()
        columns = [table.column(name).to_pylist() for name in table.column_names]
        for kind, *rest in zip(*columns, strict=True):
            out.rows.setdefault(kind, []).append(tuple(rest))
        return out

    def get(self, kind: str) -> list[tuple[Any, ...]]:
        return self.rows.get(kind, [])


def durations(rows: list[tuple[Any, ...]], key: int) -> np.ndarray:
    """The durations (ns) of the rows whose i1 is `key`, each repeated its count times."""
    picked = [(r[1], r[6]) for r in rows if r[0] == key]
    values = np.array([v for v, _ in picked], dtype=np.int64)
    counts = np.array([c for _, c in picked], dtype=np.int64)
    return np.repeat(values, counts)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True)
class Levels:
    """Per-unit flags summed: counted units per furthest level, open ones, excluded."""

    entered: int
    excluded: int
    at_level: np.ndarray  # counted units whose furthest step is exactly k
    open_at: np.ndarray  # of those, still open

    @classmethod
    def of(cls, agg: Aggregates, n_steps: int) -> Levels:
        at_level = np.zeros(n_steps + 1, dtype=np.int64)
        open_at = np.zeros(n_steps + 1, dtype=np.int64)
        entered = excluded = 0
        for furthest, is_excluded, still_open, *_, n in agg.get("level"):
            entered += n
            if is_excluded:
                excluded += n
                continue
            at_level[furthest] += n
            if still_open:
                open_at[furthest] += n
        return cls(entered, excluded, at_level, open_at)

    def counts(self) -> list[int]:
        reaching = np.cumsum(self.at_level[::-1])[::-1]
        return [int(c) for c in reaching[1:]]


def step_results(defn: FunnelDefinition, agg: Aggregates, levels: Levels) -> list[StepResult]:
    reach = levels.counts()
    # §15: an optional step counts the units whose reported attempt matched it.
    matched = {r[0]: int(r[6] or 0) for r in agg.get("cover")}
    counts = [
        matched.get(k, c) if s.optional else c
        for k, (s, c) in enumerate(zip(defn.steps, reach, strict=True), 1)
    ]
    flows = _flows(defn, agg, matched)
    prev_rows, conv_rows = agg.get("prev"), agg.get("conv")
    out = []
    kinds = shown_kinds(defn.steps)  # §2: the same macro step as the in-memory engine
    for k, step in enumerate(defn.steps):
        prev = reach[k - 1] if k else reach[0]
        drop = prev - reach[k] if k else 0
        from_previous = to_convert = None
        if k and defn.order != "any":
            from_previous = TimingStats.of(durations(prev_rows, k + 1))
            to_convert = from_previous if k == 1 else TimingStats.of(durations(conv_rows, k + 1))
        out.append(
            StepResult(
                number=k + 1,
                label=step.display_label,
                kind=kinds[k],
                count=counts[k],
                from_previous=_ratio(counts[k], prev) if k else None,
                from_start=_ratio(counts[k], counts[0]),
                drop_off=drop,
                drop_off_rate=_ratio(drop, prev) if k else None,
                still_open=int(levels.open_at[k]) if k else 0,
                time_from_previous=from_previous,
                time_to_convert=to_convert,
                optional=step.optional,
                skipped=reach[k] - counts[k] if step.optional else None,
                flow=None if flows is None else flows[k],
            )
        )
    return out


def _flows(
    defn: FunnelDefinition, agg: Aggregates, matched: dict[int, int]
) -> list[dict[str, int]] | None:
    """§15, open funnels: per step reached, entered, proceeded and exited."""
    if not defn.open:
        return None
    onward = {r[0]: int(r[6] or 0) for r in agg.get("onward")}
    entered = {r[0]: int(r[6]) for r in agg.get("entered")}
    out = []
    for k in range(1, defn.n_steps + 1):
        reached, on = matched.get(k, 0), onward.get(k, 0)
        out.append(
            {
                "reached": reached,
                "entered": entered.get(k, 0),
                "proceeded": on,
                "exited": reached - on,
            }
        )
    return out


def with_reasons(
    defn: FunnelDefinition, agg: Aggregates, steps: list[StepResult]
) -> list[StepResult]:
    """§14: at step k + 1, the reasons of the units whose furthest step is k."""
    if defn.order == "any":
        return steps
    per_level = np.zeros((defn.n_steps + 1, len(REASONS)), dtype=np.int64)
    for furthest, reason, *_, n in agg.get("reason"):
        per_level[furthest, reason] += n
    return [
        s
        if s.number == 1
        else replace(
            s, reasons={r: int(c) for r, c in zip(REASONS, per_level[s.number - 1], strict=True)}
        )
        for s in steps
    ]


def histogram(defn: FunnelDefinition, agg: Aggregates) -> TimeHistogram | None:
    """§6: time to convert to the last step, from the same exact durations."""
    if defn.order == "any" or defn.n_steps < 2:
        return None
    n = defn.n_steps
    done = durations(agg.get("prev" if n == 2 else "conv"), n)
    return TimeHistogram.of(done, defn.window_ns)


def breakdown_result(defn: FunnelDefinition, agg: Aggregates) -> BreakdownResult | None:
    breakdown = defn.breakdown
    if breakdown is None:
        return None
    width = len(breakdown.names())
    per_group: dict[tuple[str, ...], np.ndarray] = {}
    for furthest, _, _, *values, n in agg.get("bd"):
        name = tuple(str(v) for v in values[:width])
        at = per_group.setdefault(name, np.zeros(defn.n_steps + 1, dtype=np.int64))
        at[furthest] += n
    matched: dict[tuple[str, ...], dict[int, int]] = {}
    for k, _, _, *values, n in agg.get("bdm"):  # §15: optional steps, matched
        matched.setdefault(tuple(str(v) for v in values[:width]), {})[k] = n
    groups = []
    for name, at in per_group.items():
        counts = [int(c) for c in np.cumsum(at[::-1])[::-1][1:]]
        for k, step in enumerate(defn.steps, 1):
            if step.optional:  # §15: the group's units that matched it
                counts[k - 1] = int(matched.get(name, {}).get(k, 0))
        if breakdown.is_list():
            groups.append(BreakdownGroup(JOINER.join(name), counts, name))
        else:
            groups.append(BreakdownGroup(name[0], counts))
    groups = [g for g in groups if g.counts and g.counts[0]]
    groups.sort(key=lambda g: (-g.counts[0], g.values or (g.value,)))
    return BreakdownResult(breakdown.property, breakdown.attribution, groups, breakdown.properties)


def entry_days(defn: FunnelDefinition, agg: Aggregates) -> EntryDays:
    per_day: dict[int, np.ndarray] = {}
    for day, furthest, *_, n in agg.get("day"):
        at = per_day.setdefault(int(day), np.zeros(defn.n_steps + 1, dtype=np.int64))
        at[furthest] += n
    days = sorted(per_day)
    counts = np.zeros((len(days), defn.n_steps), dtype=np.int64)
    for i, day in enumerate(days):
        counts[i] = np.cumsum(per_day[day][::-1])[::-1][1:]
    for k in (k for k, s in enumerate(defn.steps, 1) if s.optional):  # §15: matched
        counts[:, k - 1] = 0
    index = {day: i for i, day in enumerate(days)}
    for day, k, *_, n in agg.get("daym"):
        counts[index[int(day)], k - 1] = n
    span = agg.get("span")
    first, last = (span[0][0], span[0][1]) if span and span[0][6] else (0, 0)
    starts = np.array(days, dtype=np.int64) * NS_PER_DAY
    return EntryDays(starts, counts, int(first), int(last))


def micro_macro(defn: FunnelDefinition, agg: Aggregates) -> list[MicroMacroResult]:
    """§9 from the per-group counts: A did the micro conversion, B did not."""
    macro = macro_step(defn)
    out = []
    for i, (label, _, on_path) in enumerate(micro_matchers(defn)):
        if on_path:
            out.append(on_path_result(label, macro))
            continue
        cells = {(r[1], r[2]): r[6] for r in agg.get("mm") if r[0] == i}
        n_a = cells.get((1, 0), 0) + cells.get((1, 1), 0)
        n_b = cells.get((0, 0), 0) + cells.get((0, 1), 0)
        s_a, s_b = cells.get((1, 1), 0), cells.get((0, 1), 0)
        time_to_micro = TimingStats.of(durations(agg.get("mmt"), i))
        comparison = compare_proportions(s_a, n_a, s_b, n_b)
        out.append(
            MicroMacroResult(label, macro, False, n_a, n_b, s_a, s_b, comparison, time_to_micro)
        )
    return out
