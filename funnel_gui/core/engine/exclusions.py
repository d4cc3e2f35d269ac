"""Exclusions (FUNNEL_SEMANTICS §4): which attempts an exclusion event voids."""

from __future__ import annotations

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.engine.attempts import Attempts
from funnel_gui.core.engine.row_sets import UnitFrame


def first_after(matches: np.ndarray, after: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Index into `matches` (sorted positions) of the first match > after and < end."""
    lo = np.searchsorted(matches, after, side="right")
    hi = np.searchsorted(matches, end, side="left")
    return np.where(lo < hi, lo, NONE)


def void_by_exclusion(
    frame: UnitFrame, attempts: Attempts, excluded_rows: np.ndarray, between: tuple[int, int]
) -> np.ndarray:
    """§4: an exclusion event after the step-a event and before the step-b event (or, if
    step b was never reached, no later than the window's end) voids the attempt."""
    a, b = between
    since = attempts.step_positions(a - 1)
    reached_a = since != NONE
    safe_since = np.where(reached_a, since, attempts.start)
    idx = first_after(excluded_rows, safe_since, frame.end_of(safe_since))
    hit = reached_a & (idx != NONE)
    where = excluded_rows[np.maximum(idx, 0)] if len(excluded_rows) else idx
    until = attempts.step_positions(b - 1)
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
