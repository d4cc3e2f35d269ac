"""§17 in SQL: holding properties constant.

An event matches a step after step 1 only if it carries the step-1 event's values of the
held properties. Every later match of an attempt then carries them too, so the next match
of a step is searched among the unit's rows with the same held values (window partitions
by unit and held values, `window_frame(..., held=True)`); in strict order the very next
row must also carry them. A step-1 event missing one of them starts no attempt;
exclusions and micro conversions are not held.
"""

from __future__ import annotations

from funnel_gui.core.sql.plan import Plan, held_aliases


def holding(plan: Plan) -> bool:
    return bool(plan.definition.hold)


def next_row_held(plan: Plan) -> str:
    """Strict order: the unit's next row carries this row's held values (SQL that is never
    NULL), or "" when nothing is held."""
    if not holding(plan):
        return ""
    over = f"OVER (PARTITION BY {', '.join(plan.key)} ORDER BY q)"
    same = " AND ".join(f"LEAD({p}) {over} = {p}" for p in held_aliases(plan))
    return f"COALESCE({same}, FALSE)"


def entry_held(plan: Plan, alias: str) -> list[str]:
    """The entry event carries every held property."""
    return [f"{alias}.{p} IS NOT NULL" for p in held_aliases(plan)]


def missing_condition(plan: Plan) -> str:
    """A row matching any step (§2) that lacks a held property (`hold_missing`)."""
    steps = " OR ".join(f"m{k}" for k in range(1, plan.definition.n_steps + 1))
    lacks = " OR ".join(f"{p} IS NULL" for p in held_aliases(plan))
    return f"({steps}) AND ({lacks})"
