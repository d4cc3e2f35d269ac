"""Timings of a funnel result (FUNNEL_SEMANTICS §6): the statistics of durations between
steps and the time-to-convert histogram. Kept apart from `results` so both stay short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True)
class TimingStats:
    """Durations in seconds over the units that reached a step (§6)."""

    n: int
    median: float
    mean: float
    p25: float
    p75: float
    p90: float

    @classmethod
    def of(cls, durations_ns: np.ndarray) -> TimingStats | None:
        if len(durations_ns) == 0:
            return None
        seconds = durations_ns.astype(np.float64) / NS_PER_SECOND
        p25, median, p75, p90 = np.percentile(seconds, [25, 50, 75, 90])
        return cls(
            len(seconds),
            float(median),
            _exact_mean_s(durations_ns),
            float(p25),
            float(p75),
            float(p90),
        )

    def to_dict(self) -> dict[str, float]:
        return {
            "median": self.median,
            "mean": self.mean,
            "p25": self.p25,
            "p75": self.p75,
            "p90": self.p90,
        }


def _exact_mean_s(durations_ns: np.ndarray) -> float:
    """The mean in seconds, rounded once from the exact sum: the same float in whatever
    order the durations come (a SQL engine returns them grouped, §21), where a float
    sum would differ in the last digits."""
    whole, rest = np.divmod(durations_ns.astype(np.int64), NS_PER_SECOND)
    total = int(whole.sum()) * NS_PER_SECOND + int(rest.sum())
    return total / (len(durations_ns) * NS_PER_SECOND)


# Human-sized bin edges for conversion times, which are heavy-tailed: seconds to weeks.
_NICE_EDGES_S = (
    0,
    10,
    30,
    60,
    120,
    300,
    600,
    1800,
    3600,
    2 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    3 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    60 * 86_400,
    90 * 86_400,
    180 * 86_400,
    365 * 86_400,
)


@dataclass(frozen=True)
class TimeHistogram:
    """§6: time to convert (step 1 to the last step) of the units that converted.

    Bins are [edges[i], edges[i+1]) in seconds, on human scales (10 s, 1 min, 1 h,
    1 day, 1 week, ...), ending at the first edge past the window.
    """

    edges_s: list[float]
    counts: list[int]

    @classmethod
    def of(cls, durations_ns: np.ndarray, window_ns: int) -> TimeHistogram:
        window_s = window_ns / NS_PER_SECOND
        edges = [float(e) for e in _NICE_EDGES_S if e < window_s]
        edges.append(float(next((e for e in _NICE_EDGES_S if e >= window_s), window_s)))
        seconds = durations_ns.astype(np.float64) / NS_PER_SECOND
        counts, _ = np.histogram(seconds, bins=np.asarray(edges))
        return cls(edges, [int(c) for c in counts])

    def to_dict(self) -> dict[str, Any]:
        return {"edges_s": self.edges_s, "counts": self.counts}
