"""Row-level helpers of the loader: role columns as text or codes, sessions, duplicates,
sort order and where dropped rows were.

Text columns may arrive dictionary-encoded (Parquet and CSV are read that way to save
memory); everything here keeps them encoded rather than materialising millions of strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.io.mapping import ColumnMapping
from funnel_gui.core.textforms import decode_bytes

if TYPE_CHECKING:
    from funnel_gui.core.io.raw import RawImport
    from funnel_gui.core.io.report import ImportReport


def single_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous array; chunked dictionaries share one dictionary afterwards."""
    if isinstance(column, pa.ChunkedArray):
        if pa.types.is_dictionary(column.type) and column.num_chunks > 1:
            return unify_chunks(column)
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def unify_chunks(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """One dictionary for a chunked dictionary column.

    Parquet batches of one row group share their dictionary; hashing each distinct
    dictionary once is 2x faster than Arrow's `unify_dictionaries`, which hashes every
    chunk's copy again.
    """

    def key(d: pa.Array) -> tuple[int, ...]:
        return (d.offset, len(d), *(b.address if b is not None else 0 for b in d.buffers()))

    distinct: dict[tuple[int, ...], pa.Array] = {}
    for chunk in column.chunks:
        distinct.setdefault(key(chunk.dictionary), chunk.dictionary)
    merged = pc.dictionary_encode(pa.concat_arrays(list(distinct.values())))
    global_codes = merged.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    starts = dict(zip(distinct, np.cumsum([0, *map(len, distinct.values())])[:-1], strict=True))
    parts = []
    for chunk in column.chunks:
        local = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        mapped = global_codes[starts[key(chunk.dictionary)] + np.maximum(local, 0)]
        parts.append(np.where(local < 0, -1, mapped) if chunk.null_count else mapped)
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    indices = pa.array(codes, mask=codes < 0) if (codes < 0).any() else pa.array(codes)
    return pa.DictionaryArray.from_arrays(indices, merged.dictionary)


def _blank_to_null(arr: pa.Array) -> pa.Array:
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), arr) if pc.any(blank).as_py() else arr


_EXACT_FLOAT_INT = 2.0**53  # beyond this a float64 no longer holds every integer


def plain_text(arr: pa.Array) -> pa.Array:
    """Any scalar column as text. Whole floats print as integers ("123", not "1.23e+02"),
    so 123.0 in one file and 123 in another name the same actor; NaN is missing."""
    if pa.types.is_floating(arr.type):
        values = np.asarray(arr.fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=float)
        finite = np.isfinite(values)
        whole = finite & (np.abs(values) < _EXACT_FLOAT_INT) & (np.floor(values) == values)
        ints = pa.array(np.where(whole, values, 0).astype(np.int64)).cast(pa.string())
        text = pc.if_else(pa.array(whole), ints, pc.cast(arr, pa.string()))
        return pc.if_else(pa.array(finite), text, pa.scalar(None, pa.string()))
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        return decode_bytes(arr)
    return pc.cast(arr, pa.string())


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Ids and names as exact text (integers keep every digit); blanks become null.

    A dictionary-encoded column stays encoded: only its distinct values are touched.
    """
    arr = single_array(column)
    if isinstance(arr, pa.DictionaryArray):
        values = _blank_to_null(plain_text(arr.dictionary))
        indices = arr.indices
        if values.null_count:
            blank_rows = pc.is_null(values.take(indices)).fill_null(False)
            indices = pc.if_else(blank_rows, pa.scalar(None, indices.type), indices)
        return pa.DictionaryArray.from_arrays(indices, values)
    return _blank_to_null(plain_text(arr))


def decoded(arr: pa.Array) -> pa.Array:
    return arr.dictionary_decode() if isinstance(arr, pa.DictionaryArray) else arr


def text_column(table: pa.Table, columns: tuple[str, ...], report: ImportReport | None) -> pa.Array:
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
    if len(parts) == 1:
        return parts[0]
    return pc.coalesce(*(decoded(p) for p in parts))


@dataclass(frozen=True)
class Coded:
    """A text column as integer codes (-1 = missing) into its distinct values."""

    codes: np.ndarray
    values: pa.Array


def encode(arr: pa.Array) -> Coded:
    if not isinstance(arr, pa.DictionaryArray):
        arr = pc.dictionary_encode(arr)
    codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return Coded(codes, arr.dictionary)


def compact(codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Drop values no code uses (their rows were dropped); codes renumbered to match."""
    valid = codes >= 0
    used = np.bincount(codes[valid], minlength=len(values)) > 0
    if used.all():
        return codes, values
    remap = (np.cumsum(used) - 1).astype(np.int32)
    if valid.all():
        return remap[codes], values.filter(pa.array(used))
    codes = np.where(valid, remap[np.maximum(codes, 0)], -1).astype(np.int32)
    return codes, values.filter(pa.array(used))


