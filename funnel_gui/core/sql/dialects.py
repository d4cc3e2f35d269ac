"""From the one query we write (DuckDB's dialect) to each engine's: SQLGlot, plus the two
things no generic translation gets right here: the time column as integer nanoseconds
and the source relation, which arrives already written in the target dialect."""

from __future__ import annotations

import logging
from typing import Literal, cast

import sqlglot
from sqlglot import exp

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.sources.portable import NO_ALIAS_IN_WHERE, expand_alias_refs_in

DIALECTS = ("duckdb", "postgres", "clickhouse", "spark", "bigquery", "snowflake")
TimeType = Literal["timestamp", "ns", "text"]
# Placeholders in the DuckDB text: the source relation and the time conversion.
RELATION = "funnel_source_rel__"
TIME_FUNCTION = "FUNNEL_TIME_NS__"

# A timestamp column as int64 nanoseconds since the epoch, UTC, per dialect ({c} is the
# quoted column). Warehouses keep microseconds, so their nanoseconds end in 000.
_TIMESTAMP_NS = {
    "duckdb": "EPOCH_NS({c})",
    "postgres": "CAST(EXTRACT(EPOCH FROM {c}) * 1000000 AS BIGINT) * 1000",
    "clickhouse": "toUnixTimestamp64Nano(toDateTime64({c}, 9, 'UTC'))",
    "spark": "UNIX_MICROS({c}) * 1000",
    "bigquery": "UNIX_MICROS({c}) * 1000",
    "snowflake": "DATE_PART(epoch_nanosecond, {c})",
}
_TEXT_NS = {
    "duckdb": "EPOCH_NS(CAST({c} AS TIMESTAMPTZ))",
    "postgres": "CAST(EXTRACT(EPOCH FROM CAST({c} AS TIMESTAMPTZ)) * 1000000 AS BIGINT) * 1000",
    "clickhouse": "toUnixTimestamp64Nano(parseDateTime64BestEffort({c}, 9, 'UTC'))",
    "spark": "UNIX_MICROS(CAST({c} AS TIMESTAMP)) * 1000",
    "bigquery": "UNIX_MICROS(CAST({c} AS TIMESTAMP)) * 1000",
    "snowflake": "DATE_PART(epoch_nanosecond, TRY_TO_TIMESTAMP_TZ({c}))",
}


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise UserFacingError(f"Unknown SQL dialect {dialect!r}: use one of {', '.join(DIALECTS)}.")
    return dialect


def time_ns_template(dialect: str, time_type: TimeType) -> str:
    """The target-dialect text of the time column as nanoseconds ({c}: the column)."""
    if time_type == "ns":
        return "{c}"
    return (_TEXT_NS if time_type == "text" else _TIMESTAMP_NS)[dialect]


def time_call(column_sql: str) -> str:
    """The placeholder call the DuckDB text uses for the time column."""
    return f"{TIME_FUNCTION}({column_sql})"


def to_dialect(duckdb_sql: str, dialect: str, relation: str, time_type: TimeType) -> str:
    """`duckdb_sql` in `dialect`, with the placeholders replaced by the real relation and
    the dialect's time conversion."""
    check_dialect(dialect)
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    template = time_ns_template(dialect, time_type)

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == TIME_FUNCTION:
            column = node.expressions[0].sql(dialect=dialect)
            return cast(exp.Expression, sqlglot.parse_one(template.format(c=column), read=dialect))
        return node

    tree = tree.transform(swap)
    if dialect in NO_ALIAS_IN_WHERE:  # they reject a SELECT's own alias in WHERE/HAVING
        expand_alias_refs_in(tree)
    # SQLGlot warns that it cannot spell DuckDB's NULLS LAST in some window orders; the
    # columns ordered there (row number, time) are never NULL, so nothing is lost.
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        text = tree.sql(dialect=dialect, pretty=True)
    finally:
        quiet.setLevel(level)
    # The relation is spliced in as text: it is already in the target dialect, and
    # may be a table function (read_parquet) or a subquery SQLGlot need not understand.
    return text.replace(RELATION, relation)
