"""Small event tables and funnel definitions for engine tests, in minutes from a base instant.

`make_table` goes through a real CSV file and `load_events`, so a fixture's event
table is exactly what the app would build from that file (sorting, ties, sessions).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from funnel_gui.core.definition.model import (
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FilterOp,
    FunnelDefinition,
    Order,
    Step,
    Unit,
    default_kinds,
)
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events

BASE = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, midnight UTC
MINUTE_NS = 60 * 1_000_000_000
_BASE_NS = int(BASE.timestamp()) * 1_000_000_000
_file_numbers = itertools.count()

Row = Sequence[object]  # (actor, event, minutes, [session,] *property values)


def ns(minutes: float) -> int:
    """The instant `minutes` after BASE, as int64 ns (what EventTable.time holds)."""
    return _BASE_NS + round(minutes * MINUTE_NS)


def duration(minutes: float) -> int:
    """A duration of `minutes`, in ns (what FunnelDefinition holds)."""
    return round(minutes * MINUTE_NS)


def iso_at(minutes: float) -> str:
    """ISO 8601 text with a Z for the instant `minutes` after BASE."""
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def write_csv(
    rows: Iterable[Row], path: Path, session: bool = False, props: Sequence[str] = ()
) -> Path:
    """Rows as (actor, event, minutes, [session,] *props); None or "" is an empty cell."""
    header = ["user_id", "event_name", "event_time"]
    if session:
        header.append("session_id")
    header += list(props)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            actor, event, minutes, *rest = row
            if len(rest) != len(header) - 3:
                raise ValueError(f"row {row!r} does not fit the columns {header}")
            assert isinstance(minutes, int | float)
            writer.writerow([actor, event, iso_at(minutes), *(_cell(v) for v in rest)])
    return path


def make_table(
    rows: Iterable[Row], tmp_path: Path, session: bool = False, props: Sequence[str] = ()
) -> EventTable:
    """Write `rows` to a fresh CSV under `tmp_path` (file order = row order) and load it."""
    path = write_csv(rows, tmp_path / f"events_{next(_file_numbers)}.csv", session, props)
    mapping = {
        "actor": "user_id",
        "event": "event_name",
        "time": "event_time",
        "session": "session_id" if session else None,
    }
    return load_events(path, mapping)


def session_of(table: EventTable, actor: str, minutes: float) -> int:
    """The session code of `actor`'s (first) event at `minutes`: fixtures name sessions by
    their text, the table codes them."""
    assert table.session is not None
    for pos in range(len(table)):
        same_actor = table.actor_ids[int(table.actor[pos])].as_py() == actor
        if same_actor and int(table.time[pos]) == ns(minutes):
            return int(table.session[pos])
    raise KeyError((actor, minutes))


def where(prop: str, op: FilterOp, value: str | float | tuple[str, ...] | None = None) -> Filter:
    return Filter(prop, op, value)


def step(
    *events: str,
    where: Sequence[Filter] = (),
    min_gap: float | None = None,
    max_gap: float | None = None,
) -> Step:
    """A step matching any of `events`; gaps in minutes."""
    return Step(
        events=tuple(events),
        where=tuple(where),
        min_gap_ns=None if min_gap is None else duration(min_gap),
        max_gap_ns=None if max_gap is None else duration(max_gap),
    )


def exclusion(*events: str, between: tuple[int, int], where: Sequence[Filter] = ()) -> Exclusion:
    return Exclusion(events=tuple(events), between=between, where=tuple(where))


def definition(
    *steps: str | tuple[str, ...] | Step,
    order: Order = "sequential",
    window: float = 60,
    unit: Unit = "actor",
    exclusions: Sequence[Exclusion] = (),
    breakdown: str | None = None,
    attribution: str = "first_step",
    date_range: tuple[float | None, float | None] | None = None,
) -> FunnelDefinition:
    """A FunnelDefinition from shorthand: a step is an event name, a tuple of names (OR'd)
    or a Step; `window` and `date_range` bounds are minutes from BASE."""
    built = []
    for s in steps:
        if isinstance(s, Step):
            built.append(s)
        elif isinstance(s, str):
            built.append(step(s))
        else:
            built.append(step(*s))
    kinds = default_kinds(len(built))
    built = [replace(s, kind=kind) for s, kind in zip(built, kinds, strict=True)]
    dates = None
    if date_range is not None:
        start, end = date_range
        dates = DateRange(
            start_ns=None if start is None else ns(start),
            end_ns=None if end is None else ns(end),
        )
    return FunnelDefinition(
        steps=tuple(built),
        order=order,
        window_ns=duration(window),
        unit=unit,
        exclusions=tuple(exclusions),
        breakdown=None if breakdown is None else Breakdown(breakdown, attribution),
        date_range=dates,
    )