def segment_event_names(
    table: pa.Table, event_columns: tuple[str, ...]
) -> tuple[pa.Array, np.ndarray]:
    """Segment: track calls carry `event`; page/screen calls become "page"/"screen" events.

    identify, group and alias calls describe people, not actions: they are flagged so the
    report counts them instead of calling them rows without an event name.
    """
    kind = pc.utf8_lower(decoded(as_text(table["type"])))
    event = decoded(text_column(table, event_columns, None))
    is_view = pc.is_in(kind, pa.array(["page", "screen"])).fill_null(False)
    event = pc.if_else(pc.and_(pc.is_null(event), is_view), kind, event)
    people = pc.is_in(kind, pa.array(["identify", "group", "alias"])).fill_null(False)
    return event, np.asarray(people.to_numpy(zero_copy_only=False), dtype=bool)


def encode_sessions(
    session: Coded, mapping: ColumnMapping, actor: np.ndarray, row: np.ndarray
) -> tuple[np.ndarray, pa.Array]:
    """Session codes in sorted row order (-1 = no session) and each code's session id.

    Scoped per actor when ids repeat across actors. `session.codes` are in input order
    of the kept rows; `row` maps sorted rows to them.
    """
    codes = session.codes
    if mapping.no_session_values:
        unusable = pc.is_in(session.values, pa.array(list(mapping.no_session_values)))
        bad = np.asarray(unusable.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        codes = np.where((codes >= 0) & bad[np.maximum(codes, 0)], -1, codes)
    codes = codes[row]
    if not mapping.session_per_actor:
        dense, values = compact(codes.astype(np.int32), session.values)
        return dense, values
    # The same session id under two actors is two sessions (GA4 ga_session_id).
    stride = len(session.values) + 1
    pairs = np.where(codes >= 0, actor.astype(np.int64) * stride + codes, -1)
    valid = pairs >= 0
    out = np.full(len(pairs), -1, dtype=np.int32)
    ids = session.values.take(pa.array(np.zeros(0, dtype=np.int64)))
    if valid.any():
        out[valid], uniques = pd.factorize(pairs[valid])
        ids = session.values.take(pa.array(np.asarray(uniques) % stride))
    return out, ids


def sort_order(actor: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Positions ordering rows by actor, then time, ties in input order (§1)."""
    if len(time) < 2 or bool(np.all(time[1:] >= time[:-1])):
        # Exports are usually in time order already: then a stable sort on the actor
        # alone is enough, and actor codes are dense, so a counting sort does it in O(n).
        return stable_order_of_codes(actor)
    table = pa.table({"a": actor, "t": time})
    order = pc.sort_indices(table, sort_keys=[("a", "ascending"), ("t", "ascending")])
    return np.asarray(order.to_numpy(), dtype=np.int64)


def stable_order_of_codes(codes: np.ndarray) -> np.ndarray:
    """Stable argsort of dense non-negative integer codes."""
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    try:
        # pandas' counting sort (what its groupby uses): 3x faster than numpy's sorts here.
        from pandas._libs.algos import groupsort_indexer  # type: ignore[import-not-found]

        order, _ = groupsort_indexer(codes.astype(np.intp, copy=False), n_groups)
        return np.asarray(order, dtype=np.int64)
    except (ImportError, TypeError, ValueError):  # a pandas without it: radix passes
        return _radix_order(codes)


def _radix_order(keys: np.ndarray) -> np.ndarray:
    top = int(keys.max()) if len(keys) else 0
    order = np.arange(len(keys), dtype=np.int64)
    shift = 0
    while True:
        part = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(part, kind="stable")]
        shift += 16
        if top >> shift == 0:
            return order


def duplicate_mask(
    actor: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    row: np.ndarray,
    columns: list[pa.Array],
    *,
    require_first: bool,
) -> np.ndarray:
    """Rows (sorted order) repeating an earlier row on actor, time, event and `columns`.

    `columns` are in input order (`row` maps into them). Only rows sharing actor and time
    with a neighbour can repeat one another, and rows are sorted by (actor, time), so the
    costly comparison runs on those few. With `require_first`, rows whose first column is
    null never count (an event without an id is not a repeated id).
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
    take = pa.array(row[idx])
    for i, col in enumerate(columns):
        frame[f"c{i}"] = decoded(col.take(take)).to_pandas()
    df = pd.DataFrame(frame)
    dup = df.duplicated(keep="first").to_numpy().copy()  # pandas 3 hands out read-only views
    if require_first and columns:
        dup &= df["c0"].notna().to_numpy()
    result[idx] = dup
    return result


def drop_examples(mask: np.ndarray, raw: RawImport, limit: int = 5) -> list[str]:
    """Where the first few dropped rows sit: "file.csv: row 17" (data rows, 1-based)."""
    starts = np.cumsum([0, *raw.source_rows])
    out = []
    for r in np.flatnonzero(mask)[:limit]:
        i = int(np.searchsorted(starts, r, side="right") - 1)
        i = min(max(i, 0), len(raw.sources) - 1)
        skipped = raw.malformed_rows[i] if i < len(raw.malformed_rows) else []
        out.append(f"{raw.sources[i]}: row {file_row(int(r - starts[i]), skipped)}")
    return out


def file_row(table_index: int, skipped_rows: list[int]) -> int:
    """1-based row in the source of the table's `table_index`-th row of that source,
    given the (sorted, 1-based) rows that were skipped as malformed."""
    row = table_index + 1
    for skipped in skipped_rows:
        if skipped <= row:
            row += 1
        else:
            break
    return row
