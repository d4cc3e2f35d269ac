"""A deliberately plain reference for paths (FUNNEL_SEMANTICS §13) and the reasons units
stopped (§14), on top of the plain reference engine (tests/reference_engine.py).

Per-unit Python loops written straight from the text, for tiny tables only: the
vectorised `paths` and `compute` are compared with it
(tests/core/test_paths_reasons_vs_reference.py), and the hand-checked fixtures of
tests/core/test_paths.py and tests/core/test_reasons.py pin it down.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from funnel_gui.core.analysis.stats import wilson_interval
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.events import EventTable
from tests.reference_engine import (
    Properties,
    RefEvent,
    UnitKey,
    _Attempt,
    _attempts,
    _counted,
    _held,
    event_matches,
    reference_compute,
    reported_of,
    step_event,
    unit_events,
)
from tests.reference_flexible import accepting_step, next_steps

START, DIRECT, NOTHING = "(start)", "(direct)", "(nothing)"
REASONS = ("still_open", "interrupted", "window", "max_gap", "min_gap", "filter", "never")
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Reported:
    """A unit's events (§1 order) and its reported attempt (§3.4)."""

    events: list[RefEvent]
    matched: list[int]  # index into `events` of each matched step's event
    furthest: int
    attempt: _Attempt | None = None  # §15: which steps those events filled


def reported_attempts(
    table: EventTable, definition: FunnelDefinition
) -> dict[UnitKey, Reported | None]:
    """Every unit with an attempt: its reported attempt, None when it is excluded (§4)."""
    props = Properties(table)
    out: dict[UnitKey, Reported | None] = {}
    for key, events in unit_events(table, definition).items():
        attempts = _attempts(events, definition, props)
        if not attempts:
            continue
        clean = [a for a in attempts if not a.void]
        if not clean:
            out[key] = None
            continue
        reported = reported_of(clean)  # §3.4, §15
        out[key] = Reported(events, reported.matched, reported.level, reported)
    return out


# ----------------------------------------------------------------------------- §13 paths


def _collapse(names: list[str], keep_repeats: bool) -> list[str]:
    """Consecutive repeats of one name become one (unless kept)."""
    if keep_repeats:
        return list(names)
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out


def _macro_step(definition: FunnelDefinition) -> int:
    macros = [i for i, s in enumerate(definition.steps, 1) if s.kind == "macro"]
    return macros[-1] if macros else definition.n_steps


Path = tuple[tuple[str, ...], tuple[int, ...]]  # its events, the optional steps jumped over


def unit_paths(
    table: EventTable,
    definition: FunnelDefinition,
    where: Any = "into",
    length: int = 3,
    keep_repeats: bool = False,
    lookback: int = DAY_NS,
) -> dict[str, dict[UnitKey, tuple[Path, bool]]]:
    """Per group, each unit's path and whether it reached the macro step M.

    Between step k and k + 1 with §15 (optional steps, open funnels), a unit is in the
    gap when its reported attempt matched step k: it went on when the attempt matched a
    later step (the first one it matched after k is "the next step it reached", and the
    optional steps in between were jumped over), it stopped when step k is its furthest
    step. A unit that skipped step k, or whose open attempt entered after k, is in
    neither group (it is in the gap it left from)."""
    m = _macro_step(definition)
    groups: dict[str, dict[UnitKey, tuple[Path, bool]]] = {}
    if where == "into":
        groups["all"] = {}
    else:
        groups["converted"], groups["dropped"] = {}, {}
    for key, rep in reported_attempts(table, definition).items():
        if rep is None:
            continue  # excluded: no reported attempt
        events, matched = rep.events, rep.matched
        converted = rep.furthest >= m
        if where == "into":
            # matched[0]: the entry event (step 1's; in an open funnel, where it entered).
            t1 = events[matched[0]].time
            # Before the entry event in §1 order, no earlier than `lookback` before it.
            names = [e.name for e in events[: matched[0]] if e.time >= t1 - lookback]
            last = _collapse(names, keep_repeats)[-length:]
            path = ((START,) if len(last) < length else ()) + tuple(last)
            groups["all"][key] = ((path, ()), converted)
            continue
        k = where[1]
        assert rep.attempt is not None
        at = step_event(rep.attempt, k - 1)
        if at is None:
            continue  # skipped step k, or entered after it
        # 0-based steps after k that the attempt matched, in order.
        later = [s for s in range(k, definition.n_steps) if step_event(rep.attempt, s) is not None]
        if later:
            end = step_event(rep.attempt, later[0])
            names = [e.name for e in events[at + 1 : end]]
            first = _collapse(names, keep_repeats)[:length]
            skipped = tuple(range(k + 1, later[0] + 1))  # 1-based: k + 1 .. the one before
            groups["converted"][key] = ((tuple(first) or (DIRECT,), skipped), converted)
        else:
            assert rep.furthest == k
            # The window runs from the entry event (step 1's; §15: where it entered).
            window_end = events[matched[0]].time + definition.window_ns
            names = [e.name for e in events[at + 1 :] if e.time <= window_end]
            first = _collapse(names, keep_repeats)[:length]
            groups["dropped"][key] = ((tuple(first) or (NOTHING,), ()), converted)
    return groups


