"""compute(table, definition): every number of FUNNEL_SEMANTICS §3–§7, vectorised with numpy.

The table's rows are arranged once per unit (actor, or actor+session), steps are
matched as boolean masks, attempts are chained step by step for all units at once
(`attempts.py`), and per-unit outcomes come from reductions over attempt runs.
"""

from __future__ import annotations

import numpy as np

from funnel_gui.core.attempts import (
    NONE,
    Attempts,
    UnitFrame,
    any_order_attempts,
    sequential_attempts,
    void_any_order,
    void_by_exclusion,
)
from funnel_gui.core.definition import FunnelDefinition
from funnel_gui.core.events import EventTable
from funnel_gui.core.impact import (
    ReportedAttempts,
    macro_step,
    micro_macro_impact,
    micro_matchers,
    on_path_result,
)
from funnel_gui.core.io.rowcodes import stable_order_of_codes
from funnel_gui.core.matching import matcher_mask, property_text, unknown_events
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled, report
from funnel_gui.core.results import NAT, FunnelResult, MicroMacroResult, UnitResults
from funnel_gui.core.summary import summarise


class ComputeCancelled(TaskCancelled):
    """The caller's cancel check turned true; no result."""


class _Rows:
    """The working rows: table positions ordered by unit, then time, then input order."""

    def __init__(self, table: EventTable, unit: str) -> None:
        if unit == "session" and table.session is not None:
            valid = np.flatnonzero(table.session >= 0)
            pair = table.actor[valid].astype(np.int64) * (int(table.session.max()) + 1)
            pair += table.session[valid]
            _, dense = np.unique(pair, return_inverse=True)
            order = stable_order_of_codes(dense.astype(np.int64))
            self.positions: np.ndarray | None = valid[order]
            unit_ids = dense[order].astype(np.int64)
        elif unit == "session":
            self.positions, unit_ids = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        else:
            self.positions, unit_ids = None, table.actor
        n_units = int(unit_ids.max()) + 1 if len(unit_ids) else 0
        ends = np.cumsum(np.bincount(unit_ids, minlength=n_units))
        self.frame = UnitFrame(self.take(table.time), unit_ids, ends)
        self.events = self.take(table.event)
        first_row = np.concatenate(([0], ends[:-1])).astype(np.int64)
        self.unit_actor = self.take(table.actor)[first_row] if n_units else first_row
        self.unit_session = (
            self.take(table.session)[first_row]
            if unit == "session" and table.session is not None
            else None
        )

    def take(self, values: np.ndarray) -> np.ndarray:
        return values if self.positions is None else values[self.positions]

    @property
    def all_table_rows(self) -> np.ndarray | None:
        """Table positions of the working rows; None when they are the table's own order."""
        return self.positions

    def table_rows(self, working: np.ndarray) -> np.ndarray:
        return working if self.positions is None else self.positions[working]


def _warnings(table: EventTable, defn: FunnelDefinition) -> list[str]:
    """What the user should know about this definition on this data (never an error)."""
    matchers = [s.matcher for s in defn.steps]
    out = [
        f"No event named {name!r} in the data: steps using only it count 0."
        for name in unknown_events(table, matchers)
    ]
    others = [x.matcher for x in defn.exclusions] + [m.matcher for m in defn.micro_conversions]
    out += [
        f"No event named {name!r} in the data (exclusion or micro conversion)."
        for name in unknown_events(table, others)
        if name not in unknown_events(table, matchers)
    ]
    if defn.breakdown is not None and defn.breakdown.property not in table.property_names:
        out.append(f"No property {defn.breakdown.property!r} in the data: every group is (none).")
    if defn.unit == "session":
        if table.session is None or not table.n_sessions:
            out.append(
                "The data has no sessions, so a session funnel counts nothing. Map a "
                "session column when opening the file, or count people instead."
            )
        else:
            loose = int((table.session < 0).sum())
            if loose:
                share = f"{loose / len(table.session):.1%}"
                out.append(
                    f"1 event ({share}) has no session and is left out."
                    if loose == 1
                    else f"{loose:,} events ({share}) have no session and are left out."
                )
    return out


def _rows_of(table: EventTable, unit: str) -> _Rows:
    """The unit layout depends only on the table: built once per table and unit, so
    editing a funnel recomputes without re-arranging millions of rows."""
    cache: dict[str, _Rows] = table.__dict__.setdefault("_unit_rows_cache", {})
    if unit not in cache:
        cache[unit] = _Rows(table, unit)
    return cache[unit]


