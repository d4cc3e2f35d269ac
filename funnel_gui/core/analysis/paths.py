"""Paths (FUNNEL_SEMANTICS §13): what units did just before entering the funnel, or
between two adjacent steps, as sequences of up to L event names, counted per sequence.

The funnel is computed once (`compute_with_rows`, or a `ComputedFunnel` passed in);
each unit's path is a row of event codes (`path_sequences`), a path is identified by one
integer key per row, and the paths are counted by hashing the keys once: no Python loop
over units. Ties in the ranking are broken by the path's names, so the top N is well defined.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from funnel_gui.core.analysis import path_sequences as seq
from funnel_gui.core.analysis.paths_result import (
    DIRECT,
    NOTHING,
    START,
    GroupName,
    PathGroup,
    PathRow,
    PathsResult,
)
from funnel_gui.core.analysis.stats import wilson_interval
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import ComputedFunnel, compute_with_rows
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import TaskCancelled

DAY_NS = 86_400 * 10**9
DEFAULT_LENGTH = 3
DEFAULT_TOP = 10
DEFAULT_LOOKBACK_NS = DAY_NS
_INT64_MAX = int(np.iinfo(np.int64).max)

PathWhere = Literal["into"] | tuple[Literal["between"], int]


class PathsError(UserFacingError):
    """Paths cannot be worked out as asked (the message says why)."""


class PathsCancelled(TaskCancelled):
    """The caller's cancel check turned true (paths computed by a database); no result."""


def paths(
    source: PreparedTable | EventTable,
    definition: FunnelDefinition,
    where: PathWhere = "into",
    length: int = DEFAULT_LENGTH,
    top: int = DEFAULT_TOP,
    keep_repeats: bool = False,
    lookback: int = DEFAULT_LOOKBACK_NS,
    *,
    computed: ComputedFunnel | None = None,
) -> PathsResult:
    """§13: the top `top` paths of up to `length` events into step 1 (`where="into"`,
    looking back `lookback` ns at most) or between step k and k + 1
    (`where=("between", k)`, k 1-based), with each path's share of its group and the
    macro conversion rate of its units.

    With optional steps and in open funnels (§15) the gap after step k holds the units
    whose reported attempt matched step k: those who went on, up to the next step they
    reached (a path also names the optional steps jumped over), and those who stopped
    there; into step 1 means into the entry event. Any-order funnels have paths into step
    1 only (their steps have no order). Pass the
    `ComputedFunnel` of `definition` on the same table (the app keeps one) to skip
    computing the funnel again.
    """
    step = step_of(where, definition)
    check_options(length, top, lookback)
    if computed is None:
        prepared = source if isinstance(source, PreparedTable) else prepare(source)
        computed = compute_with_rows(prepared, definition)
    rows, reported = computed.rows, computed.reported
    frame = rows.frame
    event_names = rows.prepared.table.event_names
    names = np.array([*event_names, START, DIRECT, NOTHING], dtype=object)
    start_code, direct_code, nothing_code = len(event_names), len(event_names) + 1, len(names) - 1
    runs = None if keep_repeats else seq.runs_of(rows)
    counted = ~reported.excluded
    furthest = np.where(counted, reported.furthest, 0)
    m = macro_step(definition)
    converted = furthest >= m

    def nearest(ranges: seq.Ranges, from_end: bool) -> tuple[np.ndarray, np.ndarray]:
        return seq.nearest_events(rows.events, runs, ranges, length, from_end=from_end)

    if step is None:
        member = np.flatnonzero(counted)
        codes, found = nearest(seq.before(frame, reported.entry[member], lookback), True)
        matrix = seq.into_matrix(codes, found, start_code)
        groups = [_tally("all", matrix, member, converted, names, top)]
    else:
        went_on, stopped, at_next, skips = _gap_members(reported.positions, counted, step)
        at_k = reported.positions[step - 1]
        codes, found = nearest(seq.between(at_k[went_on], at_next), False)
        matrix = seq.after_matrix(codes, found, direct_code)
        jumped = skips if skips.any() else None  # §15: no one jumped over a step here
        on = _tally("converted", matrix, went_on, converted, names, top, jumped, step)
        ranges = seq.after_within(frame, at_k[stopped], reported.window_end[stopped])
        codes, found = nearest(ranges, False)
        off = _tally(
            "dropped", seq.after_matrix(codes, found, nothing_code), stopped, converted, names, top
        )
        groups = [on, off]
    return PathsResult(
        where="into" if step is None else "between",
        step=step,
        length=length,
        top=top,
        keep_repeats=keep_repeats,
        lookback_ns=lookback,
        macro_step=m,
        groups=groups,
        warnings=list(computed.result.warnings),
    )


def step_of(where: PathWhere | str | tuple[str, int], definition: FunnelDefinition) -> int | None:
    """None for "into"; k for ("between", k), checked against the funnel."""
    if where == "into":
        return None
    if not (isinstance(where, tuple | list) and len(where) == 2 and where[0] == "between"):
        raise PathsError(f'Paths go "into" step 1 or ("between", k); not {where!r}.')
    k = where[1]
    if definition.order == "any":
        raise PathsError(
            "An any-order funnel has no step-to-step paths (its steps have no order); "
            "look at the paths into the funnel instead."
        )
    n = definition.n_steps
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k < n:
        allowed = f"1 to {n - 1}" if n > 2 else "1" if n == 2 else "none: it has one step"
        raise PathsError(
            f"Paths between step k and k + 1 need k in {allowed} for this {n}-step funnel; "
            f"got {k!r}."
        )
    return k


