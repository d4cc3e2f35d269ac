"""Why a strict funnel has nobody at a step (§3.2, §14 `interrupted`): step k must be the
very next event after step k-1, and when some other event always (or mostly) comes in
between, the funnel says which: "begin_checkout always comes in between". Counted over
the units whose reason for stopping before step k is `interrupted`: the event right after
their step k-1 event in the funnel's own rows (after funnel filters, in their session)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from funnel_gui.core.engine.micro_macro import ReportedAttempts
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.results import REASONS, FunnelResult

_INTERRUPTED = REASONS.index("interrupted")


def interrupting_events(
    result: FunnelResult, rows: UnitRows, reported: ReportedAttempts, step: int
) -> list[tuple[str, int]]:
    """(event, units) for the events that came right after step `step`-1 and so ended a
    strict attempt before step `step` (1-based, ≥ 2); most frequent first, ties by name."""
    units = result.units
    if units.reason is None or step < 2:
        return []
    mask = (units.reason == _INTERRUPTED) & (units.furthest == step - 1) & ~units.excluded
    at = np.flatnonzero(mask)
    if not len(at):
        return []
    # `interrupted` means that next row exists in the unit's rows: one past step k-1's.
    following = np.asarray(reported.positions[step - 2, at]) + 1
    table = rows.prepared.table
    codes = table.event[rows.table_rows(following)]
    counts = Counter(str(table.event_names[c]) for c in codes.tolist())
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def interruption_note(
    step: int, label: str, events: list[tuple[str, int]], dropped: int
) -> str | None:
    """The sentence for a strict step nobody reached, from the interrupting events and how
    many units dropped before it; None when no interruption explains it."""
    if not events or not dropped:
        return None
    event, n = events[0]
    head = (
        f"Nobody reached step {step} ({label}): in a strict funnel it must be the very next event"
    )
    if n == dropped:
        return f"{head}, and {event} always comes in between."
    return f"{head}; {event} most often comes in between ({n:,} of {dropped:,})."


def strict_zero_notes(
    result: FunnelResult, rows: UnitRows, reported: ReportedAttempts
) -> list[str]:
    """One note per step of a strict funnel that nobody reached though some reached the
    step before it."""
    if result.definition.order != "strict":
        return []
    notes = []
    for prev, step in zip(result.steps, result.steps[1:], strict=False):
        if step.count == 0 and prev.count > 0:
            events = interrupting_events(result, rows, reported, step.number)
            note = interruption_note(step.number, step.label, events, step.drop_off)
            if note is not None:
                notes.append(note)
    return notes
