"""From paths to an EventTable: read, flatten, detect, map, clean, code and sort.

Split in three so the app's mapping dialog can reuse the middle: `read_raw`
(files to one flat Arrow table), `resolve_mapping` (detection plus the user's
overrides) and `build_event_table` (the table plus a mapping to events).

`build_event_table` lives in build.py, `RawImport` and `ImportCancelled` in raw.py;
all three are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.build import build_event_table as build_event_table
from funnel_gui.core.io.detect import (
    detect,
    mappable_columns,
    property_renames,
    unreadable_time_columns,
)
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.flatten import flattened
from funnel_gui.core.io.mapping import ROLES, ColumnMapping, Detection
from funnel_gui.core.io.raw import ImportCancelled as ImportCancelled
from funnel_gui.core.io.raw import RawImport as RawImport
from funnel_gui.core.io.raw import _step, check_width
from funnel_gui.core.io.readers import read_source
from funnel_gui.core.io.rowcodes import decoded, plain_text, single_array
from funnel_gui.core.io.sources import open_sources
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.textforms import clip

MappingLike = ColumnMapping | Mapping[str, str | None]


def check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFailed(
            f"{name!r} is not a time zone this computer knows. Use a name such as UTC, "
            "Europe/Berlin or America/New_York."
        ) from exc


def read_raw(
    paths: Sequence[str | Path],
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> RawImport:
    raw = RawImport(pa.table({}), [], [])
    sources = open_sources(paths, raw.notes)
    tables: list[pa.Table] = []
    for i, source in enumerate(sources):
        _step(progress, cancelled, 0.05 + 0.45 * i / len(sources), f"Reading {source.name}")
        result = read_source(source)
        table = flattened(source.name, result.table)
        check_width(source.name, table.num_columns)
        tables.append(table)
        raw.sources.append(source.name)
        raw.source_rows.append(table.num_rows)
        raw.malformed_rows.append(sorted(result.malformed_rows))
        raw.malformed += result.malformed
        raw.malformed_examples.extend(result.malformed_examples)
        raw.notes.extend(result.notes)
    raw.table = _stack(tables)
    if raw.table.num_rows == 0:
        raise ImportFailed(_no_rows_message(raw))
    return raw


def _no_rows_message(raw: RawImport) -> str:
    names = ", ".join(raw.sources)
    if raw.malformed:
        return (
            f"{names}: none of the {raw.malformed:,} rows could be read; every one was "
            "malformed (wrong number of fields or broken JSON)."
        )
    if not raw.table.column_names:
        return f"{names} holds no fields at all: every record in it is empty, so no events."
    columns = ", ".join(clip(c, 40) for c in raw.table.column_names[:12])
    return (
        f"{names} has a header ({columns}) but no data rows: there are no events to "
        "analyse. The export may have been cut off, or the date range was empty."
    )


def _stack(tables: list[pa.Table]) -> pa.Table:
    """Concatenate; a column typed differently across files becomes text (ids stay exact)."""
    if len(tables) == 1:
        return tables[0]
    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for name, col in zip(table.column_names, table.columns, strict=True):
            types.setdefault(name, set()).add(col.type)
    conflicting = {n for n, ts in types.items() if len({t for t in ts if t != pa.null()}) > 1}
    fixed = []
    for table in tables:
        for name in conflicting & set(table.column_names):
            i = table.column_names.index(name)
            # The same rule as for ids everywhere: 123.0 in one file is 123 in the other.
            text = plain_text(decoded(single_array(table[name])))
            table = table.set_column(i, name, text)
        fixed.append(table)
    return pa.concat_tables(fixed, promote_options="default")


def resolve_mapping(raw: RawImport, overrides: MappingLike | None = None) -> Detection:
    """Detect, apply the user's choices, and refuse a mapping that cannot work."""
    columns = raw.table.column_names
    if isinstance(overrides, ColumnMapping):
        detection = Detection("custom", "Custom mapping", overrides, 1.0)
    else:
        detection = detect(raw.table)
        if overrides:
            mapping = detection.mapping.with_overrides(overrides)
            detection = replace(detection, mapping=mapping, confidence=1.0)
    mapping = detection.mapping
    for role in ROLES:
        for col in mapping.columns(role):
            if col not in columns:
                raise ImportFailed(
                    f"The column {col!r} chosen as {role} is not in the data. "
                    f"Columns are: {_column_list(columns)}."
                )
    missing = mapping.missing_roles()
    if missing:
        raise ImportFailed(
            _missing_roles_message(raw, detection, missing),
            mappable=mappable_columns(raw.table, mapping),
        )
    renames = property_renames(columns, mapping, _prefixes_of(detection))
    return replace(detection, property_renames=renames)


