"""A deliberately plain reference for the counting contract (FUNNEL_SEMANTICS §1–§7, and
the counting options of §16–§18 and §20).

Per-unit Python loops written straight from the text, for tiny tables only: the
vectorised engine is compared with it (tests/core/test_engine_vs_reference.py), and
the hand-checked fixtures of tests/core/test_reference_engine.py pin it down.
Readability over speed: no caching of matches across attempts, no clever indexing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from funnel_gui.core.definition.model import EventMatcher, Filter, FunnelDefinition
from funnel_gui.core.events import EventTable

NOT_REACHED = "(not reached)"
NO_VALUE = "(none)"
# What counts as a number for gt/lt: plain decimal text, as the event table's own
# type inference reads it ("10", "-2.5", ".5", "1e3"); "x10", "", "nan" are not numbers.
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

# (actor id, session code or None for unit="actor"); counting attempts (§16), a third
# item numbers the counted attempts of the unit (None on an excluded unit's row). With
# sessions from inactivity (§20) the session is its number within the actor (0, 1, ...).
UnitKey = tuple[Any, ...]


@dataclass(frozen=True)
class RefEvent:
    name: str
    time: int  # ns UTC
    row: int  # input-order index: the tie-breaker (§1) and the key into `properties`


@dataclass(frozen=True)
class RefUnit:
    furthest: int  # 0 when excluded
    excluded: bool
    still_open: bool
    step_times: tuple[int | None, ...]  # one per step, from the reported attempt
    # None when the definition has no breakdown or the unit is excluded; a tuple of texts
    # when the breakdown names a list of properties (§18).
    breakdown: str | tuple[str, ...] | None
    # For Drivers (§12, tests/reference_drivers.py); left out of equality, so units built
    # from the engine's per-unit table compare as before.
    # Input row of the reported attempt's step-1 event (any order: of e); None if excluded.
    entry_row: int | None = field(default=None, compare=False)
    # reached_times[k - 1]: when the reported attempt had matched k steps, None if it never
    # did. Ordered funnels: the step-k event's time; any order: the k-th earliest of the
    # steps' first matching times from e on, up to t(e) + window.
    reached_times: tuple[int | None, ...] = field(default=(), compare=False)
    # §15, open funnels: the step (1-based) the reported attempt started at.
    entry_step: int = 1


@dataclass
class RefResult:
    units: dict[UnitKey, RefUnit]  # only units with at least one attempt
    counts: list[int]  # step k (0-based here) = non-excluded units with furthest >= k + 1
    entered: int  # units with at least one attempt, excluded ones included
    excluded: int
    hold_missing: int | None = None  # §17: step events lacking a held property


@dataclass
class _Attempt:
    matched: list[int]  # index (into the unit's events) of each matched step's event
    void: bool
    # Any order (§3.3) has no per-step events: `matched` is just [e] and the level is
    # counted separately.
    level: int
    # Any order only: the first matching time of each step done in the window, ascending.
    done_times: tuple[int, ...] = ()
    # §15 (optional steps, open funnels): the event index of each step matched, by
    # 0-based step (steps jumped over or before the entry are absent), and the step the
    # attempt started at. None: the steps are matched[0], matched[1], ... in order.
    steps: dict[int, int] | None = None
    start: int = 0


def step_event(attempt: _Attempt, k: int) -> int | None:
    """The event index that filled 0-based step k of an ordered attempt, None if none."""
    if attempt.steps is not None:
        return attempt.steps.get(k)
    return attempt.matched[k] if k < len(attempt.matched) else None


class Properties:
    """Property values as text, looked up by input row."""

    def __init__(self, table: EventTable) -> None:
        self._table = table
        self._columns: dict[str, list[Any] | None] = {}

    def text(self, name: str, row: int) -> str | None:
        if name not in self._columns:
            present = name in self._table.properties.column_names
            self._columns[name] = self._table.properties[name].to_pylist() if present else None
        column = self._columns[name]
        if column is None:
            return None
        return _as_text(column[row])


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.match(text) else None


def filter_holds(flt: Filter, value: str | None) -> bool:
    """§2: one `where` filter against a property's text (None = missing)."""
    op = flt.op
    if op == "is_set":
        return value is not None
    if op == "not_set":
        return value is None
    if value is None:
        # A missing property fails every op but neq, not_in and not_set.
        return op in ("neq", "not_in")
    if op == "eq":
        return value == _as_text(flt.value)
    if op == "neq":
        return value != _as_text(flt.value)
    if op in ("in", "not_in"):
        assert isinstance(flt.value, tuple)
        inside = value in [_as_text(v) for v in flt.value]
        return inside if op == "in" else not inside
    if op == "contains":
        text = _as_text(flt.value)
        assert text is not None
        return text in value  # case-sensitive substring
    if op in ("gt", "lt"):
        number = _number(value)
        if number is None:
            return False
        assert isinstance(flt.value, int | float)
        return number > flt.value if op == "gt" else number < flt.value
    raise ValueError(f"unknown filter op {op!r}")


