"""From a RawImport and a mapping to an EventTable: clean, code, de-duplicate and sort.

The last of the loader's three steps (see loader.py); the app's mapping dialog calls
`build_event_table` directly once the user has settled the mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.mapping import ROLES, ColumnMapping, Detection
from funnel_gui.core.io.raw import RawImport, _step
from funnel_gui.core.io.report import ImportReport
from funnel_gui.core.io.rowcodes import (
    Coded,
    compact,
    drop_examples,
    duplicate_mask,
    encode,
    encode_sessions,
    segment_event_names,
    single_array,
    sort_order,
    text_column,
)
from funnel_gui.core.io.timeparse import NAT, parse_times
from funnel_gui.core.progress import Cancelled, Progress


def build_event_table(
    raw: RawImport,
    detection: Detection,
    *,
    assume_tz: str = "UTC",
    drop_exact_duplicates: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    release_input: bool = False,
) -> EventTable:
    """Map, clean, code and sort `raw` into an EventTable.

    With `release_input`, `raw.table` keeps only the property columns afterwards, so the
    role columns' text (timestamps above all) is freed as soon as it has been parsed.
    """
    mapping = detection.mapping
    report = ImportReport(
        sources=raw.sources,
        profile=detection.profile,
        profile_name=detection.profile_name,
        confidence=detection.confidence,
        mapping=mapping,
        timezone=assume_tz,
        rows_read=raw.table.num_rows + raw.malformed,
        notes=[*raw.notes, *detection.notes],
    )
    props = _property_table(raw.table, mapping, detection.property_renames)
    roles = raw.table.select(_role_column_names(raw.table, detection))
    if release_input:
        raw.table = props
    if raw.malformed:
        report.dropped["malformed"] = raw.malformed
        report.drop_examples["malformed"] = raw.malformed_examples[:5]
    _step(progress, cancelled, 0.55, "Reading user ids, event names and times")
    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = _role_columns(pool, roles, detection, assume_tz, report)
        del roles  # the session and id tasks hold just their own columns
        return _finish(
            raw, props, detection, report, columns, drop_exact_duplicates, progress, cancelled
        )


def _role_column_names(table: pa.Table, detection: Detection) -> list[str]:
    mapping = detection.mapping
    wanted = [*mapping.actor, *mapping.event, *mapping.time, *mapping.session, *mapping.event_id]
    if detection.profile == "segment":
        wanted.append("type")
    present = set(table.column_names)
    return list(dict.fromkeys(c for c in wanted if c in present))


def _finish(
    raw: RawImport,
    props: pa.Table,
    detection: Detection,
    report: ImportReport,
    columns: _RoleColumns,
    drop_exact_duplicates: bool,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> EventTable:
    report.time_description = columns.time_description
    reasons = {
        "missing_actor": columns.actor.codes < 0,
        "not_an_event": columns.not_event,
        "missing_event": columns.event.codes < 0,
        "missing_time": columns.time_missing,
        "unparsable_time": columns.time_bad,
    }
    keep = _count_drops(reasons, raw, report)
    if not keep.any():
        raise ImportFailed(_nothing_kept_message(raw, report))
    _step(progress, cancelled, 0.75, "Sorting events by user and time")
    return _assemble(
        raw,
        props,
        detection,
        report,
        keep,
        columns,
        drop_exact_duplicates,
        progress,
        cancelled,
    )


@dataclass
class _RoleColumns:
    """The role columns of every input row: codes (-1 = missing) and parsed times."""

    actor: Coded
    event: Coded
    session: Future[Coded] | None  # not needed until rows are sorted: left running
    event_ids: Future[Coded] | None
    event_id_column: str | None
    time_ns: np.ndarray
    time_missing: np.ndarray
    time_bad: np.ndarray
    time_description: str
    not_event: np.ndarray


def _role_columns(
    pool: ThreadPoolExecutor,
    table: pa.Table,
    detection: Detection,
    assume_tz: str,
    report: ImportReport,
) -> _RoleColumns:
    """Code actor, event, session and event id and parse times, two columns at a time.

    Each is an independent pass over millions of values in Arrow or numpy, which release
    the GIL, so two threads use both cores of a typical laptop.
    """
    mapping = detection.mapping
    id_cols = [c for c in mapping.event_id if c in table.column_names]
    actor = pool.submit(lambda: encode(text_column(table, mapping.actor, report)))
    times = pool.submit(_times, table, mapping, assume_tz)
    event_text, not_event = _event_text(table, mapping, detection.profile)
    event = pool.submit(encode, event_text)
    # Each late task gets a table of just its columns, so the rest can be freed early.
    session_table = table.select(list(mapping.session))
    session = (
        pool.submit(lambda: encode(text_column(session_table, mapping.session, None)))
        if mapping.session
        else None
    )
    id_table = table.select(id_cols[:1])
    ids = (
        pool.submit(lambda: encode(text_column(id_table, (id_cols[0],), None))) if id_cols else None
    )
    time_ns, missing, bad, description = times.result()
    return _RoleColumns(
        actor=actor.result(),
        event=event.result(),
        session=session,
        event_ids=ids,
        event_id_column=id_cols[0] if id_cols else None,
        time_ns=time_ns,
        time_missing=missing,
        time_bad=bad,
        time_description=description,
        not_event=not_event,
    )


def _event_text(
    table: pa.Table, mapping: ColumnMapping, profile: str
) -> tuple[pa.Array, np.ndarray]:
    if profile == "segment" and "type" in table.column_names:
        return segment_event_names(table, mapping.event)
    text = text_column(table, mapping.event, None)
    return text, np.zeros(len(text), dtype=bool)


def _times(
    table: pa.Table, mapping: ColumnMapping, assume_tz: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """First usable time per row along the mapping's columns."""
    first, *others = mapping.time
    parsed = parse_times(table[first], assume_tz)
    ns, missing = parsed.ns.copy(), parsed.missing.copy()
    descriptions = [f"{first}: {parsed.description}"]
    for col in others:
        fallback = parse_times(table[col], assume_tz)
        descriptions.append(f"{col}: {fallback.description}")
        fill = ns == NAT
        ns[fill] = fallback.ns[fill]
        missing &= fallback.missing
    bad = (ns == NAT) & ~missing
    return ns, missing, bad, "; ".join(descriptions)


