"""The error of funnel files and the checks of single JSON values the reader builds on.

Every check takes the value and its location (a JSON path such as `steps[2].where`) and
raises FunnelFileError naming both; `funnel_file` re-exports the error.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from funnel_gui.core.definition.durations import parse_duration
from funnel_gui.core.definition.model import NS_PER_SECOND
from funnel_gui.core.errors import UserFacingError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


class FunnelFileError(UserFacingError):
    """A funnel file that cannot be read or written.

    `message` is one paragraph for a person: which file, which key (`location`, a
    JSON path such as `steps[2].where[0].op`, indexes 0-based) and what is wrong.
    """

    def __init__(self, problem: str, location: str = "", *, file: str = "") -> None:
        self.problem = problem
        self.location = location
        self.file = file
        super().__init__(": ".join(part for part in (file, location, problem) if part))


# ------------------------------------------------- generic JSON shape checks


def expect_object(
    value: Any, path: str, allowed: Sequence[str], required: Sequence[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FunnelFileError(f"expected an object {{...}}, found {kind_of(value)}", path)
    unknown = [key for key in value if key not in allowed]
    if unknown:
        raise FunnelFileError(_unknown_keys_message(unknown, allowed, path), path)
    for key in required:
        if key not in value:
            raise FunnelFileError(f'the required key "{key}" is missing', path)
    return value


def _unknown_keys_message(unknown: list[Any], allowed: Sequence[str], path: str) -> str:
    noun = "key" if len(unknown) == 1 else "keys"
    names = ", ".join(shown(key) for key in unknown)
    close = difflib.get_close_matches(str(unknown[0]), allowed, n=1)
    guess = f' (did you mean "{close[0]}"?)' if len(unknown) == 1 and close else ""
    where = "" if path else " at the top level"
    return f"unknown {noun} {names}{guess}{where}; allowed keys are {', '.join(allowed)}"


def optional(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    read: Callable[[Any, str], _T],
    default: _T,
) -> _T:
    return read(obj[key], at(path, key)) if key in obj else default


def expect_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise FunnelFileError(f"expected a list [...], found {kind_of(value)}", path)
    return list(value)


def expect_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise FunnelFileError(f"expected text, found {kind_of(value)}", path)
    return value


def expect_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise FunnelFileError(f"expected true or false, found {kind_of(value)}", path)
    return value


def choice(choices: Sequence[_T], what: str) -> Callable[[Any, str], _T]:
    def read(value: Any, path: str) -> _T:
        text = expect_text(value, path)
        if text not in choices:
            options = ", ".join(str(c) for c in choices)
            raise FunnelFileError(f"{shown(text)} is not {what}; use one of {options}", path)
        return cast(_T, text)

    return read


def at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def kind_of(value: Any) -> str:
    """What a JSON value is, in words, for messages: 'a number (5)', 'a list', …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({shown(value)})"
    if isinstance(value, int | float):
        return f"a number ({shown(value)})"
    if isinstance(value, str):
        return f"text ({shown(value)})"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number_text(value: float) -> str:
    """How a number reads as text: 3.0 -> "3" (the file may hold 3.0 for 3), 2.5 -> "2.5"."""
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


# ------------------------------------------------------ durations and instants


def read_instant(value: Any, path: str) -> int:
    """Nanoseconds since the epoch for an ISO date or date-time; UTC unless an offset is given."""
    match = _INSTANT.fullmatch(expect_text(value, path).strip())
    if match is None:
        raise FunnelFileError(f"{shown(value)} is not an ISO date; {_INSTANT_HINT}", path)
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
        raise FunnelFileError(f"{shown(value)} is not a valid date ({exc})", path) from None
    frac = match["frac"] or ""
    ns = (moment - EPOCH) // timedelta(seconds=1) * NS_PER_SECOND + int(frac.ljust(9, "0"))
    if not -(2**63) <= ns < 2**63:
        raise FunnelFileError(f"{shown(value)} is outside the years 1677 to 2262", path)
    return ns


def _offset(text: str | None) -> timezone:
    if text is None or text in "Zz":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        # Said plainly here: timezone() would reject it with a timedelta repr.
        raise ValueError(f"the offset {text} is not a time zone offset (from -23:59 to +23:59)")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def read_window(value: Any, path: str) -> int:
    ns = read_duration(value, path)
    if ns < NS_PER_SECOND:
        raise FunnelFileError(
            f"{shown(value)} is too short; the window must be at least 1 second", path
        )
    return ns


def read_max_gap(value: Any, path: str) -> int:
    try:
        return parse_duration(value, allow_zero=False)
    except ValueError as exc:
        raise FunnelFileError(str(exc), path) from None


def read_duration(value: Any, path: str) -> int:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise FunnelFileError(str(exc), path) from None
