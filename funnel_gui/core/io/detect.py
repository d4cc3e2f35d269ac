"""Guess which columns are actor, event, time and session, and say how sure the guess is."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.mapping import ROLES, ColumnMapping, Detection
from funnel_gui.core.io.profiles import (
    GENERIC_NAMES,
    GENERIC_PREFIXES,
    VENDOR_PROFILES,
    Profile,
)
from funnel_gui.core.io.timeparse import NAT, parse_times
from funnel_gui.core.textforms import TIME_NAME

_SAMPLE_ROWS = 5000
_MIN_YEAR_NS = np.datetime64("1995-01-01", "ns").astype(np.int64)
_MAX_YEAR_NS = np.datetime64("2100-01-01", "ns").astype(np.int64)


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9$]", "", name.lower())


def detect(table: pa.Table) -> Detection:
    """Pick a vendor profile when its signature is complete, else name/value heuristics."""
    columns = set(table.column_names)
    sample = table.slice(0, _SAMPLE_ROWS)
    scored = sorted(((p.score(columns), p) for p in VENDOR_PROFILES), key=lambda sp: -sp[0])
    best_score, best = scored[0]
    if best_score == 1.0:
        if best.unsupported:
            raise ImportFailed(f"This file {best.unsupported}")
        return _from_profile(best, columns, sample)
    detection = _generic(sample)
    if best_score >= 0.6 and not best.unsupported and detection.mapping.missing_roles():
        note = f"It resembles a {best.name}, but not all of that format's columns are present."
        detection = Detection(
            detection.profile,
            detection.profile_name,
            detection.mapping,
            detection.confidence,
            (note, *detection.notes),
            detection.candidates,
            detection.property_renames,
        )
    return detection


def _from_profile(profile: Profile, columns: set[str], sample: pa.Table) -> Detection:
    def present(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if n in columns)

    mapping = ColumnMapping(
        actor=present(profile.actor),
        event=present(profile.event),
        time=present(profile.time),
        session=present(profile.session),
        session_per_actor=profile.session_per_actor,
        no_session_values=profile.no_session_values,
        event_id=present(profile.event_id),
    )
    notes = []
    if not mapping.session:
        notes.append("No session column found: session-based funnels will be unavailable.")
    renames = property_renames(list(columns), mapping, profile.property_prefixes)
    candidates = {role: list(mapping.columns(role)) for role in ROLES}
    return Detection(profile.key, profile.name, mapping, 0.95, tuple(notes), candidates, renames)


def _generic(sample: pa.Table) -> Detection:
    notes: list[str] = []
    candidates = {role: _name_candidates(sample.column_names, role) for role in ROLES}
    candidates["time"] = [c for c in candidates["time"] if _parses_as_time(sample[c])]
    for c in sample.column_names:
        if c not in candidates["time"] and TIME_NAME.search(c) and _parses_as_time(sample[c]):
            candidates["time"].append(c)
    candidates["event"] = [c for c in candidates["event"] if _looks_like_names(sample[c])]
    named_actors = candidates["actor"]
    candidates["actor"] = [c for c in named_actors if _varies(sample[c])]
    if not candidates["actor"]:
        # One person's export: a column named like a user id with a single value is still
        # the actor (a constant column only loses when another one varies).
        single = [c for c in named_actors if sample[c].null_count < len(sample[c])]
        if single:
            value = first_value_text(sample[single[0]].drop_null())
            notes.append(
                f"Every row has the same {single[0]} ({value}): the file holds the events "
                "of a single actor."
            )
            candidates["actor"] = single[:1]
    chosen: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    for role in ("actor", "time", "event", "session"):
        options = [c for c in candidates[role] if c not in used]
        if role == "time":
            options = _prefer_fine_times(sample, options)
        chosen[role] = (options[0],) if options else ()
        used.update(chosen[role])
        if len(options) > 1 and role != "session":
            notes.append(
                f"Several columns could be the {role}: {', '.join(options[:4])}; "
                f"picked {options[0]}."
            )
    mapping = ColumnMapping(
        actor=chosen["actor"],
        event=chosen["event"],
        time=chosen["time"],
        session=chosen["session"],
    )
    confidence = _generic_confidence(mapping, candidates, notes)
    renames = property_renames(sample.column_names, mapping, GENERIC_PREFIXES)
    return Detection(
        "generic", "Generic event table", mapping, confidence, tuple(notes), candidates, renames
    )


def _generic_confidence(
    mapping: ColumnMapping, candidates: dict[str, list[str]], notes: list[str]
) -> float:
    if mapping.missing_roles():
        return 0.0
    exact = sum(
        1
        for role in ("actor", "event", "time")
        if normalise(mapping.columns(role)[0]) in {normalise(n) for n in GENERIC_NAMES[role][:8]}
    )
    confidence = 0.6 + 0.1 * exact
    return round(confidence - 0.1 * len(notes), 2)


def _name_candidates(columns: list[str], role: str) -> list[str]:
    """Columns whose name (or last dotted part) is a known name for the role, best first."""
    wanted = [normalise(n) for n in GENERIC_NAMES[role]]
    ranked: list[tuple[int, int, str]] = []
    for col in columns:
        full, last = normalise(col), normalise(col.rsplit(".", 1)[-1])
        for depth, key in ((0, full), (1, last)):
            if key in wanted:
                ranked.append((depth, wanted.index(key), col))
                break
    return [col for _, _, col in sorted(ranked)]


def _prefer_fine_times(sample: pa.Table, options: list[str]) -> list[str]:
    """A column with a time of day beats a date-only column (GA4 event_date)."""

    def coarse(col: str) -> bool:
        parsed = parse_times(sample[col])
        valid = parsed.ns[parsed.ns != NAT]
        return bool(len(valid)) and bool(np.all(valid % 86_400_000_000_000 == 0))

    return sorted(options, key=lambda c: (coarse(c), options.index(c)))


def _parses_as_time(column: pa.ChunkedArray) -> bool:
    parsed = parse_times(column)
    present = ~parsed.missing
    if not present.any():
        return False
    valid = parsed.ns[present & ~parsed.unparsable]
    plausible = (valid >= _MIN_YEAR_NS) & (valid < _MAX_YEAR_NS)
    return bool(plausible.sum() >= 0.8 * present.sum())


def _looks_like_names(column: pa.ChunkedArray) -> bool:
    """Event names are short, repeated labels; ids and free text are not."""
    arr = column.combine_chunks()
    if not (
        pa.types.is_string(arr.type)
        or pa.types.is_large_string(arr.type)
        or pa.types.is_dictionary(arr.type)
    ):
        return False
    values = arr.drop_null()
    if len(values) == 0:
        return False
    distinct = len(pc.unique(values))
    return (distinct <= max(200, len(values) // 5) and distinct < len(values)) or len(values) < 5


def _varies(column: pa.ChunkedArray) -> bool:
    values = column.drop_null()
    return len(values) > 0 and (len(pc.unique(values)) > 1 or len(values) < 3)


def property_renames(
    columns: list[str], mapping: ColumnMapping, prefixes: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """Readable property names: container prefixes dropped where no name clashes."""
    roles = {c for role in ROLES for c in mapping.columns(role)}
    renames: dict[str, str] = {}
    taken = {c for c in columns if c not in roles}
    for col in columns:
        if col in roles:
            continue
        for prefix, replacement in prefixes:
            if col.startswith(prefix):
                short = replacement + col[len(prefix) :]
                if short not in taken and short not in renames.values():
                    renames[col] = short
                break
    return renames


def mappable_columns(table: pa.Table, mapping: ColumnMapping) -> dict[str, list[str]]:
    """For each missing role, columns a person could plausibly map to it."""
    sample = table.slice(0, _SAMPLE_ROWS)
    used = {c for role in ROLES for c in mapping.columns(role)}
    free = [c for c in sample.column_names if c not in used]
    out: dict[str, list[str]] = {}
    for role in mapping.missing_roles():
        if role == "time":
            out[role] = [c for c in free if _parses_as_time(sample[c])]
        elif role == "event":
            out[role] = [
                c
                for c in free
                if _looks_like_names(sample[c])
                and not _numeric_text(sample[c])
                and not _parses_as_time(sample[c])
            ]
        else:
            out[role] = [c for c in free if _varies(sample[c]) and _is_text(sample[c])]
    return out


def _is_text(column: pa.ChunkedArray) -> bool:
    kind = column.type
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
    )


def _numeric_text(column: pa.ChunkedArray) -> bool:
    values = column.drop_null()
    if len(values) == 0 or not pa.types.is_string(values.type):
        return False
    return bool(pc.all(pc.match_substring_regex(values, r"^\s*-?[\d.,]+\s*$")).as_py())


def unreadable_time_columns(table: pa.Table) -> list[tuple[str, str]]:
    """Columns named like a time whose values are not times, with one example value each:
    the message for a file without a usable time should point at them."""
    sample = table.slice(0, _SAMPLE_ROWS)
    named = _name_candidates(sample.column_names, "time")
    named += [c for c in sample.column_names if c not in named and TIME_NAME.search(c)]
    out = []
    for col in named:
        values = sample[col].drop_null()
        if len(values) and not _parses_as_time(sample[col]):
            out.append((col, first_value_text(values)))
    return out


def first_value_text(values: pa.ChunkedArray) -> str:
    """The first value as text for a message, by Arrow: `as_py()` raises on timestamps
    past year 9999, which a damaged or hostile file may hold."""
    first = values.slice(0, 1).combine_chunks()
    try:
        return str(pc.cast(first, pa.string())[0].as_py())
    except (pa.ArrowException, OverflowError, ValueError):
        return f"a {first.type} value"
