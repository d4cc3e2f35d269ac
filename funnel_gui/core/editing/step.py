"""Commands that edit one step's own fields: its events, label, kind, filters and gaps.

The other steps, the exclusions and the breakdown stay as they are. Import these from
`funnel_gui.core.editing.commands`.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, replace

from funnel_gui.core.definition.durations import format_duration
from funnel_gui.core.definition.model import FILTER_OPS, Filter, FunnelDefinition, Kind, Step
from funnel_gui.core.editing.base import (
    ChangeEvent,
    Command,
    EditError,
    StepChanged,
    check_events,
    quote,
    step_at,
    step_name,
)


@dataclass(frozen=True)
class _StepEdit(Command):
    """An edit of one step's own fields; the other steps and the links stay as they are."""

    index: int

    @abstractmethod
    def edit(self, step: Step) -> Step: ...

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step = step_at(defn, self.index)
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
        check_events((self.event,))
        if self.event in step.events:
            return step
        events = list(step.events)
        events.insert(len(events) if self.position is None else self.position, self.event)
        return replace(step, events=tuple(events))

    def inverse(self, before: FunnelDefinition) -> Command:
        if self.event in step_at(before, self.index).events:
            return self  # a no-op; removing the event would undo more than was done
        return RemoveStepEvent(self.index, self.event)

    def text(self, before: FunnelDefinition) -> str:
        return f"Add {quote(self.event)} to step {step_name(before, self.index)}"


@dataclass(frozen=True)
class RemoveStepEvent(_StepEdit):
    event: str

    def edit(self, step: Step) -> Step:
        if self.event not in step.events:
            return step
        if len(step.events) == 1:
            raise EditError(
                f"{quote(self.event)} is the only event of step {quote(step.display_label)}; "
                "a step needs at least one event, so remove the step instead"
            )
        return replace(step, events=tuple(e for e in step.events if e != self.event))

    def inverse(self, before: FunnelDefinition) -> Command:
        events = step_at(before, self.index).events
        if self.event not in events:
            return self  # a no-op, undone by itself
        return AddStepEvent(self.index, self.event, events.index(self.event))

    def text(self, before: FunnelDefinition) -> str:
        return f"Remove {quote(self.event)} from step {step_name(before, self.index)}"


@dataclass(frozen=True)
class RenameStep(_StepEdit):
    """Set a step's label; "" goes back to the default label (its events joined by "or")."""

    label: str

    def edit(self, step: Step) -> Step:
        return replace(step, label=self.label)

    def inverse(self, before: FunnelDefinition) -> Command:
        return RenameStep(self.index, step_at(before, self.index).label)

    def text(self, before: FunnelDefinition) -> str:
        new = self.edit(step_at(before, self.index)).display_label
        return f"Rename step {step_name(before, self.index)} to {quote(new)}"


@dataclass(frozen=True)
class SetStepKind(_StepEdit):
    kind: Kind

    def edit(self, step: Step) -> Step:
        if self.kind not in ("micro", "macro"):
            raise EditError(f"{self.kind!r} is not a kind; a step is micro or macro")
        return replace(step, kind=self.kind)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetStepKind(self.index, step_at(before, self.index).kind)

    def text(self, before: FunnelDefinition) -> str:
        return f"Mark {step_name(before, self.index)} as {self.kind}"


@dataclass(frozen=True)
class SetStepFilters(_StepEdit):
    where: tuple[Filter, ...]

    def edit(self, step: Step) -> Step:
        for flt in self.where:
            if not flt.property or flt.op not in FILTER_OPS:
                raise EditError(f"{flt} is not a filter: it needs a property and a known op")
        return replace(step, where=self.where)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetStepFilters(self.index, step_at(before, self.index).where)

    def text(self, before: FunnelDefinition) -> str:
        verb = "Set" if self.where else "Clear"
        return f"{verb} filters of step {step_name(before, self.index)}"


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
        step = step_at(before, self.index)
        return SetStepGaps(self.index, step.min_gap_ns, step.max_gap_ns)

    def text(self, before: FunnelDefinition) -> str:
        verb = "Clear" if self.min_gap_ns is None and self.max_gap_ns is None else "Set"
        return f"{verb} time limits of step {step_name(before, self.index)}"
