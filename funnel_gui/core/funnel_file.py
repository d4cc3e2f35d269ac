"""Reading and writing `*.funnel.json` files (FUNNEL_SEMANTICS §11).

Reading is strict: a key or value the app does not understand is refused with a message
naming it and where it is, so that a typo never silently changes a count. Writing puts
only non-default keys in the file and replaces the old file atomically.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

from funnel_gui.core.definition import (
    DEFAULT_WINDOW_NS,
    FILTER_OPS,
    MAX_STEPS,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    Kind,
    MicroConversion,
    Order,
    Step,
    Unit,
    default_kinds,
)
from funnel_gui.core.durations import format_duration, parse_duration

FORMAT = "funnel-gui.funnel"
CURRENT_VERSION = 1
Migration = Callable[[dict[str, Any]], dict[str, Any]]
# Version v -> a function turning a version-v dict into a version v+1 dict. The loader
# chains them and sets "version" itself, so a migration only reshapes the content.
MIGRATIONS: dict[int, Migration] = {}
# Anything this big was picked by mistake (an event export, not a funnel).
MAX_FILE_BYTES = 16 * 1024 * 1024

_TOP_KEYS = (
    "format",
    "version",
    "name",
    "order",
    "window",
    "unit",
    "steps",
    "exclusions",
    "breakdown",
    "date_range",
    "micro_conversions",
)
_STEP_KEYS = ("label", "events", "kind", "where", "max_gap", "min_gap")
_FILTER_KEYS = ("property", "op", "value")
_EXCLUSION_KEYS = ("events", "where", "between")
_BREAKDOWN_KEYS = ("property", "attribution")
_DATE_RANGE_KEYS = ("from", "to")
_MICRO_KEYS = ("label", "events", "where")
_ORDERS: tuple[Order, ...] = ("sequential", "strict", "any")
_UNITS: tuple[Unit, ...] = ("actor", "session")
_KINDS: tuple[Kind, ...] = ("micro", "macro")
_STEP_ATTRIBUTION = re.compile(r"step_([1-9][0-9]{0,3})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INSTANT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
_INSTANT_HINT = (
    'use a date like "2026-03-01" or a date-time like "2026-03-01T12:30:00Z" '
    '(UTC unless an offset like "+02:00" is given)'
)
_T = TypeVar("_T")


class FunnelFileError(Exception):
    """A funnel file that cannot be read or written.

    `message` is one paragraph for a person: which file, which key (`location`, a
    JSON path such as `steps[2].where[0].op`, indexes 0-based) and what is wrong.
    """

    def __init__(self, problem: str, location: str = "", *, file: str = "") -> None:
        self.problem = problem
        self.location = location
        self.file = file
        self.message = ": ".join(part for part in (file, location, problem) if part)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclass
class LoadedFunnel:
    definition: FunnelDefinition
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def definition_from_dict(data: Mapping[str, Any]) -> LoadedFunnel:
    """The definition in a parsed funnel file, migrated from older versions."""
    if not isinstance(data, Mapping):
        raise FunnelFileError(f"a funnel file is a JSON object, not {_kind_of(data)}")
    migrated = _migrate(dict(data), _check_header(data))
    reader = _Reader()
    return LoadedFunnel(reader.definition(migrated), reader.warnings)


def _check_header(data: Mapping[str, Any]) -> int:
    """The file's version, after checking it is a funnel file this app can read."""
    if "format" not in data:
        raise FunnelFileError(f'not a funnel file: the key "format": "{FORMAT}" is missing')
    if data["format"] != FORMAT:
        raise FunnelFileError(
            f'{_shown(data["format"])} is not a Funnel Explorer funnel file; expected "{FORMAT}"',
            "format",
        )
    if "version" not in data:
        raise FunnelFileError('the key "version" is missing (a whole number, like 1)')
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise FunnelFileError(f"expected a whole number, found {_kind_of(version)}", "version")
    if version > CURRENT_VERSION:
        raise FunnelFileError(
            f"this file was made by a newer Funnel Explorer (file version {version}; this "
            f"one reads versions up to {CURRENT_VERSION}). Update Funnel Explorer to open it.",
            "version",
        )
    return version


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    while version < CURRENT_VERSION:
        migration = MIGRATIONS.get(version)
        if migration is None:
            known = ", ".join(str(v) for v in [*sorted(MIGRATIONS), CURRENT_VERSION])
            raise FunnelFileError(
                f"{version} is not a version of the funnel file format (known: {known})",
                "version",
            )
        data = dict(migration(data))
        version += 1
        data["version"] = version
    return data


