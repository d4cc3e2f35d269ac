"""Optional steps and open funnels (FUNNEL_SEMANTICS §15), vectorised over all attempts.

An attempt at step c looks for its next event among the candidate steps c + 1 up to the
first required step after c (only c + 1 without optional steps): per candidate one
search for all attempts at c at once (`sequential.find_next`), the earliest event wins
and, on one event, the lowest step. The window and that step's max gap then decide
whether the attempt goes on. An open funnel starts an attempt at every event matching
any step (one per step it matches); its attempts are numbered by start step, then in
row order. Each round keeps the attempts that went on, like the tiers of a closed
funnel, but a round's members may fill different steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.attempts import Attempts, Round
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.row_sets import RowSet
from funnel_gui.core.engine.sequential import find_next

_FAR = np.iinfo(np.int64).max


def candidates(optional: list[bool], c: int) -> range:
    """0-based steps an attempt at step c may fill next: c + 1 up to and including the
    first required step after c (§15)."""
    s = c + 1
    while s < len(optional) - 1 and optional[s]:
        s += 1
    return range(c + 1, s + 1)


def open_entries(
    steps: list[RowSet], first_only: Callable[[RowSet], RowSet]
) -> tuple[RowSet, np.ndarray]:
    """The attempts' entry events and start steps. Given only step 1's rows (a closed
    funnel), `first_only` of them, all starting at step 1. Open (§15): every event
    matching step s starts an attempt at s (an event matching several steps starts one
    at each). The attempts are grouped by start step, each group in row order (so by
    unit): no merge of the steps' rows, and each group is searched as one slice."""
    if len(steps) == 1:
        entries = first_only(steps[0])
        return entries, np.zeros(len(entries), dtype=np.int8)
    frame = steps[0].frame
    positions = np.concatenate([rs.positions for rs in steps]).astype(np.int64, copy=False)
    unit = np.concatenate([rs.unit for rs in steps])
    time = np.concatenate([rs.time for rs in steps])
    start = np.concatenate([np.full(len(rs), s, dtype=np.int8) for s, rs in enumerate(steps)])
    return RowSet(frame, positions, unit, time), start


@dataclass(frozen=True)
class _Search:
    """What every round's search needs to know of the funnel."""

    steps: list[RowSet]
    optional: list[bool]
    strict: bool
    min_gaps: list[int | None]
    max_gaps: list[int | None]
    held: HeldSearch | None
    window: int


@dataclass(frozen=True)
class _Live:
    """Live attempts at one step: their ids (or, for a run of entries, the first id),
    and their current event's row, unit and time, and window end (None: entries, whose
    window runs from `time`)."""

    step: int
    ids: np.ndarray | int
    pos: np.ndarray
    unit: np.ndarray
    time: np.ndarray
    end: np.ndarray | None


def flexible_attempts(
    steps: list[RowSet],
    entries: RowSet,
    start_step: np.ndarray,
    defn: FunnelDefinition,
    *,
    window: int,
    room: int,
    held: HeldSearch | None = None,
) -> Attempts:
    """Chain every attempt event by event until it stops (§3.1, §3.2 with §15). `room`:
    how far past the data's last instant a min_gap may reach (longer ones are capped).
    `start_step` must be non-decreasing (`open_entries` groups attempts by start step).

    Most attempts stop at their first search, so a round touches only the attempts at
    one step at a time and copies only those that go on (like the tiers of `sequential`).
    """
    search = _Search(
        steps,
        [s.optional for s in defn.steps],
        defn.order == "strict",
        [None if s.min_gap_ns is None else min(s.min_gap_ns, room) for s in defn.steps],
        [s.max_gap_ns for s in defn.steps],
        held,
        window,
    )
    n = len(steps)
    bounds = np.searchsorted(start_step, np.arange(n + 1, dtype=np.int8))
    pos, unit, time = entries.positions, entries.unit, entries.time
    live = [
        _Live(c, int(lo), pos[lo:hi], unit[lo:hi], time[lo:hi], None)
        for c, (lo, hi) in enumerate(pairwise(bounds.tolist()))
        if hi > lo and c < n - 1
    ]
    rounds: list[Round] = []
    while live:
        went_on = [part for group in live for part in _advance(search, group)]
        if not went_on:
            break
        rounds.append(
            Round(
                np.concatenate([_ids(g) for g in went_on]),
                np.concatenate([np.full(len(g.pos), g.step, dtype=np.int8) for g in went_on]),
                np.concatenate([g.pos for g in went_on]),
                np.concatenate([g.time for g in went_on]),
            )
        )
        live = _by_step([g for g in went_on if g.step < n - 1])
    void = np.zeros(len(entries), dtype=bool)
    return Attempts(entries.frame, entries, window, void, [], start_step=start_step, rounds=rounds)