def event_matches(matcher: EventMatcher, event: RefEvent, props: Properties) -> bool:
    """§2: the name is one of the matcher's events (OR) and every filter holds (AND)."""
    if event.name not in matcher.events:
        return False
    return all(filter_holds(f, props.text(f.property, event.row)) for f in matcher.where)


def _kept_rows(
    table: EventTable, definition: FunnelDefinition, props: Properties
) -> list[tuple[str, int, RefEvent]]:
    """(actor id, session code, event) of every row the funnel-wide filters keep (§18:
    the others are as if they were not in the data)."""
    out = []
    for pos in range(len(table)):
        event = RefEvent(
            name=table.event_names[int(table.event[pos])],
            time=int(table.time[pos]),
            row=int(table.row[pos]),
        )
        if not all(filter_holds(f, props.text(f.property, event.row)) for f in definition.filters):
            continue
        actor_id = str(table.actor_ids[int(table.actor[pos])].as_py())
        session = -1 if table.session is None else int(table.session[pos])
        out.append((actor_id, session, event))
    return out


def unit_events(table: EventTable, definition: FunnelDefinition) -> dict[UnitKey, list[RefEvent]]:
    """Every unit's events in the order of §1 (after the funnel-wide filters, §18)."""
    return _units(table, definition, Properties(table))


def _units(
    table: EventTable, definition: FunnelDefinition, props: Properties
) -> dict[UnitKey, list[RefEvent]]:
    """Every unit's events in the order of §1: by time, ties in input (file) order."""
    by_session = definition.unit == "session"
    if by_session and definition.inactivity_ns is None and table.session is None:
        raise ValueError("a session funnel needs a session column")
    units: dict[UnitKey, list[RefEvent]] = {}
    for actor_id, session, event in _kept_rows(table, definition, props):
        if by_session and definition.inactivity_ns is None:
            if session < 0:
                continue  # a row with no session belongs to no session unit
            units.setdefault((actor_id, session), []).append(event)
        else:
            units.setdefault((actor_id, None), []).append(event)
    for events in units.values():
        events.sort(key=lambda e: (e.time, e.row))  # not relying on the table's own sort
    if by_session and definition.inactivity_ns is not None:
        return _inactivity_sessions(units, definition.inactivity_ns)
    return units


def _inactivity_sessions(
    actors: dict[UnitKey, list[RefEvent]], timeout: int
) -> dict[UnitKey, list[RefEvent]]:
    """§20: a new session whenever the gap to the actor's previous event is greater than
    the timeout (a gap equal to it stays in the session); sessions numbered 0, 1, ..."""
    units: dict[UnitKey, list[RefEvent]] = {}
    for (actor_id, _), events in actors.items():
        number = 0
        for i, event in enumerate(events):
            if i > 0 and event.time - events[i - 1].time > timeout:
                number += 1
            units.setdefault((actor_id, number), []).append(event)
    return units


