"""Optional steps and open funnels (FUNNEL_SEMANTICS §15), vectorised over all attempts.

An attempt at step c looks for its next event among the candidate steps c + 1 up to the
first required step after c (only c + 1 without optional steps): per candidate one
search for all attempts at c at once (`sequential.find_next`), the earliest event wins
and, on one event, the lowest step. The window and that step's max gap then decide
whether the attempt goes on. An open funnel starts an attempt at every event matching
any step (one per step it matches). Each round keeps the attempts that went on, like
the tiers of a closed funnel, but a round's members may fill different steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.attempts import Attempts, Round
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.reported import BestAttempts
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
    at each), in row order, the lower step first on one row."""
    if len(steps) == 1:
        entries = first_only(steps[0])
        return entries, np.zeros(len(entries), dtype=np.int8)
    positions = np.concatenate([rs.positions for rs in steps])
    start = np.concatenate([np.full(len(rs), s, dtype=np.int8) for s, rs in enumerate(steps)])
    # Each step's rows are sorted and concatenated in step order: a stable sort merges
    # the runs and keeps the lower step first on one row.
    order = np.argsort(positions, kind="stable")
    frame = steps[0].frame
    return RowSet(frame, positions[order].astype(np.int64, copy=False)), start[order]


@dataclass(frozen=True)
class _Search:
    """What every round's search needs to know of the funnel."""

    steps: list[RowSet]
    optional: list[bool]
    strict: bool
    min_gaps: list[int | None]
    max_gaps: list[int | None]
    held: HeldSearch | None


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
    )
    n = len(steps)
    # The live attempts: ids (None: every attempt, in order), step, row, unit and time.
    member: np.ndarray | None = None
    cur, pos, unit, time = start_step, entries.positions, entries.unit, entries.time
    rounds: list[Round] = []
    while len(cur):
        parts = []
        for c, at in _by_step(cur, n):
            found = _next_event(search, c, _take(pos, at), _take(unit, at), _take(time, at))
            if found is None:
                continue
            sel, step, row, t = found
            who = sel if at is None else at[sel]
            ids = who if member is None else member[who]
            # The window runs from the entry event; the filled step's max gap decides.
            ok = t <= entries.time[ids] + window
            gap = search.max_gaps[step] if isinstance(step, int) else None
            if gap is not None:
                ok &= t - time[who] <= gap
            elif not isinstance(step, int):
                limits = np.array([_FAR if g is None else g for g in search.max_gaps])
                ok &= t - time[who] <= limits[step]
            keep = np.flatnonzero(ok)
            filled = np.full(len(keep), step, np.int8) if isinstance(step, int) else step[keep]
            parts.append((ids[keep], filled, row[keep], unit[who[keep]], t[keep]))
        if not parts:
            break
        member, cur, pos, unit, time = (np.concatenate(p) for p in zip(*parts, strict=True))
        if len(member):
            rounds.append(Round(member, cur, pos, time))
    void = np.zeros(len(entries), dtype=bool)
    return Attempts(entries.frame, entries, window, void, [], start_step=start_step, rounds=rounds)


def _take(values: np.ndarray, at: np.ndarray | None) -> np.ndarray:
    return values if at is None else values[at]


def _by_step(cur: np.ndarray, n: int) -> list[tuple[int, np.ndarray | None]]:
    """The live attempts grouped by their step (None: all of them), last step left out."""
    if not len(cur):
        return []
    low, high = int(cur.min()), int(cur.max())
    if low == high:
        return [] if low >= n - 1 else [(low, None)]
    present = np.flatnonzero(np.bincount(cur, minlength=n)[: n - 1])
    return [(int(c), np.flatnonzero(cur == c)) for c in present]


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


def last_steps(attempts: Attempts) -> np.ndarray:
    """Per attempt, the 0-based last step it matched."""
    assert attempts.start_step is not None
    assert attempts.rounds is not None
    last = attempts.start_step.copy()
    for step_round in attempts.rounds:  # later rounds fill later steps
        last[step_round.member] = step_round.step
    return last


