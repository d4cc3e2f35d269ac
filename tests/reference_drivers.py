"""A deliberately plain reference for Drivers (FUNNEL_SEMANTICS §12).

Per-unit Python loops written straight from the text, for small tables only, on top of
tests/reference_engine.py (which gives each unit's furthest step and reported attempt).
The statistics are written out with textbook formulas (Wilson, Newcombe, the pooled z
test, Mantel–Haenszel with the Greenland–Robins variance, Cochran–Mantel–Haenszel,
Benjamini–Hochberg); nothing here imports the code under test.

Where §12 is silent this follows the design decisions of the Drivers core:
* the observation period is by time, [t1 − lookback, t1 + landmark): an event at the same
  instant as the step-1 event but earlier in file order is in it; only the step-1 event's
  own row never counts;
* "the 10 most frequent candidate names" are the non-step names done in their period by
  the most *eligible* entrants (ties: in the table's catalog order);
* a property's "20 most frequent values" are by row count in the whole table (ties: in
  order of the text), for properties with 2 to 50 distinct text values;
* q-values are over the candidates shown (baseline excluded);
* with no `adjust_for` there is no adjusted comparison;
* a stratum is the combination of the `adjust_for` values on the step-1 event (a missing
  value is a group of its own) × the activity bin (0, 1–2, 3–5, 6–10, >10) of the unit's
  events in the period other than the step-1 event and the candidate's own matching
  events (for "E at least k times", every E event of the unit, exposed or not).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from statistics import NormalDist

from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition
from funnel_gui.core.events import EventTable
from tests.reference_engine import (
    Properties,
    RefEvent,
    UnitKey,
    event_matches,
    reference_compute,
    unit_events,
)

MIN_GROUP = 30  # §12 support
MIN_CONVERSIONS = 5  # §12 "too few to judge"
TOP_NAMES = 10
REPEATS = (2, 3)
MAX_DISTINCT = 50
TOP_VALUES = 20
Z95 = NormalDist().inv_cdf(0.975)

Stratum = tuple[tuple[str | None, ...], int]  # (adjust_for values, activity bin)


@dataclass(frozen=True)
class RefCandidate:
    """One §12 candidate (or the baseline): which events are its own, and how many make
    a unit exposed."""

    kind: str  # "baseline", "event", "repeat", "property", "matcher"
    event: str | None = None
    min_count: int = 1
    property_name: str | None = None
    value: str | None = None
    matcher: EventMatcher | None = None  # kind "matcher" only

    @property
    def key(self) -> tuple[str, str | None, int, str | None, str | None]:
        """What identifies the candidate in the core's result as well."""
        return (self.kind, self.event, self.min_count, self.property_name, self.value)


BASELINE = RefCandidate("baseline")


def event_candidate(name: str) -> RefCandidate:
    return RefCandidate("event", event=name)


def repeat_candidate(name: str, k: int) -> RefCandidate:
    return RefCandidate("repeat", event=name, min_count=k)


def property_candidate(name: str, prop: str, value: str) -> RefCandidate:
    return RefCandidate("property", event=name, property_name=prop, value=value)


def matcher_candidate(matcher: EventMatcher) -> RefCandidate:
    return RefCandidate("matcher", event=" or ".join(matcher.events), matcher=matcher)


@dataclass(frozen=True)
class RefEntrant:
    """A non-excluded unit (§12 "Entrants") and what it did in its observation period."""

    key: UnitKey
    t1: int
    entry_row: int
    converted: bool  # Y: furthest step >= M
    converted_before_landmark: bool
    window_closed: bool
    period: tuple[RefEvent, ...]  # the period's events, the step-1 event left out
    base: tuple[str | None, ...]  # the adjust_for values on the step-1 event

    @property
    def eligible(self) -> bool:
        return not self.converted_before_landmark and self.window_closed


@dataclass(frozen=True)
class Counts:
    """A 2×2 table: x1 of n1 exposed converted, x0 of n0 unexposed."""

    x1: int
    n1: int
    x0: int
    n0: int


@dataclass(frozen=True)
class RefComparison:
    diff: float
    ci: tuple[float, float]
    p: float
    informative_share: float | None = None  # adjusted only


def activity_bin(n: int) -> int:
    """§12 activity level: 0, 1–2, 3–5, 6–10, >10 events."""
    if n == 0:
        return 0
    if n <= 2:
        return 1
    if n <= 5:
        return 2
    if n <= 10:
        return 3
    return 4


def macro_step_of(definition: FunnelDefinition) -> int:
    """M: the last step marked macro, else the last step."""
    macros = [i for i, s in enumerate(definition.steps, 1) if s.kind == "macro"]
    return macros[-1] if macros else definition.n_steps


