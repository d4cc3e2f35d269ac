"""Editing a funnel: the FunnelDocument and the undoable commands that change it.

The document is the editor's single source of truth (DESIGN.md, napari's evented list);
Qt models only listen to its change events. Every edit is a command value with `apply`
and `inverse` (glue's command pattern), so undo is applying the inverse.

An empty funnel (0 steps) is allowed here, unlike in a saved file (§2 needs 1 to 20):
the editor starts empty and the user drops the first event into it; saving checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from funnel_gui.core.definition import (
    FILTER_OPS,
    MAX_STEPS,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    Kind,
    MicroConversion,
    Order,
    Step,
    Unit,
    breakdown_step,
)
from funnel_gui.core.durations import format_duration


class EditError(ValueError):
    """An edit that would make the funnel invalid; the message is meant for a person."""


# ------------------------------------------------------------------ change events


@dataclass(frozen=True)
class StepsInserted:
    index: int


@dataclass(frozen=True)
class StepsRemoved:
    index: int


@dataclass(frozen=True)
class StepMoved:
    source: int
    destination: int  # the step's final index, not Qt's "insert before" row


@dataclass(frozen=True)
class StepChanged:
    index: int


@dataclass(frozen=True)
class SettingsChanged:
    """Anything but the list of steps: settings, exclusions, breakdown, micro conversions."""


@dataclass(frozen=True)
class Replaced:
    """The whole definition changed (a file was opened)."""


ChangeEvent = StepsInserted | StepsRemoved | StepMoved | StepChanged | SettingsChanged | Replaced
Listener = Callable[[ChangeEvent], None]


class FunnelDocument:
    """The funnel being edited, and who to tell when it changes."""

    def __init__(self, definition: FunnelDefinition | None = None) -> None:
        self._definition = definition if definition is not None else FunnelDefinition(steps=())
        self._listeners: list[Listener] = []

    @property
    def definition(self) -> FunnelDefinition:
        return self._definition

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def execute(self, command: Command) -> Command:
        """Apply `command`, tell the listeners, and return the command that undoes it.

        Raises EditError (and changes nothing) when the command does not fit the funnel.
        """
        before = self._definition
        after = command.apply(before)
        inverse = command.inverse(before)
        if after != before:
            self._definition = after
            for event in command.changes(before, after):
                self._notify(event)
        return inverse

    def reset(self, definition: FunnelDefinition) -> None:
        """Replace the definition outside undo (a file was opened and the stack cleared)."""
        _check_step_count(len(definition.steps))
        self._definition = definition
        self._notify(Replaced())

    def _notify(self, event: ChangeEvent) -> None:
        for listener in list(self._listeners):  # a listener may remove itself
            listener(event)


# ------------------------------------------------------------------ commands


class Command(ABC):
    """One undoable edit. Concrete commands are frozen dataclasses: plain values."""

    @abstractmethod
    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        """The edited definition; raises EditError when the edit does not fit."""

    @abstractmethod
    def inverse(self, before: FunnelDefinition) -> Command:
        """The command that turns `self.apply(before)` back into `before` exactly."""

    @abstractmethod
    def text(self, before: FunnelDefinition) -> str:
        """A readable name for menus and the undo history, e.g. `Add step "Cart"`."""

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (SettingsChanged(),)

    def is_noop(self, before: FunnelDefinition) -> bool:
        """True when applying changes nothing, so there is nothing worth an undo entry."""
        return self.apply(before) == before


@dataclass(frozen=True)
class StepLinks:
    """The parts of a definition that name steps by number (exclusions' `between`, the
    breakdown's `step_N`): structural edits renumber them so they follow their steps."""

    exclusions: tuple[Exclusion, ...]
    breakdown: Breakdown | None

    @classmethod
    def of(cls, defn: FunnelDefinition) -> StepLinks:
        return cls(defn.exclusions, defn.breakdown)


def _follow_steps(
    defn: FunnelDefinition, new_number: Sequence[int | None]
) -> tuple[StepLinks, tuple[str, ...]]:
    """`defn`'s links renumbered, and notes on what changed in meaning.

    `new_number[k - 1]` is where old step k ends up (1-based), None for the removed step.
    An exclusion keeps its two end steps; when one is removed, the interval shrinks to
    its neighbour inside, and the exclusion is dropped when no interval is left.
    """
    n = len(new_number)
    kept: list[Exclusion] = []
    notes: list[str] = []
    for exclusion in defn.exclusions:
        a, b = exclusion.between
        if not 1 <= a < b <= n:  # already invalid: left for the file checks to report
            kept.append(exclusion)
            continue
        na, nb = new_number[a - 1], new_number[b - 1]
        lost_end = na is None or nb is None
        na = new_number[a] if na is None else na  # step a + 1 exists since a < b
        nb = new_number[b - 2] if nb is None else nb
        name = _quote(" or ".join(exclusion.events))
        if na is None or nb is None or na == nb:
            notes.append(f"drops exclusion {name}")
            continue
        between = (min(na, nb), max(na, nb))
        if lost_end:
            notes.append(f"exclusion {name} now between steps {between[0]} and {between[1]}")
        kept.append(replace(exclusion, between=between))
    breakdown = defn.breakdown
    number = _attribution_step(breakdown)
    if breakdown is not None and number is not None and 1 <= number <= n:
        moved_to = new_number[number - 1]
        if moved_to is None:
            notes.append("breakdown now taken from the first step")
        attribution = "first_step" if moved_to is None else f"step_{moved_to}"
        breakdown = replace(breakdown, attribution=attribution)
    return StepLinks(tuple(kept), breakdown), tuple(notes)


def _structural(
    defn: FunnelDefinition,
    steps: tuple[Step, ...],
    new_number: Sequence[int | None],
    links: StepLinks | None,
) -> FunnelDefinition:
    followed = links if links is not None else _follow_steps(defn, new_number)[0]
    return replace(defn, steps=steps, exclusions=followed.exclusions, breakdown=followed.breakdown)


def _links_event(before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
    return () if StepLinks.of(before) == StepLinks.of(after) else (SettingsChanged(),)


def _with_notes(text: str, notes: Iterable[str]) -> str:
    notes = tuple(notes)
    return f"{text} ({'; '.join(notes)})" if notes else text


@dataclass(frozen=True)
class InsertStep(Command):
    """Insert `step` so that it becomes step `index` (0-based); `links`, when given,
    replace the exclusions and breakdown afterwards (how a removal is undone exactly)."""

    index: int
    step: Step
    links: StepLinks | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        n = len(defn.steps)
        _check_step_count(n + 1)
        if not 0 <= self.index <= n:
            raise EditError(f"cannot insert at position {self.index + 1} of a {n}-step funnel")
        _check_events(self.step.events)
        steps = (*defn.steps[: self.index], self.step, *defn.steps[self.index :])
        return _structural(defn, steps, self._new_numbers(n), self.links)

    def _new_numbers(self, n: int) -> list[int | None]:
        return [k + 1 if k > self.index else k for k in range(1, n + 1)]

    def inverse(self, before: FunnelDefinition) -> Command:
        return RemoveStep(self.index, StepLinks.of(before))

    def text(self, before: FunnelDefinition) -> str:
        return f"Add step {_quote(self.step.display_label)}"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepsInserted(self.index), *_links_event(before, after))


@dataclass(frozen=True)
class RemoveStep(Command):
    index: int
    links: StepLinks | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        _step_at(defn, self.index)
        steps = (*defn.steps[: self.index], *defn.steps[self.index + 1 :])
        return _structural(defn, steps, self._new_numbers(len(defn.steps)), self.links)

    def _new_numbers(self, n: int) -> list[int | None]:
        removed = self.index + 1
        return [None if k == removed else k - (k > removed) for k in range(1, n + 1)]

    def inverse(self, before: FunnelDefinition) -> Command:
        return InsertStep(self.index, _step_at(before, self.index), StepLinks.of(before))

    def text(self, before: FunnelDefinition) -> str:
        notes = _follow_steps(before, self._new_numbers(len(before.steps)))[1]
        return _with_notes(f"Remove step {_step_name(before, self.index)}", notes)

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepsRemoved(self.index), *_links_event(before, after))


