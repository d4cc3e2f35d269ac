"""Adjustments to the compiled SQL for engines stricter than DuckDB, after SQLGlot.

DuckDB lets WHERE and HAVING name an alias of the same SELECT (`SELECT … AS m1 … WHERE
m1`); PostgreSQL, Spark and BigQuery do not, and SQLGlot's translation keeps the name. So
each such reference is replaced by the aliased expression itself, which means the same.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Engines that resolve a bare name in WHERE/HAVING against the FROM columns only.
NO_ALIAS_IN_WHERE = frozenset({"postgres", "spark", "bigquery", "snowflake"})


def expand_alias_refs(sql: str, dialect: str) -> str:
    """`sql` with WHERE/HAVING references to the same SELECT's aliases spelled out."""
    if dialect not in NO_ALIAS_IN_WHERE:
        return sql
    tree = sqlglot.parse_one(sql, read=dialect)
    changed = expand_alias_refs_in(tree)
    return tree.sql(dialect=dialect, pretty=True) if changed else sql


def expand_alias_refs_in(tree: exp.Expr) -> bool:
    """Spell out, in place, WHERE/HAVING references to the same SELECT's aliases; whether
    any was changed."""
    changed = False
    for select in list(tree.find_all(exp.Select)):
        aliases = {
            p.alias: p.this
            for p in select.expressions
            if isinstance(p, exp.Alias) and not _same_column(p)
        }
        if not aliases:
            continue
        for clause in ("where", "having"):
            node = select.args.get(clause)
            if node is None:
                continue
            names = {c.name for c in node.find_all(exp.Column) if not c.table}
            if names & aliases.keys():
                changed = True
                select.set(clause, node.transform(_swap, aliases))
    return changed


def _same_column(projection: exp.Alias) -> bool:
    inner = projection.this
    return isinstance(inner, exp.Column) and inner.name == projection.alias


def _swap(node: exp.Expression, aliases: dict[str, exp.Expression]) -> exp.Expression:
    if isinstance(node, exp.Column) and not node.table and node.name in aliases:
        return exp.Paren(this=aliases[node.name].copy())
    return node
