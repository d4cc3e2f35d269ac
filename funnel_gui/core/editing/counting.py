"""The command that changes how a funnel counts (FUNNEL_SEMANTICS §16–§20): the unit, people
or attempts, the properties held constant, the funnel-wide filters and sessions from
inactivity. Import it from `funnel_gui.core.editing.commands`.

One command for all of them, with only the given ones touched, so that a change that
needs two of them (counting sessions on data without a session column also makes
sessions from inactivity) is one undo entry, and every combination is checked against
the whole definition it would make: the engine refuses some (attempts in any order), and
the editor refuses them first, with the engine's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from funnel_gui.core.definition.durations import format_duration
from funnel_gui.core.definition.model import (
    FILTER_OPS,
    NS_PER_SECOND,
    Count,
    Filter,
    FunnelDefinition,
    Unit,
    totals_problem,
)
from funnel_gui.core.editing.base import Command, EditError, quote
from funnel_gui.core.editing.settings import KEEP, _Keep

_FIELDS = ("unit", "count", "hold", "filters", "inactivity_ns")
UNIT_WORDS = {
    ("actor", "uniques"): "people",
    ("session", "uniques"): "sessions",
    ("actor", "totals"): "attempts",
    ("session", "totals"): "attempts within sessions",
}


@dataclass(frozen=True)
class SetCounting(Command):
    """`SetCounting(count="totals")`, `SetCounting(hold=("device",))`, …"""

    unit: Unit | _Keep = KEEP
    count: Count | _Keep = KEEP
    hold: tuple[str, ...] | _Keep = KEEP
    filters: tuple[Filter, ...] | _Keep = KEEP
    inactivity_ns: int | _Keep | None = KEEP

    def _given(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in _FIELDS if getattr(self, f) is not KEEP}

    def apply(self, defn: FunnelDefinition) -> FunnelDefinition:
        after = replace(defn, **self._given())  # type: ignore[arg-type]
        check_counting(after)
        return after

    def inverse(self, before: FunnelDefinition) -> Command:
        return SetCounting(**{f: getattr(before, f) for f in self._given()})

    def text(self, before: FunnelDefinition) -> str:
        given = self._given()
        if set(given) <= {"unit", "count", "inactivity_ns"} and given.keys() & {"unit", "count"}:
            unit = given.get("unit", before.unit)
            count = given.get("count", before.count)
            return f"Count {UNIT_WORDS[(str(unit), str(count))]}"
        if len(given) != 1:
            return "Change how the funnel counts"
        if isinstance(self.hold, tuple):
            names = ", ".join(quote(p) for p in self.hold)
            return f"Hold {names} constant" if self.hold else "Stop holding properties constant"
        if isinstance(self.filters, tuple):
            return "Set funnel filters" if self.filters else "Clear funnel filters"
        if isinstance(self.inactivity_ns, int):
            return f"Sessions after {format_duration(self.inactivity_ns)} inactive"
        return "Use the data's own sessions"


def check_counting(defn: FunnelDefinition) -> None:
    """EditError (the engine's words where it has them) for counting options that do
    not go together or are malformed."""
    problem = totals_problem(defn.count, defn.order)
    if problem is not None:
        raise EditError(problem)
    if any(not name for name in defn.hold):
        raise EditError("a property to hold constant needs a name")
    if len(set(defn.hold)) != len(defn.hold):
        raise EditError("hold each property constant once")
    for flt in defn.filters:
        if not flt.property or flt.op not in FILTER_OPS:
            raise EditError(f"{flt} is not a filter: it needs a property and a known op")
    if defn.inactivity_ns is not None and defn.inactivity_ns < NS_PER_SECOND:
        raise EditError("the inactivity timeout must be at least 1 second, such as 30m")