class RefDrivers:
    """§12 on one table and definition, unit by unit."""

    def __init__(
        self,
        table: EventTable,
        definition: FunnelDefinition,
        *,
        landmark: int,
        lookback: int,
        adjust_for: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.table = table
        self.definition = definition
        self.adjust_for = tuple(adjust_for)
        self.props = Properties(table)
        last_time = max(int(t) for t in table.time)
        m = macro_step_of(definition)
        computed = reference_compute(table, definition)
        events_of = unit_events(table, definition)
        self.entrants: list[RefEntrant] = []
        for key, unit in computed.units.items():
            if unit.excluded:
                continue
            assert unit.entry_row is not None
            events = events_of[key]
            entry = next(e for e in events if e.row == unit.entry_row)
            t1 = entry.time
            converted = unit.furthest >= m
            reached_m = unit.reached_times[m - 1]
            assert converted == (reached_m is not None)
            period = tuple(
                e for e in events if t1 - lookback <= e.time < t1 + landmark and e.row != entry.row
            )
            self.entrants.append(
                RefEntrant(
                    key=key,
                    t1=t1,
                    entry_row=entry.row,
                    converted=converted,
                    converted_before_landmark=reached_m is not None and reached_m < t1 + landmark,
                    window_closed=t1 + definition.window_ns <= last_time,
                    period=period,
                    base=tuple(self.props.text(p, entry.row) for p in self.adjust_for),
                )
            )
        self.eligible = [u for u in self.entrants if u.eligible]
        self._own: dict[RefCandidate, list[int]] = {}  # per candidate, per entrant
        self._index = {u.key: i for i, u in enumerate(self.entrants)}
        # Left out: a unit failing both tests counts as converted before the landmark.
        self.left_out_converted_before_landmark = sum(
            1 for u in self.entrants if u.converted_before_landmark
        )
        self.left_out_still_open = sum(
            1 for u in self.entrants if not u.converted_before_landmark and not u.window_closed
        )

    # ------------------------------------------------------------------ exposure

    def is_own(self, candidate: RefCandidate, event: RefEvent) -> bool:
        """Whether `event` is one of the candidate's own events."""
        if candidate.kind == "baseline":
            return True
        if candidate.kind in ("event", "repeat"):
            return event.name == candidate.event
        if candidate.kind == "property":
            assert candidate.property_name is not None
            return (
                event.name == candidate.event
                and self.props.text(candidate.property_name, event.row) == candidate.value
            )
        assert candidate.kind == "matcher"
        assert candidate.matcher is not None
        return event_matches(candidate.matcher, event, self.props)

    def own(self, candidate: RefCandidate, unit: RefEntrant) -> int:
        """How many of the unit's period events are the candidate's own."""
        if candidate not in self._own:  # remembered: the statistics ask again and again
            self._own[candidate] = [
                sum(1 for e in u.period if self.is_own(candidate, e)) for u in self.entrants
            ]
        return self._own[candidate][self._index[unit.key]]

    def exposed(self, candidate: RefCandidate, unit: RefEntrant) -> bool:
        return self.own(candidate, unit) >= candidate.min_count

    def counts(self, candidate: RefCandidate) -> Counts:
        x1 = n1 = x0 = n0 = 0
        for unit in self.eligible:
            if self.exposed(candidate, unit):
                n1 += 1
                x1 += unit.converted
            else:
                n0 += 1
                x0 += unit.converted
        return Counts(x1, n1, x0, n0)

    def stratum(self, candidate: RefCandidate, unit: RefEntrant) -> Stratum:
        others = len(unit.period) - self.own(candidate, unit)
        return (unit.base, activity_bin(others))

    def strata(self, candidate: RefCandidate) -> dict[Stratum, Counts]:
        """Per stratum, the 2×2 table of the eligible units in it."""
        cells: dict[Stratum, list[int]] = {}
        for unit in self.eligible:
            cell = cells.setdefault(self.stratum(candidate, unit), [0, 0, 0, 0])
            if self.exposed(candidate, unit):
                cell[0] += unit.converted
                cell[1] += 1
            else:
                cell[2] += unit.converted
                cell[3] += 1
        return {s: Counts(*c) for s, c in cells.items()}

    # ---------------------------------------------------------------- candidates

    def step_names(self) -> set[str]:
        return {name for step in self.definition.steps for name in step.events}

    def candidate_names(self) -> list[str]:
        """(a): every event name of the table that is not an event of any step."""
        steps = self.step_names()
        return [name for name in self.table.event_names if name not in steps]

    def top_names(self) -> list[str]:
        """The (at most) 10 candidate names done by the most eligible entrants."""
        reach = {
            name: sum(1 for u in self.eligible if any(e.name == name for e in u.period))
            for name in self.candidate_names()
        }
        ranked = sorted((n for n in reach if reach[n] > 0), key=lambda n: -reach[n])
        return ranked[:TOP_NAMES]

    def property_values(self) -> dict[str, list[str]]:
        """(c): per property with 2 to 50 distinct values, its 20 most frequent by rows."""
        out: dict[str, list[str]] = {}
        rows = [int(r) for r in self.table.row]
        for prop in self.table.property_names:
            freq = Counter(self.props.text(prop, r) for r in rows)
            freq.pop(None, None)
            if not 2 <= len(freq) <= MAX_DISTINCT:
                continue
            ranked = sorted(freq, key=lambda v: (-freq[v], v))
            out[prop] = [v for v in ranked[:TOP_VALUES] if v is not None]
        return out

    def candidates(self) -> list[RefCandidate]:
        """Every candidate of §12 (a)–(d), baseline first."""
        out = [BASELINE]
        out += [event_candidate(n) for n in self.candidate_names()]
        top = self.top_names()
        out += [repeat_candidate(n, k) for k in REPEATS for n in top]
        for prop, values in self.property_values().items():
            out += [property_candidate(n, prop, v) for n in top for v in values]
        out += [matcher_candidate(mc.matcher) for mc in self.definition.micro_conversions]
        return out

    def shown(self) -> list[RefCandidate]:
        """The baseline and the candidates with >= 30 exposed and >= 30 unexposed."""
        out = [BASELINE]
        for c in self.candidates()[1:]:
            t = self.counts(c)
            if t.n1 >= MIN_GROUP and t.n0 >= MIN_GROUP:
                out.append(c)
        return out

    # ---------------------------------------------------------------- statistics

    def raw(self, candidate: RefCandidate) -> RefComparison:
        t = self.counts(candidate)
        return raw_comparison(t)

    def adjusted(self, candidate: RefCandidate) -> RefComparison | None:
        if not self.adjust_for:
            return None
        return mantel_haenszel(list(self.strata(candidate).values()))

    def at_stake(self, candidate: RefCandidate) -> float:
        """max(0, lower bound of the adjusted (else raw) difference) × unexposed; an
        undefined adjusted difference (no informative stratum) puts nothing at stake."""
        adj = self.adjusted(candidate)
        low = adj.ci[0] if adj is not None else self.raw(candidate).ci[0]
        return max(0.0, 0.0 if math.isnan(low) else low) * self.counts(candidate).n0


# -------------------------------------------------------------- plain formulas


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def raw_comparison(t: Counts) -> RefComparison:
    """Difference of rates, Newcombe's hybrid score interval (method 10), pooled z test."""
    if t.n1 == 0 or t.n0 == 0:
        return RefComparison(math.nan, (math.nan, math.nan), math.nan)
    p1, p0 = t.x1 / t.n1, t.x0 / t.n0
    d = p1 - p0
    l1, u1 = wilson(t.x1, t.n1)
    l0, u0 = wilson(t.x0, t.n0)
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    pooled = (t.x1 + t.x0) / (t.n1 + t.n0)
    if pooled in (0.0, 1.0):
        p = 1.0
    else:
        se = math.sqrt(pooled * (1 - pooled) * (1 / t.n1 + 1 / t.n0))
        p = math.erfc(abs(d / se) / math.sqrt(2))
    return RefComparison(d, (max(low, -1.0), min(high, 1.0)), p)


def mantel_haenszel(tables: list[Counts]) -> RefComparison:
    """MH risk difference (weights n1·n0/N) over the strata with both groups, the
    Greenland–Robins variance Σ w²(p1q1/n1 + p0q0/n0) / (Σw)², the CMH p-value."""
    total = sum(t.n1 + t.n0 for t in tables)
    both = [t for t in tables if t.n1 > 0 and t.n0 > 0]
    informative = sum(t.n1 + t.n0 for t in both)
    share = informative / total if total else math.nan
    if not both:
        return RefComparison(math.nan, (math.nan, math.nan), math.nan, share)
    sum_w = num_d = num_v = cmh_num = cmh_var = 0.0
    for t in both:
        n = t.n1 + t.n0
        w = t.n1 * t.n0 / n
        p1, p0 = t.x1 / t.n1, t.x0 / t.n0
        sum_w += w
        num_d += w * (p1 - p0)
        num_v += w * w * (p1 * (1 - p1) / t.n1 + p0 * (1 - p0) / t.n0)
        m1 = t.x1 + t.x0
        cmh_num += t.x1 - t.n1 * m1 / n
        cmh_var += t.n1 * t.n0 * m1 * (n - m1) / (n * n * (n - 1))
    d = num_d / sum_w
    half = Z95 * math.sqrt(num_v / sum_w**2)
    p = math.erfc(math.sqrt(cmh_num**2 / cmh_var / 2)) if cmh_var > 0 else 1.0
    return RefComparison(d, (max(d - half, -1.0), min(d + half, 1.0)), p, share)


def bh_q_values(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg: q(i) = min over j >= i (by rank) of p(j)·m/j, at most 1; nan
    p-values stay nan and do not count in m."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(tested)
    q = [math.nan] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = tested[rank - 1]
        running = min(running, p * m / rank)
        q[i] = running
    return q
