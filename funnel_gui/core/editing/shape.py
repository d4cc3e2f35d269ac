"""Commands for optional steps and open funnels (FUNNEL_SEMANTICS §15): mark a step
optional, open or close the funnel. Import these from `funnel_gui.core.editing.commands`.

Only turning them on is checked (step 1, the last step and any order cannot have an
optional step; only a sequential funnel opens): turning one off is always allowed, so a
funnel left invalid by a later edit (a step moved to the end) can be mended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from funnel_gui.core.definition.model import (
    FunnelDefinition,
    open_problem,
    optional_step_problem,
)
from funnel_gui.core.editing.base import (
    ChangeEvent,
    Command,
    EditError,
    StepChanged,
    step_at,
    step_name,
)


@dataclass(frozen=True)
class SetStepOptional(Command):
    """§15: attempts may jump over step `index` (or no longer)."""

    index: int
    optional: bool

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        step = step_at(defn, self.index)
        if step.optional == self.optional:
            return defn
        if self.optional:
            problem = optional_step_problem(self.index, defn.n_steps, defn.order)
            if problem is not None:
                raise EditError(problem)
        new = replace(step, optional=self.optional)
        return replace(defn, steps=(*defn.steps[: self.index], new, *defn.steps[self.index + 1 :]))

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetStepOptional(self.index, step_at(before, self.index).optional)

    def text(self, before: FunnelDefinition) -> str:
        word = "optional" if self.optional else "required"
        return f"Make step {step_name(before, self.index)} {word}"

    def changes(self, before: FunnelDefinition, after: FunnelDefinition) -> tuple[ChangeEvent, ...]:
        return (StepChanged(self.index),)


@dataclass(frozen=True)
class SetOpenFunnel(Command):
    """§15: an event matching any step starts an attempt there (or only step 1 does)."""

    open: bool

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        if self.open and not defn.open:
            problem = open_problem(defn.order)
            if problem is None and defn.hold:
                problem = "an open funnel cannot hold properties constant"
            if problem is None and defn.count == "totals":
                problem = "an open funnel counts people or sessions, not attempts"
            if problem is not None:
                raise EditError(problem)
        return replace(defn, open=self.open)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetOpenFunnel(before.open)

    def text(self, before: FunnelDefinition) -> str:
        return "Open the funnel" if self.open else "Close the funnel"
