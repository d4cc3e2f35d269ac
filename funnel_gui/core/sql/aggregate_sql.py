"""One SQL statement that returns every aggregate a funnel result needs, in long form.

Rows are (kind, i1, i2, i3, v1, v2, v3, n): the levels with excluded/still-open flags,
the step durations as (duration, how many) so percentiles are computed here exactly,
the breakdown groups, per-day entry counts for trends, micro→macro groups, the data's
last timestamp and what the warnings need. Only aggregates come back: a billion events
cost this computer a few thousand rows.
"""

from __future__ import annotations

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.sql import flexible_sql, hold_sql, reasons_sql
from funnel_gui.core.sql.plan import Plan
from funnel_gui.core.sql.predicates import literal
from funnel_gui.core.sql.reported_sql import funnel_ctes, with_clause

NS_PER_DAY = 86_400 * 1_000_000_000
_INT_COLUMNS = ("i1", "i2", "i3")
_TEXT_COLUMNS = ("v1", "v2", "v3")


def _part(kind: str, source: str, n: str = "COUNT(*)", group: bool = True, **values: str) -> str:
    """One SELECT of the union, every column present (NULL where the kind has none)."""
    cols = [f"{literal(kind)} AS kind"]
    keys = []
    for name in _INT_COLUMNS:
        expr = values.get(name)
        cols.append(f"CAST({expr or 'NULL'} AS BIGINT) AS {name}")
        if expr is not None and not expr.isdigit():  # a number would be a column position
            keys.append(expr)
    for name in _TEXT_COLUMNS:
        expr = values.get(name)
        cols.append(f"CAST({expr or 'NULL'} AS VARCHAR) AS {name}")
        if expr is not None:
            keys.append(expr)
    cols.append(f"CAST({n} AS BIGINT) AS n")
    group_by = f" GROUP BY {', '.join(keys)}" if group and keys else ""
    return f"SELECT {', '.join(cols)} FROM {source}{group_by}"


def aggregate_parts(plan: Plan) -> list[str]:
    defn = plan.definition
    counted = "unit_out WHERE NOT excluded"
    parts = [
        _part(
            "level",
            "unit_out",
            i1="furthest",
            i2="CASE WHEN excluded THEN 1 ELSE 0 END",
            i3="CASE WHEN still_open THEN 1 ELSE 0 END",
        ),
        _part(
            "last",
            "lt CROSS JOIN (SELECT COUNT(*) AS rows FROM clean) c",
            "c.rows",
            group=False,
            i1="lt.last_t",
        ),
    ]
    parts += _flexible_timing_parts(plan) if flexible_sql.flexible(defn) else _timing_parts(defn)
    parts += _matched_parts(plan)
    if reasons_sql.unit_column(plan):
        parts.append(
            _part("reason", "unit_out WHERE reason IS NOT NULL", i1="furthest", i2="reason")
        )
    entry = flexible_sql.entry_column(plan)
    if defn.breakdown is not None:
        names = {f"v{i}": f"b{i}" for i in range(1, len(defn.breakdown.names()) + 1)}
        parts.append(_part("bd", counted, "COUNT(*)", True, i1="furthest", **names))
        for k in _optional(defn):  # §15: per group, the units that matched it
            matched = f"{counted} AND t{k} IS NOT NULL"
            parts.append(_part("bdm", matched, "COUNT(*)", True, i1=str(k), **names))
    if defn.n_steps:
        day = f"{entry} // {NS_PER_DAY}"
        parts.append(_part("day", counted, i1=day, i2="furthest"))
        for k in _optional(defn):
            parts.append(_part("daym", f"{counted} AND t{k} IS NOT NULL", i1=day, i2=str(k)))
        parts.append(
            _part("span", counted, "COUNT(*)", group=False, i1=f"MIN({entry})", i2=f"MAX({entry})")
        )
    for i, _, _ in plan.micro():
        parts.append(
            _part(
                "mm",
                counted,
                i1=str(i),
                i2=f"CASE WHEN mm{i} THEN 1 ELSE 0 END",
                i3=f"CASE WHEN {_reached_macro(defn)} THEN 1 ELSE 0 END",
            )
        )
        parts.append(_part("mmt", f"{counted} AND mm{i}", i1=str(i), i2=f"mt{i}"))
    parts += _warning_parts(plan)
    if hold_sql.holding(plan):  # §17: step events lacking a held property
        parts.append(_part("hold", f"fl WHERE {hold_sql.missing_condition(plan)}", group=False))
    return parts


def _macro(defn: FunnelDefinition) -> int:
    from funnel_gui.core.engine.micro_macro import macro_step

    return macro_step(defn)


