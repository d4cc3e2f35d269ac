"""The event and property catalogs of a SQL table, by GROUP BY where the data lives, so
the palette and `inspect` work without loading the table (the same columns as
EventTable.event_catalog and property_catalog)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from funnel_gui.core.events import infer_property
from funnel_gui.core.sql.dialects import RELATION, to_dialect
from funnel_gui.core.sql.predicates import quote_name
from funnel_gui.core.sql.source import SqlSource

_TOP_VALUES = 5
_TOP_PROPERTIES = 30  # top values are one query each: only for the first properties
_SAMPLE_ROWS = 1000


def _run(source: SqlSource, duckdb_sql: str) -> pa.Table:
    return source.execute(to_dialect(duckdb_sql, source.dialect, source.relation, "ns"))


def event_catalog(source: SqlSource) -> pd.DataFrame:
    """Per event name: rows and distinct actors, most frequent first."""
    cols = source.columns
    sql = (
        f"SELECT e AS event, COUNT(*) AS n, COUNT(DISTINCT a) AS actors FROM "
        f"(SELECT CAST({quote_name(cols.event)} AS TEXT) AS e, "
        f"CAST({quote_name(cols.actor)} AS TEXT) AS a FROM {RELATION}) AS x "
        f"WHERE e IS NOT NULL GROUP BY e"
    )
    frame = _run(source, sql).to_pandas()
    frame = frame.rename(columns={"n": "count"}).astype({"count": "int64", "actors": "int64"})
    frame = frame.sort_values(["count", "event"], ascending=[False, True])
    out: pd.DataFrame = frame.reset_index(drop=True)[["event", "count", "actors"]]
    return out


def property_catalog(source: SqlSource) -> pd.DataFrame:
    """Per property: kind (from a sample), distinct values, rows with a value, top values."""
    names = list(source.columns.properties)
    columns = ["property", "kind", "distinct", "present", "top_values"]
    if not names:
        return pd.DataFrame(columns=columns)
    quoted = [quote_name(n) for n in names]
    sample = _run(source, f"SELECT {', '.join(quoted)} FROM {RELATION} LIMIT {_SAMPLE_ROWS}")
    counts = ", ".join(
        f"COUNT(DISTINCT {q}) AS d{i}, COUNT({q}) AS n{i}" for i, q in enumerate(quoted)
    )
    totals = _run(source, f"SELECT {counts} FROM {RELATION}").to_pylist()[0]
    records = []
    for i, name in enumerate(names):
        kind, _ = infer_property(sample[name].combine_chunks())
        top = _top_values(source, quoted[i]) if i < _TOP_PROPERTIES else []
        present = int(totals[f"n{i}"] or 0)
        distinct = int(totals[f"d{i}"] or 0)
        records.append((name, kind, distinct, present, top))
    return pd.DataFrame.from_records(records, columns=columns)


def _top_values(source: SqlSource, quoted: str) -> list[tuple[Any, int]]:
    sql = (
        f"SELECT CAST({quoted} AS TEXT) AS v, COUNT(*) AS n FROM {RELATION} "
        f"WHERE {quoted} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT {_TOP_VALUES}"
    )
    rows = _run(source, sql).to_pylist()
    return [(row["v"], int(row["n"])) for row in rows]
