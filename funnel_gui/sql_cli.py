"""`funnel-gui sql DEF --dialect D`: the SQL statement a funnel compiles to, for people who
want to run it in their own warehouse. One row per aggregate: see the comment it starts
with, and core/sql/aggregate_sql.py."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from funnel_gui.cli_loading import BAD_INPUT, bad_input
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.aggregate_sql import aggregate_sql
from funnel_gui.core.sql.dialects import DIALECTS, to_dialect
from funnel_gui.core.sql.plan import make_plan
from funnel_gui.core.sql.runner import check_compiled
from funnel_gui.core.sql.source import ColumnMap

_DEFAULT_COLUMNS = {"actor": "user_id", "event": "event_name", "time": "event_time"}
_KEYS = ("actor", "event", "time", "session", "order")
HEADER = """-- Funnel {name!r} compiled for {dialect} by funnel-gui.
-- Each row is one aggregate (kind, i1, i2, i3, v1, v2, v3, n):
--   level: i1 furthest step (0 excluded), i2 excluded, i3 still open; n units
--   prev/conv: i1 step, i2 duration in ns from the previous step / from step 1; n units
--   bd: i1 furthest step, v1.. breakdown values; day: i1 UTC day of entry, i2 furthest
--   mm/mmt: micro conversion i1 (group A i2, reached macro i3 / time to it); last: i1 last time
"""


def parse_columns(text: str | None) -> ColumnMap:
    """`actor=uid,event=name,time=ts[,session=sid][,order=row]` (defaults: GA4-like names)."""
    given: dict[str, str] = {}
    for part in filter(None, (text or "").split(",")):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in _KEYS or not value.strip():
            raise UserFacingError(
                f"--columns takes role=column pairs with roles {', '.join(_KEYS)}; got {part!r}."
            )
        given[key] = value.strip()
    named = {**_DEFAULT_COLUMNS, **given}
    return ColumnMap(
        named["actor"], named["event"], named["time"], named.get("session"), named.get("order")
    )


def table_sql(name: str, dialect: str) -> str:
    """A dotted table name (project.dataset.table) quoted for the dialect."""
    return exp.to_table(name, dialect=dialect).sql(dialect=dialect, identify=True)


def funnel_sql(definition: Any, dialect: str, table: str, columns: ColumnMap) -> str:
    check_compiled(definition)
    plan = make_plan(definition, columns, frozenset(_assumed_present(definition, columns)))
    sql = to_dialect(aggregate_sql(plan), dialect, table_sql(table, dialect), "timestamp")
    header = HEADER.format(name=definition.name or "Funnel", dialect=dialect)
    if not columns.order_key:
        header += (
            "-- No order column (--columns order=...): ties in time may be ordered differently.\n"
        )
    return header + sql + "\n"


def _assumed_present(definition: Any, columns: ColumnMap) -> list[str]:
    """Without a connection every column the funnel names is taken to exist."""
    plan = make_plan(definition, columns, frozenset())
    names = [columns.actor, columns.event, columns.time, *plan.props]
    return names + [c for c in (columns.session, columns.order_key) if c]


def sql_command(argv: Sequence[str], add_mapping: Any, overrides: Any) -> int:
    del add_mapping, overrides  # no export file here: columns come from --columns
    parser = argparse.ArgumentParser(
        prog="funnel-gui sql",
        description="Print the SQL a saved funnel compiles to, in a warehouse's dialect.",
    )
    parser.add_argument("funnel", metavar="DEF.funnel.json")
    parser.add_argument("--dialect", choices=DIALECTS, default="duckdb")
    parser.add_argument("--table", default="events", help="table name (default: events)")
    parser.add_argument(
        "--columns",
        metavar="actor=COL,event=COL,time=COL[,session=COL][,order=COL]",
        help="the table's columns (default: user_id, event_name, event_time)",
    )
    ns = parser.parse_args(argv)
    try:
        loaded = load_funnel(ns.funnel)
        text = funnel_sql(loaded.definition, ns.dialect, ns.table, parse_columns(ns.columns))
    except (*BAD_INPUT, sqlglot.errors.SqlglotError) as exc:
        return bad_input(exc)
    print(text, end="")
    return 0