def flexible_best(attempts: Attempts, n_steps: int) -> BestAttempts:
    """§3.4 with §15: per unit the non-void attempt with the highest last step, ties to
    the lower start step (open funnels), then to the earlier entry event."""
    assert attempts.start_step is not None
    assert attempts.rounds is not None
    start = attempts.start_step
    unit = attempts.unit
    heads = first_of_run(unit)
    units = unit[heads]
    slot = np.full(len(attempts.frame.unit_end), NONE, dtype=np.int64)
    slot[units] = np.arange(len(units))
    if start.any():
        rep, furthest = _open_choice(attempts, heads, n_steps)
    else:
        rep, furthest = _closed_choice(attempts, heads, slot)
    excluded = rep == NONE
    counted = np.flatnonzero(~excluded)
    chosen = rep[counted]
    positions = np.full((n_steps, len(units)), NONE, dtype=np.int64)
    times = np.full((n_steps, len(units)), NAT, dtype=np.int64)
    entries = attempts.entries
    entry, entry_time = entries.positions[chosen], entries.time[chosen]
    positions[start[chosen], counted] = entry
    times[start[chosen], counted] = entry_time
    # Each reported attempt's later events, found by its unit's slot.
    reported = np.zeros(len(unit), dtype=bool)
    reported[chosen] = True
    for step_round in attempts.rounds:
        filled = reported[step_round.member]
        at = slot[unit[step_round.member[filled]]]
        positions[step_round.step[filled], at] = step_round.position[filled]
        times[step_round.step[filled], at] = step_round.time[filled]
    entry_of = np.full(len(units), NONE, dtype=np.int64)
    entry_of[counted] = entry
    time_of = np.full(len(units), NAT, dtype=np.int64)
    time_of[counted] = entry_time
    start_of = np.zeros(len(units), dtype=np.int64)
    start_of[counted] = start[chosen]
    return BestAttempts(
        units, furthest, excluded, rep, entry_of, positions, times, start_of, time_of
    )


def _closed_choice(
    attempts: Attempts, heads: np.ndarray, slot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit its reported attempt (NONE: all void) and furthest step, every attempt
    starting at step 1. An attempt in no round stopped at step 1, so only the few in
    rounds are ranked; the others leave each unit its first non-void attempt."""
    assert attempts.rounds is not None
    unit, void = attempts.unit, attempts.void
    if void.any():
        live = np.flatnonzero(~void)
        rep = np.full(len(heads), NONE, dtype=np.int64)
        first_live = live[first_of_run(unit[live])]
        rep[slot[unit[first_live]]] = first_live
    else:
        rep = heads.astype(np.int64)
    furthest = np.where(rep != NONE, 1, 0).astype(np.int64)
    rounds = attempts.rounds
    if not rounds:
        return rep, furthest
    members = np.concatenate([r.member for r in rounds])
    steps = np.concatenate([r.step for r in rounds]).astype(np.int64)
    if void.any():
        clean = ~void[members]
        members, steps = members[clean], steps[clean]
    # Per unit the highest step filled, by the earliest attempt filling it; an attempt
    # that filled a step went on from every lower one, so its last step ranks it.
    # Attempt ids run unit by unit, so in id order each unit's are together.
    order = np.argsort(members, kind="stable")
    members, steps = members[order], steps[order]
    owner = unit[members]
    runs = first_of_run(owner)
    top = np.maximum.reduceat(steps, runs)
    best = np.flatnonzero(steps == np.repeat(top, np.diff(np.append(runs, len(owner)))))
    win = best[first_of_run(owner[best])]  # the earliest at its unit's highest step
    at = slot[owner[win]]
    rep[at] = members[win]
    furthest[at] = steps[win] + 1
    return rep, furthest


def _open_choice(
    attempts: Attempts, heads: np.ndarray, n_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit its reported attempt (NONE: all void) and furthest step in an open
    funnel: the highest last step, then the lower start step, then the earlier entry."""
    assert attempts.start_step is not None
    start, unit = attempts.start_step, attempts.unit
    # Higher is better; small integers (at most 20 steps) keep the passes cheap.
    scale = n_steps + 1
    score = last_steps(attempts).astype(np.int16) * scale + (n_steps - start)
    if attempts.void.any():
        score[attempts.void] = -1
    best = np.maximum.reduceat(score, heads) if len(heads) else score[:0]
    top = np.flatnonzero(score == np.repeat(best, np.diff(np.append(heads, len(unit)))))
    rep = top[first_of_run(unit[top])]  # the earliest of the best, per unit
    excluded = best < 0
    rep[excluded] = NONE
    furthest = np.where(excluded, 0, best // scale + 1).astype(np.int64)
    return rep, furthest
