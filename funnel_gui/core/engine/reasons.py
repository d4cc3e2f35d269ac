"""Why they stopped (FUNNEL_SEMANTICS §14): per unit whose furthest step k is below the
last, the first reason that holds for its reported attempt not reaching step k + 1.

Vectorised per level k: every unit stopping at k asks the same questions of step k + 1's
rows (the next row, the first later match, the first later match at least `min_gap`
after, any later row with one of the step's names), each one rank lookup or binary
search for all of them at once. Ordered funnels only; any order has no next step.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from funnel_gui.core.arrays import first_at_time
from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition, Step
from funnel_gui.core.engine.micro_macro import ReportedAttempts
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.results import REASONS, FunnelResult
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame

NO_REASON = -1
_CODE = {name: np.int8(i) for i, name in enumerate(REASONS)}
_INT64_MAX = int(np.iinfo(np.int64).max)


def attach_reasons(
    result: FunnelResult,
    rows: UnitRows,
    steps: list[RowSet],
    reported: ReportedAttempts,
) -> None:
    """Put each unit's reason (`units.reason`) and each step's reason counts
    (`StepResult.reasons`, from step 2 on) on an ordered funnel's result."""
    defn = result.definition
    if defn.order == "any":
        return  # §14 is about the next step: any order has none
    codes = unit_reasons(rows, steps, reported, result.units.still_open, defn)
    result.units = replace(result.units, reason=codes)
    n_reasons = len(REASONS)
    has = codes != NO_REASON
    # furthest k's reasons belong to step k + 1: one bincount over (k, reason) pairs.
    pairs = reported.furthest[has] * n_reasons + codes[has]
    table = np.bincount(pairs, minlength=(defn.n_steps + 1) * n_reasons)
    table = table.reshape(defn.n_steps + 1, n_reasons)
    result.steps = [
        s if s.number == 1 else replace(s, reasons=_named(table[s.number - 1]))
        for s in result.steps
    ]


def _named(counts: np.ndarray) -> dict[str, int]:
    return {name: int(c) for name, c in zip(REASONS, counts, strict=True)}


def unit_reasons(
    rows: UnitRows,
    steps: list[RowSet],
    reported: ReportedAttempts,
    still_open: np.ndarray,
    defn: FunnelDefinition,
) -> np.ndarray:
    """Per entered unit, its reason as an index into REASONS (int8), NO_REASON for units
    that reached the last step or are excluded."""
    frame = rows.frame
    out = np.full(len(reported.furthest), NO_REASON, dtype=np.int8)
    counted = ~reported.excluded
    # No event lies after the data's last instant, so capping min_gap there changes no
    # answer and keeps `time + min_gap` inside int64 (as compute does for attempts).
    room = _INT64_MAX - int(frame.time.max()) if len(frame.time) else _INT64_MAX
    for k in range(1, defn.n_steps):
        at = np.flatnonzero(counted & (reported.furthest == k))
        if not len(at):
            continue
        nxt = defn.steps[k]
        out[at] = _stopped_at(
            frame,
            steps[k],
            _named_rows(rows, nxt),
            reported.positions[k - 1, at],
            reported.window_end[at],
            still_open[at],
            strict=defn.order == "strict",
            min_gap=None if nxt.min_gap_ns is None else min(nxt.min_gap_ns, room),
            max_gap=nxt.max_gap_ns,
        )
    return out


def _named_rows(rows: UnitRows, step: Step) -> RowSet | None:
    """The rows bearing one of the step's names whatever their properties (for `filter`);
    None when the step has no filters, so the names alone already match."""
    if not step.where:
        return None
    return rows.matcher_rows(EventMatcher(events=step.events))


def _stopped_at(
    frame: UnitFrame,
    match: RowSet,
    named: RowSet | None,
    at: np.ndarray,
    window_end: np.ndarray,
    still_open: np.ndarray,
    *,
    strict: bool,
    min_gap: int | None,
    max_gap: int | None,
) -> np.ndarray:
    """§14's rules in priority order for units whose step-k events are `at`."""
    unit = frame.unit[at]
    t_at = frame.time[at]
    conditions: list[np.ndarray] = [still_open]
    choices = [_CODE["still_open"]]
    if strict:
        interrupted, too_soon = _strict_next(frame, match, at, unit, window_end, min_gap)
        conditions += [interrupted, too_soon]
        choices += [_CODE["interrupted"], _CODE["min_gap"]]
    # The first later match, and the first later match at least min_gap after (§3.1).
    first = match.count_through(at)
    any_later = match.unit_or_none[first] == unit
    found, first_far = any_later, first
    if min_gap:
        end = match.count_through(frame.unit_end[unit] - 1)
        first_far = first_at_time(match.time, first, end, t_at + min_gap)
        found = first_far < end
    t_far = match.time[np.minimum(first_far, len(match) - 1)] if len(match) else t_at
    late = found & (t_far > window_end)
    conditions.append(late)
    choices.append(_CODE["window"])
    if max_gap is not None:
        conditions.append(found & ~late & (t_far - t_at > max_gap))
        choices.append(_CODE["max_gap"])
    conditions.append(any_later & ~found)
    choices.append(_CODE["min_gap"])
    if named is not None:
        conditions.append(named.unit_or_none[named.count_through(at)] == unit)
        choices.append(_CODE["filter"])
    return np.asarray(np.select(conditions, choices, default=_CODE["never"]), dtype=np.int8)


def _strict_next(
    frame: UnitFrame,
    match: RowSet,
    at: np.ndarray,
    unit: np.ndarray,
    window_end: np.ndarray,
    min_gap: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Strict order (§3.2): whether the very next row lies inside the window and does not
    match (`interrupted`), and whether it matches but comes sooner than min_gap."""
    nxt = at + 1
    has_next = nxt < frame.unit_end[unit]
    nxt = np.where(has_next, nxt, at)  # a valid row to read; masked out below
    t_next = frame.time[nxt]
    matches = has_next & _contains(match, nxt)
    interrupted = has_next & (t_next <= window_end) & ~matches
    too_soon = matches & (t_next < frame.time[at] + min_gap) if min_gap else np.zeros_like(matches)
    return interrupted, too_soon


def _contains(rows: RowSet, positions: np.ndarray) -> np.ndarray:
    if not len(rows):
        return np.zeros(len(positions), dtype=bool)
    # The member at or after each row is the row itself exactly when it is a member.
    idx = np.minimum(rows.count_before(positions), len(rows) - 1)
    return np.asarray(rows.positions[idx] == positions)
