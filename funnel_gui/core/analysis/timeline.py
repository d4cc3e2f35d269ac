"""One unit's events around its funnel attempt, for the drill-down's timeline: from a few
events before its step-1 event to a few after its last matched one, in §1 order, each
matched event marked with its step (FUNNEL_SEMANTICS §3.4: the reported attempt).

With the session unit only that session's events are listed. A long stretch between the
first and the last matched event is cut in its middle to `max_rows`, the cut said in one
row ("… 1,234 more events").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable

BEFORE = 3  # events shown before the step-1 event
AFTER = 10  # events shown after the last matched event
MAX_ROWS = 200
COLUMNS = ("time", "event", "step", "step_label", "in_window")


def unit_timeline(
    result: FunnelResult,
    table: EventTable,
    unit: int,
    before: int = BEFORE,
    after: int = AFTER,
    max_rows: int = MAX_ROWS,
) -> pd.DataFrame:
    """The events of the result's `unit`-th unit (a row of `result.units`) around its
    reported attempt. Columns: time (UTC; missing on a cut row), event, step (the step the
    event matched, missing if none), step_label, in_window (at most the window's end after
    the entry; missing on a cut row). Empty when the unit matched no event (excluded)."""
    u = result.units
    if u.step_row is None or not 0 <= unit < len(u.actor):
        raise ValueError("This person is not in the result shown; compute the funnel again.")
    matched = np.asarray(u.step_row[unit])
    steps = np.flatnonzero(matched >= 0)
    if not len(steps):
        return pd.DataFrame({c: [] for c in COLUMNS})
    first, last = int(matched[steps].min()), int(matched[steps].max())
    if last >= len(table):
        raise ValueError("This result was computed on other data; compute the funnel again.")
    session = None if u.session is None else int(u.session[unit])
    mine = _same_unit(table, first, int(u.actor[unit]), session)
    rows = _around(mine, first, last, before, after)
    step_of = {int(matched[k]): k + 1 for k in steps[::-1]}  # the lowest step wins a shared row
    # The window runs from the entry event (step 1's; §15 open funnels: where it began).
    end = int(u.window_end[unit]) if u.window_end is not None else None
    if end is None:
        end = int(table.time[matched[steps[0]]]) + result.definition.window_ns
    window = (end - result.definition.window_ns, end)
    return _frame(result, table, rows, step_of, window, max_rows)


def _same_unit(table: EventTable, at: int, actor: int, session: int | None) -> np.ndarray:
    """The table rows of the actor of row `at` (and of `session`), in §1 order. An actor's
    rows are contiguous (§1), so "is this row the actor's" is false then true up to `at`,
    and true then false from it: two binary searches find the block."""
    lo, hi = 0, at  # the first row of the block is in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if table.actor[mid] == actor else (mid + 1, hi)
    start = lo
    lo, hi = at, len(table)  # the first row past the block is in [lo + 1, hi]
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if table.actor[mid] == actor else (lo, mid)
    rows = np.arange(start, hi)
    if session is not None and table.session is not None:
        rows = rows[table.session[rows] == session]
    return rows


def _around(rows: np.ndarray, first: int, last: int, before: int, after: int) -> np.ndarray:
    i = int(np.searchsorted(rows, first))
    j = int(np.searchsorted(rows, last))
    return rows[max(0, i - before) : j + 1 + after]


def _frame(
    result: FunnelResult,
    table: EventTable,
    rows: np.ndarray,
    step_of: dict[int, int],
    window: tuple[int, int],
    max_rows: int,
) -> pd.DataFrame:
    cut = 0
    if len(rows) > max_rows:
        # Keep both ends (the entry and what happened at the end); cut the middle.
        head = max_rows // 2
        cut = len(rows) - max_rows
        kept = np.concatenate([rows[:head], rows[head + cut :]])
    else:
        kept, head = rows, len(rows)
    names = np.asarray(table.event_names, dtype=object)
    step = np.array([step_of.get(int(r), 0) for r in kept], dtype=np.int64)
    labels = np.array(["", *(f"{s.number}. {s.label}" for s in result.steps)], dtype=object)
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(table.time[kept], utc=True),
            "event": pd.Series(names[table.event[kept]], dtype="string"),
            "step": pd.arrays.IntegerArray(step, step == 0),
            "step_label": pd.Series(labels[step], dtype="string"),
        }
    )
    times = table.time[kept]
    inside = (times >= window[0]) & (times <= window[1])
    frame["in_window"] = pd.arrays.BooleanArray(inside, np.zeros(len(kept), dtype=bool))
    if cut:
        gap = pd.DataFrame(
            {
                "time": pd.Series([pd.NaT], dtype=frame["time"].dtype),
                "event": pd.Series([f"… {cut:,} more events"], dtype="string"),
                "step": pd.array([None], dtype="Int64"),
                "step_label": pd.Series([""], dtype="string"),
                "in_window": pd.array([None], dtype="boolean"),
            }
        )
        frame = pd.concat([frame.iloc[:head], gap, frame.iloc[head:]], ignore_index=True)
    frame["step_label"] = frame["step_label"].replace("", pd.NA)
    return frame
