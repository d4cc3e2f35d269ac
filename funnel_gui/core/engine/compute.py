"""compute(table, definition): every number of FUNNEL_SEMANTICS §3–§7, vectorised with numpy.

The table's rows are arranged once per unit (actor, or actor+session) and each event
name's rows are found once and kept (`RowSet`), so a recompute after an edit starts from
the steps' row sets; attempts are chained step by step for all units at once
(`attempts.py`), and per-unit outcomes come from one reduction over the attempts that
got each step.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cached_property

import numpy as np

from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition
from funnel_gui.core.engine.attempts import (
    NONE,
    Attempts,
    BestAttempts,
    RowSet,
    UnitFrame,
    any_order_attempts,
    best_attempts,
    sequential_attempts,
    tie_group_start,
    void_any_order,
    void_by_exclusion,
)
from funnel_gui.core.engine.matching import event_codes, filters_hold, property_text, unknown_events
from funnel_gui.core.engine.micro_macro import (
    ReportedAttempts,
    macro_step,
    micro_macro_impact,
    micro_matchers,
    on_path_result,
)
from funnel_gui.core.engine.results import FunnelResult, MicroMacroResult, UnitResults
from funnel_gui.core.engine.summary import BreakdownCodes, summarise
from funnel_gui.core.events import EventTable
from funnel_gui.core.io.rowcodes import stable_order_of_codes
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled, report


class ComputeCancelled(TaskCancelled):
    """The caller's cancel check turned true; no result."""


# Event names whose rows are kept per unit layout; more are looked up again when used.
_KEPT_EVENT_ROWS = 32


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
        self._event_rows: OrderedDict[int, RowSet] = OrderedDict()

    def take(self, values: np.ndarray) -> np.ndarray:
        return values if self.positions is None else values[self.positions]

    def table_rows(self, working: np.ndarray) -> np.ndarray:
        return working if self.positions is None else self.positions[working]

    def event_rows(self, code: int) -> RowSet:
        """The working rows of one event name; the most recently used ones are kept."""
        # pop and re-insert (not move_to_end): safe if two computes share the table.
        found = self._event_rows.pop(code, None)
        if found is None:
            found = RowSet(self.frame, np.flatnonzero(self.events == code))
        self._event_rows[code] = found
        while len(self._event_rows) > _KEPT_EVENT_ROWS:
            self._event_rows.popitem(last=False)
        return found

    def matcher_rows(self, table: EventTable, matcher: EventMatcher) -> RowSet:
        """The working rows the matcher accepts (§2): its names OR'd, its filters AND'd."""
        codes = sorted(set(event_codes(table, matcher)))
        if len(codes) == 1 and not matcher.where:
            return self.event_rows(codes[0])
        parts = [self.event_rows(code).positions for code in codes]
        # Each part is sorted: the stable sort merges the runs in linear time.
        positions = np.sort(np.concatenate(parts), kind="stable") if parts else np.zeros(0, int)
        if matcher.where and len(positions):
            positions = positions[filters_hold(table, matcher.where, self.table_rows(positions))]
        return RowSet(self.frame, positions.astype(np.int64, copy=False))

    @cached_property
    def tie_start(self) -> np.ndarray:
        return tie_group_start(self.frame)


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
            loose = int(np.count_nonzero(table.session < 0))
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
    steps = [rows.matcher_rows(table, s.matcher) for s in definition.steps]
    step(0.3, "Following attempts")
    attempts = _attempts(rows, steps, definition)
    step(0.6, "Applying exclusions")
    _apply_exclusions(table, rows, attempts, definition)
    step(0.7, "Summarising")
    units, reported, groups = _unit_results(table, rows, attempts, definition)
    step(0.8, "Comparing micro and macro conversions")
    impacts = _impacts(table, rows, reported, definition, steps)
    warnings = _warnings(table, definition)
    last = table.last_time_ns
    result = summarise(definition, units, table.actor_ids, last, warnings, groups)
    result.micro_macro = impacts
    result.session_ids = table.session_ids
    step(1.0, "Done")
    return result


def _impacts(
    table: EventTable,
    rows: _Rows,
    reported: ReportedAttempts,
    defn: FunnelDefinition,
    steps: list[RowSet],
) -> list[MicroMacroResult]:
    macro = macro_step(defn)
    known = {s.matcher: rs for s, rs in zip(defn.steps, steps, strict=True)}
    out = []
    for label, matcher, on_path in micro_matchers(defn):
        if on_path:
            out.append(on_path_result(label, macro))
            continue
        hits = known.get(matcher)
        if hits is None:
            hits = rows.matcher_rows(table, matcher)
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


