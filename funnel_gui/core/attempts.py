"""Attempts (FUNNEL_SEMANTICS §3–§4), vectorised over all units at once.

Works on a `UnitFrame`: the table's rows ordered by unit, then time, then input order,
so each unit is one contiguous slice and "after" means a larger position. Every
step-1 match starts an attempt; each step is then one vectorised search for all
attempts still going, never a Python loop over units or events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONE = -1


@dataclass(frozen=True)
class UnitFrame:
    time: np.ndarray  # int64 ns per working row
    unit: np.ndarray  # dense unit id per working row, non-decreasing
    unit_end: np.ndarray  # per unit id: exclusive end position of its rows

    def end_of(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.unit_end[self.unit[positions]])


@dataclass
class Attempts:
    """One column per attempt: matched positions per step (NONE = not reached)."""

    start: np.ndarray  # position of the entry event (step 1, or any step in any order)
    positions: np.ndarray  # (n_steps, n_attempts) int64
    level: np.ndarray  # steps reached
    void: np.ndarray  # bool
    window_end: np.ndarray  # int64 ns: entry time + window (inclusive)


def first_after(matches: np.ndarray, after: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Index into `matches` (sorted positions) of the first match > after and < end."""
    lo = np.searchsorted(matches, after, side="right")
    hi = np.searchsorted(matches, end, side="left")
    return np.where(lo < hi, lo, NONE)


def first_at_time(
    match_time: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    not_before: np.ndarray,
) -> np.ndarray:
    """Per query, the first index in [lo, hi) whose time is >= not_before (hi if none).

    Inside one unit, later positions never have earlier times, so a binary search over
    each query's own range works; it runs for all queries at once, log2(range) rounds.
    """
    lo, hi = lo.copy(), hi.copy()
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        early = np.zeros(len(lo), dtype=bool)
        early[active] = match_time[mid[active]] < not_before[active]
        lo = np.where(active & early, mid + 1, lo)
        hi = np.where(active & ~early, mid, hi)
        active = lo < hi
    return lo


def chain_step(
    frame: UnitFrame,
    matches: np.ndarray,
    previous: np.ndarray,
    *,
    strict: bool,
    min_gap: int | None,
    step_mask: np.ndarray,
) -> np.ndarray:
    """Position of the event filling the next step after `previous`, or NONE (§3.1, §3.2).

    Sequential: the first later event of the unit matching the step and at least
    `min_gap` after the previous step's event. Strict: the very next event of the unit,
    which must match (and respect `min_gap`).
    """
    prev_unit = frame.unit[previous]
    if strict:
        nxt = np.minimum(previous + 1, len(frame.time) - 1)
        ok = (previous + 1 < len(frame.time)) & (frame.unit[nxt] == prev_unit) & step_mask[nxt]
        if min_gap:
            ok &= frame.time[nxt] >= frame.time[previous] + min_gap
        return np.where(ok, nxt, NONE)
    if not len(matches):
        return np.full(len(previous), NONE, dtype=np.int64)
    lo = np.searchsorted(matches, previous, side="right")
    if min_gap:
        hi = np.searchsorted(matches, frame.end_of(previous), side="left")
        lo = first_at_time(frame.time[matches], lo, hi, frame.time[previous] + min_gap)
    candidate = matches[np.minimum(lo, len(matches) - 1)]
    # Rows are grouped by unit, so the next match belongs to this unit or to a later one.
    ok = (lo < len(matches)) & (frame.unit[candidate] == prev_unit)
    return np.where(ok, candidate, NONE)


