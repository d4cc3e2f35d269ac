"""§2 event matchers as SQL conditions over property texts, written in DuckDB's dialect.

Values compare as text (a missing property is NULL and fails every op but neq, not_in
and not_set); gt/lt compare numbers and fail on text that is not a number, recognised
by the same pattern as the in-memory engine (textforms.NUMBER_TEXT).
"""

from __future__ import annotations

from collections.abc import Callable

from funnel_gui.core.definition.model import EventMatcher, Filter
from funnel_gui.core.textforms import NUMBER_TEXT


def quote_name(name: str) -> str:
    """A column name as a DuckDB quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A text as a DuckDB string literal (SQLGlot re-escapes it for each dialect)."""
    return "'" + text.replace("'", "''") + "'"


def number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return "NULL"
    return repr(float(value))


def filter_sql(flt: Filter, prop: Callable[[str], str]) -> str:
    """One `where` filter as a boolean that is never NULL; `prop(name)` is the SQL of the
    property's text (NULL when missing)."""
    p = prop(flt.property)
    op, value = flt.op, flt.value
    if op == "is_set":
        return f"({p} IS NOT NULL)"
    if op == "not_set":
        return f"({p} IS NULL)"
    if op in ("gt", "lt"):
        bound = number(float(value)) if isinstance(value, int | float) else "NULL"
        sign = ">" if op == "gt" else "<"
        as_number = (
            f"CASE WHEN REGEXP_MATCHES({p}, {literal(NUMBER_TEXT)}) THEN CAST({p} AS DOUBLE) END"
        )
        return f"COALESCE({as_number} {sign} {bound}, FALSE)"
    if op in ("in", "not_in"):
        texts = value if isinstance(value, tuple) else (str(value),)
        listed = ", ".join(literal(str(v)) for v in texts) or "NULL"
        inside = f"COALESCE({p} IN ({listed}), FALSE)"
        return inside if op == "in" else f"({p} IS NULL OR NOT {inside})"
    text = literal(str(value))
    if op == "contains":
        return f"COALESCE(STRPOS({p}, {text}) > 0, FALSE)"
    if op == "eq":
        return f"COALESCE({p} = {text}, FALSE)"
    return f"({p} IS NULL OR {p} <> {text})"  # neq


def matcher_sql(matcher: EventMatcher, event: str, prop: Callable[[str], str]) -> str:
    """Name is one of the matcher's events (OR) and every filter holds (AND)."""
    names = ", ".join(literal(n) for n in matcher.events) or "NULL"
    parts = [f"COALESCE({event} IN ({names}), FALSE)"]
    parts += [filter_sql(f, prop) for f in matcher.where]
    return "(" + " AND ".join(parts) + ")"


def matcher_properties(matchers: list[EventMatcher]) -> list[str]:
    """Every property the matchers' filters read, in first-seen order."""
    seen: dict[str, None] = {}
    for m in matchers:
        for f in m.where:
            seen[f.property] = None
    return list(seen)