@dataclass(frozen=True)
class MoveStep(Command):
    """Move step `source` so that its index afterwards is `destination` (both 0-based)."""

    source: int
    destination: int
    links: StepLinks | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step = _step_at(defn, self.source)
        _step_at(defn, self.destination)
        if self.source == self.destination:
            return defn
        rest = [s for i, s in enumerate(defn.steps) if i != self.source]
        rest.insert(self.destination, step)
        return _structural(defn, tuple(rest), self._new_numbers(len(defn.steps)), self.links)

    def _new_numbers(self, n: int) -> list[int | None]:
        order = list(range(n))
        order.insert(self.destination, order.pop(self.source))
        numbers: list[int | None] = [0] * n
        for position, old in enumerate(order):
            numbers[old] = position + 1
        return numbers

    def inverse(self, before: FunnelDefinition) -> Command:
        return MoveStep(self.destination, self.source, StepLinks.of(before))

    def text(self, before: FunnelDefinition) -> str:
        name = _step_name(before, self.source)
        if self.destination == self.source - 1:
            return f"Move step {name} up"
        if self.destination == self.source + 1:
            return f"Move step {name} down"
        return f"Move step {name} to position {self.destination + 1}"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepMoved(self.source, self.destination), *_links_event(before, after))


@dataclass(frozen=True)
class _StepEdit(Command):
    """An edit of one step's own fields; the other steps and the links stay as they are."""

    index: int

    @abstractmethod
    def edit(self, step: Step) -> Step: ...

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step = _step_at(defn, self.index)
        new = self.edit(step)
        if new == step:
            return defn
        steps = (*defn.steps[: self.index], new, *defn.steps[self.index + 1 :])
        return replace(defn, steps=steps)

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepChanged(self.index),)