def sequential_attempts(
    frame: UnitFrame,
    masks: list[np.ndarray],
    matches: list[np.ndarray],
    starts: np.ndarray,
    *,
    window: int,
    strict: bool,
    min_gaps: list[int | None],
    max_gaps: list[int | None],
) -> Attempts:
    """Chain every attempt step by step; an attempt stops at the first step it misses.

    Only the attempts still going are carried from step to step (compacted arrays), so
    each step costs in proportion to the attempts that reached the one before.
    """
    n_steps, n = len(masks), len(starts)
    positions = np.full((n_steps, n), NONE, dtype=np.int64)
    positions[0] = starts
    window_end = frame.time[starts] + window
    level = np.ones(n, dtype=np.int64)
    going, previous, going_end = np.arange(n), starts, window_end
    for k in range(1, n_steps):
        if not len(going):
            break
        nxt = chain_step(
            frame, matches[k], previous, strict=strict, min_gap=min_gaps[k], step_mask=masks[k]
        )
        ok = nxt != NONE
        t_next = frame.time[np.maximum(nxt, 0)]
        ok &= t_next <= going_end
        if max_gaps[k] is not None:
            ok &= t_next - frame.time[previous] <= max_gaps[k]
        keep = np.flatnonzero(ok)
        going, previous, going_end = going[keep], nxt[keep], going_end[keep]
        positions[k, going] = previous
        level[going] += 1
    return Attempts(starts, positions, level, np.zeros(n, dtype=bool), window_end)


def any_order_attempts(
    frame: UnitFrame, matches: list[np.ndarray], starts: np.ndarray, *, window: int
) -> Attempts:
    """§3.3: an attempt per event matching any step; its level counts the distinct steps
    with a match whose time is in [t(e), t(e) + window] (by time, so ties count).

    "By time" is turned into "by position": the first row of e's unit with e's time is
    where its ties begin, and from there on positions and times rise together.
    """
    n_steps, n = len(matches), len(starts)
    positions = np.full((n_steps, n), NONE, dtype=np.int64)
    window_end = frame.time[starts] + window
    tie_start = _tie_group_start(frame, starts)
    level = np.zeros(n, dtype=np.int64)
    unit = frame.unit[starts]
    for k in range(n_steps):
        step_rows = matches[k]
        if not len(step_rows):
            continue
        idx = np.searchsorted(step_rows, tie_start, side="left")
        pos = step_rows[np.minimum(idx, len(step_rows) - 1)]
        found = (idx < len(step_rows)) & (frame.unit[pos] == unit)
        found &= frame.time[pos] <= window_end
        positions[k] = np.where(found, pos, NONE)
        level += found
    return Attempts(starts, positions, level, np.zeros(n, dtype=bool), window_end)


def _tie_group_start(frame: UnitFrame, positions: np.ndarray) -> np.ndarray:
    """For each position, the first position of its unit holding the same time."""
    time, unit = frame.time, frame.unit
    new_group = np.ones(len(time), dtype=bool)
    new_group[1:] = (time[1:] != time[:-1]) | (unit[1:] != unit[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(time)), 0))
    return np.asarray(group_start[positions])


def void_by_exclusion(
    frame: UnitFrame, attempts: Attempts, excluded_rows: np.ndarray, between: tuple[int, int]
) -> np.ndarray:
    """§4: an exclusion event after the step-a event and before the step-b event (or, if
    step b was never reached, no later than the window's end) voids the attempt."""
    a, b = between
    since = attempts.positions[a - 1]
    reached_a = since != NONE
    safe_since = np.where(reached_a, since, attempts.start)
    idx = first_after(excluded_rows, safe_since, frame.end_of(safe_since))
    hit = reached_a & (idx != NONE)
    where = excluded_rows[np.maximum(idx, 0)] if len(excluded_rows) else idx
    until = attempts.positions[b - 1]
    before_b = where < until
    in_window = frame.time[np.where(hit, where, 0)] <= attempts.window_end
    return np.asarray(hit & np.where(until != NONE, before_b, in_window))


def void_any_order(frame: UnitFrame, attempts: Attempts, excluded_rows: np.ndarray) -> np.ndarray:
    """§3.3: in any-order funnels an exclusion anywhere in the window after e voids it."""
    start = attempts.start
    idx = first_after(excluded_rows, start, frame.end_of(start))
    hit = idx != NONE
    where = excluded_rows[np.maximum(idx, 0)] if len(excluded_rows) else idx
    return np.asarray(hit & (frame.time[np.where(hit, where, 0)] <= attempts.window_end))