def _ids(group: _Live) -> np.ndarray:
    if isinstance(group.ids, int):
        return np.arange(group.ids, group.ids + len(group.pos))
    return group.ids


def _advance(search: _Search, group: _Live) -> list[_Live]:
    """The attempts of `group` that go on, with the event they fill next, one part per
    step filled. The window runs from the entry event; the filled step's max gap decides."""
    found = _next_event(search, group.step, group.pos, group.unit, group.time)
    if found is None:
        return []
    sel, step, row, t = found
    prev = group.time[sel]
    end = prev + search.window if group.end is None else group.end[sel]
    ok = t <= end
    if isinstance(step, int):
        gap = search.max_gaps[step]
        if gap is not None:
            ok &= t - prev <= gap
    else:
        limits = np.array([_FAR if g is None else g for g in search.max_gaps])
        ok &= t - prev <= limits[step]
    keep = np.flatnonzero(ok)
    who = sel[keep]
    ids = who + group.ids if isinstance(group.ids, int) else group.ids[who]
    row, t, end, unit = row[keep], t[keep], end[keep], group.unit[who]
    if isinstance(step, int):
        return [_Live(step, ids, row, unit, t, end)] if len(keep) else []
    filled = step[keep]
    parts = []
    for s in np.flatnonzero(np.bincount(filled, minlength=len(search.steps))):
        at = np.flatnonzero(filled == s)
        parts.append(_Live(int(s), ids[at], row[at], unit[at], t[at], end[at]))
    return parts


def _by_step(groups: list[_Live]) -> list[_Live]:
    """One group per step: a round's parts filling the same step searched together."""
    out: dict[int, list[_Live]] = {}
    for group in groups:
        out.setdefault(group.step, []).append(group)
    merged = []
    for step, parts in sorted(out.items()):
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        ends = [p.end for p in parts]
        assert all(e is not None for e in ends)
        merged.append(
            _Live(
                step,
                np.concatenate([_ids(p) for p in parts]),
                np.concatenate([p.pos for p in parts]),
                np.concatenate([p.unit for p in parts]),
                np.concatenate([p.time for p in parts]),
                np.concatenate([e for e in ends if e is not None]),
            )
        )
    return merged


def _next_event(
    search: _Search, c: int, pos: np.ndarray, unit: np.ndarray, time: np.ndarray
) -> tuple[np.ndarray, int | np.ndarray, np.ndarray, np.ndarray] | None:
    """For attempts at step c: those with a next event among the candidate steps, the
    step it fills (one int when there is one candidate), its row and its time. The
    earliest event wins, the lowest step on one event (§15)."""
    best: tuple[np.ndarray, int | np.ndarray, np.ndarray, np.ndarray] | None = None
    for s in candidates(search.optional, c):
        min_gap = search.min_gaps[s]
        sel, row, t = find_next(
            search.steps[s],
            pos,
            unit,
            time,
            strict=search.strict,
            min_gap=min_gap,
            held=None if search.held is None else (search.held, search.held.steps[s]),
        )
        if search.strict and min_gap:  # the very next row must also be min_gap later
            far = np.flatnonzero(t >= time[sel] + min_gap)
            sel, row, t = sel[far], row[far], t[far]
        if best is None:
            best = (sel, s, row, t)
            continue
        best = _earlier(best, (sel, s, row, t), len(pos))
    return best


def _earlier(
    a: tuple[np.ndarray, int | np.ndarray, np.ndarray, np.ndarray],
    b: tuple[np.ndarray, int, np.ndarray, np.ndarray],
    size: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per attempt the earlier of two candidates' events (`a` on a tie: its steps are
    lower)."""
    row = np.full(size, _FAR, dtype=np.int64)
    step = np.full(size, NONE, dtype=np.int8)
    time = np.zeros(size, dtype=np.int64)
    for sel, s, r, t in (b, a):  # a written last: it wins ties
        better = r <= row[sel]
        at = sel[better]
        row[at], time[at] = r[better], t[better]
        step[at] = s if isinstance(s, int) else s[better]
    sel = np.flatnonzero(step != NONE)
    return sel, step[sel], row[sel], time[sel]
