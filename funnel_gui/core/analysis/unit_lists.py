"""Lists of units picked by something other than a drop-off: the people who followed one
path (FUNNEL_SEMANTICS §13), for the drill-down panel.

The rows have the columns of `drilldown.dropped_at`, so one table shows either list; a
path's units may have stopped at different steps, so `reached_step` is each unit's own
furthest step and `time_reached` the time of its event there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.analysis.drilldown import reason_keys
from funnel_gui.core.analysis.paths_result import PathGroup
from funnel_gui.core.engine.results import FunnelResult


def path_units(result: FunnelResult, group: PathGroup, path: int) -> pd.DataFrame:
    """The units of `group` on its `path`-th shown path (-1: the other paths), earliest to
    reach their furthest step first, ties by id. `result` is the funnel the paths were
    counted on (its per-unit rows are what `group.member` indexes)."""
    return units_frame(result, group.members_of(path))


def units_frame(result: FunnelResult, index: np.ndarray) -> pd.DataFrame:
    """`dropped_at`'s columns for the units `index` (rows of the result's per-unit arrays)."""
    u = result.units
    index = np.asarray(index, dtype=np.int64)
    reached = np.asarray(u.furthest[index], dtype=np.int64)
    column = np.maximum(reached - 1, 0) if result.definition.order != "any" else 0 * reached
    times = u.step_time[index, column] if len(index) else np.zeros(0, dtype=np.int64)
    actors = result.actor_ids.take(pa.array(u.actor[index].astype(np.int64)))
    order = pc.sort_indices(
        pa.table({"time": pa.array(times, pa.int64()), "actor": actors}),
        sort_keys=[("time", "ascending"), ("actor", "ascending")],
    ).to_numpy()
    index, reached, times = index[order], reached[order], times[order]
    frame: dict[str, object] = {
        "actor": actors.take(pa.array(order)).to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    }
    if u.session is not None and result.session_ids is not None:
        sessions = result.session_ids.take(pa.array(u.session[index].astype(np.int64)))
        frame["session"] = sessions.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    labels = np.array(["(excluded)", *(_label(result, k) for k in range(1, 1 + len(result.steps)))])
    frame["reached_step"] = reached
    frame["reached_label"] = pd.Series(labels[reached], dtype="string")
    frame["time_reached"] = pd.to_datetime(times, utc=True)
    if u.breakdown is not None:
        frame["breakdown"] = pd.Series(u.breakdown[index], dtype="string")
    frame["still_open"] = u.still_open[index].astype(bool)
    frame["reason"] = reason_keys(result, index)
    frame["unit"] = index
    return pd.DataFrame(frame)


def _label(result: FunnelResult, k: int) -> str:
    if result.definition.order == "any":
        return f"{k} step" if k == 1 else f"{k} steps"
    return result.steps[k - 1].label
