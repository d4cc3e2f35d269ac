"""Commands that change funnel-wide settings, the exclusions and the micro conversions.

Import these from `funnel_gui.core.editing.commands`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Literal, TypeVar

from funnel_gui.core.definition.durations import format_duration
from funnel_gui.core.definition.model import (
    MAX_BREAKDOWN_PROPERTIES,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    DriversSettings,
    Exclusion,
    FunnelDefinition,
    MicroConversion,
    Order,
    Unit,
    totals_problem,
)
from funnel_gui.core.editing.base import Command, EditError, attribution_step, check_events, quote


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
        after = replace(defn, **self._given())  # type: ignore[arg-type]
        problem = totals_problem(after.count, after.order)  # §16: any order counts no attempts
        if problem is not None and self.order is not KEEP:
            raise EditError(problem)
        return after

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
            return f"Rename funnel to {quote(self.name)}"
        if isinstance(self.window_ns, int):
            return f"Set conversion window to {format_duration(self.window_ns)}"
        if isinstance(self.breakdown, Breakdown):
            return f"Break down by {', '.join(quote(p) for p in self.breakdown.names())}"
        if self.date_range is not KEEP:
            return "Set date range" if self.date_range is not None else "Clear date range"
        if self.order is not KEEP:
            return f"Set step order to {quote(self.order)}"
        if self.unit is not KEEP:
            return f"Count by {self.unit}"
        return "Remove breakdown"


@dataclass(frozen=True)
class SetExclusions(Command):
    exclusions: tuple[Exclusion, ...]

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        n = len(defn.steps)
        for exclusion in self.exclusions:
            check_events(exclusion.events)
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
        """`Exclude "refund"` when one exclusion is added, removed or edited; else general."""
        name = _one_item_text(
            before.exclusions,
            self.exclusions,
            lambda exclusion: " or ".join(exclusion.events),
            {"add": "Exclude {}", "remove": "Remove exclusion {}", "edit": "Edit exclusion {}"},
        )
        if name is not None:
            return name
        return "Edit exclusions" if self.exclusions else "Remove all exclusions"


@dataclass(frozen=True)
class SetMicroConversions(Command):
    micro_conversions: tuple[MicroConversion, ...]

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        for micro in self.micro_conversions:
            check_events(micro.events)
        return replace(defn, micro_conversions=self.micro_conversions)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetMicroConversions(before.micro_conversions)

    def text(self, before: FunnelDefinition) -> str:
        """`Add micro-conversion "newsletter_signup"` for a one-item change; else general."""
        name = _one_item_text(
            before.micro_conversions,
            self.micro_conversions,
            lambda micro: micro.display_label,
            {
                "add": "Add micro-conversion {}",
                "remove": "Remove micro-conversion {}",
                "edit": "Edit micro-conversion {}",
            },
        )
        return name if name is not None else "Edit micro-conversions"


@dataclass(frozen=True)
class SetDriversSettings(Command):
    """Replace the funnel's Drivers settings (§12: landmark, lookback, adjust for); they
    are saved in the funnel file, so changing them is an edit like any other."""

    settings: DriversSettings

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        s = self.settings
        if s.landmark_ns <= 0:
            raise EditError("the landmark must be a positive duration, such as 1d or 2h")
        if s.lookback_ns < 0:
            raise EditError("the lookback cannot be negative; use 0s to look from entry on")
        if len(set(s.adjust_for)) != len(s.adjust_for):
            raise EditError("adjust for each property once")
        return replace(defn, drivers=s)

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetDriversSettings(before.drivers)

    def text(self, before: FunnelDefinition) -> str:
        old, new = before.drivers, self.settings
        if (old.landmark_ns, old.lookback_ns) == (new.landmark_ns, new.lookback_ns):
            if not new.adjust_for:
                return "Drivers: adjust for nothing"
            return f"Drivers: adjust for {', '.join(quote(p) for p in new.adjust_for)}"
        if old.landmark_ns != new.landmark_ns and old.lookback_ns == new.lookback_ns:
            return f"Drivers: landmark {format_duration(new.landmark_ns)}"
        if old.landmark_ns == new.landmark_ns:
            return f"Drivers: lookback {format_duration(new.lookback_ns)}"
        return "Change Drivers settings"


_Item = TypeVar("_Item")
Change = Literal["add", "remove", "edit"]


def one_item_change(
    before: tuple[_Item, ...], after: tuple[_Item, ...]
) -> tuple[Change, _Item] | None:
    """How `after` differs from `before` when it is by exactly one item: ("add", the new
    item), ("remove", the removed one) or ("edit", the changed one's new value); else None."""
    if len(after) == len(before) + 1:
        added = [i for i in range(len(after)) if after[:i] + after[i + 1 :] == before]
        return ("add", after[added[0]]) if added else None
    if len(after) == len(before) - 1:
        removed = [i for i in range(len(before)) if before[:i] + before[i + 1 :] == after]
        return ("remove", before[removed[0]]) if removed else None
    if len(after) == len(before):
        changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        return ("edit", after[changed[0]]) if len(changed) == 1 else None
    return None


def _one_item_text(
    before: tuple[_Item, ...],
    after: tuple[_Item, ...],
    name_of: Callable[[_Item], str],
    templates: dict[Change, str],
) -> str | None:
    change = one_item_change(before, after)
    if change is None:
        return None
    verb, item = change
    return templates[verb].format(quote(name_of(item)))


def _check_breakdown(breakdown: Breakdown, n_steps: int) -> None:
    if not all(breakdown.names()):
        raise EditError("a breakdown needs a property name")
    if len(breakdown.names()) > MAX_BREAKDOWN_PROPERTIES:
        raise EditError(f"break down by at most {MAX_BREAKDOWN_PROPERTIES} properties")
    if len(set(breakdown.names())) != len(breakdown.names()):
        raise EditError("break down by each property once")
    if breakdown.attribution in ("first_step", "last_step"):
        return
    number = attribution_step(breakdown)
    if number is None or not 1 <= number <= n_steps:
        raise EditError(
            f"{breakdown.attribution!r} is not an attribution; use first_step, last_step "
            f"or step_N with N from 1 to {n_steps}"
        )
