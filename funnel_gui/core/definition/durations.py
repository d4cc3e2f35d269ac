"""Durations as the funnel file writes them (FUNNEL_SEMANTICS §11): "3600", "90m", "1.5h", "7d".

All arithmetic is on integers, never floats, so `parse_duration(format_duration(ns)) == ns`
for every duration and "0.1s" is exactly 100 ms.
"""

from __future__ import annotations

import json
import math
import re

from funnel_gui.core.definition.model import NS_PER_SECOND

UNIT_NS: dict[str, int] = {
    "s": NS_PER_SECOND,
    "m": 60 * NS_PER_SECOND,
    "h": 3_600 * NS_PER_SECOND,
    "d": 86_400 * NS_PER_SECOND,
    "w": 604_800 * NS_PER_SECOND,
}
# Times are int64 nanoseconds in the engine; a longer duration would overflow there.
MAX_DURATION_NS = 2**63 - 1
HINT = 'use a whole number of seconds or a number with a unit s, m, h, d or w, like "90m" or "7d"'

_DURATION = re.compile(r"(?P<whole>\d+)(?:\.(?P<frac>\d+))?(?P<unit>[smhdw]?)")
# On a tie in length "7d" reads better than "1w", and "36h" better than "1.5d".
_UNIT_PREFERENCE = ("d", "h", "m", "s", "w")


def parse_duration(value: object, *, allow_zero: bool = True) -> int:
    """Nanoseconds for a duration written as a whole number of seconds or "<number><unit>".

    Raises ValueError with a message meant for a person (the caller adds where it was).
    """
    shown = _shown(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{shown} is not a duration; {HINT}")
    if isinstance(value, str):
        ns = _parse_text(value.strip(), shown)
    else:
        ns = _parse_seconds(value, shown)
    if ns > MAX_DURATION_NS:
        raise ValueError(f"{shown} is too long; durations end at about 292 years")
    if ns == 0 and not allow_zero:
        raise ValueError(f"{shown} is zero; this duration must be longer than zero")
    return ns


def format_duration(ns: int) -> str:
    """The shortest exact way to write `ns`: "7d", "90m", "1.5s", "3661s"."""
    if isinstance(ns, bool) or not isinstance(ns, int) or ns < 0:
        raise ValueError(f"{ns!r} is not a duration in nanoseconds (a whole number >= 0)")
    if ns == 0:
        return "0s"
    candidates = [text for unit in UNIT_NS if (text := _exact_in(ns, unit)) is not None]
    # Shortest first; then whole numbers before decimals; then the preferred unit.
    return min(candidates, key=lambda t: (len(t), "." in t, _UNIT_PREFERENCE.index(t[-1])))


def _parse_seconds(value: int | float, shown: str) -> int:
    """A bare number: a whole number of seconds (the file's unit-less form)."""
    if value < 0:
        raise ValueError(f"{shown} is negative; durations cannot be negative")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"{shown} is not a whole number of seconds; {HINT}")
        value = int(value)
    return value * NS_PER_SECOND


def _parse_text(text: str, shown: str) -> int:
    if text.startswith("-"):
        raise ValueError(f"{shown} is negative; durations cannot be negative")
    # The length cap keeps int() away from absurdly long digit strings.
    match = _DURATION.fullmatch(text) if len(text) <= 40 else None
    if match is None:
        raise ValueError(f"{shown} is not a duration; {HINT}")
    whole, frac, unit = match["whole"], match["frac"] or "", match["unit"]
    if not unit:
        if frac:
            raise ValueError(
                f'{shown} needs a unit, like "{text}s"; a bare number is whole seconds'
            )
        unit = "s"
    numerator = int(whole + frac) * UNIT_NS[unit]
    denominator: int = 10 ** len(frac)
    if numerator % denominator:
        raise ValueError(f"{shown} is finer than a nanosecond; durations are whole nanoseconds")
    return numerator // denominator


def _exact_in(ns: int, unit: str) -> str | None:
    """`ns` written in `unit` with at most 9 decimals, or None when that is not exact."""
    scaled = ns * 10**9
    if scaled % UNIT_NS[unit]:
        return None
    whole, frac = divmod(scaled // UNIT_NS[unit], 10**9)
    digits = f"{frac:09d}".rstrip("0")
    return f"{whole}.{digits}{unit}" if digits else f"{whole}{unit}"


def _shown(value: object) -> str:
    """The value as it would appear in the file, for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
