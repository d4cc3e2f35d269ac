"""What the Drivers view shows for one selected candidate, and which properties to adjust
for (FUNNEL_SEMANTICS §12): time to macro, the people worth a nudge, the candidate as a
micro conversion, and suggested strata."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from funnel_gui.core.analysis.driver_stats import raw_comparisons
from funnel_gui.core.analysis.drivers import DriversAnalysis
from funnel_gui.core.analysis.drivers_exposure import Observation
from funnel_gui.core.analysis.drivers_result import Candidate
from funnel_gui.core.analysis.survival import KaplanMeierCurve, kaplan_meier
from funnel_gui.core.definition.model import Filter, MicroConversion
from funnel_gui.core.engine.prepared import PreparedTable, UnitRows

SECONDS = 1e9
MAX_SUGGESTED = 2  # strata multiply: more than two properties leaves most strata empty
MAX_SUGGEST_DISTINCT = 20


@dataclass(frozen=True)
class TimeToMacro:
    """Kaplan–Meier curves of time from entry to the macro step (seconds), eligible
    entrants who did the candidate against those who did not; censored at the window's
    end (every eligible window has closed)."""

    exposed: KaplanMeierCurve
    unexposed: KaplanMeierCurve


def exposed_mask(analysis: DriversAnalysis, candidate: Candidate) -> np.ndarray:
    """Per entrant, whether it did the candidate in its observation period."""
    mask = np.zeros(len(analysis.observation.entry), dtype=bool)
    mask[analysis.exposures.exposed_units(candidate.index)] = True
    return mask


def time_to_macro(analysis: DriversAnalysis, candidate: Candidate) -> TimeToMacro:
    obs = analysis.observation
    eligible = obs.eligible
    did = exposed_mask(analysis, candidate)
    ends = np.where(obs.converted, obs.t_macro, obs.window_end)
    seconds = (ends - obs.t1) / SECONDS
    return TimeToMacro(
        exposed=kaplan_meier(seconds[eligible & did], obs.converted[eligible & did]),
        unexposed=kaplan_meier(seconds[eligible & ~did], obs.converted[eligible & ~did]),
    )


def nudge_list(analysis: DriversAnalysis, candidate: Candidate, last_time_ns: int) -> pd.DataFrame:
    """The people worth a nudge: did the candidate, have not converted, and their window
    is still open (so they were left out of the comparison, §12 eligibility)."""
    obs: Observation = analysis.observation
    did = exposed_mask(analysis, candidate)
    pick = np.flatnonzero(did & ~obs.converted & ~obs.window_closed)
    ids = pa.array(analysis.actor_ids).take(pa.array(obs.actor[pick])).to_pylist()
    return pd.DataFrame(
        {
            "actor": ids,
            "entered": pd.to_datetime(obs.t1[pick], utc=True),
            "furthest_step": obs.furthest[pick],
            "window_ends": pd.to_datetime(obs.window_end[pick], utc=True),
            "hours_left": (obs.window_end[pick] - last_time_ns) / (3600 * SECONDS),
        }
    )


def as_micro_conversion(candidate: Candidate) -> MicroConversion | None:
    """The candidate as a micro conversion for the funnel's tray (§9); None for the
    baseline and for "at least k times", which a matcher cannot express."""
    if candidate.kind in ("baseline", "repeat") or not candidate.event:
        return None
    events = tuple(candidate.event.split(" or "))
    where: tuple[Filter, ...] = ()
    if candidate.property_name is not None and candidate.value is not None:
        where = (Filter(candidate.property_name, "eq", candidate.value),)
    return MicroConversion(events=events, label=candidate.label, where=where)


@dataclass(frozen=True)
class AdjustSuggestion:
    property: str
    spread: float  # highest minus lowest conversion rate among its groups (fraction)
    explanation: str


def suggested_adjustments(
    prepared: PreparedTable, analysis: DriversAnalysis
) -> list[AdjustSuggestion]:
    """`suggest_adjust_for` on the entrants an analysis looked at."""
    return suggest_adjust_for(prepared, analysis.computed.rows, analysis.observation)


def suggest_adjust_for(
    prepared: PreparedTable, rows: UnitRows, obs: Observation
) -> list[AdjustSuggestion]:
    """Properties on the step-1 event whose groups convert most differently (§12: the
    app suggests them): low-cardinality properties whose groups' rates differ beyond
    chance (two-proportion test of the best against the worst group, p < 0.01), ranked by
    the spread of the rates among groups of at least 30 eligible entrants."""
    eligible = obs.eligible
    if not eligible.any():
        return []
    table_rows = rows.table_rows(obs.entry[eligible])
    y = obs.converted[eligible]
    found: list[AdjustSuggestion] = []
    for name in prepared.table.property_names:
        prop = prepared.property_text(name)
        if prop is None or not 2 <= len(prop.values) <= MAX_SUGGEST_DISTINCT:
            continue
        codes = prop.codes[table_rows].astype(np.int64) + 1  # 0 = missing
        n = np.bincount(codes, minlength=len(prop.values) + 1)
        x = np.bincount(codes, weights=y, minlength=len(prop.values) + 1)
        big = np.flatnonzero(n >= 30)
        if len(big) < 2:
            continue
        rates = x[big] / n[big]
        hi, lo = big[int(np.argmax(rates))], big[int(np.argmin(rates))]
        test = raw_comparisons([x[hi]], [n[hi]], [x[lo]], [n[lo]])
        if not test.p_value[0] < 0.01:
            continue
        names = ["(none)", *prop.values]
        found.append(
            AdjustSuggestion(
                name,
                float(rates.max() - rates.min()),
                f"conversion ranges from {rates.min():.1%} ({names[lo]}) to "
                f"{rates.max():.1%} ({names[hi]})",
            )
        )
    found.sort(key=lambda s: -s.spread)
    return found[:MAX_SUGGESTED]