def _held(events: list[RefEvent], definition: FunnelDefinition, props: Properties) -> list[Any]:
    """§17: per event, the texts of the held properties (None when one is missing)."""
    out: list[Any] = []
    for event in events:
        values = tuple(props.text(name, event.row) for name in definition.hold)
        out.append(None if any(v is None for v in values) else values)
    return out


def _ordered_attempt(
    events: list[RefEvent],
    start: int,
    definition: FunnelDefinition,
    step_match: list[list[bool]],
    held: list[Any],
) -> list[int]:
    """§3.1 / §3.2: the events an attempt starting at `start` matches, step 1 first.
    With properties held (§17), a later step's event must carry the step-1 event's
    values; any other event is passed over (strict: it is "something else")."""
    strict = definition.order == "strict"
    window_end = events[start].time + definition.window_ns
    matched = [start]
    for k in range(1, definition.n_steps):
        step = definition.steps[k]
        prev = matched[-1]
        prev_time = events[prev].time
        found = None
        # Strict: only the very next event of the unit may fill the step.
        candidates = range(prev + 1, min(prev + 2, len(events)) if strict else len(events))
        for j in candidates:
            far_enough = step.min_gap_ns is None or events[j].time - prev_time >= step.min_gap_ns
            same_values = not definition.hold or held[j] == held[start]
            if step_match[j][k] and far_enough and same_values:
                found = j
                break
        if found is None:
            break
        if events[found].time > window_end:  # window end inclusive
            break
        if step.max_gap_ns is not None and events[found].time - prev_time > step.max_gap_ns:
            break
        matched.append(found)
    return matched


def _ordered_void(
    events: list[RefEvent],
    matched: list[int],
    definition: FunnelDefinition,
    exclusion_match: list[list[bool]],
) -> bool:
    """§4: an exclusion event after the step-a event and before the step-b event
    (or, when step b was not reached, up to the end of the window)."""
    return _void(events, _Attempt(matched, False, len(matched)), definition, exclusion_match)


def _void(
    events: list[RefEvent],
    attempt: _Attempt,
    definition: FunnelDefinition,
    exclusion_match: list[list[bool]],
) -> bool:
    """§4 (with §15: a step jumped over, or before an open attempt's entry, was not
    reached)."""
    window_end = events[attempt.matched[0]].time + definition.window_ns
    for x, exclusion in enumerate(definition.exclusions):
        a, b = exclusion.between
        event_a, event_b = step_event(attempt, a - 1), step_event(attempt, b - 1)
        if event_a is None:
            continue  # never reached step a: this exclusion cannot void it
        for j in range(event_a + 1, len(events)):
            if not exclusion_match[j][x]:
                continue
            if event_b is not None:
                if j < event_b:
                    return True
            elif events[j].time <= window_end:
                return True
    return False


def _any_order_attempt(
    events: list[RefEvent],
    start: int,
    definition: FunnelDefinition,
    step_match: list[list[bool]],
    exclusion_match: list[list[bool]],
    held: list[Any],
) -> _Attempt:
    """§3.3: level = distinct steps with a matching event from e itself on (§1 order) up
    to t(e) + window (with properties held, §17: carrying e's values)."""
    t0 = events[start].time
    window_end = t0 + definition.window_ns
    level = 0
    done: list[int] = []
    for k in range(definition.n_steps):
        # From e on in row order: an event at the same instant but earlier in the file
        # does not count (§3.3).
        times = [
            events[j].time
            for j in range(start, len(events))
            if step_match[j][k]
            and events[j].time <= window_end
            and (not definition.hold or held[j] == held[start])
        ]
        if times:
            level += 1
            done.append(min(times))
    void = any(
        any(exclusion_match[j]) and events[j].time <= window_end
        for j in range(start + 1, len(events))  # after e in row order, whatever `between`
    )
    return _Attempt(matched=[start], void=void, level=level, done_times=tuple(sorted(done)))


