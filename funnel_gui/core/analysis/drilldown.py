"""Drill-down on a drop-off: who reached step k-1 but not step k, and what they did next.

Both answers come from the per-unit arrays of a FunnelResult (furthest step, reported
attempt's matched table rows), vectorised with numpy, so a drop of hundreds of thousands
of units is listed in well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.engine.results import REASONS, FunnelResult
from funnel_gui.core.events import EventTable

NOTHING_AFTER = "(nothing after)"
OTHER_EVENTS = "(other events)"
NEXT_EVENT_COLUMNS = ("event", "people", "share")


def dropped_mask(result: FunnelResult, step: int) -> np.ndarray:
    """Per unit: reached step `step`-1 but not `step`, and not excluded (§3.4, §4)."""
    _check_step(result, step)
    u = result.units
    return np.asarray(~u.excluded & (u.furthest == step - 1))


def dropped_at(result: FunnelResult, step: int) -> pd.DataFrame:
    """The units who dropped between step `step`-1 and `step`, earliest to reach it first.

    Columns: actor (the export's id), session (unit = session), reached_step (k-1),
    reached_label, time_reached (UTC time of their step k-1 event; in an any-order funnel,
    where steps have no single event (§3.3), the entry time), breakdown (when the
    definition has one), still_open (§7: their window has not ended yet), reason (§14's
    key, missing where the result has none) and unit (the unit's row in the result).
    """
    mask = dropped_mask(result, step)
    u = result.units
    index = np.flatnonzero(mask)
    reached = step - 1
    time_column = reached - 1 if result.definition.order != "any" else 0
    times = u.step_time[index, time_column] if len(index) else np.zeros(0, dtype=np.int64)
    actors = _id_array(result.actor_ids, u.actor[index])
    # Earliest first, ties by id: sorted by Arrow on the ids as they are (no Python
    # strings), so a drop of hundreds of thousands is listed in a fraction of a second.
    order = pc.sort_indices(
        pa.table({"time": pa.array(times, pa.int64()), "actor": actors}),
        sort_keys=[("time", "ascending"), ("actor", "ascending")],
    ).to_numpy()
    index, times, actors = index[order], times[order], actors.take(pa.array(order))
    frame: dict[str, object] = {
        "actor": actors.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    }
    if u.session is not None:
        sessions = _id_array(result.session_ids, u.session[index])
        frame["session"] = sessions.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    frame["reached_step"] = np.full(len(index), reached, dtype=np.int64)
    frame["reached_label"] = pd.Series([reached_label(result, step)] * len(index), dtype="string")
    frame["time_reached"] = pd.to_datetime(times, utc=True)  # NAT is pandas' NaT
    if u.breakdown is not None:
        frame["breakdown"] = pd.Series(u.breakdown[index], dtype="string")
    frame["still_open"] = u.still_open[index].astype(bool)
    frame["reason"] = reason_keys(result, index)
    frame["unit"] = index.astype(np.int64)  # the unit's row in the result (its timeline)
    return pd.DataFrame(frame)


def reason_keys(result: FunnelResult, index: np.ndarray) -> pd.Series:
    """§14: the reason key of each of the units `index` (missing when the result has no
    reasons, or the unit reached the last step or was excluded)."""
    reason = result.units.reason
    if reason is None:
        return pd.Series([None] * len(index), dtype="string")
    names = np.array([*REASONS, None], dtype=object)  # -1 picks the trailing None
    return pd.Series(names[reason[index]], dtype="string")


def reached_label(result: FunnelResult, step: int) -> str:
    """What the dropped units reached: step k-1's label, or "k-1 steps" in any order."""
    if result.definition.order == "any":
        n = step - 1
        return f"{n} step" if n == 1 else f"{n} steps"
    return result.steps[step - 2].label


def next_events(result: FunnelResult, table: EventTable, step: int, top: int = 10) -> pd.DataFrame:
    """ "What they did next": per dropped unit, the event right after its last matched event
    (its step k-1 event) in the unit's own events, counted.

    Rows (event, people, share of the dropped): the `top` most frequent events and
    "(nothing after)" for units with no later event, most frequent first, then
    "(other events)" for the rest, so the shares add up to 1.
    """
    return next_events_of(result, table, dropped_mask(result, step), top)


def next_events_of(
    result: FunnelResult, table: EventTable, mask: np.ndarray, top: int = 10
) -> pd.DataFrame:
    """`next_events` for any units (`mask` over the result's units): the event right after
    each one's last matched event, counted."""
    step_row = result.units.step_row
    if step_row is None:
        raise ValueError("This result has no matched rows; compute the funnel again.")
    last_row = step_row[mask].max(axis=1) if mask.any() else np.zeros(0, dtype=np.int64)
    if len(last_row) and (last_row.max() >= len(table) or last_row.min() < 0):
        raise ValueError("This result was computed on other data; compute the funnel again.")
    following = _next_rows(table, last_row, result.unit == "session")
    n_dropped = len(last_row)
    has_next = following >= 0
    codes = table.event[following[has_next]]
    per_event = np.bincount(codes, minlength=len(table.event_names))
    names = np.asarray(table.event_names, dtype=object)
    seen = np.flatnonzero(per_event)
    # Most frequent first; ties by name, so the order does not depend on event codes.
    by_count = sorted(zip(names[seen].tolist(), per_event[seen].tolist(), strict=True), key=_rank)
    kept = by_count[:top]
    nothing = int((~has_next).sum())
    if nothing:
        kept = sorted([*kept, (NOTHING_AFTER, nothing)], key=_rank)
    rest = n_dropped - sum(count for _, count in kept)
    if rest:
        kept.append((OTHER_EVENTS, rest))
    frame = pd.DataFrame(kept, columns=["event", "people"])
    frame["event"] = frame["event"].astype("string")
    frame["people"] = frame["people"].astype(np.int64)
    frame["share"] = frame["people"] / n_dropped if n_dropped else np.zeros(len(frame))
    return frame


def _rank(row: tuple[str, int]) -> tuple[int, str]:
    return -row[1], row[0]


def _next_rows(table: EventTable, rows: np.ndarray, by_session: bool) -> np.ndarray:
    """The table position of the event right after each of `rows` in the same actor (and
    the same session when `by_session`); -1 when there is none.

    The table is sorted by actor, then time, then input order (§1), so within an actor the
    next row is the next position. Sessions interleave inside an actor, so for them the
    rows are put in (actor, session) order first, keeping time order inside each group.
    """
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    if by_session and table.session is not None:
        key = table.actor.astype(np.int64) * (int(table.session.max()) + 2)
        key += table.session.astype(np.int64) + 1
        order = np.argsort(key, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        at = rank[rows] + 1
        nxt = order[np.minimum(at, len(order) - 1)]
        ok = (at < len(order)) & (key[nxt] == key[rows])
        return np.where(ok, nxt, -1).astype(np.int64)
    nxt = rows + 1
    ok = nxt < len(table)
    same = np.zeros(len(rows), dtype=bool)
    same[ok] = table.actor[nxt[ok]] == table.actor[rows[ok]]
    return np.where(same, nxt, -1).astype(np.int64)


def _id_array(ids: pa.Array | None, codes: np.ndarray) -> pa.Array:
    """The export's ids of `codes` (the codes themselves as text when ids are missing)."""
    if ids is None:
        return pa.array([str(c) for c in codes], pa.string())
    return ids.take(pa.array(codes.astype(np.int64)))


def _check_step(result: FunnelResult, step: int) -> None:
    n = result.definition.n_steps
    if not 2 <= step <= n:
        raise ValueError(
            f"Step {step} has no drop-off to look into: pick a step from 2 to {n}."
            if n >= 2
            else "A funnel of one step has no drop-off to look into."
        )