class _Reader:
    """Turns a current-version dict into a FunnelDefinition, collecting warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def definition(self, data: Mapping[str, Any]) -> FunnelDefinition:
        obj = _object(data, "", _TOP_KEYS, required=("steps",))
        raw_steps = _steps_list(obj["steps"])
        n = len(raw_steps)
        kinds = default_kinds(n)
        return FunnelDefinition(
            steps=tuple(self.step(s, i, kinds[i]) for i, s in enumerate(raw_steps)),
            name=_optional(obj, "name", "", _text, ""),
            order=_optional(obj, "order", "", _choice(_ORDERS, "an order"), "sequential"),
            window_ns=_optional(obj, "window", "", _window, DEFAULT_WINDOW_NS),
            unit=_optional(obj, "unit", "", _choice(_UNITS, "a unit"), "actor"),
            exclusions=_optional(obj, "exclusions", "", self.list_of(self.exclusion, n), ()),
            breakdown=_optional(obj, "breakdown", "", _breakdown(n), None),
            date_range=_optional(obj, "date_range", "", _date_range, None),
            micro_conversions=_optional(
                obj, "micro_conversions", "", self.list_of(self.micro, n), ()
            ),
        )

    def list_of(
        self, read: Callable[[Any, str, int], _T], n_steps: int
    ) -> Callable[[Any, str], tuple[_T, ...]]:
        def read_all(value: Any, path: str) -> tuple[_T, ...]:
            items = _list(value, path)
            return tuple(read(item, f"{path}[{i}]", n_steps) for i, item in enumerate(items))

        return read_all

    def step(self, value: Any, index: int, default_kind: Kind) -> Step:
        path = f"steps[{index}]"
        obj = _object(value, path, _STEP_KEYS, required=("events",))
        max_gap = _optional(obj, "max_gap", path, _max_gap, None)
        min_gap = _optional(obj, "min_gap", path, _duration, None)
        if max_gap is not None and min_gap is not None and min_gap > max_gap:
            raise FunnelFileError(
                f'"min_gap" ({_shown(obj["min_gap"])}) is longer than "max_gap" '
                f"({_shown(obj['max_gap'])}); no event could satisfy both",
                path,
            )
        if index == 0 and (max_gap is not None or min_gap is not None):
            # Kept so that moving the step back keeps its limits; the engine ignores them.
            self.warnings.append(
                f"{path}: max_gap and min_gap are measured from the previous step, "
                "so they have no effect on the first step"
            )
        return Step(
            events=self.events(obj["events"], _at(path, "events")),
            label=_optional(obj, "label", path, _text, ""),
            kind=_optional(obj, "kind", path, _choice(_KINDS, "a kind"), default_kind),
            where=_optional(obj, "where", path, _filters, ()),
            max_gap_ns=max_gap,
            min_gap_ns=min_gap,
        )

    def exclusion(self, value: Any, path: str, n_steps: int) -> Exclusion:
        obj = _object(value, path, _EXCLUSION_KEYS, required=("events", "between"))
        return Exclusion(
            events=self.events(obj["events"], _at(path, "events")),
            between=_between(obj["between"], _at(path, "between"), n_steps),
            where=_optional(obj, "where", path, _filters, ()),
        )

    def micro(self, value: Any, path: str, n_steps: int) -> MicroConversion:
        obj = _object(value, path, _MICRO_KEYS, required=("events",))
        return MicroConversion(
            events=self.events(obj["events"], _at(path, "events")),
            label=_optional(obj, "label", path, _text, ""),
            where=_optional(obj, "where", path, _filters, ()),
        )

    def events(self, value: Any, path: str) -> tuple[str, ...]:
        items = _list(value, path)
        if not items:
            raise FunnelFileError("the list is empty; give at least one event name", path)
        names: dict[str, int] = {}  # name -> times listed; a dict keeps the order
        for i, item in enumerate(items):
            name = _text(item, f"{path}[{i}]")
            if not name:
                raise FunnelFileError("an event name cannot be empty", f"{path}[{i}]")
            names[name] = names.get(name, 0) + 1
        for name, count in names.items():
            if count > 1:
                self.warnings.append(
                    f"{path}: {_shown(name)} is listed {count} times; the repeats were dropped"
                )
        return tuple(names)


def _steps_list(value: Any) -> list[Any]:
    steps = _list(value, "steps")
    if not steps:
        raise FunnelFileError("the list is empty; a funnel needs at least one step", "steps")
    if len(steps) > MAX_STEPS:
        raise FunnelFileError(
            f"{len(steps)} steps is too many; a funnel has at most {MAX_STEPS}", "steps"
        )
    return steps


def _filters(value: Any, path: str) -> tuple[Filter, ...]:
    return tuple(_filter(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _filter(value: Any, path: str) -> Filter:
    obj = _object(value, path, _FILTER_KEYS, required=("property", "op"))
    prop = _text(obj["property"], _at(path, "property"))
    if not prop:
        raise FunnelFileError("the property name cannot be empty", _at(path, "property"))
    op = _choice(FILTER_OPS, "an operator")(obj["op"], _at(path, "op"))
    if op in ("is_set", "not_set"):
        if "value" in obj:
            raise FunnelFileError(f'"{op}" takes no value; remove "value"', path)
        return Filter(prop, op)
    if "value" not in obj:
        raise FunnelFileError(f'"{op}" needs a "value"', path)
    raw, value_path = obj["value"], _at(path, "value")
    if op in ("in", "not_in"):
        return Filter(prop, op, _text_values(raw, value_path, op))
    if op in ("gt", "lt"):
        return Filter(prop, op, _number(raw, value_path, op))
    return Filter(prop, op, _text_value(raw, value_path))


def _text_values(value: Any, path: str, op: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise FunnelFileError(
            f'"{op}" needs a non-empty list of values, found {_kind_of(value)}', path
        )
    return tuple(_text_value(item, f"{path}[{i}]") for i, item in enumerate(value))


def _text_value(value: Any, path: str) -> str:
    """Filter values compare as text (§2), so numbers are stored as the text they read as."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(_finite(value, path))
    hint = f'; write it as text, e.g. "{str(value).lower()}"' if isinstance(value, bool) else ""
    raise FunnelFileError(f"expected text or a number, found {_kind_of(value)}{hint}", path)


