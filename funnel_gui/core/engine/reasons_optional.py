"""Why they stopped (FUNNEL_SEMANTICS §14) when the next step is optional (§15): "step
k + 1" is then every step that could be matched next (k + 1 up to the first required
step after k), each with its own filters and gaps. With properties held constant (§17),
"matches" also asks for the step-1 event's held values: later matches are searched in
the held unit of the stopped attempt, as the attempts themselves were.

The same rules as `reasons`, asked of several steps' rows at once: the very next row
matches when any candidate step holds it and is accepted when one does at its own
min_gap; the first accepted later match is the earliest over the candidates (the lowest
step on one row), and that step's max gap decides rule 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import first_at_time
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame

_FAR = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Candidate:
    """One step that could be matched next: its rows and gaps (min_gap capped)."""

    match: RowSet  # in the held layout when values are held (§17)
    min_gap: int | None
    max_gap: int | None


@dataclass(frozen=True)
class Asked:
    """The units asked about: their step-k row, its time and unit, and the window end."""

    row: np.ndarray
    time: np.ndarray
    unit: np.ndarray
    window_end: np.ndarray


def strict_next_any(
    frame: UnitFrame, candidates: list[Candidate], units: Asked, held: HeldSearch | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strict order (§3.2): per unit whether it has a next row inside the window, whether
    that row matches a candidate, and whether one candidate accepts it (its min_gap)."""
    nxt = units.row + 1
    has_next = nxt < frame.unit_end[units.unit]
    nxt = np.where(has_next, nxt, units.row)  # a valid row to read; masked out below
    t_next = frame.time[nxt]
    matches = np.zeros(len(nxt), dtype=bool)
    accepted = np.zeros(len(nxt), dtype=bool)
    same = has_next
    if held is not None:  # §17: a row with other values is "something else"
        same = has_next & (held.entry_units(nxt) == held.entry_units(units.row))
    for c in candidates:
        if not len(c.match):
            continue
        at = nxt if held is None else held.to_held(nxt)
        holds = same & c.match.contains(np.maximum(at, 0))
        matches |= holds
        accepted |= holds & (t_next >= units.time + (c.min_gap or 0))
    inside = has_next & (t_next <= units.window_end)
    return inside, matches, accepted


def later_accepted(
    frame: UnitFrame, candidates: list[Candidate], units: Asked, held: HeldSearch | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: whether a later row matches a candidate, whether one is accepted (at its
    step's min_gap), and the first accepted one's time and its step's max gap
    (the earliest over the candidates, the lowest step on one row)."""
    if held is not None:
        # The step-k event carries the held values: search its held unit (§17).
        row = held.to_held(units.row).astype(np.int64)
        frame = held.layout.rows.frame
        units = Asked(row, units.time, np.asarray(frame.unit[row]), units.window_end)
    any_later = np.zeros(len(units.row), dtype=bool)
    best = np.full(len(units.row), _FAR, dtype=np.int64)
    limit = np.full(len(units.row), _FAR, dtype=np.int64)
    for c in candidates:
        if not len(c.match):
            continue
        first = c.match.count_through(units.row)
        later = c.match.unit_or_none[first] == units.unit
        any_later |= later
        found, far = later, first
        if c.min_gap:
            end = c.match.count_through(frame.unit_end[units.unit] - 1)
            far = first_at_time(c.match.time, first, end, units.time + c.min_gap)
            found = far < end
        pos = np.where(found, c.match.positions[np.minimum(far, len(c.match) - 1)], _FAR)
        earlier = pos < best
        best = np.where(earlier, pos, best)
        limit = np.where(earlier, _FAR if c.max_gap is None else c.max_gap, limit)
    found_any = best != _FAR
    t_far = np.where(found_any, frame.time[np.where(found_any, best, 0)], 0)
    return any_later, found_any, t_far, limit
