"""Insights on top of a funnel result: trends (§8), micro→macro impact (§9), segments (§10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnel_gui.core.results import NAT, FunnelResult, _num
from funnel_gui.core.stats import holm_adjust, two_proportion_p_value, wilson_interval

Period = Literal["day", "week", "month"]


@dataclass(frozen=True)
class TrendPoint:
    start: pd.Timestamp  # first instant of the period (UTC)
    counts: list[int]  # units per step whose reported attempt entered in the period
    incomplete: bool  # the period's last instant + window is after the data's last time

    @property
    def conversion(self) -> float | None:
        return self.counts[-1] / self.counts[0] if self.counts and self.counts[0] else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period_start": self.start.isoformat(),
            "counts": self.counts,
            "conversion": self.conversion,
            "incomplete": self.incomplete,
        }


def auto_period(result: FunnelResult) -> Period:
    """Days for spans up to ~2 months, weeks up to ~1 year, months beyond."""
    entry = result.units.step_time[:, 0] if len(result.units.furthest) else np.zeros(0)
    entry = entry[entry != NAT]
    if not len(entry):
        return "day"
    days = (int(entry.max()) - int(entry.min())) / 86_400e9
    return "day" if days <= 62 else "week" if days <= 366 else "month"


def trend(result: FunnelResult, period: Period | None = None) -> list[TrendPoint]:
    """§8: units grouped by the UTC period of their reported attempt's step-1 event."""
    period = period or auto_period(result)
    u = result.units
    keep = ~u.excluded
    entry = pd.to_datetime(u.step_time[keep, 0], utc=True)
    furthest = u.furthest[keep]
    starts = _period_start(pd.DatetimeIndex(entry), period)
    points = []
    window = result.definition.window_ns
    for start in sorted(set(starts)):
        member = np.asarray(starts == start)
        counts = [
            int((member & (furthest >= k)).sum()) for k in range(1, result.definition.n_steps + 1)
        ]
        last_instant = _period_end(start, period).value - 1
        points.append(TrendPoint(start, counts, last_instant + window > result.last_time_ns))
    return points


def _period_start(index: pd.DatetimeIndex, period: Period) -> pd.DatetimeIndex:
    naive = index.tz_convert("UTC").tz_localize(None)
    if period == "day":
        out = naive.normalize()
    elif period == "week":  # ISO weeks start on Monday
        out = naive.normalize() - pd.to_timedelta(naive.day_of_week, unit="D")
    else:
        out = naive.to_period("M").to_timestamp()
    return pd.DatetimeIndex(out).tz_localize("UTC")


def _period_end(start: pd.Timestamp, period: Period) -> pd.Timestamp:
    if period == "day":
        return start + pd.Timedelta(days=1)
    if period == "week":
        return start + pd.Timedelta(days=7)
    return start + pd.offsets.MonthBegin(1)


@dataclass(frozen=True)
class SegmentStep:
    value: str
    step: int  # 1-based
    count: int
    entered: int
    rate: float  # count / entered (conversion from step 1)
    ci: tuple[float, float]
    p_value: float  # against all other groups together, Holm-adjusted across groups
    p_raw: float


def segments(result: FunnelResult) -> list[SegmentStep]:
    """§10: per group and step, conversion from step 1 with a Wilson interval and a
    two-proportion test against the rest, Holm-corrected across groups (per step)."""
    if result.breakdown is None:
        return []
    groups = result.breakdown.groups
    total = [sum(g.counts[k] for g in groups) for k in range(result.definition.n_steps)]
    out: list[SegmentStep] = []
    for k in range(result.definition.n_steps):
        raw = []
        for g in groups:
            rest_n, rest_s = total[0] - g.counts[0], total[k] - g.counts[k]
            raw.append(
                two_proportion_p_value(g.counts[k], g.counts[0], rest_s, rest_n)
                if k
                else float("nan")
            )
        adjusted = holm_adjust(raw) if k else raw
        for g, p_raw, p_adj in zip(groups, raw, adjusted, strict=True):
            n, s = g.counts[0], g.counts[k]
            out.append(
                SegmentStep(
                    g.value,
                    k + 1,
                    s,
                    n,
                    s / n if n else float("nan"),
                    wilson_interval(s, n),
                    p_adj,
                    p_raw,
                )
            )
    return out


def segment_dicts(rows: list[SegmentStep]) -> list[dict[str, Any]]:
    return [
        {
            "value": r.value,
            "step": r.step,
            "count": r.count,
            "entered": r.entered,
            "rate": _num(r.rate),
            "ci": [_num(v) for v in r.ci],
            "p_value": _num(r.p_value),
        }
        for r in rows
    ]