def _gap_members(
    positions: np.ndarray, counted: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Between step k and the next (§13 with §15): the units whose reported attempt matched
    step k, split into those whose attempt went on (its next matched step, k + 1 or past
    optional steps) and those whose attempt ends at k. A unit that jumped over an
    optional step k, or whose open attempt entered after it, is in neither group.

    Returns (went_on, stopped, the row of each one's next matched event, how many optional
    steps each one jumped over to get there)."""
    at_k = positions[step - 1]
    has_k = counted & (at_k >= 0)
    later = positions[step:] >= 0  # (steps after k, units): matched there
    on = has_k & later.any(axis=0)
    went_on, stopped = np.flatnonzero(on), np.flatnonzero(has_k & ~on)
    skips = np.argmax(later[:, went_on], axis=0).astype(np.int64)
    at_next = positions[step + skips, went_on]
    return went_on, stopped, at_next, skips


def check_options(length: int, top: int, lookback: int) -> None:
    if length < 1:
        raise PathsError("A path needs a length of at least 1 event.")
    if top < 1:
        raise PathsError("Show at least the top 1 path.")
    if lookback < 0:
        raise PathsError("The lookback cannot be negative; use 0s to look at the entry instant.")


def _tally(
    name: GroupName,
    matrix: np.ndarray,
    member: np.ndarray,
    converted: np.ndarray,
    names: np.ndarray,
    top: int,
    skips: np.ndarray | None = None,
    step: int = 0,
) -> PathGroup:
    """Count a group's paths (rows of `matrix`, codes into `names`) and keep the top ones:
    most units first, ties by the path's names, then by the optional steps jumped over
    (`skips`: per unit, how many after step `step`; a path is its events and those)."""
    n = len(member)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return PathGroup(name, 0, [], 0, 0, member, empty)
    width = matrix.shape[1]  # the events' columns; the jumped-over steps' count after them
    if skips is not None:
        matrix = np.column_stack([matrix, skips])
    base = max(len(names), int(matrix.max(initial=0)) + 1) + 1
    inverse, first = _factorize(_row_keys(matrix, base))
    units = np.bincount(inverse, minlength=len(first))
    hits = np.bincount(inverse[converted[member]], minlength=len(first))
    shapes = matrix[first]
    rank = _alphabetical_rank(names)
    events = shapes[:, :width]
    ranks = np.where(events == seq.PAD, -1, rank[np.maximum(events, 0)])
    ranks = np.column_stack([ranks, shapes[:, width:]])
    # lexsort's last key is the primary one: units (descending), then the names in order.
    order = np.lexsort([*(ranks[:, j] for j in reversed(range(ranks.shape[1]))), -units])
    shown = order[:top]
    rows = [
        PathRow(
            events=tuple(str(names[c]) for c in shapes[p, :width] if c != seq.PAD),
            units=int(units[p]),
            share=int(units[p]) / n,
            converted=int(hits[p]),
            macro_rate=int(hits[p]) / int(units[p]),
            ci=wilson_interval(int(hits[p]), int(units[p])),
            skipped=_skipped(shapes, p, width, step),
        )
        for p in shown
    ]
    index = np.full(len(units), -1, dtype=np.int64)
    index[shown] = np.arange(len(shown))
    shown_units = sum(r.units for r in rows)
    shown_hits = sum(r.converted for r in rows)
    return PathGroup(
        name, n, rows, n - shown_units, int(hits.sum()) - shown_hits, member, index[inverse]
    )


def _skipped(shapes: np.ndarray, p: int, width: int, step: int) -> tuple[int, ...]:
    """The optional steps path p's units jumped over after step `step` (none without a
    skips column)."""
    if shapes.shape[1] == width:
        return ()
    return tuple(range(step + 1, step + 1 + int(shapes[p, width])))


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's path number, and each path's first row. Hashing, not sorting: a group
    has as many rows as units, but few distinct paths."""
    codes = np.asarray(pd.factorize(keys)[0], dtype=np.int64)
    # Numbers are given in order of first appearance: a first row raises the running max.
    top = np.maximum.accumulate(codes)
    new = np.ones(len(codes), dtype=bool)
    new[1:] = top[1:] > top[:-1]
    return codes, np.flatnonzero(new)


def _row_keys(matrix: np.ndarray, base: int) -> np.ndarray:
    """One int64 per row, equal exactly when the rows are; folded column by column, and
    renumbered densely first whenever the next fold could overflow."""
    key = np.zeros(len(matrix), dtype=np.int64)
    for j in range(matrix.shape[1]):
        if len(key) and int(key.max()) > (_INT64_MAX - base) // base:
            _, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(np.int64)
        key = key * base + (matrix[:, j] + 1)  # PAD (-1) becomes 0
    return key


def _alphabetical_rank(names: np.ndarray) -> np.ndarray:
    """Each code's place among the names sorted as text (code point order, as Python
    compares strings), so ties in units rank by the path's names."""
    order = np.argsort(np.array([str(s) for s in names], dtype=str), kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank
