"""Drivers (FUNNEL_SEMANTICS §12): which early actions are associated with reaching the
macro step, raw and adjusted for what the analyst names and for engagement.

One pass finds every entrant's observation period; candidates (§12 a–d) become
(candidate, unit, own count) exposure entries; every 2×2 table, raw and per stratum, is a
`bincount` over those entries. Statistics come from `driver_stats` (statsmodels/scipy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from funnel_gui.core.analysis.driver_candidates import (
    CandidateSpec,
    Exposures,
    build_exposures,
)
from funnel_gui.core.analysis.driver_stats import (
    MHRiskDifferences,
    ab_test_days,
    benjamini_hochberg,
    mh_risk_difference_many,
    raw_comparisons,
)
from funnel_gui.core.analysis.drivers_exposure import Observation, observe
from funnel_gui.core.analysis.drivers_result import (
    ABTest,
    Candidate,
    Comparison,
    DriversResult,
)
from funnel_gui.core.analysis.power import ab_test_sizes
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import ComputedFunnel, compute_with_rows
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.prepared import PreparedTable, UnitRows, prepare
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled, report

DAY_NS = 86_400 * 10**9
DEFAULT_LANDMARK_NS = DAY_NS
MIN_GROUP = 30  # §12 support: shown only with >= 30 exposed and >= 30 unexposed
MIN_CONVERSIONS = 5  # "too few to judge" below this in either group
# Activity bins of §12: 0, 1–2, 3–5, 6–10, >10 events.
ACTIVITY_EDGES = np.array([1, 3, 6, 11])
N_ACTIVITY_BINS = len(ACTIVITY_EDGES) + 1


class DriversCancelled(TaskCancelled):
    """The caller's cancel check turned true; no result."""


class DriversError(UserFacingError):
    """Drivers cannot be worked out for this funnel (the message says why)."""


@dataclass
class DriversAnalysis:
    """The result plus what the view needs to look one candidate up again."""

    result: DriversResult
    observation: Observation
    exposures: Exposures
    actor_ids: object  # pyarrow string array: actor code -> id
    computed: ComputedFunnel  # the funnel it looked at, reusable for a rerun


def drivers(
    source: PreparedTable | EventTable,
    definition: FunnelDefinition,
    *,
    landmark: int | None = None,
    lookback: int | None = None,
    adjust_for: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    computed: ComputedFunnel | None = None,
) -> DriversResult:
    """§12 on `definition`; durations in nanoseconds. Settings left as None come from the
    definition's `drivers` settings, else the defaults (landmark 1 day, lookback 0, raw
    only)."""
    return drivers_analysis(
        source,
        definition,
        landmark=landmark,
        lookback=lookback,
        adjust_for=adjust_for,
        progress=progress,
        cancelled=cancelled,
        computed=computed,
    ).result


def drivers_analysis(
    source: PreparedTable | EventTable,
    definition: FunnelDefinition,
    *,
    landmark: int | None = None,
    lookback: int | None = None,
    adjust_for: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    computed: ComputedFunnel | None = None,
) -> DriversAnalysis:
    def step(at: float, message: str) -> None:
        report(progress, cancelled, at, message, error=DriversCancelled)

    settings = definition.drivers
    landmark = landmark if landmark is not None else settings.landmark_ns
    lookback = lookback if lookback is not None else settings.lookback_ns
    adjust = list(adjust_for if adjust_for is not None else settings.adjust_for)
    prepared = source if isinstance(source, PreparedTable) else prepare(source)
    table = prepared.table
    _check(definition, table, adjust, landmark, lookback)
    step(0.0, "Computing the funnel")
    if computed is None:
        computed = compute_with_rows(prepared, definition)
    rows, reported = computed.rows, computed.reported
    step(0.3, "Finding observation periods")
    obs = observe(
        rows,
        reported,
        definition,
        rows.unit_actor,
        landmark=landmark,
        lookback=lookback,
        last_time=computed.result.last_time_ns,  # §18: of the events the filters keep
    )
    step(0.45, "Finding candidates")
    exposures = build_exposures(prepared, rows, definition, obs)
    step(0.75, "Comparing exposed and unexposed")
    strata = _base_strata(prepared, rows, obs, adjust)
    result = _summarise(obs, exposures, strata, definition, adjust, landmark, lookback)
    result.warnings = list(computed.result.warnings)
    step(1.0, "Done")
    return DriversAnalysis(result, obs, exposures, table.actor_ids, computed)


def _check(
    definition: FunnelDefinition, table: EventTable, adjust: list[str], landmark: int, back: int
) -> None:
    if landmark <= 0:
        raise DriversError("The landmark must be a positive duration, such as 1d or 2h.")
    if back < 0:
        raise DriversError("The lookback cannot be negative; use 0s to look from entry on.")
    missing = [name for name in adjust if name not in table.property_names]
    if missing:
        have = ", ".join(table.property_names[:12]) or "none"
        raise DriversError(
            f"Cannot adjust for {', '.join(missing)}: the data has no such property "
            f"(properties: {have})."
        )
    if definition.n_steps < 2 and macro_step(definition) < 2:
        raise DriversError("Drivers need a funnel of at least two steps (an entry and a goal).")


def _base_strata(
    prepared: PreparedTable, rows: UnitRows, obs: Observation, adjust: list[str]
) -> np.ndarray:
    """Per entrant, the combination of the adjust-for values on its step-1 event."""
    base = np.zeros(len(obs.entry), dtype=np.int64)
    if not adjust:
        return base
    table_rows = rows.table_rows(obs.entry)
    span = 1  # every combination's number is below this
    for name in adjust:
        prop = prepared.property_text(name)
        codes = np.full(len(table_rows), -1) if prop is None else prop.codes[table_rows]
        width = (len(prop.values) if prop is not None else 0) + 1
        base = base * width + (codes.astype(np.int64) + 1)
        span *= width
    if span > max(4 * len(base), 1 << 16):
        _, dense = np.unique(base, return_inverse=True)
        return np.asarray(dense, dtype=np.int64).reshape(-1)
    # The rank of each combination among those present, as np.unique would number them,
    # without sorting: few combinations, so mark them and count.
    present = np.zeros(span, dtype=np.int64)
    present[base] = 1
    return np.asarray((np.cumsum(present) - 1)[base], dtype=np.int64)


# The activity bin of 0, 1, ..., 11 events; more than 11 fall in the last bin.
_BIN_OF_COUNT = np.searchsorted(
    ACTIVITY_EDGES, np.arange(ACTIVITY_EDGES[-1] + 1), side="right"
).astype(np.int64)


def _activity_bin(counts: np.ndarray) -> np.ndarray:
    """The §12 activity bin of each count (a table lookup: cheaper than a search)."""
    return np.asarray(_BIN_OF_COUNT[np.clip(counts, 0, ACTIVITY_EDGES[-1])])


def _summarise(
    obs: Observation,
    ex: Exposures,
    base: np.ndarray,
    definition: FunnelDefinition,
    adjust: list[str],
    landmark: int,
    lookback: int,
) -> DriversResult:
    eligible = obs.eligible
    y = obs.converted
    keep = eligible[ex.unit]
    cand, unit, own = ex.candidate[keep], ex.unit[keep], ex.count[keep]
    n_cand = len(ex.specs)
    n_elig = int(eligible.sum())
    y_elig = int(y[eligible].sum())
    n1 = np.bincount(cand, minlength=n_cand)
    x1 = np.bincount(cand[y[unit]], minlength=n_cand).astype(np.float64)
    n0, x0 = n_elig - n1, y_elig - x1
    raw = raw_comparisons(x1, n1, x0, n0)
    supported = (n1 >= MIN_GROUP) & (n0 >= MIN_GROUP)
    supported[0] = True  # the baseline row is always shown
    adjusted = None
    if adjust:
        near = eligible[ex.near_unit]
        adjusted = _adjusted(
            obs,
            (cand, unit, own),
            (ex.near_candidate[near], ex.near_unit[near], ex.near_count[near]),
            base,
            n_cand,
        )
    # q-values over the candidates shown (the baseline is a reference, not a candidate).
    tested = np.flatnonzero(supported)
    tested = tested[tested != 0]
    raw_q = np.full(n_cand, np.nan)
    raw_q[tested] = benjamini_hochberg(raw.p_value[tested])
    adj_q = np.full(n_cand, np.nan)
    if adjusted is not None:
        adj_q[tested] = benjamini_hochberg(adjusted.p_value[tested])
    # With adjust_for set, the adjusted comparison is the claim; where no stratum holds
    # both groups it is undefined, and the candidate cannot be judged (nothing at
    # stake), rather than falling back to the raw lift adjustment was asked to correct.
    shown_low = raw.ci_low if adjusted is None else adjusted.ci_low
    shown_diff = raw.difference if adjusted is None else adjusted.difference
    at_stake = np.maximum(0.0, np.nan_to_num(shown_low, nan=0.0)) * n0
    per_arm = ab_test_sizes(raw.rate_unexposed, shown_diff)
    per_day = _eligible_per_day(obs)
    made: list[Candidate] = []
    for j in np.flatnonzero(supported):
        spec: CandidateSpec = ex.specs[j]
        adj = None
        if adjusted is not None:
            adj = Comparison(
                float(adjusted.difference[j]),
                (float(adjusted.ci_low[j]), float(adjusted.ci_high[j])),
                float(adjusted.p_value[j]),
                float(adj_q[j]),
                float(adjusted.informative_share[j]),
            )
        size = int(per_arm[j]) if per_arm[j] > 0 else None
        made.append(
            Candidate(
                label=spec.label,
                kind=spec.kind,
                event=spec.event,
                min_count=spec.min_count,
                property_name=spec.property,
                value=spec.value,
                exposed=int(n1[j]),
                unexposed=int(n0[j]),
                exposed_converted=round(x1[j]),
                unexposed_converted=round(x0[j]),
                raw=Comparison(
                    float(raw.difference[j]),
                    (float(raw.ci_low[j]), float(raw.ci_high[j])),
                    float(raw.p_value[j]),
                    float(raw_q[j]),
                ),
                adjusted=adj,
                at_stake=float(at_stake[j]),
                too_few=bool(min(x1[j], x0[j]) < MIN_CONVERSIONS),
                ab_test=None if size is None else ABTest(size, ab_test_days(size, per_day)),
                index=int(j),
            )
        )
    baseline, ranked = made[0], made[1:]
    ranked.sort(key=lambda c: (-c.at_stake, -_or_low(c.shown_difference.ci[0]), c.label))
    return DriversResult(
        eligible=n_elig,
        eligible_converted=y_elig,
        left_out_still_open=int(obs.still_open.sum()),
        left_out_converted_before_landmark=int(obs.converted_before_landmark.sum()),
        adjust_for=adjust,
        landmark_ns=landmark,
        lookback_ns=lookback,
        macro_step=macro_step(definition),
        baseline=baseline,
        candidates=ranked,
        candidates_considered=n_cand - 1,
        eligible_per_day=per_day,
    )