def compute(
    table: EventTable,
    definition: FunnelDefinition,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> FunnelResult:
    def step(at: float, message: str) -> None:
        report(progress, cancelled, at, message, error=ComputeCancelled)

    step(0.0, "Arranging events")
    rows = _rows_of(table, definition.unit)
    step(0.1, "Matching steps")
    all_rows = rows.all_table_rows
    masks = [matcher_mask(table, s.matcher, all_rows, rows.events) for s in definition.steps]
    matches = [np.flatnonzero(m) for m in masks]
    step(0.3, "Following attempts")
    attempts = _attempts(rows.frame, masks, matches, definition)
    step(0.6, "Applying exclusions")
    _apply_exclusions(table, rows, attempts, definition, all_rows)
    step(0.7, "Summarising")
    units, reported = _unit_results(table, rows, attempts, definition)
    step(0.8, "Comparing micro and macro conversions")
    impacts = _impacts(table, rows, reported, definition, all_rows, matches)
    warnings = _warnings(table, definition)
    last = table.last_time_ns
    result = summarise(definition, units, table.actor_ids, last, warnings)
    result.micro_macro = impacts
    result.session_ids = table.session_ids
    step(1.0, "Done")
    return result


def _impacts(
    table: EventTable,
    rows: _Rows,
    reported: ReportedAttempts,
    defn: FunnelDefinition,
    all_rows: np.ndarray | None,
    step_matches: list[np.ndarray],
) -> list[MicroMacroResult]:
    macro = macro_step(defn)
    known = {s.matcher: m for s, m in zip(defn.steps, step_matches, strict=True)}
    out = []
    for label, matcher, on_path in micro_matchers(defn):
        if on_path:
            out.append(on_path_result(label, macro))
            continue
        hits = known.get(matcher)
        if hits is None:
            hits = np.flatnonzero(matcher_mask(table, matcher, all_rows, rows.events))
        out.append(
            micro_macro_impact(
                rows.frame,
                reported,
                hits,
                label=label,
                macro=macro,
                on_path=on_path,
                any_order=defn.order == "any",
            )
        )
    return out


def _attempts(
    frame: UnitFrame, masks: list[np.ndarray], matches: list[np.ndarray], defn: FunnelDefinition
) -> Attempts:
    if defn.order == "any":
        starts = _in_range(frame, np.flatnonzero(np.logical_or.reduce(masks)), defn)
        return any_order_attempts(frame, matches, starts, window=defn.window_ns)
    starts = _in_range(frame, matches[0], defn)
    return sequential_attempts(
        frame,
        masks,
        matches,
        starts,
        window=defn.window_ns,
        strict=defn.order == "strict",
        min_gaps=[s.min_gap_ns for s in defn.steps],
        max_gaps=[s.max_gap_ns for s in defn.steps],
    )


def _in_range(frame: UnitFrame, entries: np.ndarray, defn: FunnelDefinition) -> np.ndarray:
    """§2: the date range bounds the entry event only."""
    span = defn.date_range
    if span is None or (span.start_ns is None and span.end_ns is None):
        return entries
    times = frame.time[entries]
    keep = np.ones(len(entries), dtype=bool)
    if span.start_ns is not None:
        keep &= times >= span.start_ns
    if span.end_ns is not None:
        keep &= times < span.end_ns
    return entries[keep]


def _apply_exclusions(
    table: EventTable,
    rows: _Rows,
    attempts: Attempts,
    defn: FunnelDefinition,
    all_rows: np.ndarray | None,
) -> None:
    for exclusion in defn.exclusions:
        hits = np.flatnonzero(matcher_mask(table, exclusion.matcher, all_rows, rows.events))
        if not len(hits):
            continue
        if defn.order == "any":
            attempts.void |= void_any_order(rows.frame, attempts, hits)
        else:
            attempts.void |= void_by_exclusion(rows.frame, attempts, hits, exclusion.between)


def _unit_results(
    table: EventTable, rows: _Rows, attempts: Attempts, defn: FunnelDefinition
) -> tuple[UnitResults, ReportedAttempts]:
    """§3.4: furthest step over non-void attempts; reported = earliest reaching it."""
    n_steps = defn.n_steps
    att_unit = rows.frame.unit[attempts.start]
    if not len(att_unit):
        empty = np.zeros(0, dtype=np.int64)
        no_steps = np.zeros((n_steps, 0), dtype=np.int64)
        empty_units = UnitResults(
            empty,
            None if rows.unit_session is None else empty,
            empty,
            empty.astype(bool),
            empty.astype(bool),
            no_steps.T.copy(),
            None if defn.breakdown is None else np.zeros(0, dtype=object),
            no_steps.T.copy(),
            empty,
        )
        return empty_units, ReportedAttempts(empty, no_steps, empty, empty.astype(bool), empty)
    boundary = np.concatenate(([True], att_unit[1:] != att_unit[:-1]))
    first = np.flatnonzero(boundary)
    run = np.cumsum(boundary) - 1  # attempt -> index of its unit among entered units
    level = np.where(attempts.void, 0, attempts.level)
    furthest = np.maximum.reduceat(level, first)
    excluded = ~np.logical_or.reduceat(~attempts.void, first)
    best = np.flatnonzero(~attempts.void & (level == furthest[run]))
    first_of_unit = np.ones(len(best), dtype=bool)
    first_of_unit[1:] = run[best][1:] != run[best][:-1]
    reported = best[first_of_unit]
    rep_of_unit = np.full(len(first), NONE, dtype=np.int64)
    rep_of_unit[run[reported]] = reported
    has_rep = rep_of_unit != NONE
    positions = np.ascontiguousarray(attempts.positions[:, np.maximum(rep_of_unit, 0)])
    if not has_rep.all():
        positions[:, ~has_rep] = NONE
    reached = positions != NONE
    # (n_steps, n_units) in C order, seen transposed: per-step columns stay contiguous.
    step_time = np.where(reached, rows.frame.time[np.where(reached, positions, 0)], NAT).T
    if defn.order == "any":
        step_time = _any_order_times(step_time, rows, attempts, rep_of_unit)
    last = table.last_time_ns
    window_end = attempts.window_end[np.maximum(rep_of_unit, 0)]
    still_open = ~excluded & (furthest < n_steps) & (window_end > last)
    units = att_unit[first]
    breakdown = _breakdown(table, rows, defn, positions, furthest, excluded, attempts, rep_of_unit)
    step_row = (
        positions
        if rows.positions is None
        else np.where(reached, rows.table_rows(np.where(reached, positions, 0)), NONE)
    )
    entry = np.where(rep_of_unit != NONE, attempts.start[np.maximum(rep_of_unit, 0)], NONE)
    unit_results = UnitResults(
        actor=rows.unit_actor[units].astype(np.int64),
        session=None if rows.unit_session is None else rows.unit_session[units],
        furthest=furthest.astype(np.int64),
        excluded=excluded,
        still_open=still_open,
        step_time=step_time,  # column-major: per-step columns are contiguous
        breakdown=breakdown,
        step_row=step_row.T,
        window_end=window_end,
    )
    return unit_results, ReportedAttempts(entry, positions, window_end, excluded, furthest)


def _any_order_times(
    step_time: np.ndarray, rows: _Rows, attempts: Attempts, rep_of_unit: np.ndarray
) -> np.ndarray:
    """Any order has no per-step timings (§3.3); the entry event's time is step 1's."""
    out = np.full_like(step_time, NAT)
    has = rep_of_unit != NONE
    out[has, 0] = rows.frame.time[attempts.start[rep_of_unit[has]]]
    return out


def _breakdown(
    table: EventTable,
    rows: _Rows,
    defn: FunnelDefinition,
    positions: np.ndarray,
    furthest: np.ndarray,
    excluded: np.ndarray,
    attempts: Attempts,
    rep_of_unit: np.ndarray,
) -> np.ndarray | None:
    """§5: the property on the reported attempt's step-1 / furthest / step-N event."""
    if defn.breakdown is None:
        return None
    n_units = len(furthest)
    n = defn.breakdown.step_number()
    if defn.order == "any":
        # Any order has no per-step events: the entry event e stands for every step
        # (§3.3), and "step N" means "N steps done".
        pick = np.where(rep_of_unit != NONE, attempts.start[np.maximum(rep_of_unit, 0)], NONE)
        if n is not None:
            pick = np.where(furthest >= n, pick, NONE)
    else:
        pick = _sequential_pick(defn.breakdown.attribution, positions, furthest)
    prop = property_text(table, defn.breakdown.property)
    values = np.full(n_units, "(none)", dtype=object)
    reached = pick != NONE
    if prop is not None and reached.any():
        codes = prop.codes[rows.table_rows(pick[reached])]
        names = np.array([*prop.values, "(none)"], dtype=object)
        values[reached] = names[np.where(codes < 0, len(prop.values), codes)]
    if n is not None:
        values[~reached] = "(not reached)"
    values[excluded] = None
    return values


def _sequential_pick(attribution: str, positions: np.ndarray, furthest: np.ndarray) -> np.ndarray:
    if attribution == "first_step":
        return np.asarray(positions[0])
    if attribution == "last_step":
        last = np.maximum(furthest - 1, 0)
        return np.asarray(positions[last, np.arange(positions.shape[1])])
    n = int(attribution[5:])
    return np.asarray(positions[n - 1])
