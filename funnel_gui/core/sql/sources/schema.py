"""Which columns of a SQL table are actor, event, time, session: detected as for files.

A sample of rows goes through the file importer's detection (core/io/detect.py), so a
table named like an export (GA4, Mixpanel, PostHog, or generic names) maps the same way;
`--columns actor=…,event=…` (or the mapping dialog) overrides any role.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from funnel_gui.core.io.detect import detect
from funnel_gui.core.io.mapping import ROLES
from funnel_gui.core.sql.source import ColumnMap
from funnel_gui.core.sql.sources.base import UNMAPPED, ClientSource
from funnel_gui.core.sql.sources.urls import SourceError

OVERRIDE_ROLES = (*ROLES, "order_key")
_SAMPLE_ROWS = 5000
# Columns that give the order of events with equal times (§21), by name.
_ORDER_NAMES = ("order_key", "seq", "sequence", "event_index", "row_number", "row_id")


def parse_column_overrides(text: str) -> dict[str, str]:
    """`actor=user_id,event=name` → {"actor": "user_id", "event": "name"}."""
    overrides: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, column = part.partition("=")
        role = role.strip().replace("-", "_")
        if not sep or role not in OVERRIDE_ROLES or not column.strip():
            raise SourceError(
                f"--columns takes ROLE=COLUMN pairs ({', '.join(OVERRIDE_ROLES)}); got {part!r}"
            )
        overrides[role] = column.strip()
    return overrides


def sample_rows(source: ClientSource, rows: int = _SAMPLE_ROWS) -> pa.Table:
    return source.execute(f"SELECT * FROM {source.relation} AS sample_rows LIMIT {rows}")


def map_columns(source: ClientSource, overrides: Mapping[str, str]) -> ColumnMap:
    """The column map of the source's table: its own (GA4) or detected, then overrides."""
    if source.columns != UNMAPPED and not overrides:
        return source.columns
    sample = sample_rows(source)
    return columns_from_sample(sample, overrides)


def columns_from_sample(sample: pa.Table, overrides: Mapping[str, str]) -> ColumnMap:
    names = sample.column_names
    for column in overrides.values():
        if column not in names:
            raise SourceError(f"The table has no column {column!r}; it has {', '.join(names)}.")
    roles = {k: v for k, v in overrides.items() if k in ROLES}
    if len(sample) == 0 and not {"actor", "event", "time"} <= roles.keys():
        raise SourceError("The table is empty: nothing to detect columns from.")
    mapping = detect(sample).mapping.with_overrides(roles) if len(sample) else None
    chosen = {r: roles.get(r) or (mapping.primary(r) if mapping else None) for r in ROLES}
    missing = [r for r in ("actor", "event", "time") if not chosen[r]]
    if missing:
        raise SourceError(
            f"Cannot tell which column is the {' and the '.join(missing)}; name it with "
            f"--columns {missing[0]}=COLUMN (columns: {', '.join(names)})."
        )
    order_key = overrides.get("order_key") or next((n for n in names if n in _ORDER_NAMES), None)
    used = {c for c in (*chosen.values(), order_key) if c}
    return ColumnMap(
        actor=str(chosen["actor"]),
        event=str(chosen["event"]),
        time=str(chosen["time"]),
        session=chosen["session"],
        order_key=order_key,
        properties=tuple(n for n in names if n not in used),
    )
