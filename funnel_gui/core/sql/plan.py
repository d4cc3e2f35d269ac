"""What the SQL compiler knows besides the definition: the table's columns, the
properties the funnel reads (each a short alias), and helpers every CTE shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition
from funnel_gui.core.engine.micro_macro import micro_matchers
from funnel_gui.core.sql.predicates import matcher_properties
from funnel_gui.core.sql.source import ColumnMap

# Windows and gaps are capped so `time + window` stays inside int64 for any time before
# 2116; no two events of real data lie further apart, so the cap changes no number.
CAP_NS = 2**62


@dataclass(frozen=True)
class Plan:
    """What the compiler needs besides the definition: the table's columns."""

    definition: FunnelDefinition
    columns: ColumnMap
    present: frozenset[str]  # the columns the relation has (missing properties are NULL)
    props: dict[str, str] = field(default_factory=dict)  # property name -> base alias

    @property
    def key(self) -> list[str]:
        return ["a", "s"] if self.definition.unit == "session" else ["a"]

    @property
    def window(self) -> int:
        return min(self.definition.window_ns, CAP_NS)

    def micro(self) -> list[tuple[int, str, EventMatcher]]:
        """(index, label, matcher) of the micro conversions that are compared (§9)."""
        found = micro_matchers(self.definition)
        return [(i, label, m) for i, (label, m, on_path) in enumerate(found) if not on_path]


def make_plan(defn: FunnelDefinition, columns: ColumnMap, present: frozenset[str]) -> Plan:
    matchers = [s.matcher for s in defn.steps] + [x.matcher for x in defn.exclusions]
    matchers += [m for _, m, _ in micro_matchers(defn)]
    names = matcher_properties(matchers)
    if defn.breakdown is not None:
        names += [n for n in defn.breakdown.names() if n not in names]
    return Plan(defn, columns, present, {n: f"p{i}" for i, n in enumerate(names)})


def window_frame(plan: Plan, frame: str, order: str = "q") -> str:
    """A window over the unit's rows in `order`, with `frame`."""
    return f"OVER (PARTITION BY {', '.join(plan.key)} ORDER BY {order} {frame})".replace(" )", ")")


def prop_alias(plan: Plan) -> Callable[[str], str]:
    """A property's column alias in the CTEs (p0, p1, ...)."""
    return lambda name: plan.props[name]
