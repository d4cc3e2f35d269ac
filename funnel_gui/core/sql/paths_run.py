"""paths_sql(source, definition, …): the paths of FUNNEL_SEMANTICS §13 computed by the
SQL engine where the data lives, returned as the in-memory `PathsResult`.

One statement (paths_sql.paths_statement) brings back the paths that can make each
group's top N and each group's totals; the ranking (most units, ties by the path's names
in code-point order), the shares and the Wilson intervals are worked out here exactly as
`analysis.paths` does. The groups carry no per-unit lists (`member` is empty): the units
stay in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from funnel_gui.core.analysis.paths import (
    DEFAULT_LENGTH,
    DEFAULT_LOOKBACK_NS,
    DEFAULT_TOP,
    PathsCancelled,
    PathWhere,
    check_options,
    step_of,
)
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
from funnel_gui.core.engine.compute import UnsupportedDefinition
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.progress import Cancelled, Progress, report
from funnel_gui.core.sql.dialects import to_dialect
from funnel_gui.core.sql.paths_sql import GROUP_COLUMN, event_columns, paths_statement
from funnel_gui.core.sql.runner import TIES_WARNING, check_compiled, plan_for
from funnel_gui.core.sql.source import QueryCancelled, SqlSource

_EMPTY = np.zeros(0, dtype=np.int64)


def paths_sql_text(
    source: SqlSource,
    definition: FunnelDefinition,
    where: PathWhere = "into",
    length: int = DEFAULT_LENGTH,
    top: int = DEFAULT_TOP,
    keep_repeats: bool = False,
    lookback: int = DEFAULT_LOOKBACK_NS,
) -> str:
    """The statement `paths_sql` runs, in the source's dialect."""
    step = step_of(where, definition)
    check_options(length, top, lookback)
    _check_shape(definition)
    check_compiled(definition)
    plan, time_type = plan_for(source, definition)
    text = paths_statement(plan, step, length, top, keep_repeats, lookback)
    return to_dialect(text, source.dialect, source.relation, time_type)


def paths_sql(
    source: SqlSource,
    definition: FunnelDefinition,
    where: PathWhere = "into",
    length: int = DEFAULT_LENGTH,
    top: int = DEFAULT_TOP,
    keep_repeats: bool = False,
    lookback: int = DEFAULT_LOOKBACK_NS,
    *,
    warnings: Sequence[str] = (),
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PathsResult:
    """§13 on the source's table, computed by its engine: the same `PathsResult` as
    `analysis.paths.paths` (without per-unit lists). `warnings` are the funnel result's,
    carried into the paths result as the in-memory paths do."""

    def step(at: float, message: str) -> None:
        report(progress, cancelled, at, message, error=PathsCancelled)

    k = step_of(where, definition)
    step(0.0, "Compiling the paths")
    sql = paths_sql_text(source, definition, where, length, top, keep_repeats, lookback)
    step(0.1, "Counting the paths in the database")
    try:
        rows = source.execute(sql).to_pylist()
    except QueryCancelled as exc:
        raise PathsCancelled(str(exc)) from exc
    step(0.9, "Ranking the paths")
    names: list[GroupName] = ["all"] if k is None else ["converted", "dropped"]
    groups = [_group(name, rows, k, length, top) for name in names]
    step(1.0, "Done")
    return PathsResult(
        where="into" if k is None else "between",
        step=k,
        length=length,
        top=top,
        keep_repeats=keep_repeats,
        lookback_ns=lookback,
        macro_step=macro_step(definition),
        groups=groups,
        warnings=_with_ties(list(warnings), source),
    )


def _check_shape(definition: FunnelDefinition) -> None:
    """The paths statement follows the closed, all-required funnel (§13); with §15 who is
    in a gap changes, so those funnels are refused until the statement follows them."""
    if definition.open or any(s.optional for s in definition.steps):
        raise UnsupportedDefinition(
            "SQL engines cannot compute paths for an open funnel or one with optional "
            "steps yet. Compute them in memory (--engine memory) instead."
        )


def _with_ties(warnings: list[str], source: SqlSource) -> list[str]:
    """The funnel's warnings, and §21's note on ties when the source has no order."""
    if not source.columns.order_key and TIES_WARNING not in warnings:
        warnings.append(TIES_WARNING)
    return warnings


def path_events(row: dict[str, Any], step: int | None, length: int, group: str) -> tuple[str, ...]:
    """A fetched row's path in time order, with its marker (§13)."""
    found = [str(row[c]) for c in event_columns(length) if row[c] is not None]
    if step is None:  # nearest first: the oldest comes first in the path
        found.reverse()
        return (START, *found) if len(found) < length else tuple(found)
    if found:
        return tuple(found)
    return (DIRECT,) if group == "converted" else (NOTHING,)


def _group(
    name: GroupName, rows: list[dict[str, Any]], step: int | None, length: int, top: int
) -> PathGroup:
    mine = [r for r in rows if r[GROUP_COLUMN] == name]
    totals = [r for r in mine if r["total"]]
    n = int(totals[0]["units"]) if totals else 0
    all_hits = int(totals[0]["hits"]) if totals else 0
    if not n:
        return PathGroup(name, 0, [], 0, 0, _EMPTY, _EMPTY)
    paths = [(path_events(r, step, length, name), int(r["units"]), int(r["hits"])) for r in mine]
    paths = [p for p, r in zip(paths, mine, strict=True) if not r["total"]]
    # Most units first, then the path's names in code-point order (a shorter path that is
    # a prefix of a longer one first), as the in-memory ranking.
    paths.sort(key=lambda p: (-p[1], p[0]))
    shown = paths[:top]
    out = [
        PathRow(
            events=events,
            units=units,
            share=units / n,
            converted=hits,
            macro_rate=hits / units,
            ci=wilson_interval(hits, units),
        )
        for events, units, hits in shown
    ]
    shown_units = sum(r.units for r in out)
    shown_hits = sum(r.converted for r in out)
    return PathGroup(name, n, out, n - shown_units, all_hits - shown_hits, _EMPTY, _EMPTY)