def _number(value: Any, path: str, op: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return _finite(float(value), path)
        except OverflowError:
            raise FunnelFileError(f"{_shown(value)} is too large a number", path) from None
    hint = ""
    if isinstance(value, str) and _looks_numeric(value):
        hint = f"; write it without quotes: {value.strip()}"
    raise FunnelFileError(f'"{op}" compares numbers, found {_kind_of(value)}{hint}', path)


def _finite(value: float, path: str) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise FunnelFileError(f"{value} is not a usable number", path)
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _between(value: Any, path: str, n_steps: int) -> tuple[int, int]:
    if n_steps < 2:
        raise FunnelFileError("an exclusion needs a funnel of at least 2 steps", path)
    valid = f"two step numbers [a, b] with 1 ≤ a < b ≤ {n_steps}"
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise FunnelFileError(f"expected {valid}, found {_kind_of(value)}", path)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise FunnelFileError(f"expected {valid}, found {_shown(value)}", path)
    a, b = value
    if not 1 <= a < b <= n_steps:
        raise FunnelFileError(f"{_shown(value)} is not {valid} (step numbers are 1-based)", path)
    return (a, b)


def _breakdown(n_steps: int) -> Callable[[Any, str], Breakdown]:
    def read(value: Any, path: str) -> Breakdown:
        obj = _object(value, path, _BREAKDOWN_KEYS, required=("property",))
        prop = _text(obj["property"], _at(path, "property"))
        if not prop:
            raise FunnelFileError("the property name cannot be empty", _at(path, "property"))
        attribution = _optional(obj, "attribution", path, _text, "first_step")
        if attribution not in ("first_step", "last_step"):
            _check_step_attribution(attribution, _at(path, "attribution"), n_steps)
        return Breakdown(prop, attribution)

    return read


def _check_step_attribution(attribution: str, path: str, n_steps: int) -> None:
    match = _STEP_ATTRIBUTION.fullmatch(attribution)
    if match is None or not 1 <= int(match[1]) <= n_steps:
        raise FunnelFileError(
            f"{_shown(attribution)} is not an attribution; use first_step, last_step or "
            f"step_N with N from 1 to {n_steps} (the number of steps)",
            path,
        )


def _date_range(value: Any, path: str) -> DateRange:
    obj = _object(value, path, _DATE_RANGE_KEYS)
    start = _optional(obj, "from", path, _instant, None)
    end = _optional(obj, "to", path, _instant, None)
    if start is not None and end is not None and start >= end:
        raise FunnelFileError(
            f'"from" ({obj["from"]}) must be before "to" ({obj["to"]}); "to" is exclusive', path
        )
    return DateRange(start, end)


def _instant(value: Any, path: str) -> int:
    """Nanoseconds since the epoch for an ISO date or date-time; UTC unless an offset is given."""
    match = _INSTANT.fullmatch(_text(value, path).strip())
    if match is None:
        raise FunnelFileError(f"{_shown(value)} is not an ISO date; {_INSTANT_HINT}", path)
    try:
        year, month, day = (int(part) for part in match["date"].split("-"))
        moment = datetime(
            year,
            month,
            day,
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            tzinfo=_offset(match["tz"]),
        )
    except ValueError as exc:
        raise FunnelFileError(f"{_shown(value)} is not a valid date ({exc})", path) from None
    frac = match["frac"] or ""
    ns = (moment - _EPOCH) // timedelta(seconds=1) * NS_PER_SECOND + int(frac.ljust(9, "0"))
    if not -(2**63) <= ns < 2**63:
        raise FunnelFileError(f"{_shown(value)} is outside the years 1677 to 2262", path)
    return ns


def _offset(text: str | None) -> timezone:
    if text is None or text in "Zz":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-delta if text[0] == "-" else delta)  # ValueError beyond ±24h


