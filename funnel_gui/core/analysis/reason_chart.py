"""The funnel chart's drop-off split by why people stopped (FUNNEL_SEMANTICS §14), worked out
without Qt: above bar k, the units that reached k - 1 and not k, still open first (right
on the bar, §7), then one part per other reason, stacked up to count_{k-1}.

A step is split only when its reason counts add up to its drop-off (§14: they do unless an
optional step lies between, §15); otherwise it keeps the one "left" part, and nothing is
drawn that the numbers do not support.
"""

from __future__ import annotations

from dataclasses import dataclass

from funnel_gui.core.analysis.chart_data import DropOff
from funnel_gui.core.engine.results import FunnelResult

# The order the parts are stacked in, from the bar up, after still open: the nearest
# misses (a gap, the window) lowest, "never" on top where the grey "left" used to be.
STACK_ORDER = ("min_gap", "max_gap", "window", "filter", "interrupted", "never")


@dataclass(frozen=True)
class ReasonPart:
    reason: str  # a REASONS key (not still_open: that part is drawn as before)
    count: int
    y0: int
    y1: int


@dataclass(frozen=True)
class ReasonStack:
    step: int  # k: the step they did not reach
    counts: dict[str, int]  # every reason's count, still_open included
    parts: list[ReasonPart]  # the non-empty ones, bottom to top


def reason_stacks(result: FunnelResult, drops: list[DropOff]) -> list[ReasonStack]:
    """One stack per step whose drop-off the reasons split exactly."""
    out = []
    for drop in drops:
        reasons = result.steps[drop.step - 1].reasons
        if reasons is None or sum(reasons.values()) != drop.total:
            continue
        if reasons.get("still_open", 0) != drop.still_open:
            continue
        y = drop.open_top
        parts = []
        for key in STACK_ORDER:
            count = reasons.get(key, 0)
            if count:
                parts.append(ReasonPart(key, count, y, y + count))
                y += count
        out.append(ReasonStack(drop.step, dict(reasons), parts))
    return out
