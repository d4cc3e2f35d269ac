"""Ordered funnels' attempts (FUNNEL_SEMANTICS §3.1, §3.2): each attempt chained step by
step, for all attempts at once, stopping at the first step it misses.
"""

from __future__ import annotations

import numpy as np

from funnel_gui.core.arrays import first_at_time
from funnel_gui.core.engine.attempts import Attempts, Tier, known
from funnel_gui.core.engine.row_sets import RowSet


def sequential_attempts(
    steps: list[RowSet],
    entries: RowSet,
    *,
    window: int,
    strict: bool,
    min_gaps: list[int | None],
    max_gaps: list[int | None],
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
) -> Tier:
    """The members of `tier` that fill the next step, and with which event."""
    frame = step.frame
    prev, unit = known(tier.position), tier.unit
    # The entry tier's times are the entries' (kept with them); later tiers carry theirs.
    prev_time = entries.time if tier.time is None else tier.time
    if strict:
        # The very next row of the unit, which must match the step.
        nxt = prev + 1
        inside = nxt < frame.unit_end[unit]
        inside[inside] = step.contains(nxt[inside])
        sel = np.flatnonzero(inside)
        pos = nxt[sel]
        t = np.asarray(frame.time[pos])
    elif min_gap:
        lo = step.count_through(prev)
        hi = step.count_through(frame.unit_end[unit] - 1)
        lo = first_at_time(step.time, lo, hi, prev_time + min_gap)
        sel = np.flatnonzero(lo < hi)
        pos, t = step.positions[lo[sel]], step.time[lo[sel]]
    else:
        idx = step.count_through(prev)
        # Rows are grouped by unit, so the next match is this unit's or a later one's.
        sel = np.flatnonzero(step.unit_or_none[idx] == unit)
        idx = idx[sel]
        pos, t = step.positions[idx], step.time[idx]
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