def reference_paths(
    table: EventTable,
    definition: FunnelDefinition,
    where: Any = "into",
    length: int = 3,
    top: int = 10,
    keep_repeats: bool = False,
    lookback: int = DAY_NS,
) -> dict[str, Any]:
    """§13 in the JSON shape of `funnel-gui paths --json`."""
    per_unit = unit_paths(table, definition, where, length, keep_repeats, lookback)
    groups = []
    for name, units in per_unit.items():
        count: Counter[Path] = Counter(p for p, _ in units.values())
        hits: Counter[Path] = Counter(p for p, conv in units.values() if conv)
        # Most units first, then by the events' names, then by the steps jumped over.
        ranked = sorted(count, key=lambda p: (-count[p], p))
        shown = ranked[:top]
        rows = []
        for p in shown:
            row = {
                "events": list(p[0]),
                "units": count[p],
                "share": count[p] / len(units),
                "macro_rate": hits[p] / count[p],
                "ci": list(wilson_interval(hits[p], count[p])),
            }
            if p[1]:
                row["skipped"] = list(p[1])
            rows.append(row)
        other = len(units) - sum(count[p] for p in shown)
        groups.append({"name": name, "units": len(units), "paths": rows, "other": {"units": other}})
    return {
        "where": "into" if where == "into" else "between",
        "step": None if where == "into" else where[1],
        "groups": groups,
    }


# ---------------------------------------------------------------------------- §14 reasons


def _reason(
    rep: Reported,
    definition: FunnelDefinition,
    props: Properties,
    last_time: int,
) -> str:
    """The first of §14's rules that holds for a reported attempt stopping at step k.
    "Step k + 1" is every step that could be matched next (§15: k + 1 up to the first
    required step after k), each with its own filters and gaps; "matches" includes the
    held values (§17)."""
    events, k = rep.events, rep.furthest
    assert rep.attempt is not None
    candidates = next_steps(definition, k - 1)  # 0-based
    at = step_event(rep.attempt, k - 1)
    assert at is not None
    entry = rep.matched[0]
    window_end = events[entry].time + definition.window_ns
    held = _held(events, definition, props)
    step_match = [[event_matches(s.matcher, e, props) for s in definition.steps] for e in events]

    def same(j: int) -> bool:
        return not definition.hold or held[j] == held[entry]

    def matches(j: int) -> bool:
        return same(j) and any(step_match[j][s] for s in candidates)

    def accepts(j: int) -> int | None:
        return accepting_step(events, j, at, candidates, definition, step_match, same(j))

    if window_end > last_time:  # 1. §7
        return "still_open"
    if definition.order == "strict" and at + 1 < len(events):
        nxt = events[at + 1]
        if nxt.time <= window_end and not matches(at + 1):  # 2.
            return "interrupted"
        if matches(at + 1) and accepts(at + 1) is None:  # 3.
            return "min_gap"
    names = {name for s in candidates for name in definition.steps[s].events}
    return _later_reason(events, at, window_end, definition, matches, accepts, names)


