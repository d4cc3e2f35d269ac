"""The funnel chart's words: what hovering a step's bar or a segment's bar says, and the
names of segments and of a breakdown's attribution."""

from __future__ import annotations

from funnel_gui.core.analysis.chart_data import Segment, step_tick_label
from funnel_gui.core.engine.results import FunnelResult, StepResult
from funnel_gui.qt.charts.parts import counted
from funnel_gui.qt.text import format_percent


def attribution_text(attribution: str) -> str:
    if attribution == "first_step":
        return "value at step 1"
    if attribution == "last_step":
        return "value at the furthest step reached"
    return f"value at step {attribution.removeprefix('step_')}"


def breakdown_name(result: FunnelResult) -> str:
    """ "device", or "device × country" for several properties (§18)."""
    breakdown = result.breakdown
    if breakdown is None:
        return ""
    return " × ".join(breakdown.properties or (breakdown.property,))


def segment_name(segment: Segment) -> str:
    if segment.folded:
        return f"{segment.value} ({segment.folded} groups)"
    return segment.value


def step_note(step: StepResult) -> str:
    """§15, under a step's name: "skipped N" (optional step), "in N · out N" (open
    funnel: entered there, exited from there); "" otherwise."""
    parts = []
    if step.optional and step.skipped is not None:
        parts.append(f"skipped {step.skipped:,}")
    if step.flow is not None:
        parts.append(f"in {step.flow['entered']:,} · out {step.flow['exited']:,}")
    return " · ".join(parts)


def step_hover_text(result: FunnelResult, step: StepResult) -> str:
    """A step's bar or drop-off: its count, conversion and who dropped before it."""
    lines = [
        step_tick_label(result, step),
        counted(step.count, result),
        f"from previous: {format_percent(step.from_previous)}",
        f"from start: {format_percent(step.from_start)}",
    ]
    if step.optional:  # §15
        lines.append(f"optional: {step.skipped or 0:,} went on without it")
    if step.flow is not None:
        f = step.flow
        lines.append(
            f"reached it: {f['reached']:,} (entered here {f['entered']:,}); "
            f"went on: {f['proceeded']:,}; left from here: {f['exited']:,}"
        )
    if step.number > 1:
        lines += [
            f"drop-off: {step.drop_off:,} ({format_percent(step.drop_off_rate)})",
            f"  left: {step.drop_off - step.still_open:,}",
            f"  still open (may yet convert): {step.still_open:,}",
            "Click to see who dropped here",
        ]
    # A strict step nobody reached says which event came in between (core's note).
    lines += [w for w in result.warnings if w.startswith(f"Nobody reached step {step.number} (")]
    return "\n".join(lines)


def segment_hover_text(
    result: FunnelResult, step: StepResult, segment: Segment, percent: bool = False
) -> str:
    """One segment's bar at a step (the funnel split by a breakdown); in percent mode the
    bar's height, the conversion from step 1, comes first."""
    assert result.breakdown is not None
    k = step.number
    count = segment.counts[k - 1]
    lines = [
        f"{breakdown_name(result)} = {segment_name(segment)}",
        step_tick_label(result, step),
        *([f"{format_percent(segment.from_start(k))} of the group's step 1"] if percent else []),
        counted(count, result),
        f"from previous: {format_percent(segment.from_previous(k))}",
        f"from start: {format_percent(segment.from_start(k))}",
    ]
    if k > 1:
        lines.append(f"drop-off: {segment.counts[k - 2] - count:,}")
        lines.append("Click to see who dropped here (all segments)")
    return "\n".join(lines)