def _attempts(
    events: list[RefEvent], definition: FunnelDefinition, props: Properties
) -> list[_Attempt]:
    """Every attempt of one unit, in order of its entry event."""
    step_match = [[event_matches(s.matcher, e, props) for s in definition.steps] for e in events]
    exclusion_match = [
        [event_matches(x.matcher, e, props) for x in definition.exclusions] for e in events
    ]
    held = _held(events, definition, props)
    date_range = definition.date_range
    attempts: list[_Attempt] = []
    for i, event in enumerate(events):
        if date_range is not None and not date_range.contains(event.time):
            continue  # §2: the date range bounds entry only
        if definition.hold and held[i] is None:
            continue  # §17: a step-1 event missing a held property starts no attempt
        if definition.open or any(s.optional for s in definition.steps):
            from tests.reference_flexible import flexible_attempts

            attempts += flexible_attempts(events, i, definition, step_match, held)
        elif definition.order == "any":
            if any(step_match[i]):
                attempts.append(
                    _any_order_attempt(events, i, definition, step_match, exclusion_match, held)
                )
        elif step_match[i][0]:
            matched = _ordered_attempt(events, i, definition, step_match, held)
            void = _ordered_void(events, matched, definition, exclusion_match)
            attempts.append(_Attempt(matched=matched, void=void, level=len(matched)))
    for attempt in attempts:
        if attempt.steps is not None:
            attempt.void = _void(events, attempt, definition, exclusion_match)
    return attempts


def _breakdown(
    events: list[RefEvent],
    attempt: _Attempt,
    definition: FunnelDefinition,
    props: Properties,
) -> str | tuple[str, ...] | None:
    """§5: the property's text on the attributed event of the reported attempt."""
    breakdown = definition.breakdown
    if breakdown is None:
        return None
    attribution = breakdown.attribution
    any_order = definition.order == "any"
    index: int | None
    if attribution == "first_step":
        index = attempt.matched[0]  # §15: an open attempt's entry event
    elif attribution == "last_step":
        # Any order has no per-step events: e stands for every step (see _any_order_attempt).
        index = attempt.matched[0] if any_order else step_event(attempt, attempt.level - 1)
    else:
        n = breakdown.step_number()
        if n is None:
            raise ValueError(f"unknown attribution {attribution!r}")
        if any_order:
            index = None if attempt.level < n else attempt.matched[0]
        else:
            index = step_event(attempt, n - 1)  # §15: a step jumped over was not reached
    # §18: one event supplies every property's value; never reaching N, every one is
    # "(not reached)".
    values = []
    for name in breakdown.names():
        value = NOT_REACHED if index is None else props.text(name, events[index].row)
        values.append(NO_VALUE if value is None else value)
    return tuple(values) if breakdown.is_list() else values[0]


def _unit_result(
    events: list[RefEvent],
    attempts: list[_Attempt],
    definition: FunnelDefinition,
    props: Properties,
    last_time: int,
) -> RefUnit:
    n = definition.n_steps
    clean = [a for a in attempts if not a.void]
    if not clean:
        return RefUnit(0, True, False, (None,) * n, None)
    return _attempt_result(events, reported_of(clean), definition, props, last_time)


def reported_of(clean: list[_Attempt]) -> _Attempt:
    """§3.4: the earliest attempt reaching the furthest step; §15, open funnels: the
    highest last step, then the lower start step, then the earlier entry event."""
    best = max((a.level, -a.start) for a in clean)
    return next(a for a in clean if (a.level, -a.start) == best)  # in entry order


