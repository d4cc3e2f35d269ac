"""What ClickHouse needs beyond SQLGlot's translation for our numbers to be exact.

- `median`/`quantile` are approximate in ClickHouse (reservoir sampling): every median or
  percentile becomes `quantileExactInclusive`, which interpolates linearly between order
  statistics, like numpy's default and PostgreSQL's percentile_cont.
- A LEFT JOIN fills missing right-hand columns with defaults (0, '') instead of NULL
  unless `join_use_nulls = 1`, which every connection sets (SETTINGS below).
"""

from __future__ import annotations

import re

import pyarrow as pa
import sqlglot
from sqlglot import exp

SETTINGS = {"join_use_nulls": 1}
_APPROXIMATE = re.compile(r"^(median|quantile|quantiles)$", re.IGNORECASE)


def exact_quantiles(sql: str) -> str:
    """`sql` (ClickHouse dialect) with every approximate median/quantile made exact."""
    tree = sqlglot.parse_one(sql, read="clickhouse")
    changed = False

    def swap(node: exp.Expression) -> exp.Expr:
        nonlocal changed
        if isinstance(node, exp.Median):
            changed = True
            return _exact(exp.Literal.number(0.5), node.this)
        if isinstance(node, exp.Quantile):
            changed = True
            return _exact(node.args["quantile"], node.this)
        if isinstance(node, exp.PercentileCont) and node.expression is not None:
            changed = True
            return _exact(node.expression, node.this)
        if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
            changed = True
            return _exact(node.this.this, node.expression.expressions[0].this)
        if isinstance(node, exp.Anonymous) and _APPROXIMATE.match(str(node.this)):
            raise ValueError(f"unexpected ClickHouse aggregate {node.this}")
        return node

    tree = tree.transform(swap)
    return tree.sql(dialect="clickhouse") if changed else sql


def _exact(level: exp.Expression, value: exp.Expression) -> exp.Expr:
    # quantileExactInclusive(level)(value): a parametric aggregate.
    text = f"quantileExactInclusive({level.sql('clickhouse')})({value.sql('clickhouse')})"
    return sqlglot.parse_one(text, read="clickhouse")


def with_settings(sql: str) -> str:
    """Append the SETTINGS clause every query of ours runs with."""
    body = sql.rstrip().rstrip(";")
    pairs = ", ".join(f"{k} = {v}" for k, v in SETTINGS.items())
    return f"{body}\nSETTINGS {pairs}"


def signed_integers(table: pa.Table) -> pa.Table:
    """ClickHouse types small counts and flags as UInt8…UInt64; the result builder (like
    every other engine) works in signed 64-bit integers, where -1 means "none"."""
    fields = [
        pa.field(f.name, pa.int64()) if pa.types.is_unsigned_integer(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields)) if fields != list(table.schema) else table


def refusal(error: str) -> str:
    """One line for a ClickHouse error; the known limits in words a person can act on."""
    if "RANGE' frame must be a nonnegative 32-bit integer" in error:
        return (
            "ClickHouse cannot compute a minimum gap here: its time-range windows take "
            "offsets below 2^31 and times are counted in nanoseconds (2.1 s). Compute "
            "this funnel with DuckDB or in memory."
        )
    lines = error.strip().splitlines()
    return f"ClickHouse refused the query: {lines[0] if lines else 'no message'}"
