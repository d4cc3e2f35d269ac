"""compute(table, definition): every number of FUNNEL_SEMANTICS §3–§7, vectorised with numpy.

A `PreparedTable` arranges the table's rows once per unit (actor, or actor+session) and
keeps each event name's rows (`RowSet`), so a recompute after an edit starts from the
steps' row sets; attempts are chained step by step for all units at once
(`sequential.py`, `any_order.py`), and per-unit outcomes come from one reduction over the
attempts that got each step (`reported.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.definition.model import FunnelDefinition, shape_problem, totals_problem
from funnel_gui.core.engine.any_order import any_order_attempts, any_order_best
from funnel_gui.core.engine.attempts import Attempts
from funnel_gui.core.engine.breakdown import BreakdownCodes, breakdown_codes
from funnel_gui.core.engine.data_warnings import data_warnings
from funnel_gui.core.engine.exclusions import void_any_order, void_by_exclusion
from funnel_gui.core.engine.flexible import flexible_attempts, open_entries
from funnel_gui.core.engine.flexible_best import flexible_best
from funnel_gui.core.engine.held import HeldSearch, held_rows, hold_missing
from funnel_gui.core.engine.interruptions import strict_zero_notes
from funnel_gui.core.engine.micro_macro import (
    ReportedAttempts,
    SearchedBase,
    macro_step,
    micro_macro_impact,
    micro_matchers,
    on_path_result,
)
from funnel_gui.core.engine.prepared import LayoutKey, PreparedTable, UnitRows, prepare
from funnel_gui.core.engine.reasons import attach_reasons
from funnel_gui.core.engine.reported import best_attempts
from funnel_gui.core.engine.results import FunnelResult, MicroMacroResult, UnitResults
from funnel_gui.core.engine.row_sets import RowSet
from funnel_gui.core.engine.sequential import sequential_attempts
from funnel_gui.core.engine.summary import summarise
from funnel_gui.core.engine.totals import counted_attempts
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled, report


class ComputeCancelled(TaskCancelled):
    """The caller's cancel check turned true; no result."""


class UnsupportedDefinition(UserFacingError, ValueError):
    """A combination of options the counting rules do not define (totals in any order, an
    optional first step, ...): the message says which, for the app and the CLI to show."""


_INT64_MAX = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class ComputedFunnel:
    """A funnel result with the working rows and reported attempts it came from, for the
    analyses that look at each unit's events around its attempt (drivers, paths)."""

    result: FunnelResult
    rows: UnitRows
    reported: ReportedAttempts


