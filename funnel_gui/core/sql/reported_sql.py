"""§3.4–§7 in SQL: each unit's reported attempt, its breakdown value and still-open flag.

`funnel_ctes(plan)` is the whole chain of common table expressions, in DuckDB's dialect,
ending in `unit_out` (one row per unit that entered; see units_sql).
"""

from __future__ import annotations

from funnel_gui.core.definition.model import Breakdown
from funnel_gui.core.engine.breakdown import NO_VALUE, NOT_REACHED
from funnel_gui.core.sql import flexible_sql, totals_sql
from funnel_gui.core.sql.plan import Plan
from funnel_gui.core.sql.predicates import literal
from funnel_gui.core.sql.reasons_sql import unit_column
from funnel_gui.core.sql.units_sql import (
    any_order_attempts,
    base_ctes,
    flag_ctes,
    ordered_attempts,
)


def funnel_ctes(plan: Plan) -> list[tuple[str, str]]:
    chain = totals_sql.chain_ctes(plan) if totals_sql.counting_attempts(plan) else []
    if flexible_sql.flexible(plan.definition):  # §15
        attempts = flexible_sql.flexible_ctes(plan)
    elif plan.definition.order == "any":
        attempts = [("att", any_order_attempts(plan))]
    else:
        attempts = [("att", ordered_attempts(plan))]
    return [*base_ctes(plan), *flag_ctes(plan), *attempts, *chain, *reported_ctes(plan)]


def reported_ctes(plan: Plan) -> list[tuple[str, str]]:
    """The reported attempt: the earliest non-void attempt at the furthest level; a unit
    whose attempts are all void is excluded (furthest 0, no times)."""
    key = ", ".join(plan.key)
    level = "CASE WHEN void THEN 0 ELSE lvl END"
    # §15: an open funnel's ties go to the fuller path (the lower start step) first.
    start = "st, " if plan.definition.open else ""
    rank = f"ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {level} DESC, {start}q1)"
    ranked = f"SELECT *, {level} AS f, {rank} AS rk FROM att"
    if totals_sql.counting_attempts(plan):  # §16: every counted attempt is a row
        ranked = totals_sql.counted_rows(plan, ranked)
    defn = plan.definition
    n = defn.n_steps
    select = [*plan.key, "f AS furthest", "f = 0 AS excluded"]
    entry = flexible_sql.entry_column(plan)
    select.append(f"(f > 0 AND f < {n} AND {entry} + {plan.window} > lt.last_t) AS still_open")
    select += [f"CASE WHEN f > 0 THEN t{k} END AS t{k}" for k in range(1, n + 1)]
    if defn.breakdown is not None:
        for i, name in enumerate(defn.breakdown.names(), 1):
            select.append(f"CASE WHEN f > 0 THEN {_breakdown_value(plan, name)} END AS b{i}")
    for i, _, _ in plan.micro():
        select += [f"mm{i}", f"mt{i}"]
    select += unit_column(plan, entry)
    if flexible_sql.flexible(defn):  # §15: the entry event and its step
        select += ["CASE WHEN f > 0 THEN et END AS et", "CASE WHEN f > 0 THEN st ELSE 1 END AS st"]
    if totals_sql.counting_attempts(plan):
        select.append("attempt")
    out = f"SELECT {', '.join(select)} FROM rep CROSS JOIN lt WHERE {totals_sql.kept(plan)}"
    return [("rep", ranked), ("unit_out", out)]


def _breakdown_value(plan: Plan, name: str) -> str:
    """§5: the value on the reported attempt's step-1, furthest or step-N event; (none)
    when missing, (not reached) for a unit that never reached step N. Any order has no
    per-step events: the entry e stands for every step, "step N" means N steps done."""
    breakdown = plan.definition.breakdown
    assert isinstance(breakdown, Breakdown)
    alias = plan.props[name]
    none = literal(NO_VALUE)
    n = breakdown.step_number()
    # §15: a skipped step (or one before an open attempt's entry) was not reached.
    reached = f"t{n} IS NOT NULL" if flexible_sql.flexible(plan.definition) else f"f >= {n}"
    if plan.definition.order == "any" or breakdown.attribution == "first_step":
        value = f"COALESCE({alias}_1, {none})"
        if n is None:
            return value
        return f"CASE WHEN {reached} THEN {value} ELSE {literal(NOT_REACHED)} END"
    if n is not None:
        return (
            f"CASE WHEN {reached} THEN COALESCE({alias}_{n}, {none}) "
            f"ELSE {literal(NOT_REACHED)} END"
        )
    cases = " ".join(f"WHEN {k} THEN {alias}_{k}" for k in range(plan.definition.n_steps, 0, -1))
    return f"COALESCE(CASE f {cases} END, {none})"


def with_clause(ctes: list[tuple[str, str]]) -> str:
    recursive = any(name in (totals_sql.RECURSIVE, flexible_sql.WALK) for name, _ in ctes)
    head = "WITH RECURSIVE " if recursive else "WITH "
    return head + ",\n".join(f"{name} AS ({sql})" for name, sql in ctes)
