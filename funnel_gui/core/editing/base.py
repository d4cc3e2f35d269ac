"""What every funnel edit builds on: the FunnelDocument, its change events, the Command
base class, EditError, and the checks and names the command modules share.

The concrete commands live in `step_list`, `step` and `settings`; import
everything from `funnel_gui.core.editing.commands`. This module imports none of them, so there is
no import cycle.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from funnel_gui.core.definition.model import (
    MAX_STEPS,
    Breakdown,
    FunnelDefinition,
    Step,
    breakdown_step,
)
from funnel_gui.core.errors import UserFacingError


class EditError(UserFacingError, ValueError):
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
        check_step_count(len(definition.steps))
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


# ------------------------------------------------------------------ shared helpers


def step_at(defn: FunnelDefinition, index: int) -> Step:
    if not 0 <= index < len(defn.steps):
        raise EditError(f"there is no step {index + 1}; the funnel has {len(defn.steps)}")
    return defn.steps[index]


def step_name(defn: FunnelDefinition, index: int) -> str:
    return quote(step_at(defn, index).display_label)


def quote(text: str) -> str:
    return f'"{text}"'


def check_step_count(n: int) -> None:
    if n > MAX_STEPS:
        raise EditError(f"a funnel has at most {MAX_STEPS} steps; remove one before adding another")


def check_events(events: Sequence[str]) -> None:
    if not events or not all(isinstance(e, str) and e for e in events):
        raise EditError("an event matcher needs at least one non-empty event name")


def attribution_step(breakdown: Breakdown | None) -> int | None:
    """N of a "step_N" breakdown; None for other attributions and malformed ones."""
    try:
        return breakdown_step(breakdown.attribution) if breakdown is not None else None
    except ValueError:
        return None