def _count_drops(
    reasons: dict[str, np.ndarray], raw: RawImport, report: ImportReport
) -> np.ndarray:
    """Each dropped row is counted once, under the first reason that applies."""
    n = len(next(iter(reasons.values())))
    taken = np.zeros(n, dtype=bool)
    for reason, mask in reasons.items():
        fresh = np.asarray(mask, dtype=bool) & ~taken
        count = int(fresh.sum())
        if count:
            report.dropped[reason] = count
            report.drop_examples[reason] = drop_examples(fresh, raw)
        taken |= fresh
    return ~taken


def _nothing_kept_message(raw: RawImport, report: ImportReport) -> str:
    reasons = ", ".join(
        f"{count:,} with {reason.replace('_', ' ')}" for reason, count in report.dropped.items()
    )
    detail = report.time_description
    if report.dropped.get("unparsable_time", 0) >= report.rows_read - raw.malformed:
        examples = "; ".join(report.drop_examples.get("unparsable_time", [])[:3])
        return (
            f"None of the {report.rows_read:,} rows of {', '.join(raw.sources)} has a usable "
            f"timestamp in {report.mapping.describe('time')} ({detail}); e.g. {examples}. "
            "Pick another time column, or check the export's date format."
        )
    return (
        f"None of the {report.rows_read:,} rows of {', '.join(raw.sources)} can be "
        f"analysed: {reasons}."
    )


def _assemble(
    raw: RawImport,
    props: pa.Table,
    detection: Detection,
    report: ImportReport,
    keep: np.ndarray,
    columns: _RoleColumns,
    drop_exact: bool,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> EventTable:
    mapping = detection.mapping
    all_kept = bool(keep.all())
    keep_idx = np.flatnonzero(keep)

    def kept(codes: np.ndarray) -> np.ndarray:
        return codes if all_kept else codes[keep_idx]

    actor, actor_ids = compact(kept(columns.actor.codes), columns.actor.values)
    event, event_names = compact(kept(columns.event.codes), columns.event.values)
    time = kept(columns.time_ns)
    row = sort_order(actor, time)
    actor, event, time = actor[row], event[row], time[row]
    if not all_kept and props.num_columns:
        props = props.take(pa.array(keep_idx))
    _step(progress, cancelled, 0.9, "Looking for duplicates")
    session_coded = columns.session.result() if columns.session is not None else None
    session_codes = kept(session_coded.codes) if session_coded is not None else None
    remove = _duplicates(
        report, columns, kept, actor, event, time, row, props, session_codes, drop_exact
    )
    if remove.any():
        actor, event, time, row = actor[~remove], event[~remove], time[~remove], row[~remove]
    session, session_ids, n_sessions = None, None, None
    if session_coded is not None and session_codes is not None:
        session, session_ids = encode_sessions(
            Coded(session_codes, session_coded.values), mapping, actor, row
        )
        n_sessions = len(session_ids)
    report.rows_kept = len(time)
    report.actors = len(actor_ids)  # de-duplication keeps one copy: no actor is lost
    report.sessions = n_sessions
    report.distinct_events = len(event_names)
    if len(time):
        report.time_span_ns = (int(time.min()), int(time.max()))
    _step(progress, cancelled, 1.0, "Done")
    return EventTable(
        actor=actor,
        event=event,
        time=time,
        row=row,
        session=session,
        actor_ids=actor_ids,
        event_names=tuple(str(v) for v in event_names.to_pylist()),
        properties=props,
        report=report,
        n_sessions=n_sessions,
        session_ids=session_ids,
    )


def _duplicates(
    report: ImportReport,
    columns: _RoleColumns,
    kept: Callable[[np.ndarray], np.ndarray],
    actor: np.ndarray,
    event: np.ndarray,
    time: np.ndarray,
    row: np.ndarray,
    props: pa.Table,
    session_codes: np.ndarray | None,
    drop_exact: bool,
) -> np.ndarray:
    """Rows (in sorted order) to remove: repeated event ids, and exact copies if asked."""
    remove = np.zeros(len(time), dtype=bool)
    if columns.event_ids is not None:
        ids = pa.array(kept(columns.event_ids.result().codes))
        ids = pc.if_else(pc.less(ids, 0), pa.scalar(None, pa.int32()), ids)
        by_id = duplicate_mask(actor, time, event, row, [ids], require_first=True)
        report.duplicates_removed = int(by_id.sum())
        report.duplicate_key = f"{columns.event_id_column} (with actor, event and time)"
        remove |= by_id
    others = [single_array(c) for c in props.columns]
    if session_codes is not None:
        others.append(pa.array(session_codes))
    exact = duplicate_mask(actor, time, event, row, others, require_first=False) & ~remove
    report.exact_duplicates = int(exact.sum())
    report.exact_duplicates_removed = drop_exact and report.exact_duplicates > 0
    if drop_exact:
        remove |= exact
    return remove


def _property_table(table: pa.Table, mapping: ColumnMapping, renames: dict[str, str]) -> pa.Table:
    roles = {c for role in ROLES for c in mapping.columns(role)}
    keep_cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name in roles or col.null_count == len(col):
            continue
        keep_cols[renames.get(name, name)] = col
    return pa.table(keep_cols)