def _window(value: Any, path: str) -> int:
    ns = _duration(value, path)
    if ns < NS_PER_SECOND:
        raise FunnelFileError(
            f"{_shown(value)} is too short; the window must be at least 1 second", path
        )
    return ns


def _max_gap(value: Any, path: str) -> int:
    try:
        return parse_duration(value, allow_zero=False)
    except ValueError as exc:
        raise FunnelFileError(str(exc), path) from None


def _duration(value: Any, path: str) -> int:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise FunnelFileError(str(exc), path) from None


# ------------------------------------------------- generic JSON shape checks


def _object(
    value: Any, path: str, allowed: Sequence[str], required: Sequence[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FunnelFileError(f"expected an object {{...}}, found {_kind_of(value)}", path)
    unknown = [key for key in value if key not in allowed]
    if unknown:
        raise FunnelFileError(_unknown_keys_message(unknown, allowed, path), path)
    for key in required:
        if key not in value:
            raise FunnelFileError(f'the required key "{key}" is missing', path)
    return value


def _unknown_keys_message(unknown: list[Any], allowed: Sequence[str], path: str) -> str:
    noun = "key" if len(unknown) == 1 else "keys"
    names = ", ".join(_shown(key) for key in unknown)
    close = difflib.get_close_matches(str(unknown[0]), allowed, n=1)
    guess = f' (did you mean "{close[0]}"?)' if len(unknown) == 1 and close else ""
    where = "" if path else " at the top level"
    return f"unknown {noun} {names}{guess}{where}; allowed keys are {', '.join(allowed)}"


def _optional(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    read: Callable[[Any, str], _T],
    default: _T,
) -> _T:
    return read(obj[key], _at(path, key)) if key in obj else default


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise FunnelFileError(f"expected a list [...], found {_kind_of(value)}", path)
    return list(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise FunnelFileError(f"expected text, found {_kind_of(value)}", path)
    return value


def _choice(choices: Sequence[_T], what: str) -> Callable[[Any, str], _T]:
    def read(value: Any, path: str) -> _T:
        text = _text(value, path)
        if text not in choices:
            options = ", ".join(str(c) for c in choices)
            raise FunnelFileError(f"{_shown(text)} is not {what}; use one of {options}", path)
        return cast(_T, text)

    return read


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind_of(value: Any) -> str:
    """What a JSON value is, in words, for messages: 'a number (5)', 'a list', …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({_shown(value)})"
    if isinstance(value, int | float):
        return f"a number ({_shown(value)})"
    if isinstance(value, str):
        return f"text ({_shown(value)})"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number_text(value: float) -> str:
    """How a number reads as text: 3.0 -> "3" (the file may hold 3.0 for 3), 2.5 -> "2.5"."""
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


# ---------------------------------------------------------------- writing


def definition_to_dict(defn: FunnelDefinition) -> dict[str, Any]:
    """The file's content for `defn`: `format`, `version` and only non-default keys."""
    out: dict[str, Any] = {"format": FORMAT, "version": CURRENT_VERSION}
    if defn.name:
        out["name"] = defn.name
    if defn.order != "sequential":
        out["order"] = defn.order
    if defn.window_ns != DEFAULT_WINDOW_NS:
        out["window"] = format_duration(defn.window_ns)
    if defn.unit != "actor":
        out["unit"] = defn.unit
    kinds = default_kinds(defn.n_steps)
    out["steps"] = [_step_dict(step, kinds[i]) for i, step in enumerate(defn.steps)]
    if defn.exclusions:
        out["exclusions"] = [_exclusion_dict(e) for e in defn.exclusions]
    if defn.breakdown is not None:
        out["breakdown"] = _breakdown_dict(defn.breakdown)
    if defn.date_range is not None:
        out["date_range"] = _date_range_dict(defn.date_range)
    if defn.micro_conversions:
        out["micro_conversions"] = [_micro_dict(m) for m in defn.micro_conversions]
    return out


def _step_dict(step: Step, default_kind: Kind) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if step.label:
        out["label"] = step.label
    out["events"] = list(step.events)
    if step.kind != default_kind:
        out["kind"] = step.kind
    if step.where:
        out["where"] = [_filter_dict(f) for f in step.where]
    if step.max_gap_ns is not None:
        out["max_gap"] = format_duration(step.max_gap_ns)
    if step.min_gap_ns is not None:
        out["min_gap"] = format_duration(step.min_gap_ns)
    return out


def _filter_dict(flt: Filter) -> dict[str, Any]:
    out: dict[str, Any] = {"property": flt.property, "op": flt.op}
    if isinstance(flt.value, tuple):
        out["value"] = list(flt.value)
    elif isinstance(flt.value, float) and flt.value.is_integer() and abs(flt.value) < 1e16:
        out["value"] = int(flt.value)  # "gt": 5 reads better than 5.0 and loads back equal
    elif flt.value is not None:
        out["value"] = flt.value
    return out


def _exclusion_dict(exclusion: Exclusion) -> dict[str, Any]:
    out: dict[str, Any] = {"events": list(exclusion.events)}
    if exclusion.where:
        out["where"] = [_filter_dict(f) for f in exclusion.where]
    out["between"] = list(exclusion.between)
    return out


def _breakdown_dict(breakdown: Breakdown) -> dict[str, Any]:
    out: dict[str, Any] = {"property": breakdown.property}
    if breakdown.attribution != "first_step":
        out["attribution"] = breakdown.attribution
    return out


def _date_range_dict(date_range: DateRange) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if date_range.start_ns is not None:
        out["from"] = format_instant(date_range.start_ns)
    if date_range.end_ns is not None:
        out["to"] = format_instant(date_range.end_ns)
    return out


def _micro_dict(micro: MicroConversion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if micro.label:
        out["label"] = micro.label
    out["events"] = list(micro.events)
    if micro.where:
        out["where"] = [_filter_dict(f) for f in micro.where]
    return out


def format_instant(ns: int) -> str:
    """ "2026-03-01" at midnight UTC, else an ISO UTC time to the nanosecond with a Z."""
    seconds, frac = divmod(ns, NS_PER_SECOND)
    moment = (_EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None)
    if frac == 0 and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    digits = f"{frac:09d}".rstrip("0")
    return moment.isoformat(timespec="seconds") + (f".{digits}" if digits else "") + "Z"


# ------------------------------------------------------------------- files


def load_funnel(path: str | os.PathLike[str]) -> LoadedFunnel:
    """Read a `*.funnel.json` file; every problem is a FunnelFileError naming the file."""
    path = Path(path)
    data = _read_json(path)
    try:
        return definition_from_dict(data)
    except FunnelFileError as exc:
        raise FunnelFileError(exc.problem, exc.location, file=path.name) from None


def save_funnel(defn: FunnelDefinition, path: str | os.PathLike[str]) -> None:
    """Write `defn` to `path` atomically: the old file stays whole if anything fails."""
    path = Path(path)
    data = definition_to_dict(defn)
    try:
        # Never write a file that this app would refuse to open again.
        definition_from_dict(data)
    except FunnelFileError as exc:
        raise FunnelFileError(
            f"not saved, the funnel is not valid: {exc.message}", file=path.name
        ) from None
    try:
        _write_json_atomically(Path(os.path.realpath(path)), data)
    except OSError as exc:
        raise FunnelFileError(f"cannot be saved ({exc.strerror or exc})", file=path.name) from exc


def _read_json(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FunnelFileError("is too large to be a funnel file", file=path.name)
        raw = path.read_bytes()
    except OSError as exc:
        raise FunnelFileError(f"cannot be read ({exc.strerror or exc})", file=path.name) from exc
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        data = json.loads(
            raw.decode("utf-8-sig"),
            object_pairs_hook=_object_without_repeats,
            parse_constant=_refuse_constant,
        )
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (bad byte at offset {exc.start})"
        raise FunnelFileError(problem, file=path.name) from None
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise FunnelFileError(problem, file=path.name) from None
    except _BadJson as exc:
        raise FunnelFileError(f"is not valid JSON: {exc}", file=path.name) from None
    if not isinstance(data, dict):
        raise FunnelFileError(
            f'holds {_kind_of(data)}, not a JSON object {{"format": ..., "steps": [...]}}',
            file=path.name,
        )
    return data


class _BadJson(ValueError):
    """JSON that Python's parser accepts but that no other tool would read the same way."""


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key would silently keep only the last value; a hand edit gone wrong.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _BadJson(f"the key {_shown(key)} appears twice in one object")
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise _BadJson(f"{name} is not a JSON number")


def _write_json_atomically(target: Path, data: Mapping[str, Any]) -> None:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temp.open("x", encoding="utf-8", newline="\n") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            # Keep the permissions the user gave the file being replaced.
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on every platform."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
