"""What Drivers (FUNNEL_SEMANTICS §12) returns: ranked candidates with raw and adjusted
differences, the engagement baseline, who was left out and why."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

ASSOCIATION_NOTE = (
    "These are associations, not causes: people who do more tend to convert more. "
    "A lift here is a lead to confirm with an experiment (A/B test)."
)


@dataclass(frozen=True)
class Comparison:
    """A difference in macro rate (exposed − unexposed), as a fraction."""

    diff: float
    ci: tuple[float, float]
    p: float
    q: float = math.nan
    informative_share: float | None = None  # adjusted only

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "diff": _num(self.diff),
            "ci": [_num(self.ci[0]), _num(self.ci[1])],
            "p": _num(self.p),
            "q": _num(self.q),
        }
        if self.informative_share is not None:
            out["informative_share"] = _num(self.informative_share)
        return out


@dataclass(frozen=True)
class ABTest:
    per_arm: int
    days: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"per_arm": self.per_arm, "days": _num(self.days)}


@dataclass(frozen=True)
class Candidate:
    """One small action (§12 candidates a–d, or the baseline "any activity")."""

    label: str
    kind: str  # "event", "repeat", "property", "matcher", "baseline"
    event: str | None
    min_count: int
    property_name: str | None
    value: str | None
    exposed: int
    unexposed: int
    exposed_converted: int
    unexposed_converted: int
    raw: Comparison
    adjusted: Comparison | None
    at_stake: float
    too_few: bool
    ab_test: ABTest | None
    index: int = -1  # position in DriversResult's exposure entries (for exposure lookups)

    @property
    def rate_exposed(self) -> float:
        return self.exposed_converted / self.exposed if self.exposed else math.nan

    @property
    def rate_unexposed(self) -> float:
        return self.unexposed_converted / self.unexposed if self.unexposed else math.nan

    @property
    def relative_lift(self) -> float:
        base = self.rate_unexposed
        return self.rate_exposed / base - 1.0 if base and not math.isnan(base) else math.nan

    @property
    def shown_difference(self) -> Comparison:
        """The adjusted comparison where there is one, else the raw one."""
        return self.adjusted if self.adjusted is not None else self.raw

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "event": self.event,
            "min_count": self.min_count,
            "property": self.property_name,
            "value": self.value,
            "exposed": self.exposed,
            "unexposed": self.unexposed,
            "rate_exposed": _num(self.rate_exposed),
            "rate_unexposed": _num(self.rate_unexposed),
            "raw": self.raw.to_dict(),
            "adjusted": None if self.adjusted is None else self.adjusted.to_dict(),
            "at_stake": _num(self.at_stake),
            "too_few": self.too_few,
            "ab_test": None if self.ab_test is None else self.ab_test.to_dict(),
        }


@dataclass
class DriversResult:
    """Ranked candidates (best first), the baseline row and the counts around them."""

    eligible: int
    eligible_converted: int
    left_out_still_open: int
    left_out_converted_before_landmark: int
    adjust_for: list[str]
    landmark_ns: int
    lookback_ns: int
    macro_step: int
    baseline: Candidate
    candidates: list[Candidate]
    candidates_considered: int
    eligible_per_day: float
    note: str = ASSOCIATION_NOTE
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "left_out": {
                "still_open": self.left_out_still_open,
                "converted_before_landmark": self.left_out_converted_before_landmark,
            },
            "adjust_for": list(self.adjust_for),
            "baseline": self.baseline.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
        }

    def frame(self) -> pd.DataFrame:
        """One row per candidate (baseline first), numbers as numbers, for tables and CSV."""
        records = []
        for c in [self.baseline, *self.candidates]:
            adj = c.adjusted
            records.append(
                {
                    "candidate": c.label,
                    "exposed": c.exposed,
                    "unexposed": c.unexposed,
                    "rate_exposed": c.rate_exposed,
                    "rate_unexposed": c.rate_unexposed,
                    "raw_diff": c.raw.diff,
                    "raw_ci_low": c.raw.ci[0],
                    "raw_ci_high": c.raw.ci[1],
                    "raw_q": c.raw.q,
                    "adjusted_diff": adj.diff if adj else np.nan,
                    "adjusted_ci_low": adj.ci[0] if adj else np.nan,
                    "adjusted_ci_high": adj.ci[1] if adj else np.nan,
                    "adjusted_q": adj.q if adj else np.nan,
                    "informative_share": adj.informative_share if adj else np.nan,
                    "conversions_at_stake": c.at_stake,
                    "too_few": c.too_few,
                    "ab_per_arm": c.ab_test.per_arm if c.ab_test else np.nan,
                    "ab_days": (c.ab_test.days if c.ab_test and c.ab_test.days else np.nan),
                }
            )
        return pd.DataFrame.from_records(records)


def _num(value: float | None) -> float | None:
    """JSON has no NaN: undefined numbers are null."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value