def _later_reason(
    events: list[RefEvent],
    at: int,
    window_end: int,
    definition: FunnelDefinition,
    matches: Callable[[int], bool],
    accepts: Callable[[int], int | None],
    names: set[str],
) -> str:
    """§14 rules 4-8, from the events after the step-k event at `at` (`names`: those of
    every step that could come next)."""
    t_at = events[at].time
    later = range(at + 1, len(events))
    first = next((j for j in later if accepts(j) is not None), None)
    if first is not None:
        filled = accepts(first)
        assert filled is not None
        max_gap = definition.steps[filled].max_gap_ns
        if events[first].time > window_end:  # 4.
            return "window"
        if max_gap is not None and events[first].time - t_at > max_gap:  # 5.
            return "max_gap"
        raise AssertionError("that event would have filled the step: the attempt went on")
    if any(matches(j) for j in later):  # 6.
        return "min_gap"
    if any(events[j].name in names for j in later):  # 7.
        return "filter"
    return "never"  # 8.


def reference_reasons(table: EventTable, definition: FunnelDefinition) -> dict[UnitKey, str | None]:
    """§14 per unit that entered: its reason, None when it reached the last step or is
    excluded. Sequential and strict funnels only."""
    if definition.order == "any":
        raise ValueError("any-order funnels have no reasons (§14)")
    props = Properties(table)
    last_time = int(max(table.time)) if len(table) else 0  # §7: over the whole table
    out: dict[UnitKey, str | None] = {}
    if definition.count == "totals":
        return _counted_reasons(table, definition, props, last_time)
    for key, rep in reported_attempts(table, definition).items():
        stopped = rep is not None and rep.furthest < definition.n_steps
        out[key] = _reason(rep, definition, props, last_time) if rep and stopped else None
    return out


def _counted_reasons(
    table: EventTable, definition: FunnelDefinition, props: Properties, last_time: int
) -> dict[UnitKey, str | None]:
    """§16: each counted attempt's reason (keyed like the reference's counted "units":
    unit, then the attempt's number; an excluded unit's one row has none)."""
    out: dict[UnitKey, str | None] = {}
    for key, events in unit_events(table, definition).items():
        attempts = _attempts(events, definition, props)
        if not attempts:
            continue
        counted = _counted(events, attempts, definition)
        if not counted:
            out[(*key, None)] = None
        for number, attempt in enumerate(counted):
            rep = Reported(events, attempt.matched, attempt.level, attempt)
            stopped = attempt.level < definition.n_steps
            out[(*key, number)] = _reason(rep, definition, props, last_time) if stopped else None
    return out


def reference_reason_counts(
    table: EventTable, definition: FunnelDefinition
) -> list[dict[str, int] | None]:
    """Per step, the reasons of the units whose furthest step is the one before (step 1:
    None); they add up to the step's drop-off."""
    reasons = reference_reasons(table, definition)
    if definition.count == "totals":  # §16: per counted attempt
        result = reference_compute(table, definition)
        furthest = {key: u.furthest for key, u in result.units.items() if not u.excluded}
    else:
        furthest = {
            key: rep.furthest for key, rep in reported_attempts(table, definition).items() if rep
        }
    out: list[dict[str, int] | None] = [None]
    for k in range(1, definition.n_steps):
        counts = dict.fromkeys(REASONS, 0)
        for unit, reason in reasons.items():
            if reason is not None and furthest[unit] == k:
                counts[reason] += 1
        out.append(counts)
    return out


def reference_interrupting_events(
    table: EventTable, definition: FunnelDefinition, step: int
) -> list[tuple[str, int]]:
    """§3.2/§14 words: for the units stopped before step `step` (1-based) as `interrupted`,
    the name of the event right after their step `step`-1 event; most frequent first,
    ties by name."""
    reasons = reference_reasons(table, definition)
    counts: Counter[str] = Counter()
    for key, rep in reported_attempts(table, definition).items():
        if rep is None or rep.furthest != step - 1 or reasons.get(key) != "interrupted":
            continue
        counts[rep.events[rep.matched[step - 2] + 1].name] += 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
