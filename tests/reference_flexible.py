"""A deliberately plain reference for optional steps and open funnels (FUNNEL_SEMANTICS
§15), used by tests/reference_engine.py: one attempt at a time, event by event, written
straight from the text.
"""

from __future__ import annotations

from typing import Any

from funnel_gui.core.definition.model import FunnelDefinition
from tests.reference_engine import RefEvent, _Attempt


def next_steps(definition: FunnelDefinition, k: int) -> list[int]:
    """§15: the 0-based steps that may follow step k: k + 1 up to and including the
    first required step after k."""
    out = []
    for s in range(k + 1, definition.n_steps):
        out.append(s)
        if not definition.steps[s].optional:
            break
    return out


def accepting_step(
    events: list[RefEvent],
    j: int,
    at: int,
    candidates: list[int],
    definition: FunnelDefinition,
    step_match: list[list[bool]],
    same_values: bool,
) -> int | None:
    """The lowest candidate step that event j fills after the event at `at`: it matches
    the step and is at least the step's min_gap later (§15: on one event the lowest
    step wins)."""
    if not same_values:
        return None
    for s in candidates:
        min_gap = definition.steps[s].min_gap_ns
        if step_match[j][s] and (min_gap is None or events[j].time - events[at].time >= min_gap):
            return s
    return None


def flexible_attempts(
    events: list[RefEvent],
    i: int,
    definition: FunnelDefinition,
    step_match: list[list[bool]],
    held: list[Any],
) -> list[_Attempt]:
    """The attempts event i starts: at step 1 if it matches it; in an open funnel at
    every step it matches (§15). Voids are decided by the caller."""
    starts = [s for s in range(definition.n_steps) if step_match[i][s]]
    if not definition.open:
        starts = starts[:1] if starts and starts[0] == 0 else []
    return [_attempt(events, i, s, definition, step_match, held) for s in starts]


def _attempt(
    events: list[RefEvent],
    i: int,
    start: int,
    definition: FunnelDefinition,
    step_match: list[list[bool]],
    held: list[Any],
) -> _Attempt:
    """§3.1 / §3.2 from the entry event i at step `start`, with §15's candidate steps."""
    strict = definition.order == "strict"
    window_end = events[i].time + definition.window_ns
    steps = {start: i}
    current, at = start, i
    while current < definition.n_steps - 1:
        candidates = next_steps(definition, current)
        found, found_step = None, None
        later = range(at + 1, min(at + 2, len(events)) if strict else len(events))
        for j in later:
            same = not definition.hold or held[j] == held[i]
            s = accepting_step(events, j, at, candidates, definition, step_match, same)
            if s is not None:
                found, found_step = j, s
                break
        if found is None or found_step is None:
            break
        if events[found].time > window_end:
            break
        max_gap = definition.steps[found_step].max_gap_ns
        if max_gap is not None and events[found].time - events[at].time > max_gap:
            break
        steps[found_step] = found
        current, at = found_step, found
    matched = [steps[k] for k in sorted(steps)]
    return _Attempt(matched=matched, void=False, level=current + 1, steps=steps, start=start)
