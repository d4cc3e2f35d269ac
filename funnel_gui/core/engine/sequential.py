"""Ordered funnels' attempts (FUNNEL_SEMANTICS §3.1, §3.2): each attempt chained step by
step, for all attempts at once, stopping at the first step it misses.

With properties held constant (§17) a step's event must also carry the step-1 event's
held values: sequential order searches the step in the attempt's held unit (`held`),
strict order checks that the very next row is in it.
"""

from __future__ import annotations

import numpy as np

from funnel_gui.core.arrays import first_at_time
from funnel_gui.core.engine.attempts import Attempts, Tier, known
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame


def sequential_attempts(
    steps: list[RowSet],
    entries: RowSet,
    *,
    window: int,
    strict: bool,
    min_gaps: list[int | None],
    max_gaps: list[int | None],
    held: HeldSearch | None = None,
) -> Attempts:
    """Chain every attempt step by step (§3.1, §3.2); an attempt stops at the first
    step it misses: no later event fills it, or the one that does is past the window
    or the step's max gap."""
    frame = entries.frame
    tiers = [Tier(None, entries.positions, entries.unit, None, None, None)]
    for k in range(1, len(steps)):
        if not len(tiers[-1].unit):
            break
        tiers.append(
            _next_tier(
                tiers[-1],
                entries,
                steps[k],
                window,
                strict=strict,
                min_gap=min_gaps[k],
                max_gap=max_gaps[k],
                held=None if held is None else (held, held.steps[k]),
            )
        )
    void = np.zeros(len(entries), dtype=bool)
    return Attempts(frame, entries, window, void, tiers)


def _next_tier(
    tier: Tier,
    entries: RowSet,
    step: RowSet,
    window: int,
    *,
    strict: bool,
    min_gap: int | None,
    max_gap: int | None,
    held: tuple[HeldSearch, RowSet] | None,
) -> Tier:
    """The members of `tier` that fill the next step, and with which event."""
    prev, unit = known(tier.position), tier.unit
    # The entry tier's times are the entries' (kept with them); later tiers carry theirs.
    prev_time = entries.time if tier.time is None else tier.time
    sel, pos, t = find_next(step, prev, unit, prev_time, strict=strict, min_gap=min_gap, held=held)
    window_end = prev_time[sel] + window if tier.window_end is None else tier.window_end[sel]
    ok = t <= window_end
    if strict and min_gap:
        ok &= t >= prev_time[sel] + min_gap
    if max_gap is not None:
        ok &= t - prev_time[sel] <= max_gap
    keep = sel[ok]
    return Tier(
        member=keep if tier.member is None else tier.member[keep],
        position=pos[ok],
        unit=unit[keep],
        time=t[ok],
        window_end=window_end[ok],
        parent=keep,
    )


def find_next(
    step: RowSet,
    prev: np.ndarray,
    unit: np.ndarray,
    prev_time: np.ndarray,
    *,
    strict: bool,
    min_gap: int | None,
    held: tuple[HeldSearch, RowSet] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per attempt at row `prev`, the event that may fill `step` next: the very next row
    (strict; its min_gap is left to the caller) or the first match after, at least
    `min_gap` later (sequential), searched among held values when `held` is given (§17).
    Returns the attempts that have one, its row and its time."""
    if strict:
        return _very_next(step, prev, unit, None if held is None else held[0])
    if held is None:
        return _first_after(step, prev, unit, prev_time, min_gap)
    search, held_step = held
    held_prev = search.to_held(prev)
    held_unit = np.asarray(held_step.frame.unit[held_prev])
    sel, pos, t = _first_after(held_step, held_prev, held_unit, prev_time, min_gap)
    return sel, search.to_base(pos), t


def _very_next(
    step: RowSet, prev: np.ndarray, unit: np.ndarray, held: HeldSearch | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§3.2: the very next row of the unit, which must match the step (and, §17, carry
    the held values: a row with other values is "something else")."""
    frame: UnitFrame = step.frame
    nxt = prev + 1
    inside = nxt < frame.unit_end[unit]
    inside[inside] = step.contains(nxt[inside])
    if held is not None:
        at = np.flatnonzero(inside)
        inside[at] = held.entry_units(nxt[at]) == held.entry_units(prev[at])
    sel = np.flatnonzero(inside)
    pos = nxt[sel]
    return sel, pos, np.asarray(frame.time[pos])


def _first_after(
    step: RowSet,
    prev: np.ndarray,
    unit: np.ndarray,
    prev_time: np.ndarray,
    min_gap: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§3.1: per attempt, the first row of the step after `prev` in its unit (at least
    `min_gap` later): the attempts that have one, its row and its time."""
    frame = step.frame
    if min_gap:
        lo = step.count_through(prev)
        hi = step.count_through(frame.unit_end[unit] - 1)
        lo = first_at_time(step.time, lo, hi, prev_time + min_gap)
        sel = np.flatnonzero(lo < hi)
        return sel, step.positions[lo[sel]], step.time[lo[sel]]
    idx = step.count_through(prev)
    # Rows are grouped by unit, so the next match is this unit's or a later one's.
    sel = np.flatnonzero(step.unit_or_none[idx] == unit)
    idx = idx[sel]
    return sel, step.positions[idx], step.time[idx]