def _attempts(rows: _Rows, steps: list[RowSet], defn: FunnelDefinition) -> Attempts:
    if defn.order == "any":
        anywhere = np.zeros(len(rows.frame.time), dtype=bool)
        for rs in steps:
            anywhere[rs.positions] = True
        entries = _in_range(RowSet(rows.frame, np.flatnonzero(anywhere)), defn)
        return any_order_attempts(steps, entries, rows.tie_start, window=defn.window_ns)
    return sequential_attempts(
        steps,
        _in_range(steps[0], defn),
        window=defn.window_ns,
        strict=defn.order == "strict",
        min_gaps=[s.min_gap_ns for s in defn.steps],
        max_gaps=[s.max_gap_ns for s in defn.steps],
    )


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


def _apply_exclusions(
    table: EventTable, rows: _Rows, attempts: Attempts, defn: FunnelDefinition
) -> None:
    for exclusion in defn.exclusions:
        hits = rows.matcher_rows(table, exclusion.matcher).positions
        if not len(hits):
            continue
        if defn.order == "any":
            attempts.void |= void_any_order(rows.frame, attempts, hits)
        else:
            attempts.void |= void_by_exclusion(rows.frame, attempts, hits, exclusion.between)


def _unit_results(
    table: EventTable, rows: _Rows, attempts: Attempts, defn: FunnelDefinition
) -> tuple[UnitResults, ReportedAttempts, BreakdownCodes | None]:
    """§3.4: furthest step over non-void attempts; reported = earliest reaching it."""
    n_steps = defn.n_steps
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
        no_units = ReportedAttempts(empty, no_steps, empty, empty.astype(bool), empty)
        no_groups = None if defn.breakdown is None else BreakdownCodes(empty, empty.astype(object))
        return empty_units, no_units, no_groups
    furthest, excluded = best.furthest, best.excluded
    positions = best.positions
    # An excluded unit has no reported attempt; its window end has always been the first
    # attempt's (meaningless, and never read: every user masks excluded units out).
    entry_time = best.times[0]
    if excluded.any():
        entry_time = np.where(excluded, attempts.entries.time[0], entry_time)
    window_end = entry_time + attempts.window
    still_open = (furthest < n_steps) & (window_end > table.last_time_ns)
    still_open &= ~excluded
    groups = _breakdown(table, rows, defn, best, attempts)
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
    )
    reported = ReportedAttempts(best.entry, positions, window_end, excluded, furthest)
    return unit_results, reported, groups


def _table_rows_of(rows: _Rows, positions: np.ndarray) -> np.ndarray:
    """Working rows (NONE where a step was not reached) as table rows, step by step: most
    units stop early, so only the rows that were reached are looked up."""
    out = np.full_like(positions, NONE)
    for k, step_positions in enumerate(positions):
        at = np.flatnonzero(step_positions != NONE)
        out[k, at] = rows.table_rows(step_positions[at])
    return out


def _breakdown(
    table: EventTable, rows: _Rows, defn: FunnelDefinition, best: BestAttempts, attempts: Attempts
) -> BreakdownCodes | None:
    """§5: the property on the reported attempt's step-1 / furthest / step-N event.

    Worked out as integer codes into a few names, so millions of units cost one lookup
    each, and the groups are counted from the codes without hashing any text.
    """
    if defn.breakdown is None:
        return None
    furthest = best.furthest
    n = defn.breakdown.step_number()
    if defn.order == "any":
        # Any order has no per-step events: the entry event e stands for every step
        # (§3.3), and "step N" means "N steps done".
        pick = best.entry
        if n is not None:
            pick = np.where(furthest >= n, pick, NONE)
    else:
        pick = _sequential_pick(defn.breakdown.attribution, best.positions, furthest)
    prop = property_text(table, defn.breakdown.property)
    known = [] if prop is None else prop.values
    none, not_reached, excluded = len(known), len(known) + 1, len(known) + 2
    names = np.array([*known, "(none)", "(not reached)", None], dtype=object)
    reached = pick != NONE
    if prop is None:
        codes = np.full(len(furthest), none, dtype=np.int64)
    elif reached.all():
        codes = prop.codes[rows.table_rows(pick)].astype(np.int64)
        codes[codes < 0] = none
    else:
        codes = np.full(len(furthest), none, dtype=np.int64)
        found = prop.codes[rows.table_rows(pick[reached])]
        codes[reached] = np.where(found < 0, none, found)
    if n is not None:
        codes[~reached] = not_reached
    codes[best.excluded] = excluded
    return BreakdownCodes(codes, names)


def _sequential_pick(attribution: str, positions: np.ndarray, furthest: np.ndarray) -> np.ndarray:
    if attribution == "first_step":
        return np.asarray(positions[0])
    if attribution == "last_step":
        last = np.maximum(furthest - 1, 0)
        return np.asarray(positions[last, np.arange(positions.shape[1])])
    n = int(attribution[5:])
    return np.asarray(positions[n - 1])