def _adjusted(
    obs: Observation,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    near: tuple[np.ndarray, np.ndarray, np.ndarray],
    base: np.ndarray,
    n_cand: int,
) -> MHRiskDifferences:
    """Mantel–Haenszel over strata = adjust-for values × activity level (§12).

    `entries` and `near` are (candidate, eligible entrant, own count): the exposed ones,
    and the unexposed ones that have own events all the same (see `Exposures`)."""
    cand, unit, own = entries
    eligible = obs.eligible
    y = obs.converted
    n_strata = (int(base.max()) + 1 if len(base) else 1) * N_ACTIVITY_BINS
    # A unit's activity leaves out the candidate's own events, so its stratum depends on
    # the candidate; most unexposed units have none, and sit in the stratum of all their
    # other events.
    stratum_all = base * N_ACTIVITY_BINS + _activity_bin(obs.n_other)
    size = n_cand * n_strata
    # Per entry, candidate × n_strata + stratum, built in place (entries are many).
    key = base[unit]
    key *= N_ACTIVITY_BINS
    activity = obs.n_other[unit]
    activity -= own
    np.clip(activity, 0, ACTIVITY_EDGES[-1], out=activity)
    key += _BIN_OF_COUNT[activity]
    del activity
    key += cand * n_strata
    # Conversions are 0/1: counting the converted entries' keys gives the same sums as
    # weighting every entry, on far fewer entries.
    converted = y[unit]
    n1 = np.bincount(key, minlength=size)
    x1 = np.bincount(key[converted], minlength=size).astype(np.float64)
    # The same entries in the stratum of all their events, where they are not unexposed.
    np.multiply(cand, n_strata, out=key)
    key += stratum_all[unit]
    n_gone = np.bincount(key, minlength=size)
    x_gone = np.bincount(key[converted], minlength=size).astype(np.float64)
    del key
    n_all = np.bincount(stratum_all[eligible], minlength=n_strata)
    x_all = np.bincount(stratum_all[eligible & y], minlength=n_strata).astype(np.float64)
    shape = (n_cand, n_strata)
    n0 = n_all[None, :] - n_gone.reshape(shape)
    x0 = x_all[None, :] - x_gone.reshape(shape)
    # Unexposed units with own events ("E at least k times", E done fewer times) move
    # to the stratum of their activity without those events.
    near_cand, near_unit, near_own = near
    moved_from = near_cand * n_strata + stratum_all[near_unit]
    moved_to = near_cand * n_strata + (
        base[near_unit] * N_ACTIVITY_BINS + _activity_bin(obs.n_other[near_unit] - near_own)
    )
    y_near = y[near_unit]
    n_in = np.bincount(moved_to, minlength=size) - np.bincount(moved_from, minlength=size)
    x_in = np.bincount(moved_to, weights=y_near, minlength=size)
    x_in -= np.bincount(moved_from, weights=y_near, minlength=size)
    n0 += n_in.reshape(shape)
    x0 += x_in.reshape(shape)
    return mh_risk_difference_many(x1.reshape(shape), n1.reshape(shape), x0, n0)


def _eligible_per_day(obs: Observation) -> float:
    """Eligible entrants per day over the span their entries cover (at least one day)."""
    t1 = obs.t1[obs.eligible]
    if not len(t1):
        return math.nan
    days = max(1.0, (int(t1.max()) - int(t1.min())) / DAY_NS)
    return len(t1) / days


def _or_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value
