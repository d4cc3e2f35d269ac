"""compute_sql(source, definition): a funnel computed by the SQL engine where the data
lives, returned as the in-memory engine's FunnelResult (FUNNEL_SEMANTICS §21).

One statement brings back every aggregate; the per-unit table only when asked, with a
LIMIT. Options not compiled yet are refused with a message naming them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from funnel_gui.core.definition.model import FunnelDefinition, shape_problem, totals_problem
from funnel_gui.core.engine.compute import ComputeCancelled, UnsupportedDefinition
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.progress import Cancelled, Progress, report
from funnel_gui.core.sql.aggregate_sql import aggregate_sql, units_sql
from funnel_gui.core.sql.dialects import TimeType, to_dialect
from funnel_gui.core.sql.plan import Plan, make_plan
from funnel_gui.core.sql.result_build import (
    Aggregates,
    Levels,
    breakdown_result,
    entry_days,
    histogram,
    micro_macro,
    step_results,
    with_reasons,
)
from funnel_gui.core.sql.source import QueryCancelled, SqlSource
from funnel_gui.core.sql.units_table import unit_results
from funnel_gui.core.sql.warnings import sql_warnings

TIES_WARNING = (
    "The source has no order column and no row order of its own: events of one unit at "
    "the same instant may be ordered differently than in the file (§21)."
)


def not_compiled(defn: FunnelDefinition) -> list[str]:
    """The options of this definition the SQL compiler does not handle yet."""
    out = []
    # The engine's refusals, with its words (§15, §16: combinations no rule defines).
    problem = totals_problem(defn.count, defn.order) or shape_problem(defn)
    if problem is not None:
        raise UnsupportedDefinition(problem[0].upper() + problem[1:] + ".")
    if defn.filters:
        out.append('funnel-wide filters ("filters", §18)')
    if defn.inactivity_ns is not None:
        out.append('sessions from inactivity ("sessions", §20)')
    return out


def check_compiled(defn: FunnelDefinition) -> None:
    missing = not_compiled(defn)
    if missing:
        raise UnsupportedDefinition(
            "SQL engines cannot compute this funnel yet: it uses "
            + ", ".join(missing)
            + ". Compute it in memory (--engine memory) instead."
        )


def source_schema(source: SqlSource) -> pa.Schema:
    """The relation's columns and types, from an empty query."""
    return source.execute(f"SELECT * FROM {source.relation} LIMIT 0").schema


def time_type_of(schema: pa.Schema, column: str) -> TimeType:
    kind = schema.field(column).type
    if pa.types.is_integer(kind):
        return "ns"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    return "text"


def plan_for(source: SqlSource, definition: FunnelDefinition) -> tuple[Plan, TimeType]:
    schema = source_schema(source)
    cols = source.columns
    for role, name in (("actor", cols.actor), ("event", cols.event), ("time", cols.time)):
        if name not in schema.names:
            from funnel_gui.core.errors import UserFacingError

            raise UserFacingError(
                f"The {role} column {name!r} is not in the table (it has "
                f"{', '.join(schema.names[:12])})."
            )
    plan = make_plan(definition, cols, frozenset(schema.names))
    return plan, time_type_of(schema, cols.time)


def compiled_sql(source: SqlSource, definition: FunnelDefinition) -> str:
    """The aggregate statement this source would run, in its dialect."""
    plan, time_type = plan_for(source, definition)
    return to_dialect(aggregate_sql(plan), source.dialect, source.relation, time_type)


@dataclass(frozen=True)
class _Units:
    """Which per-unit rows to fetch besides the aggregates."""

    fetch: bool
    limit: int | None
    dropped_at: int | None


def compute_sql(
    source: SqlSource,
    definition: FunnelDefinition,
    *,
    with_units: bool = False,
    units_limit: int | None = None,
    dropped_at: int | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> FunnelResult:
    """The funnel result of `definition` on the source's table, computed by its engine.

    `with_units`: also fetch the per-unit table (in actor order; at most `units_limit`
    units when given) for per-unit lists and exports; by default only aggregates cross
    the wire and `result.units` is empty (trends then come from `result.entry_days`).
    `dropped_at` = k fetches only the units who dropped between step k−1 and k (the
    drill-down list, `analysis.drilldown.dropped_at(result, k)`), earliest first."""

    try:
        units = _Units(
            with_units or units_limit is not None or dropped_at is not None, units_limit, dropped_at
        )
        return _compute(source, definition, units, progress, cancelled)
    except QueryCancelled as exc:  # the source stopped its query: no result
        raise ComputeCancelled(str(exc)) from exc


def _compute(
    source: SqlSource,
    definition: FunnelDefinition,
    wanted: _Units,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> FunnelResult:
    def step(at: float, message: str) -> None:
        report(progress, cancelled, at, message, error=ComputeCancelled)

    check_compiled(definition)
    step(0.0, "Reading the table's columns")
    plan, time_type = plan_for(source, definition)
    step(0.1, "Computing in the database")
    sql = to_dialect(aggregate_sql(plan), source.dialect, source.relation, time_type)
    agg = Aggregates.of(source.execute(sql))
    step(0.8, "Summarising")
    units, actor_ids, session_ids = unit_results(plan, None)
    if wanted.fetch:
        per_unit = units_sql(plan, wanted.limit, wanted.dropped_at)
        sql = to_dialect(per_unit, source.dialect, source.relation, time_type)
        units, actor_ids, session_ids = unit_results(plan, source.execute(sql))
    levels = Levels.of(agg, definition.n_steps)
    last = agg.get("last")
    last_time = int(last[0][0]) if last and last[0][0] is not None else 0
    warnings = sql_warnings(plan, agg)
    if not source.columns.order_key:
        warnings.append(TIES_WARNING)
    result = FunnelResult(
        definition=definition,
        steps=with_reasons(definition, agg, step_results(definition, agg, levels)),
        units=units,
        actor_ids=actor_ids,
        actors_entered=levels.entered,
        excluded=levels.excluded,
        last_time_ns=last_time,
        breakdown=breakdown_result(definition, agg),
        warnings=warnings,
        micro_macro=micro_macro(definition, agg),
        time_to_convert_histogram=histogram(definition, agg),
        session_ids=session_ids,
        entry_days=entry_days(definition, agg),
    )
    if definition.hold:  # §17
        held = agg.get("hold")
        result.hold_missing = int(held[0][6]) if held else 0
    step(1.0, "Done")
    return result
