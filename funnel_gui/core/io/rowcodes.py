"""Row-level helpers of the loader: role columns as text, sessions, duplicates, examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.io.mapping import ColumnMapping

if TYPE_CHECKING:
    from funnel_gui.core.io.loader import RawImport
    from funnel_gui.core.io.report import ImportReport


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Ids and names as exact text: integers keep every digit, blanks become null."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_floating(arr.type):
        # Whole floats print without ".0" so 123.0 and "123" name the same actor.
        as_int = pc.cast(arr, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, pa.float64()), arr)
        arr = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    if pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    if pc.any(blank).as_py():
        arr = pc.if_else(blank, pa.scalar(None, pa.string()), arr)
    return arr


def text_column(
    table: pa.Table, columns: tuple[str, ...], report: ImportReport | None
) -> pa.Array:
    """The first non-blank value per row along `columns` (`user_id`, else `user_pseudo_id`)."""
    parts = []
    for name in columns:
        column = table[name]
        if report is not None and pa.types.is_floating(column.type):
            report.notes.append(
                f"{name} holds decimal numbers; ids longer than 15 digits may already have "
                "lost digits in the file itself."
            )
        parts.append(as_text(column))
    if not parts:
        return pa.nulls(table.num_rows, pa.string())
    return parts[0] if len(parts) == 1 else pc.coalesce(*parts)


def segment_event_names(
    table: pa.Table, event_columns: tuple[str, ...]
) -> tuple[pa.Array, np.ndarray]:
    """Segment: track calls carry `event`; page/screen calls become "page"/"screen" events.

    identify, group and alias calls describe people, not actions: they are flagged so the
    report counts them instead of calling them rows without an event name.
    """
    kind = pc.utf8_lower(as_text(table["type"]))
    event = text_column(table, event_columns, None)
    is_view = pc.is_in(kind, pa.array(["page", "screen"])).fill_null(False)
    event = pc.if_else(pc.and_(pc.is_null(event), is_view), kind, event)
    people = pc.is_in(kind, pa.array(["identify", "group", "alias"])).fill_null(False)
    return event, np.asarray(people.to_numpy(zero_copy_only=False), dtype=bool)


def encode_sessions(
    session_text: pa.Array | None, mapping: ColumnMapping, actor: np.ndarray, row: np.ndarray
) -> tuple[np.ndarray | None, int | None]:
    """Session codes in sorted row order; -1 = no session. Scoped per actor when ids repeat."""
    if session_text is None:
        return None, None
    values = session_text.take(pa.array(row))
    if mapping.no_session_values:
        values = pc.if_else(pc.is_in(values, pa.array(list(mapping.no_session_values))),
                            pa.scalar(None, pa.string()), values)
    codes = pc.dictionary_encode(values).indices
    code_np = codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    if mapping.session_per_actor:
        # Same session id under two actors is two sessions (GA4 ga_session_id).
        pair = np.where(code_np >= 0, actor.astype(np.int64) * (int(code_np.max()) + 2)
                        + code_np, -1)
        code_np, _ = pd.factorize(pair, use_na_sentinel=True)
        code_np = np.where(pair < 0, -1, code_np)
        valid = code_np >= 0
        code_np[valid] = pd.factorize(code_np[valid])[0]
    n_sessions = int(code_np.max()) + 1 if len(code_np) and code_np.max() >= 0 else 0
    return code_np.astype(np.int32), n_sessions


def duplicate_mask(
    actor: np.ndarray, time: np.ndarray, event: np.ndarray, columns: list[pa.Array],
    *, require_all: bool,
) -> np.ndarray:
    """Rows (sorted order) that repeat an earlier row on actor, time, event and `columns`.

    Only rows sharing actor and time with a neighbour can repeat one another, and
    rows are sorted by (actor, time), so the costly comparison runs on those few.
    With `require_all`, rows whose first column is null never count (no event id).
    """
    n = len(time)
    same_prev = np.zeros(n, dtype=bool)
    if n > 1:
        same_prev[1:] = (actor[1:] == actor[:-1]) & (time[1:] == time[:-1])
    candidate = same_prev.copy()
    candidate[:-1] |= same_prev[1:]
    idx = np.flatnonzero(candidate)
    result = np.zeros(n, dtype=bool)
    if len(idx) == 0:
        return result
    frame = {"a": actor[idx], "t": time[idx], "e": event[idx]}
    take = pa.array(idx)
    for i, col in enumerate(columns):
        frame[f"c{i}"] = col.take(take).to_pandas()
    df = pd.DataFrame(frame)
    dup = df.duplicated(keep="first").to_numpy()
    if require_all and columns:
        dup &= df["c0"].notna().to_numpy()
    result[idx] = dup
    return result


def drop_examples(mask: np.ndarray, raw: RawImport, reason: str, limit: int = 5) -> list[str]:
    """Where the first few dropped rows sit: "file.csv: row 17" (data rows, 1-based)."""
    rows = np.flatnonzero(mask)[:limit]
    starts = np.cumsum([0, *raw.source_rows])
    out = []
    for r in rows:
        i = int(np.searchsorted(starts, r, side="right") - 1)
        i = min(max(i, 0), len(raw.sources) - 1)
        out.append(f"{raw.sources[i]}: row {int(r - starts[i]) + 1}")
    return out
