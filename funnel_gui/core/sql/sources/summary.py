"""What the app shows of a SQL table without loading it: the Data overview's numbers (rows,
people, sessions, distinct events, time span, events per day) and the event and property
catalogs the palette and the settings' lists take their names from, each by aggregates
computed where the data lives.

`SqlSummary` offers the same names as an EventTable for what the lists read
(`event_catalog`, `property_catalog`, `property_names`, `has_sessions`, `time_span_ns`),
so a widget fills its lists from either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from funnel_gui.core.progress import Cancelled, Progress, report
from funnel_gui.core.sql.dialects import RELATION, TimeType, time_call, to_dialect
from funnel_gui.core.sql.predicates import quote_name
from funnel_gui.core.sql.runner import source_schema, time_type_of
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.core.sql.sources.catalogs import event_catalog, property_catalog

NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True)
class SqlSummary:
    """A SQL table's overview and catalogs."""

    rows: int
    actors: int
    sessions: int | None  # None: no session column mapped
    time_span_ns: tuple[int, int] | None
    event_catalog: pd.DataFrame
    property_catalog: pd.DataFrame
    daily_volume: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def property_names(self) -> list[str]:
        return [str(p) for p in self.property_catalog["property"]]

    @property
    def has_sessions(self) -> bool:
        return bool(self.sessions)

    @property
    def distinct_events(self) -> int:
        return len(self.event_catalog)


def summarize(
    source: SqlSource, progress: Progress | None = None, cancelled: Cancelled | None = None
) -> SqlSummary:
    """Every number of the summary, one GROUP BY (or one total) per part."""
    report(progress, cancelled, 0.0, "Counting rows and people")
    cols = source.columns
    time_type = time_type_of(source_schema(source), cols.time)
    ns = time_call(quote_name(cols.time))
    session = (
        f", COUNT(DISTINCT CAST({quote_name(cols.session)} AS TEXT)) AS sessions"
        if cols.session
        else ""
    )
    totals_sql = (
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT CAST({quote_name(cols.actor)} AS TEXT)) AS actors, "
        f"MIN({ns}) AS t0, MAX({ns}) AS t1{session} FROM {RELATION}"
    )
    totals = source.execute(to_dialect(totals_sql, source.dialect, source.relation, time_type))
    row = totals.to_pylist()[0]
    report(progress, cancelled, 0.25, "Counting events per day")
    volume = _daily_volume(source, ns, time_type)
    report(progress, cancelled, 0.45, "Listing the events")
    events = event_catalog(source)
    report(progress, cancelled, 0.65, "Listing the properties")
    properties = property_catalog(source)
    report(progress, cancelled, 1.0, "Done")
    t0, t1 = row["t0"], row["t1"]
    return SqlSummary(
        rows=int(row["n"] or 0),
        actors=int(row["actors"] or 0),
        sessions=int(row["sessions"] or 0) if cols.session else None,
        time_span_ns=(int(t0), int(t1)) if t0 is not None and t1 is not None else None,
        event_catalog=events,
        property_catalog=properties,
        daily_volume=volume,
    )


def _daily_volume(source: SqlSource, ns: str, time_type: TimeType) -> pd.DataFrame:
    """Events and distinct people per UTC day, as EventTable.daily_volume (days without
    events filled with 0)."""
    actor = quote_name(source.columns.actor)
    sql = (
        f"SELECT d, COUNT(*) AS events, COUNT(DISTINCT a) AS actors FROM "
        f"(SELECT CAST(FLOOR({ns} / {NS_PER_DAY}) AS BIGINT) AS d, CAST({actor} AS TEXT) AS a "
        f"FROM {RELATION}) AS x WHERE d IS NOT NULL GROUP BY d"
    )
    frame = source.execute(to_dialect(sql, source.dialect, source.relation, time_type)).to_pandas()
    if frame.empty:
        return pd.DataFrame(
            {"day": pd.Series(dtype="datetime64[ns, UTC]"), "events": [], "actors": []}
        )
    frame = frame.astype({"d": "int64", "events": "int64", "actors": "int64"}).set_index("d")
    days = range(int(frame.index.min()), int(frame.index.max()) + 1)
    full = frame.reindex(days, fill_value=0)
    return pd.DataFrame(
        {
            "day": pd.to_datetime([d * NS_PER_DAY for d in days], utc=True),
            "events": full["events"].to_numpy(),
            "actors": full["actors"].to_numpy(),
        }
    )