@dataclass(frozen=True)
class AddStepEvent(_StepEdit):
    """Add `event` as an alternative ("any of") of a step; a no-op when already there.
    `position` places it in the step's list (undo of a removal), default last."""

    event: str
    position: int | None = None

    def edit(self, step: Step) -> Step:
        _check_events((self.event,))
        if self.event in step.events:
            return step
        events = list(step.events)
        events.insert(len(events) if self.position is None else self.position, self.event)
        return replace(step, events=tuple(events))

    def inverse(self, before: FunnelDefinition) -> Command:
        if self.event in _step_at(before, self.index).events:
            return self  # a no-op; removing the event would undo more than was done
        return RemoveStepEvent(self.index, self.event)

    def text(self, before: FunnelDefinition) -> str:
        return f"Add {_quote(self.event)} to step {_step_name(before, self.index)}"


@dataclass(frozen=True)
class RemoveStepEvent(_StepEdit):
    event: str

    def edit(self, step: Step) -> Step:
        if self.event not in step.events:
            return step
        if len(step.events) == 1:
            raise EditError(
                f"{_quote(self.event)} is the only event of step {_quote(step.display_label)}; "
                "a step needs at least one event, so remove the step instead"
            )
        return replace(step, events=tuple(e for e in step.events if e != self.event))

    def inverse(self, before: FunnelDefinition) -> Command:
        events = _step_at(before, self.index).events
        if self.event not in events:
            return self  # a no-op, undone by itself
        return AddStepEvent(self.index, self.event, events.index(self.event))

    def text(self, before: FunnelDefinition) -> str:
        return f"Remove {_quote(self.event)} from step {_step_name(before, self.index)}"


@dataclass(frozen=True)
class RenameStep(_StepEdit):
    """Set a step's label; "" goes back to the default label (its events joined by "or")."""

    label: str

    def edit(self, step: Step) -> Step:
        return replace(step, label=self.label)

    def inverse(self, before: FunnelDefinition) -> Command:
        return RenameStep(self.index, _step_at(before, self.index).label)

    def text(self, before: FunnelDefinition) -> str:
        new = self.edit(_step_at(before, self.index)).display_label
        return f"Rename step {_step_name(before, self.index)} to {_quote(new)}"


@dataclass(frozen=True)
class SetStepKind(_StepEdit):
    kind: Kind

    def edit(self, step: Step) -> Step:
        if self.kind not in ("micro", "macro"):
            raise EditError(f"{self.kind!r} is not a kind; a step is micro or macro")
        return replace(step, kind=self.kind)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetStepKind(self.index, _step_at(before, self.index).kind)

    def text(self, before: FunnelDefinition) -> str:
        return f"Mark {_step_name(before, self.index)} as {self.kind}"


