"""Time to the macro step for Drivers (FUNNEL_SEMANTICS §12, "Time to macro"): Kaplan–Meier
curves of t(M) − t1 for exposed and unexposed units, with the units that had not
converted when their window (or the data) ended counted as censored, not as failures.

The estimator is ``statsmodels.duration.survfunc.SurvfuncRight``; this module only
validates the inputs, tolerates empty groups and hands back plain arrays for the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from statsmodels.duration.survfunc import SurvfuncRight

__all__ = ["KaplanMeierCurve", "kaplan_meier"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeierCurve:
    """A right-continuous step curve: S(t) = ``survival[i]`` for
    ``times[i] <= t < times[i + 1]``, and 1 before ``times[0]``.

    ``times`` are the distinct durations at which at least one unit converted, ascending;
    ``conversion = 1 − survival`` is the share converted by then (what the chart draws).
    All three arrays are empty when no unit converted (or there are no units).
    """

    times: FloatArray
    survival: FloatArray
    conversion: FloatArray
    at_risk: npt.NDArray[np.int64]
    """Units still unconverted and uncensored just before each time."""
    n_units: int
    n_events: int


def kaplan_meier(durations: npt.ArrayLike, event_observed: npt.ArrayLike) -> KaplanMeierCurve:
    """Kaplan–Meier estimate from one duration per unit and whether it ended in the event.

    ``durations[i]`` is the time from t1 to the macro step when ``event_observed[i]`` is
    true, else the time from t1 to when the unit's window or the data ended (censored).
    A censored unit still counts as at risk at its own censoring time (statsmodels'
    convention, and Kaplan–Meier's: events before censorings at tied times).

    Durations must be finite and ≥ 0, and both arrays of one length; otherwise
    :class:`ValueError`.
    """
    time = np.asarray(durations, dtype=np.float64)
    status = np.asarray(event_observed)
    if time.ndim != 1 or status.shape != time.shape:
        raise ValueError(
            f"expected two 1-D arrays of one length, got {time.shape} and {status.shape}"
        )
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        raise ValueError("durations must be finite and >= 0")
    events = status.astype(bool)
    n_events = int(events.sum())
    if n_events == 0:
        # Nothing to estimate (statsmodels copes, but the answer is known): the curve
        # stays at 1 and has no steps.
        empty = np.empty(0, dtype=np.float64)
        return KaplanMeierCurve(empty, empty, empty, np.empty(0, dtype=np.int64), int(time.size), 0)
    fit = SurvfuncRight(time, events.astype(np.float64))
    survival = np.asarray(fit.surv_prob, dtype=np.float64)
    return KaplanMeierCurve(
        times=np.asarray(fit.surv_times, dtype=np.float64),
        survival=survival,
        conversion=1.0 - survival,
        at_risk=np.asarray(fit.n_risk, dtype=np.int64),
        n_units=int(time.size),
        n_events=n_events,
    )
