"""Commands that change the list of steps: insert, remove, move, replace the funnel.

Exclusions' `between` and a `step_N` breakdown name steps by number, so these commands
renumber them to follow their steps (StepLinks).
Import these from `funnel_gui.core.editing.commands`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from funnel_gui.core.definition.model import Breakdown, Exclusion, FunnelDefinition, Kind, Step
from funnel_gui.core.editing.base import (
    ChangeEvent,
    Command,
    EditError,
    Replaced,
    SettingsChanged,
    StepChanged,
    StepMoved,
    StepsInserted,
    StepsRemoved,
    attribution_step,
    check_events,
    check_step_count,
    quote,
    step_at,
    step_name,
)


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
        name = quote(" or ".join(exclusion.events))
        if na is None or nb is None or na == nb:
            notes.append(f"drops exclusion {name}")
            continue
        between = (min(na, nb), max(na, nb))
        if lost_end:
            notes.append(f"exclusion {name} now between steps {between[0]} and {between[1]}")
        kept.append(replace(exclusion, between=between))
    breakdown = defn.breakdown
    number = attribution_step(breakdown)
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


def _with_kinds(steps: tuple[Step, ...], kinds: tuple[Kind, ...] | None) -> tuple[Step, ...]:
    if kinds is None:
        return steps
    if len(kinds) != len(steps) or not all(k in ("micro", "macro") for k in kinds):
        raise EditError(f"{kinds!r} are not the kinds (micro or macro) of {len(steps)} steps")
    return tuple(replace(s, kind=k) for s, k in zip(steps, kinds, strict=True))


def _kinds_of(defn: FunnelDefinition) -> tuple[Kind, ...]:
    return tuple(step.kind for step in defn.steps)


def _kind_events(
    before: FunnelDefinition, after: FunnelDefinition, new_number: Sequence[int | None]
) -> tuple[ChangeEvent, ...]:
    """StepChanged for each step that stayed in the funnel but changed kind."""
    return tuple(
        StepChanged(number - 1)
        for old, number in zip(before.steps, new_number, strict=True)
        if number is not None and after.steps[number - 1].kind != old.kind
    )


@dataclass(frozen=True)
class InsertStep(Command):
    """Insert `step` so that it becomes step `index` (0-based). `links` and `kinds`, when
    given, replace the exclusions and breakdown and every step's kind afterwards: how a
    removal is undone exactly, and how an appended step takes the macro role over from the
    last step in the same command (`insert_new_step`)."""

    index: int
    step: Step
    links: StepLinks | None = None
    kinds: tuple[Kind, ...] | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        n = len(defn.steps)
        check_step_count(n + 1)
        if not 0 <= self.index <= n:
            raise EditError(f"cannot insert at position {self.index + 1} of a {n}-step funnel")
        check_events(self.step.events)
        steps = (*defn.steps[: self.index], self.step, *defn.steps[self.index :])
        steps = _with_kinds(steps, self.kinds)
        return _structural(defn, steps, self._new_numbers(n), self.links)

    def _new_numbers(self, n: int) -> list[int | None]:
        return [k + 1 if k > self.index else k for k in range(1, n + 1)]

    def inverse(self, before: FunnelDefinition) -> Command:
        kinds = None if self.kinds is None else _kinds_of(before)
        return RemoveStep(self.index, StepLinks.of(before), kinds)

    def text(self, before: FunnelDefinition) -> str:
        notes = ("now the macro step",) if self._takes_macro(before) else ()
        return _with_notes(f"Add step {quote(self.step.display_label)}", notes)

    def _takes_macro(self, before: FunnelDefinition) -> bool:
        """True when the new step is macro and a step that was macro becomes micro."""
        kinds = self.kinds
        if kinds is None or len(kinds) != len(before.steps) + 1 or kinds[self.index] != "macro":
            return False
        others = zip(before.steps, (*kinds[: self.index], *kinds[self.index + 1 :]), strict=True)
        return any(s.kind == "macro" and k == "micro" for s, k in others)

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        kind_events = _kind_events(before, after, self._new_numbers(len(before.steps)))
        return (StepsInserted(self.index), *kind_events, *_links_event(before, after))


@dataclass(frozen=True)
class RemoveStep(Command):
    """Remove step `index` (0-based); `links` and `kinds` as for InsertStep (how an
    insertion, and a takeover of the macro role with it, is undone exactly)."""

    index: int
    links: StepLinks | None = None
    kinds: tuple[Kind, ...] | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step_at(defn, self.index)
        steps = (*defn.steps[: self.index], *defn.steps[self.index + 1 :])
        steps = _with_kinds(steps, self.kinds)
        return _structural(defn, steps, self._new_numbers(len(defn.steps)), self.links)

    def _new_numbers(self, n: int) -> list[int | None]:
        removed = self.index + 1
        return [None if k == removed else k - (k > removed) for k in range(1, n + 1)]

    def inverse(self, before: FunnelDefinition) -> Command:
        kinds = None if self.kinds is None else _kinds_of(before)
        return InsertStep(self.index, step_at(before, self.index), StepLinks.of(before), kinds)

    def text(self, before: FunnelDefinition) -> str:
        notes = _follow_steps(before, self._new_numbers(len(before.steps)))[1]
        return _with_notes(f"Remove step {step_name(before, self.index)}", notes)

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        kind_events = _kind_events(before, after, self._new_numbers(len(before.steps)))
        return (StepsRemoved(self.index), *kind_events, *_links_event(before, after))


@dataclass(frozen=True)
class MoveStep(Command):
    """Move step `source` so that its index afterwards is `destination` (both 0-based)."""

    source: int
    destination: int
    links: StepLinks | None = None

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step = step_at(defn, self.source)
        step_at(defn, self.destination)
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
        name = step_name(before, self.source)
        if self.destination == self.source - 1:
            return f"Move step {name} up"
        if self.destination == self.source + 1:
            return f"Move step {name} down"
        return f"Move step {name} to position {self.destination + 1}"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepMoved(self.source, self.destination), *_links_event(before, after))


@dataclass(frozen=True)
class ReplaceFunnel(Command):
    """Swap in a whole definition (a template, a pasted funnel) as one undoable step."""

    definition: FunnelDefinition

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        check_step_count(len(self.definition.steps))
        return self.definition

    def inverse(self, before: FunnelDefinition) -> Command:
        return ReplaceFunnel(before)

    def text(self, before: FunnelDefinition) -> str:
        name = self.definition.name
        return f"Replace funnel with {quote(name)}" if name else "Replace funnel"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (Replaced(),)


# ------------------------------------------------------------------ new steps


def kind_for_new_step(defn: FunnelDefinition, index: int) -> Kind:
    """The kind of a step the user adds at `index` (§2: by default the last step is macro,
    the others micro).

    Macro when it becomes the last step and either no step is macro yet (the first step of
    an empty funnel) or the current last step is the only macro: then the new step takes
    the macro role over, so dropping view, cart, purchase in order ends with purchase as
    the macro and no extra clicks. Micro everywhere else: inserted between steps, or
    appended to a funnel whose macro steps the user placed elsewhere or marked several.
    """
    appended = index == len(defn.steps)
    has_macro = any(step.kind == "macro" for step in defn.steps)
    return "macro" if appended and (not has_macro or _takes_over_macro(defn, index)) else "micro"


def _takes_over_macro(defn: FunnelDefinition, index: int) -> bool:
    """True when a step added at `index` is appended and the last step is the only macro."""
    macros = [i for i, step in enumerate(defn.steps) if step.kind == "macro"]
    return index == len(defn.steps) and macros == [len(defn.steps) - 1]


def new_step(defn: FunnelDefinition, index: int, events: Iterable[str]) -> Step:
    """The step a drop of `events` at `index` creates: one step, any of the events, of
    `kind_for_new_step`'s kind. Insert it with `insert_new_step`, which also makes the old
    last step micro when this one takes the macro role over from it."""
    names = tuple(dict.fromkeys(events))  # repeats dropped, order kept
    return Step(events=names, kind=kind_for_new_step(defn, index))


def insert_new_step(defn: FunnelDefinition, index: int, events: Iterable[str]) -> InsertStep:
    """The command a drop of `events` at `index` makes: inserts `new_step(...)`, and when
    that step takes the macro role over from the last step, makes that step micro in the
    same command, so one undo restores both. Other steps' kinds never change."""
    step = new_step(defn, index, events)
    if not _takes_over_macro(defn, index):
        return InsertStep(index, step)
    kinds: tuple[Kind, ...] = (*(s.kind for s in defn.steps[:-1]), "micro", "macro")
    return InsertStep(index, step, kinds=kinds)


def remove_step(defn: FunnelDefinition, index: int) -> RemoveStep:
    """The command that removes step `index` (0-based). When it is the only macro step,
    the new last step takes the macro role in the same command (§2's default), so the
    cards, the tables and every analysis keep agreeing on M and one undo restores both."""
    macros = [i for i, step in enumerate(defn.steps) if step.kind == "macro"]
    if macros != [index] or len(defn.steps) < 2:
        return RemoveStep(index)
    rest = [step.kind for i, step in enumerate(defn.steps) if i != index]
    kinds: tuple[Kind, ...] = (*rest[:-1], "macro")
    return RemoveStep(index, kinds=kinds)