def _prefixes_of(detection: Detection) -> tuple[tuple[str, str], ...]:
    from funnel_gui.core.io.profiles import GENERIC_PREFIXES, VENDOR_PROFILES

    for profile in VENDOR_PROFILES:
        if profile.key == detection.profile:
            return profile.property_prefixes
    return GENERIC_PREFIXES


def _column_list(columns: Sequence[str], limit: int = 25) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


_ROLE_WORDS = {
    "actor": "a user id (who acted)",
    "event": "an event name",
    "time": "a timestamp",
    "session": "a session id",
}


def _missing_roles_message(raw: RawImport, detection: Detection, missing: list[str]) -> str:
    names = ", ".join(raw.sources)
    mapping = detection.mapping
    found = [
        f"{_ROLE_WORDS[r]} in {mapping.describe(r)}"
        for r in ("actor", "event", "time")
        if r not in missing
    ]
    lacking = " or ".join(_ROLE_WORDS[r] for r in missing)
    if len(missing) == 3:
        return (
            f"{names} does not look like an event log: none of its {raw.table.num_columns} "
            f"columns ({_column_list(raw.table.column_names, 10)}) holds a user id, a "
            "timestamp or an event name. It may be an aggregated report or a one-row-per-"
            "session table; funnels need one row per event. Export the raw events instead."
        )
    options = mappable_columns(raw.table, mapping)
    hints = []
    for role in missing:
        cols = options.get(role, [])
        hint = ", ".join(cols[:8]) if cols else "none look suitable"
        if role == "time" and not cols:
            unreadable = unreadable_time_columns(raw.table)
            hint += "".join(
                f"; {col} is named like a time but holds values such as {clip(example, 40)!r}"
                for col, example in unreadable[:3]
            )
        hints.append(f"columns that could hold {_ROLE_WORDS[role]}: {hint}")
    found_text = f"It found {' and '.join(found)}, but no" if found else "It found no"
    resembles = "".join(f" {note}" for note in detection.notes if note.startswith("It resembles"))
    return (
        f"{names} was read ({raw.table.num_rows:,} rows), but it cannot be analysed as it is."
        f"{resembles} "
        f"{found_text} column with {lacking}. Map one by hand ({'; '.join(hints)}), "
        "or export the events with that field included."
    )


def load_events(
    paths: str | Path | Sequence[str | Path],
    mapping: MappingLike | None = None,
    *,
    assume_tz: str = "UTC",
    drop_exact_duplicates: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> EventTable:
    """Open one export (or several files of one export) as an EventTable.

    Raises `ImportFailed` with a readable message for input it cannot use, and
    `ImportCancelled` when `cancelled()` turned true.
    """
    check_time_zone(assume_tz)
    path_list = [paths] if isinstance(paths, str | Path) else list(paths)
    raw = read_raw(path_list, progress, cancelled)
    _step(progress, cancelled, 0.5, "Detecting columns")
    detection = resolve_mapping(raw, mapping)
    return build_event_table(
        raw,
        detection,
        release_input=True,
        assume_tz=assume_tz,
        drop_exact_duplicates=drop_exact_duplicates,
        progress=progress,
        cancelled=cancelled,
    )
