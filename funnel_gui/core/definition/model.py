"""FunnelDefinition: what a funnel is (FUNNEL_SEMANTICS §2), as immutable values.

Reading and writing the `*.funnel.json` file format (§11) lives in
`funnel_gui.core.definition.file` (`load_funnel`, `save_funnel`), which builds on this
module; this one holds only the model and its rules, and imports nothing of the format.
All durations are integer nanoseconds, like the event table's times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FilterOp = Literal["eq", "neq", "in", "not_in", "contains", "gt", "lt", "is_set", "not_set"]
FILTER_OPS: tuple[FilterOp, ...] = (
    "eq",
    "neq",
    "in",
    "not_in",
    "contains",
    "gt",
    "lt",
    "is_set",
    "not_set",
)
Order = Literal["sequential", "strict", "any"]
Unit = Literal["actor", "session"]
Kind = Literal["micro", "macro"]
Count = Literal["uniques", "totals"]

NS_PER_SECOND = 1_000_000_000
DEFAULT_WINDOW_NS = 7 * 86_400 * NS_PER_SECOND
MAX_STEPS = 20
MAX_BREAKDOWN_PROPERTIES = 3  # §18


@dataclass(frozen=True)
class Filter:
    """A `where` condition on an event property (§2).

    `value` is text for eq/neq/contains, a tuple of texts for in/not_in, a number for
    gt/lt and None for is_set/not_set. A missing property fails every op but neq,
    not_in and not_set; values compare as text except for gt/lt.
    """

    property: str
    op: FilterOp
    value: str | float | tuple[str, ...] | None = None


@dataclass(frozen=True)
class EventMatcher:
    """Matches an event whose name is one of `events` and for which every filter holds."""

    events: tuple[str, ...]
    where: tuple[Filter, ...] = ()


class _NamedMatcher:
    """What steps and extra micro conversions share: events + filters, and a label."""

    events: tuple[str, ...]
    where: tuple[Filter, ...]
    label: str

    @property
    def matcher(self) -> EventMatcher:
        return EventMatcher(self.events, self.where)

    @property
    def display_label(self) -> str:
        return self.label or " or ".join(self.events)


@dataclass(frozen=True)
class Step(_NamedMatcher):
    events: tuple[str, ...]
    label: str = ""
    kind: Kind = "micro"
    where: tuple[Filter, ...] = ()
    max_gap_ns: int | None = None  # from the previous step's matched event
    min_gap_ns: int | None = None
    optional: bool = False  # §15: attempts may jump over it (not step 1, not the last)


@dataclass(frozen=True)
class Exclusion:
    events: tuple[str, ...]
    between: tuple[int, int]  # 1-based step numbers a < b
    where: tuple[Filter, ...] = ()

    @property
    def matcher(self) -> EventMatcher:
        return EventMatcher(self.events, self.where)


@dataclass(frozen=True)
class Breakdown:
    """§5, §18: the property (or properties) whose value on one event of the reported
    attempt puts a unit in a group.

    `properties` is set when the funnel names its breakdown as a list (`properties` in
    the file, one to three names; `property` is then the first of them): groups are then
    combinations and their values lists, even for one name. Build it with `several`.
    """

    property: str
    attribution: str = "first_step"  # "first_step", "last_step" or "step_N" (1-based N)
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.properties and self.properties[0] != self.property:
            raise ValueError("Breakdown.property must be the first of its properties")

    @classmethod
    def several(cls, names: tuple[str, ...], attribution: str = "first_step") -> Breakdown:
        """The list form of §18 (values are lists, also for one name)."""
        if not names:
            raise ValueError("a breakdown needs at least one property")
        return cls(names[0], attribution, tuple(names))

    def names(self) -> tuple[str, ...]:
        """Every property the groups combine, in order."""
        return self.properties or (self.property,)

    def is_list(self) -> bool:
        """Whether group values are lists of values (§18) rather than one value."""
        return bool(self.properties)

    def step_number(self) -> int | None:
        """N for "step_N" attribution, else None. (A method: `property` is a field here.)"""
        return breakdown_step(self.attribution)


@dataclass(frozen=True)
class DateRange:
    """Bounds the step-1 event only (§2): `start_ns` inclusive, `end_ns` exclusive."""

    start_ns: int | None = None
    end_ns: int | None = None

    def contains(self, ns: int) -> bool:
        return (self.start_ns is None or ns >= self.start_ns) and (
            self.end_ns is None or ns < self.end_ns
        )


@dataclass(frozen=True)
class MicroConversion(_NamedMatcher):
    """An extra event matcher analysed by §9 but not part of the funnel's steps."""

    events: tuple[str, ...]
    label: str = ""
    where: tuple[Filter, ...] = ()


DEFAULT_LANDMARK_NS = 86_400 * NS_PER_SECOND