def _reached_macro(defn: FunnelDefinition) -> str:
    """§9: the unit reached the macro step (§15: an optional one, by matching it)."""
    m = _macro(defn)
    return f"t{m} IS NOT NULL" if defn.steps[m - 1].optional else f"furthest >= {m}"


def _optional(defn: FunnelDefinition) -> list[int]:
    return [k for k, s in enumerate(defn.steps, 1) if s.optional]


def _matched_parts(plan: Plan) -> list[str]:
    """§15: per step the counted units whose reported attempt matched it (`cover`), in an
    open funnel also those that went on past it (`onward`) and where they entered."""
    defn = plan.definition
    counted = "unit_out WHERE NOT excluded"
    steps = range(1, defn.n_steps + 1) if defn.open else _optional(defn)
    parts = []
    for k in steps:
        did = f"SUM(CASE WHEN t{k} IS NOT NULL THEN 1 ELSE 0 END)"
        parts.append(_part("cover", counted, did, group=False, i1=str(k)))
        if defn.open:
            on = f"SUM(CASE WHEN t{k} IS NOT NULL AND furthest > {k} THEN 1 ELSE 0 END)"
            parts.append(_part("onward", counted, on, group=False, i1=str(k)))
    if defn.open:
        parts.append(_part("entered", counted, i1="st"))
    return parts


def _flexible_timing_parts(plan: Plan) -> list[str]:
    """§6 with §15: from the attempt's previous matched event (an optional step jumped
    over is no event) and from its entry event; a step after a required one in a closed
    funnel as without §15."""
    defn = plan.definition
    entry = flexible_sql.entry_column(plan)
    parts = []
    for k in range(2, defn.n_steps + 1):
        if not defn.open and not defn.steps[k - 2].optional:
            before = f"t{k - 1}"
        else:
            before = "COALESCE(" + ", ".join(f"t{j}" for j in range(k - 1, 0, -1)) + ")"
            before = before if k > 2 else "t1"
        timed = f"unit_out WHERE t{k} IS NOT NULL AND {before} IS NOT NULL"
        parts.append(_part("prev", timed, i1=str(k), i2=f"t{k} - {before}"))
        if k > 2:
            parts.append(_part("conv", timed, i1=str(k), i2=f"t{k} - {entry}"))
    return parts


def _timing_parts(defn: FunnelDefinition) -> list[str]:
    """§6: each step's durations from the previous step and from step 1, as histograms of
    exact values (none in any order)."""
    if defn.order == "any":
        return []
    parts = []
    for k in range(2, defn.n_steps + 1):
        reached = f"unit_out WHERE t{k} IS NOT NULL"
        parts.append(_part("prev", reached, i1=str(k), i2=f"t{k} - t{k - 1}"))
        if k > 2:
            parts.append(_part("conv", reached, i1=str(k), i2=f"t{k} - t1"))
    return parts


def _warning_parts(plan: Plan) -> list[str]:
    """Which named events the data has, and rows without a session (warnings)."""
    defn = plan.definition
    names: dict[str, None] = {}
    for matcher in [s.matcher for s in defn.steps] + [x.matcher for x in defn.exclusions]:
        names.update(dict.fromkeys(matcher.events))
    names.update(dict.fromkeys(n for m in defn.micro_conversions for n in m.events))
    parts = []
    if names:
        listed = ", ".join(literal(n) for n in names)
        parts.append(_part("event", f"clean WHERE e IN ({listed})", v1="e"))
    if defn.unit == "session":
        parts.append(_part("loose", "clean WHERE s IS NULL", group=False))
    return parts


def aggregate_sql(plan: Plan) -> str:
    """The whole statement in DuckDB's dialect (placeholders for relation and time)."""
    return with_clause(funnel_ctes(plan)) + "\n" + "\nUNION ALL\n".join(aggregate_parts(plan))


def units_sql(plan: Plan, limit: int | None, dropped_at: int | None = None) -> str:
    """The per-unit table, on demand: units in actor (then session) order, at most `limit`.

    `dropped_at` = k: only the units who reached step k−1 but not k (not excluded), the
    earliest to reach it first (the drill-down list of that drop-off)."""
    order = ", ".join(plan.key)
    where = ""
    if dropped_at is not None:
        reached = dropped_at - 1
        column = "t1" if plan.definition.order == "any" else f"t{reached}"
        where = f" WHERE NOT excluded AND furthest = {reached}"
        order = f"{column}, {order}"
    if plan.definition.count == "totals":  # §16: a unit's counted attempts in turn
        order += ", attempt"
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    body = f"\nSELECT * FROM unit_out{where} ORDER BY {order}{tail}"
    return with_clause(funnel_ctes(plan)) + body