@dataclass(frozen=True)
class SetStepFilters(_StepEdit):
    where: tuple[Filter, ...]

    def edit(self, step: Step) -> Step:
        for flt in self.where:
            if not flt.property or flt.op not in FILTER_OPS:
                raise EditError(f"{flt} is not a filter: it needs a property and a known op")
        return replace(step, where=self.where)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetStepFilters(self.index, _step_at(before, self.index).where)

    def text(self, before: FunnelDefinition) -> str:
        verb = "Set" if self.where else "Clear"
        return f"{verb} filters of step {_step_name(before, self.index)}"


@dataclass(frozen=True)
class SetStepGaps(_StepEdit):
    """Per-step time limits from the previous step's event (§2); None means no limit."""

    min_gap_ns: int | None
    max_gap_ns: int | None

    def edit(self, step: Step) -> Step:
        low, high = self.min_gap_ns, self.max_gap_ns
        if (low is not None and low < 0) or (high is not None and high <= 0):
            raise EditError("the minimum gap cannot be negative, the maximum must be above zero")
        if low is not None and high is not None and low > high:
            raise EditError(
                f"the minimum gap ({format_duration(low)}) is longer than the maximum "
                f"({format_duration(high)}); no event could satisfy both"
            )
        return replace(step, min_gap_ns=low, max_gap_ns=high)

    def inverse(self, before: FunnelDefinition) -> Command:
        step = _step_at(before, self.index)
        return SetStepGaps(self.index, step.min_gap_ns, step.max_gap_ns)

    def text(self, before: FunnelDefinition) -> str:
        verb = "Clear" if self.min_gap_ns is None and self.max_gap_ns is None else "Set"
        return f"{verb} time limits of step {_step_name(before, self.index)}"


class _Keep(Enum):
    """Marks a setting SetFunnelSettings leaves alone (None is a real value: "no breakdown")."""

    KEEP = "keep"


KEEP = _Keep.KEEP
_ORDERS: tuple[Order, ...] = ("sequential", "strict", "any")
_UNITS: tuple[Unit, ...] = ("actor", "session")


@dataclass(frozen=True)
class SetFunnelSettings(Command):
    """Change funnel-wide settings; only the ones given are touched:
    `SetFunnelSettings(order="strict", breakdown=None)`."""

    name: str | _Keep = KEEP
    order: Order | _Keep = KEEP
    window_ns: int | _Keep = KEEP
    unit: Unit | _Keep = KEEP
    breakdown: Breakdown | _Keep | None = KEEP
    date_range: DateRange | _Keep | None = KEEP

    def _given(self) -> dict[str, object]:
        fields = ("name", "order", "window_ns", "unit", "breakdown", "date_range")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not KEEP}

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        self._check(len(defn.steps))
        return replace(defn, **self._given())  # type: ignore[arg-type]

    def _check(self, n_steps: int) -> None:
        if self.order is not KEEP and self.order not in _ORDERS:
            raise EditError(f"{self.order!r} is not an order; use one of {', '.join(_ORDERS)}")
        if self.unit is not KEEP and self.unit not in _UNITS:
            raise EditError(f"{self.unit!r} is not a unit; use one of {', '.join(_UNITS)}")
        if not isinstance(self.window_ns, _Keep) and self.window_ns < NS_PER_SECOND:
            raise EditError("the conversion window must be at least 1 second")
        if isinstance(self.breakdown, Breakdown):
            _check_breakdown(self.breakdown, n_steps)
        dates = self.date_range
        start, end = (dates.start_ns, dates.end_ns) if isinstance(dates, DateRange) else (0, None)
        if start is not None and end is not None and start >= end:
            raise EditError("the date range ends before it starts")

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetFunnelSettings(**{f: getattr(before, f) for f in self._given()})

    def text(self, before: FunnelDefinition) -> str:
        given = self._given()
        if len(given) != 1:
            return "Change funnel settings"
        if isinstance(self.name, str):
            return f"Rename funnel to {_quote(self.name)}"
        if isinstance(self.window_ns, int):
            return f"Set conversion window to {format_duration(self.window_ns)}"
        if isinstance(self.breakdown, Breakdown):
            return f"Break down by {_quote(self.breakdown.property)}"
        if self.date_range is not KEEP:
            return "Set date range" if self.date_range is not None else "Clear date range"
        if self.order is not KEEP:
            return f"Set step order to {_quote(self.order)}"
        if self.unit is not KEEP:
            return f"Count by {self.unit}"
        return "Remove breakdown"


