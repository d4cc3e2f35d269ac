"""An EventTable handed to DuckDB as the same rows in file order, so the in-memory engine
and the SQL compiler see one log (properties as the engine's texts)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.rowcodes import as_text
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import ColumnMap


def table_rows(table: EventTable) -> pa.Table:
    order = np.argsort(table.row, kind="stable")  # input (file) order
    columns: dict[str, pa.Array] = {
        "actor": table.actor_ids.take(pa.array(table.actor[order])),
        "event": pa.array(np.array(table.event_names, dtype=object)[table.event[order]]),
        "time": pa.array(table.time[order], pa.int64()),
    }
    if table.session is not None and table.session_ids is not None:
        codes = table.session[order]
        ids = table.session_ids.take(pa.array(np.maximum(codes, 0)))
        columns["session"] = pa.array(
            [None if c < 0 else v for c, v in zip(codes, ids.to_pylist(), strict=True)],
            pa.string(),
        )
    for name in table.property_names:
        columns[name] = as_text(table.properties[name]).take(pa.array(table.row[order]))
    return pa.table(columns)


def duckdb_of(table: EventTable) -> DuckDBSource:
    rows = table_rows(table)
    session = "session" if "session" in rows.column_names else None
    columns = ColumnMap("actor", "event", "time", session, None, tuple(table.property_names))
    return DuckDBSource.from_table(rows, columns)
