"""The per-unit table a SQL engine returns on demand, as the engine's UnitResults."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.arrays import NAT
from funnel_gui.core.engine.breakdown import JOINER
from funnel_gui.core.engine.results import UnitResults
from funnel_gui.core.sql.plan import Plan


def _codes(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    encoded = pc.dictionary_encode(values).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.cast(pa.string())


def _times(table: pa.Table, n_steps: int) -> np.ndarray:
    out = np.full((table.num_rows, n_steps), NAT, dtype=np.int64)
    for k in range(n_steps):
        column = table.column(f"t{k + 1}")
        values = column.to_numpy(zero_copy_only=False)
        present = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        out[present, k] = np.asarray(values[present], dtype=np.int64)
    return out


def unit_results(plan: Plan, table: pa.Table | None) -> tuple[UnitResults, Any, Any]:
    """(units, actor ids, session ids) from `unit_out` rows (none: an empty table)."""
    defn = plan.definition
    n_steps = defn.n_steps
    if table is None or table.num_rows == 0:
        empty = np.zeros(0, dtype=np.int64)
        units = UnitResults(
            actor=empty,
            session=None if defn.unit != "session" else empty,
            furthest=empty,
            excluded=empty.astype(bool),
            still_open=empty.astype(bool),
            step_time=np.zeros((0, n_steps), dtype=np.int64),
            breakdown=None if defn.breakdown is None else np.zeros(0, dtype=object),
            window_end=empty,
        )
        ids = pa.array([], pa.string())
        return units, ids, ids if defn.unit == "session" else None
    actor, actor_ids = _codes(table.column("a"))
    session = session_ids = None
    if defn.unit == "session":
        session, session_ids = _codes(table.column("s"))
    furthest = table.column("furthest").to_numpy(zero_copy_only=False).astype(np.int64)
    excluded = np.asarray(table.column("excluded").to_numpy(zero_copy_only=False), dtype=bool)
    still_open = np.asarray(table.column("still_open").to_numpy(zero_copy_only=False), dtype=bool)
    times = _times(table, n_steps)
    entry = times[:, 0]
    entry_step = None
    if "et" in table.column_names:  # §15: the entry event may be a later step's
        entry = np.asarray(table.column("et").fill_null(NAT).to_numpy(zero_copy_only=False))
        entry = entry.astype(np.int64)
        if defn.open:
            entry_step = table.column("st").to_numpy(zero_copy_only=False).astype(np.int64)
    breakdown = combination = None
    if defn.breakdown is not None:
        width = len(defn.breakdown.names())
        parts = [table.column(f"b{i}").to_pylist() for i in range(1, width + 1)]
        tuples = [None if p[0] is None else tuple(p) for p in zip(*parts, strict=True)]
        breakdown = np.array([None if t is None else JOINER.join(t) for t in tuples], dtype=object)
        if defn.breakdown.is_list():
            combination = _combination(tuples)
    units = UnitResults(
        actor=actor,
        session=session,
        furthest=furthest,
        excluded=excluded,
        still_open=still_open,
        step_time=times,
        breakdown=breakdown,
        window_end=np.where(entry == NAT, NAT, entry + plan.window),
        breakdown_combination=combination,
        reason=_reasons(table),
        attempt=_attempts(table),
        entry_step=entry_step,
    )
    return units, actor_ids, session_ids


def _combination(tuples: list[tuple[Any, ...] | None]) -> tuple[np.ndarray, np.ndarray]:
    """§18: each unit's combination as a code into the combinations (None: excluded)."""
    index: dict[tuple[Any, ...] | None, int] = {}
    codes = np.array([index.setdefault(t, len(index)) for t in tuples], dtype=np.int64)
    names = np.empty(len(index), dtype=object)
    for name, code in index.items():
        names[code] = name
    return codes, names


def _attempts(table: pa.Table) -> np.ndarray | None:
    """§16: each counted attempt's number within its unit, -1 on an excluded row."""
    if "attempt" not in table.column_names:
        return None
    column = table.column("attempt")
    return np.asarray(column.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _reasons(table: pa.Table) -> np.ndarray | None:
    """§14: each unit's reason as an index into REASONS, -1 when none."""
    if "reason" not in table.column_names:
        return None
    column = table.column("reason")
    values = np.asarray(column.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return values.astype(np.int8)