@dataclass(frozen=True)
class SetExclusions(Command):
    exclusions: tuple[Exclusion, ...]

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        n = len(defn.steps)
        for exclusion in self.exclusions:
            _check_events(exclusion.events)
            a, b = exclusion.between
            if not 1 <= a < b <= n:
                raise EditError(
                    f"an exclusion between steps {a} and {b} needs two step numbers "
                    f"1 ≤ a < b ≤ {n} (the number of steps)"
                )
        return replace(defn, exclusions=self.exclusions)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetExclusions(before.exclusions)

    def text(self, before: FunnelDefinition) -> str:
        return "Edit exclusions" if self.exclusions else "Remove all exclusions"


@dataclass(frozen=True)
class SetMicroConversions(Command):
    micro_conversions: tuple[MicroConversion, ...]

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        for micro in self.micro_conversions:
            _check_events(micro.events)
        return replace(defn, micro_conversions=self.micro_conversions)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetMicroConversions(before.micro_conversions)

    def text(self, before: FunnelDefinition) -> str:
        return "Edit micro conversions"


@dataclass(frozen=True)
class ReplaceFunnel(Command):
    """Swap in a whole definition (a template, a pasted funnel) as one undoable step."""

    definition: FunnelDefinition

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        _check_step_count(len(self.definition.steps))
        return self.definition

    def inverse(self, before: FunnelDefinition) -> Command:
        return ReplaceFunnel(before)

    def text(self, before: FunnelDefinition) -> str:
        name = self.definition.name
        return f"Replace funnel with {_quote(name)}" if name else "Replace funnel"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (Replaced(),)


# ------------------------------------------------------------------ helpers


def kind_for_new_step(defn: FunnelDefinition, index: int) -> Kind:
    """The kind of a step the user adds at `index`.

    Macro only when it becomes the last step and no step is macro yet (so the first step
    of an empty funnel, and each step appended to a funnel without a macro, is macro, as
    §2's default "the last step is macro" suggests); micro everywhere else. Other steps'
    kinds never change behind the user's back: they mark macros themselves.
    """
    appended = index == len(defn.steps)
    has_macro = any(step.kind == "macro" for step in defn.steps)
    return "macro" if appended and not has_macro else "micro"


def new_step(defn: FunnelDefinition, index: int, events: Iterable[str]) -> Step:
    """The step a drop of `events` at `index` creates: one step, any of the events."""
    names = tuple(dict.fromkeys(events))  # repeats dropped, order kept
    return Step(events=names, kind=kind_for_new_step(defn, index))


def _step_at(defn: FunnelDefinition, index: int) -> Step:
    if not 0 <= index < len(defn.steps):
        raise EditError(f"there is no step {index + 1}; the funnel has {len(defn.steps)}")
    return defn.steps[index]


def _step_name(defn: FunnelDefinition, index: int) -> str:
    return _quote(_step_at(defn, index).display_label)


def _quote(text: str) -> str:
    return f'"{text}"'


def _check_step_count(n: int) -> None:
    if n > MAX_STEPS:
        raise EditError(f"a funnel has at most {MAX_STEPS} steps; remove one before adding another")


def _check_events(events: Sequence[str]) -> None:
    if not events or not all(isinstance(e, str) and e for e in events):
        raise EditError("an event matcher needs at least one non-empty event name")


def _check_breakdown(breakdown: Breakdown, n_steps: int) -> None:
    if not breakdown.property:
        raise EditError("a breakdown needs a property name")
    if breakdown.attribution in ("first_step", "last_step"):
        return
    number = _attribution_step(breakdown)
    if number is None or not 1 <= number <= n_steps:
        raise EditError(
            f"{breakdown.attribution!r} is not an attribution; use first_step, last_step "
            f"or step_N with N from 1 to {n_steps}"
        )


def _attribution_step(breakdown: Breakdown | None) -> int | None:
    """N of a "step_N" breakdown; None for other attributions and malformed ones."""
    try:
        return breakdown_step(breakdown.attribution) if breakdown is not None else None
    except ValueError:
        return None
