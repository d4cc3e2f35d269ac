"""Renaming a funnel's events to another export's names (another site's export of the same
funnel: `add_to_cart` here, `addToCart` there). Which of the funnel's events the data
lacks, the closest names the data has (by name similarity, difflib), and the definition
with the names replaced everywhere they appear: steps, exclusions, micro conversions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from funnel_gui.core.definition.model import FunnelDefinition

MAX_SUGGESTIONS = 5
MIN_SIMILARITY = 0.5  # below this a name is no suggestion at all


def funnel_events(defn: FunnelDefinition) -> list[str]:
    """Every event name the funnel uses, in the order a person reads the funnel."""
    names: list[str] = []
    for step in defn.steps:
        names.extend(step.events)
    for exclusion in defn.exclusions:
        names.extend(exclusion.events)
    for micro in defn.micro_conversions:
        names.extend(micro.events)
    return list(dict.fromkeys(names))


def missing_events(defn: FunnelDefinition, available: Iterable[str]) -> list[str]:
    """The funnel's event names that the data does not have."""
    have = set(available)
    return [name for name in funnel_events(defn) if name not in have]


def _folded(name: str) -> str:
    """ "Add to Cart", "add_to_cart", "addToCart" all fold to "add to cart"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return " ".join(re.split(r"[\s_\-.:/]+", spaced.lower())).strip()


def suggestions(name: str, available: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The data's names most like `name`, best first: same words in another case or
    separator first, then by difflib's similarity ratio (at least MIN_SIMILARITY)."""
    target = _folded(name)
    scored = []
    for candidate in dict.fromkeys(available):
        ratio = difflib.SequenceMatcher(None, target, _folded(candidate)).ratio()
        if ratio >= MIN_SIMILARITY:
            scored.append((-ratio, candidate))
    scored.sort()
    return [candidate for _, candidate in scored[:limit]]


def suggested_map(defn: FunnelDefinition, available: Iterable[str]) -> dict[str, str | None]:
    """For each missing event, the best suggestion (None when nothing is close)."""
    names = list(available)
    return {
        missing: next(iter(suggestions(missing, names, 1)), None)
        for missing in missing_events(defn, names)
    }


def remap_events(defn: FunnelDefinition, mapping: Mapping[str, str]) -> FunnelDefinition:
    """`defn` with each event name in `mapping` replaced by its new name everywhere.
    A step that ends up naming one event twice keeps it once (§2: names are OR'd)."""

    def renamed(events: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(mapping.get(e, e) for e in events))

    return replace(
        defn,
        steps=tuple(replace(s, events=renamed(s.events)) for s in defn.steps),
        exclusions=tuple(replace(e, events=renamed(e.events)) for e in defn.exclusions),
        micro_conversions=tuple(
            replace(m, events=renamed(m.events)) for m in defn.micro_conversions
        ),
    )


def parse_map_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """ "old=new" pairs from the command line; ValueError with a message for a person."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise ValueError(f'--map-event "{pair}" is not OLD=NEW (e.g. add_to_cart=addToCart)')
        if old in mapping and mapping[old] != new:
            raise ValueError(f'--map-event gives "{old}" two new names: {mapping[old]}, {new}')
        mapping[old] = new
    return mapping


def check_map(defn: FunnelDefinition, mapping: Mapping[str, str], available: Iterable[str]) -> None:
    """Refuse a mapping to an event the data does not have, or from one the funnel does
    not use (a typo would otherwise do nothing, silently)."""
    have = list(available)
    used = set(funnel_events(defn))
    for old, new in mapping.items():
        if old not in used:
            raise ValueError(f'--map-event {old}={new}: the funnel has no event "{old}"')
        if new not in have:
            close = suggestions(new, have, 3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(f'--map-event {old}={new}: the data has no event "{new}"{hint}')