@dataclass(frozen=True)
class DriversSettings:
    """§12: the observation period [t1 − lookback, t1 + landmark) and the properties
    whose values on the step-1 event the adjusted comparison is stratified by."""

    landmark_ns: int = DEFAULT_LANDMARK_NS
    lookback_ns: int = 0
    adjust_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunnelDefinition:
    steps: tuple[Step, ...]
    name: str = ""
    order: Order = "sequential"
    window_ns: int = DEFAULT_WINDOW_NS
    unit: Unit = "actor"
    exclusions: tuple[Exclusion, ...] = ()
    breakdown: Breakdown | None = None
    date_range: DateRange | None = None
    micro_conversions: tuple[MicroConversion, ...] = field(default=())
    drivers: DriversSettings = field(default=DriversSettings())
    # §16: "uniques" counts units (§3.4); "totals" counts attempts (sequential, strict).
    count: Count = "uniques"
    # §17: properties whose step-1 values every later step's event must carry.
    hold: tuple[str, ...] = ()
    # §18: event filters applied to the whole table before anything else.
    filters: tuple[Filter, ...] = ()
    # §20: a new session after a gap longer than this (session unit only).
    inactivity_ns: int | None = None
    # §15: an event matching any step starts an attempt there (sequential only).
    open: bool = False

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    @property
    def has_optional(self) -> bool:
        return any(s.optional for s in self.steps)


TOTALS_ORDERS: tuple[Order, ...] = ("sequential", "strict")


def totals_problem(count: Count, order: Order) -> str | None:
    """Why `count` cannot go with `order` (§16: attempts are counted in ordered funnels
    only; in any order every matching event is an attempt), or None."""
    if count == "totals" and order not in TOTALS_ORDERS:
        return (
            'counting attempts ("count": "totals") works with sequential and strict funnels '
            f'only, not with order "{order}": count people or sessions instead'
        )
    return None


def optional_step_problem(index: int, n_steps: int, order: Order) -> str | None:
    """Why step `index` (0-based) cannot be optional (§15), or None."""
    if index == 0:
        return "step 1 cannot be optional: every attempt starts there"
    if index == n_steps - 1:
        return "the last step cannot be optional: it is where the funnel ends"
    if order == "any":
        return 'optional steps work in sequential and strict funnels only, not in order "any"'
    return None


def shape_problem(defn: FunnelDefinition) -> str | None:
    """Why optional steps or an open funnel (§15) cannot go with the rest of `defn`, or
    None. The counting rules define neither attempts counted one by one (§16) nor held
    values (§17) for an open funnel, and §16 leaves optional steps out too."""
    for i, step in enumerate(defn.steps):
        if step.optional:
            problem = optional_step_problem(i, defn.n_steps, defn.order)
            if problem is not None:
                return problem
    if defn.open:
        problem = open_problem(defn.order)
        if problem is not None:
            return problem
        if defn.hold:
            return "an open funnel cannot hold properties constant: it has no one step-1 event"
    if defn.count == "totals" and (defn.open or defn.has_optional):
        what = "an open funnel" if defn.open else "optional steps"
        return (
            f'counting attempts ("count": "totals") does not work with {what}: '
            "count people or sessions instead"
        )
    return None


def open_problem(order: Order) -> str | None:
    """Why a funnel of `order` cannot be open (§15: sequential only), or None."""
    if order != "sequential":
        return f'an open funnel works with sequential order only, not with order "{order}"'
    return None


def default_kinds(n_steps: int) -> tuple[Kind, ...]:
    """§2: by default the last step is macro, the others micro."""
    return tuple("macro" if i == n_steps - 1 else "micro" for i in range(n_steps))


def macro_step(defn: FunnelDefinition) -> int:
    """1-based M, the step every view calls macro (§2, §9): the last step marked macro,
    else the last step (the §2 default, which also holds after the macro step is
    deleted). Cards, tables, charts and analyses all read it from here, so they agree."""
    macros = [i for i, s in enumerate(defn.steps, 1) if s.kind == "macro"]
    return macros[-1] if macros else defn.n_steps


def shown_kinds(steps: tuple[Step, ...]) -> tuple[Kind, ...]:
    """Each step's kind as the views show it: the marked kinds, with the last step macro
    when no step is marked macro (§2), so a funnel always shows its macro step M."""
    kinds = tuple(s.kind for s in steps)
    if "macro" in kinds or not kinds:
        return kinds
    return (*kinds[:-1], "macro")


def keeps_macro(steps: tuple[Step, ...], index: int) -> bool:
    """True when step `index` (0-based) is the funnel's only macro step and the last one:
    marking it micro would change nothing shown (§2 makes the last step macro again), so
    the editor does not offer it; mark another step macro instead."""
    kinds = shown_kinds(steps)
    return index == len(steps) - 1 and kinds.count("macro") == 1 and kinds[index] == "macro"


def breakdown_step(attribution: str) -> int | None:
    """N for "step_N" attribution, else None."""
    if attribution.startswith("step_"):
        return int(attribution[5:])
    return None
