"""The candidates of Drivers (FUNNEL_SEMANTICS §12 a–d) and who was exposed to each.

Exposure entries are three parallel arrays (candidate, entrant, own count): one entry per
entrant that did the candidate in its observation period. Candidate 0 is the baseline
"any activity" (any event other than the step-1 event).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.analysis.drivers_exposure import (
    Observation,
    Runs,
    matcher_counts,
    period_events,
    runs_of,
    runs_of_packed,
)
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.prepared import PreparedTable, UnitRows
from funnel_gui.core.io.rowcodes import as_text

TOP_NAMES = 10  # (b) and (c) look at the 10 most frequent candidate names
REPEATS = (2, 3)  # (b) "did E at least k times"
MAX_DISTINCT = 50  # (c) properties with at most 50 distinct values ...
FIRST_ROWS = 1 << 16  # ... which these first rows of a plain column may already rule out
TOP_VALUES = 20  # ... their 20 most frequent values
BASELINE_LABEL = "Any activity (engagement baseline)"


@dataclass(frozen=True)
class CandidateSpec:
    label: str
    kind: str  # "baseline", "event", "repeat", "property", "matcher"
    event: str | None = None
    min_count: int = 1
    property: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Exposures:
    specs: list[CandidateSpec]
    candidate: np.ndarray  # int64 per entry
    unit: np.ndarray  # entrant index per entry
    count: np.ndarray  # the candidate's own events in that entrant's period
    # Unexposed entrants that still have own events: for "E at least k times", those who
    # did E 1 to k − 1 times. The activity level of §12 leaves their E events out too.
    near_candidate: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    near_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    near_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def exposed_units(self, candidate: int) -> np.ndarray:
        """Entrant indices exposed to one candidate."""
        return np.asarray(self.unit[self.candidate == candidate])


class _Builder:
    def __init__(self) -> None:
        self.specs: list[CandidateSpec] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        self,
        specs: list[CandidateSpec],
        local: np.ndarray,
        runs: Runs,
        near: np.ndarray | None = None,
    ) -> None:
        """Add candidates; `local` maps each run to an index into `specs` (-1 = none), and
        `near`, if given, each run of an unexposed entrant with own events likewise."""
        keep = local >= 0
        offset = len(self.specs)
        self.specs += specs
        if keep.all():  # no copies of the units and counts when every run counts
            self.parts.append((local + offset, runs.unit, runs.count))
        else:
            self.parts.append((local[keep] + offset, runs.unit[keep], runs.count[keep]))
        if near is not None:
            short = near >= 0
            self.near.append((near[short] + offset, runs.unit[short], runs.count[short]))

    def build(self) -> Exposures:
        cand, unit, count = (_joined([p[i] for p in self.parts]) for i in range(3))
        near_cand, near_unit, near_count = (_joined([p[i] for p in self.near]) for i in range(3))
        return Exposures(self.specs, cand, unit, count, near_cand, near_unit, near_count)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts end to end as int64 (they are already: no second copy)."""
    if not parts:
        return np.zeros(0, np.int64)
    return np.concatenate(parts).astype(np.int64, copy=False)


def build_exposures(
    prepared: PreparedTable, rows: UnitRows, definition: FunnelDefinition, obs: Observation
) -> Exposures:
    table = prepared.table
    out = _Builder()
    # Baseline: any event other than the step-1 event; its own count is all of them.
    active = np.flatnonzero(obs.n_other > 0)
    out.add(
        [CandidateSpec(BASELINE_LABEL, "baseline")],
        np.zeros(len(active), np.int64),
        Runs(np.zeros(len(active), np.int64), active, obs.n_other[active]),
    )
    events = period_events(rows, obs)
    n_names = len(table.event_names)
    by_event = runs_of(events.code, events.unit, n_names)
    step_codes = {
        code
        for step in definition.steps
        for code in (table.event_code(name) for name in step.events)
        if code is not None
    }
    # (a) every event name that is not an event of any step.
    is_candidate = np.ones(n_names, dtype=bool)
    is_candidate[list(step_codes)] = False
    local = np.full(n_names, -1, dtype=np.int64)
    names = np.flatnonzero(is_candidate & (np.bincount(by_event.key, minlength=n_names) > 0))
    local[names] = np.arange(len(names))
    out.add(
        [CandidateSpec(table.event_names[c], "event", event=table.event_names[c]) for c in names],
        local[by_event.key],
        by_event,
    )
    top = _top_names(by_event, is_candidate, obs, n_names)
    _add_repeats(out, by_event, top, table.event_names)
    _add_properties(out, prepared, rows, events.row, events.code, events.unit, top)
    del events  # the period's rows are done with: ~3 × 8 bytes a row
    # (d) the analyst's own matchers: the micro conversions of §9. One that is just an
    # (a) candidate's event name lends it its label instead of repeating its row.
    for micro in definition.micro_conversions:
        code = table.event_code(micro.events[0]) if len(micro.events) == 1 else None
        if not micro.where and code is not None and local[code] >= 0:
            spec = out.specs[1 + int(local[code])]
            out.specs[1 + int(local[code])] = replace(spec, label=micro.display_label)
            continue
        counts = matcher_counts(rows, micro.matcher, obs)
        did = np.flatnonzero(counts > 0)
        event = " or ".join(micro.matcher.events)
        out.add(
            [CandidateSpec(micro.display_label, "matcher", event=event)],
            np.zeros(len(did), np.int64),
            Runs(np.zeros(len(did), np.int64), did, counts[did]),
        )
    return out.build()