def compute(
    source: PreparedTable | EventTable,
    definition: FunnelDefinition,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> FunnelResult:
    """The funnel result of `definition` on the table (§3–§9).

    Pass the same `PreparedTable` to repeated computes (the app's session does): the unit
    layouts, step rows and decoded properties it builds are then reused. A bare
    `EventTable` is prepared for this one call.
    """
    return compute_with_rows(source, definition, progress, cancelled).result


def compute_with_rows(
    source: PreparedTable | EventTable,
    definition: FunnelDefinition,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ComputedFunnel:
    """`compute`, keeping the working rows and reported attempts."""
    prepared = source if isinstance(source, PreparedTable) else prepare(source)
    table = prepared.table
    problem = totals_problem(definition.count, definition.order) or shape_problem(definition)
    if problem is not None:
        raise UnsupportedDefinition(problem[0].upper() + problem[1:] + ".")

    def step(at: float, message: str) -> None:
        report(progress, cancelled, at, message, error=ComputeCancelled)

    step(0.0, "Arranging events")
    # Funnel-wide filters and sessions from inactivity (§18, §20) make their own layout.
    rows = prepared.layout(LayoutKey.of(definition))
    step(0.1, "Matching steps")
    steps = [rows.matcher_rows(s.matcher) for s in definition.steps]
    held = _held_search(rows, steps, definition)
    step(0.3, "Following attempts")
    attempts = _attempts(rows, steps, definition, _searched(held))
    step(0.6, "Applying exclusions")
    if definition.order != "any":  # any order applied them before its levels
        _apply_exclusions(rows, attempts, definition)
    step(0.7, "Summarising")
    units, reported, groups = _unit_results(rows, attempts, definition)
    step(0.8, "Comparing micro and macro conversions")
    impacts = _impacts(rows, reported, definition, steps)
    warnings = data_warnings(table, definition)
    last = rows.last_time_ns
    result = summarise(definition, units, table.actor_ids, last, warnings, groups)
    result.micro_macro = impacts
    result.session_ids = rows.session_ids
    if held is not None:
        matchers = [s.matcher for s in definition.steps]
        result.hold_missing = hold_missing(held.layout, matchers, steps)
    attach_reasons(result, rows, steps, reported, _searched(held))  # §14
    result.warnings += strict_zero_notes(result, rows, reported)  # §3.2: who came between
    step(1.0, "Done")
    return ComputedFunnel(result, rows, reported)


def _held_search(rows: UnitRows, steps: list[RowSet], defn: FunnelDefinition) -> HeldSearch | None:
    """§17: the held layout and the steps' rows in it (ordered funnels search only steps
    2 on there; any order searches every step there)."""
    if not defn.hold:
        return None
    layout = held_rows(rows, defn.hold)
    if layout.changes_nothing:
        return HeldSearch(layout, [])  # only for hold_missing (0): attempts skip it
    return HeldSearch(layout, [layout.rows.matcher_rows(s.matcher) for s in defn.steps])


def _searched(held: HeldSearch | None) -> HeldSearch | None:
    """The held search attempts need: none when holding changes nothing (every event
    carries the values and each unit has one set of them)."""
    return None if held is None or held.layout.changes_nothing else held


def _impacts(
    rows: UnitRows,
    reported: ReportedAttempts,
    defn: FunnelDefinition,
    steps: list[RowSet],
) -> list[MicroMacroResult]:
    macro = macro_step(defn)
    known = {s.matcher: rs for s, rs in zip(defn.steps, steps, strict=True)}
    # Any order: a funnel step's first match per unit is already known (§3.3), unless
    # the steps are searched among held values (§17), which a micro conversion is not.
    firsts = {} if defn.hold else {s.matcher: k for k, s in enumerate(defn.steps)}
    optional_macro = defn.steps[macro - 1].optional
    base: SearchedBase | None = None
    out = []
    for label, matcher, on_path in micro_matchers(defn):
        if on_path:
            out.append(on_path_result(label, macro))
            continue
        hits = known.get(matcher)
        if hits is None:
            hits = rows.matcher_rows(matcher)
        k = firsts.get(matcher) if defn.order == "any" else None
        if k is None and base is None:
            base = SearchedBase.of(rows.frame, reported, macro, defn.order == "any", optional_macro)
        out.append(
            micro_macro_impact(
                rows.frame,
                reported,
                hits,
                label=label,
                macro=macro,
                on_path=on_path,
                any_order=defn.order == "any",
                known=None if k is None else reported.positions[k],
                optional_macro=optional_macro,
                base=base,
            )
        )
    return out


def _attempts(
    rows: UnitRows, steps: list[RowSet], defn: FunnelDefinition, held: HeldSearch | None
) -> Attempts:
    # No event lies after the data's last instant, so a longer window or min_gap cannot
    # match anything more; capping them there keeps `time + window` inside int64
    # (a 300-year window on 2026 data would otherwise wrap around, §2).
    times = rows.frame.time
    room = _INT64_MAX - int(times.max()) if len(times) else _INT64_MAX
    window = min(defn.window_ns, room)
    if defn.order == "any":
        anywhere = _any_step(rows, steps, defn)
        entries = _held_entries(_in_range(anywhere, defn), held)
        # Exclusions first: only the attempts that may be reported get their levels.
        probe = Attempts(rows.frame, entries, window, np.zeros(len(entries), dtype=bool), [])
        _apply_exclusions(rows, probe, defn)
        return any_order_attempts(
            steps,
            entries,
            window=window,
            held=held,
            void=probe.void,
            every_step_row=entries is anywhere,
        )
    if defn.open or defn.has_optional:  # §15: steps jumped over, attempts entering anywhere
        ranged = [_in_range(rs, defn) for rs in (steps if defn.open else steps[:1])]
        entries, start = open_entries(ranged, lambda first: _held_entries(first, held))
        return flexible_attempts(steps, entries, start, defn, window=window, room=room, held=held)
    return sequential_attempts(
        steps,
        _held_entries(_in_range(steps[0], defn), held),
        window=window,
        strict=defn.order == "strict",
        min_gaps=[None if s.min_gap_ns is None else min(s.min_gap_ns, room) for s in defn.steps],
        max_gaps=[s.max_gap_ns for s in defn.steps],
        held=held,
    )


def _any_step(rows: UnitRows, steps: list[RowSet], defn: FunnelDefinition) -> RowSet:
    """§3.3: the rows matching any step, kept with the layout for recomputes."""

    def union() -> RowSet:
        anywhere = np.zeros(len(rows.frame.time), dtype=bool)
        for rs in steps:
            anywhere[rs.positions] = True
        return RowSet(rows.frame, np.flatnonzero(anywhere))

    return rows.derived("any step", tuple(s.matcher for s in defn.steps), union)


def _held_entries(entries: RowSet, held: HeldSearch | None) -> RowSet:
    """§17: a step-1 event missing a held property starts no attempt."""
    if held is None or held.layout.all_present:
        return entries
    return entries.subset(held.entry_units(entries.positions) >= 0)


def _in_range(entries: RowSet, defn: FunnelDefinition) -> RowSet:
    """§2: the date range bounds the entry event only."""
    span = defn.date_range
    if span is None or (span.start_ns is None and span.end_ns is None):
        return entries
    times = entries.time
    keep = np.ones(len(entries), dtype=bool)
    if span.start_ns is not None:
        keep &= times >= span.start_ns
    if span.end_ns is not None:
        keep &= times < span.end_ns
    return entries.subset(keep)


def _apply_exclusions(rows: UnitRows, attempts: Attempts, defn: FunnelDefinition) -> None:
    for exclusion in defn.exclusions:
        hits = rows.matcher_rows(exclusion.matcher).positions
        if not len(hits):
            continue
        if defn.order == "any":
            attempts.void |= void_any_order(rows.frame, attempts, hits)
        else:
            attempts.void |= void_by_exclusion(rows.frame, attempts, hits, exclusion.between)


def _unit_results(
    rows: UnitRows, attempts: Attempts, defn: FunnelDefinition
) -> tuple[UnitResults, ReportedAttempts, BreakdownCodes | None]:
    """§3.4: furthest step over non-void attempts; reported = earliest reaching it.
    Counting attempts (§16), each counted attempt is a row of its own instead."""
    n_steps = defn.n_steps
    ordinal = None
    if defn.count == "totals":
        best, ordinal = counted_attempts(attempts, n_steps)
    elif attempts.any_order is not None:
        best = any_order_best(attempts)
    elif attempts.rounds is not None:
        best = flexible_best(attempts, n_steps)  # §15
    else:
        best = best_attempts(attempts, n_steps)
    if not len(best.unit):
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
        no_units = ReportedAttempts(empty, no_steps, empty, empty.astype(bool), empty, empty)
        no_groups = None if defn.breakdown is None else BreakdownCodes(empty, empty.astype(object))
        return empty_units, no_units, no_groups
    furthest, excluded = best.furthest, best.excluded
    positions = best.positions
    # An excluded unit has no reported attempt; its window end has always been the first
    # attempt's (meaningless, and never read: every user masks excluded units out).
    entry_time = best.times[0] if best.entry_time is None else best.entry_time
    if excluded.any():
        entry_time = np.where(excluded, attempts.entries.time[0], entry_time)
    window_end = entry_time + attempts.window
    still_open = (furthest < n_steps) & (window_end > rows.last_time_ns)
    still_open &= ~excluded
    groups = None if defn.breakdown is None else breakdown_codes(rows, defn, best)
    step_row = positions if rows.positions is None else _table_rows_of(rows, positions)
    unit_results = UnitResults(
        actor=rows.unit_actor[best.unit].astype(np.int64),
        session=None if rows.unit_session is None else rows.unit_session[best.unit],
        furthest=furthest,
        excluded=excluded,
        still_open=still_open,
        step_time=best.times.T,  # column-major: per-step columns are contiguous
        breakdown=None if groups is None else groups.values,
        step_row=step_row.T,
        window_end=window_end,
        breakdown_combination=None if groups is None else groups.combination(),
        attempt=ordinal,
        entry_step=None if not defn.open or best.start_step is None else best.start_step + 1,
    )
    reported = ReportedAttempts(
        best.entry, positions, window_end, excluded, furthest, best.unit, entry_time
    )
    return unit_results, reported, groups


def _table_rows_of(rows: UnitRows, positions: np.ndarray) -> np.ndarray:
    """Working rows (NONE where a step was not reached) as table rows, step by step: most
    units stop early, so only the rows that were reached are looked up."""
    out = np.full_like(positions, NONE)
    for k, step_positions in enumerate(positions):
        at = np.flatnonzero(step_positions != NONE)
        out[k, at] = rows.table_rows(step_positions[at])
    return out