def _attempt_result(
    events: list[RefEvent],
    reported: _Attempt,
    definition: FunnelDefinition,
    props: Properties,
    last_time: int,
) -> RefUnit:
    """What one attempt (a unit's reported one, or a counted one, §16) gives."""
    n = definition.n_steps
    furthest = reported.level
    if definition.order == "any":
        # No per-step timings (§3.3); the entry event e stands as the step-1 event.
        times: list[int | None] = [events[reported.matched[0]].time]
        reached: list[int | None] = list(reported.done_times)
    else:
        times = [
            None if (i := step_event(reported, k)) is None else events[i].time for k in range(n)
        ]
        while times and times[-1] is None:
            times.pop()
        reached = list(times)
    times += [None] * (n - len(times))
    reached += [None] * (n - len(reached))
    window_end = events[reported.matched[0]].time + definition.window_ns
    still_open = furthest < n and window_end > last_time
    return RefUnit(
        furthest=furthest,
        excluded=False,
        still_open=still_open,
        step_times=tuple(times),
        breakdown=_breakdown(events, reported, definition, props),
        entry_row=events[reported.matched[0]].row,
        reached_times=tuple(reached),
        entry_step=reported.start + 1,
    )


def _counted(
    events: list[RefEvent], attempts: list[_Attempt], definition: FunnelDefinition
) -> list[_Attempt]:
    """§16: attempts in time order; one counts when its step-1 event comes after the end
    of the last counted one (its last-step event, later in §1 order, when it reached the
    last step; else strictly after its window's end instant). Void ones neither count
    nor block."""
    counted: list[_Attempt] = []
    for attempt in attempts:  # already in order of their step-1 events
        if attempt.void:
            continue
        if counted:
            last = counted[-1]
            start = attempt.matched[0]
            if last.level == definition.n_steps:
                if start <= last.matched[-1]:
                    continue
            elif events[start].time <= events[last.matched[0]].time + definition.window_ns:
                continue
        counted.append(attempt)
    return counted


def _hold_missing(table: EventTable, definition: FunnelDefinition, props: Properties) -> int | None:
    """§17: the events matching any step (§2) that lack at least one held property,
    among the events the funnel analyses (a session funnel leaves out events without a
    session)."""
    if not definition.hold:
        return None
    return sum(
        1
        for events in _units(table, definition, props).values()
        for event in events
        if any(event_matches(s.matcher, event, props) for s in definition.steps)
        and any(props.text(name, event.row) is None for name in definition.hold)
    )


def reference_compute(table: EventTable, definition: FunnelDefinition) -> RefResult:
    """Each unit's furthest step, reported attempt, breakdown and openness, and the counts.
    Counting attempts (§16), each counted attempt is a "unit" of its own."""
    props = Properties(table)
    kept = _kept_rows(table, definition, props)
    # §7: over the whole table; §18: over the events the funnel-wide filters keep.
    last_time = max((e.time for _, _, e in kept), default=0)
    units: dict[UnitKey, RefUnit] = {}
    for key, events in _units(table, definition, props).items():
        attempts = _attempts(events, definition, props)
        if not attempts:
            continue
        if definition.count != "totals":
            units[key] = _unit_result(events, attempts, definition, props, last_time)
            continue
        counted = _counted(events, attempts, definition)
        if not counted:
            units[(*key, None)] = _unit_result(events, attempts, definition, props, last_time)
        for number, attempt in enumerate(counted):
            units[(*key, number)] = _attempt_result(events, attempt, definition, props, last_time)
    counts = [
        sum(1 for u in units.values() if not u.excluded and u.furthest >= k)
        for k in range(1, definition.n_steps + 1)
    ]
    for k, step in enumerate(definition.steps):
        if step.optional:  # §15: the units whose reported attempt matched it
            counts[k] = sum(1 for u in units.values() if u.step_times[k] is not None)
    return RefResult(
        units=units,
        counts=counts,
        entered=len(units),
        excluded=sum(1 for u in units.values() if u.excluded),
        hold_missing=_hold_missing(table, definition, props),
    )