def _top_names(
    by_event: Runs, is_candidate: np.ndarray, obs: Observation, n_names: int
) -> np.ndarray:
    """The candidate names most eligible entrants did in their period, most first."""
    eligible = obs.eligible[by_event.unit]
    reach = np.bincount(by_event.key[eligible], minlength=n_names)
    reach[~is_candidate] = 0
    order = np.argsort(-reach, kind="stable")
    return order[:TOP_NAMES][reach[order[:TOP_NAMES]] > 0]


def _add_repeats(out: _Builder, by_event: Runs, top: np.ndarray, names: tuple[str, ...]) -> None:
    """(b) did E at least k times, for the top names."""
    slot = np.full(len(names), -1, dtype=np.int64)
    slot[top] = np.arange(len(top))
    for k in REPEATS:
        specs = [
            CandidateSpec(f"{names[c]} (at least {k} times)", "repeat", event=names[c], min_count=k)
            for c in top
        ]
        local = np.where(by_event.count >= k, slot[by_event.key], -1)
        near = np.where(by_event.count < k, slot[by_event.key], -1)
        out.add(specs, local, by_event, near)


def _surely_many_values(column: pa.ChunkedArray) -> bool:
    """Whether a plain (not dictionary-encoded) column has more than MAX_DISTINCT values as
    text already in its first rows. Text is made value by value, so the whole column has at
    least as many: decoding all of it (seconds for 10M prices) cannot make it a candidate."""
    if pa.types.is_dictionary(column.type) or len(column) <= FIRST_ROWS:
        return False
    text = as_text(column.slice(0, FIRST_ROWS))
    return int(pc.count_distinct(text, mode="only_valid").as_py()) > MAX_DISTINCT


def _value_counts(codes: np.ndarray, n_values: int, chunk: int = 1 << 18) -> np.ndarray:
    """How often each of `n_values` codes occurs (-1, missing, not counted). In chunks:
    `bincount` copies its input to machine integers, and small copies reuse memory."""
    out = np.zeros(n_values + 1, dtype=np.int64)
    for start in range(0, len(codes), chunk):
        out += np.bincount(codes[start : start + chunk] + 1, minlength=n_values + 1)
    return out[1:]


def _add_properties(
    out: _Builder,
    prepared: PreparedTable,
    rows: UnitRows,
    working_row: np.ndarray,
    code: np.ndarray,
    unit: np.ndarray,
    top: np.ndarray,
) -> None:
    """(c) event E with property P = v: E among the top names, P with at most 50 distinct
    values, v among its 20 most frequent."""
    table = prepared.table
    if not len(top):
        return
    slot = np.full(len(table.event_names), -1, dtype=np.int64)
    slot[top] = np.arange(len(top))
    on_top = slot[code] >= 0
    table_rows = rows.table_rows(working_row[on_top])
    # Per event, (unit, top name) packed as one number; each property's value joins it.
    pair = unit[on_top].astype(np.int64, copy=False)
    pair *= len(top)
    pair += slot[code[on_top]]
    for name in table.property_names:
        if _surely_many_values(table.properties[name]):
            continue
        prop = prepared.property_text(name)
        if prop is None or not 2 <= len(prop.values) <= MAX_DISTINCT:
            continue
        frequency = _value_counts(prop.codes, len(prop.values))
        values = np.argsort(-frequency, kind="stable")[:TOP_VALUES]
        values = values[frequency[values] > 0]
        v_slot = np.full(len(prop.values) + 1, -1, dtype=np.int64)
        v_slot[values] = np.arange(len(values))
        v_index = v_slot[prop.codes[table_rows]]  # code -1 reads the sentinel at the end
        hit = v_index >= 0
        if not hit.any():
            continue
        width = len(values)
        n_keys = len(top) * width
        # ((unit × names + E) × width + v): runs by unit, then key E × width + v.
        every = bool(hit.all())
        packed = pair.copy() if every else pair[hit]
        packed *= width
        packed += v_index if every else v_index[hit]
        runs = runs_of_packed(packed, n_keys)
        # Only the (E, v) pairs someone did, in (E, v) order.
        present = np.flatnonzero(np.bincount(runs.key, minlength=n_keys))
        local = np.full(n_keys, -1, dtype=np.int64)
        local[present] = np.arange(len(present))
        specs = []
        for key in present:
            event = table.event_names[top[key // width]]
            value = prop.values[values[key % width]]
            specs.append(
                CandidateSpec(
                    f"{event} with {name} = {value}",
                    "property",
                    event=event,
                    property=name,
                    value=value,
                )
            )
        out.add(specs, local[runs.key], runs)
