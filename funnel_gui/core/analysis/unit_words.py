"""The word for what a result counts (§16: people, sessions or attempts), for every label,
header, card and tooltip: the one place that knows it, so no view says "people" when it
counts sessions or attempts.
"""

from __future__ import annotations

from typing import Protocol

_SINGULAR = {"people": "person", "sessions": "session", "attempts": "attempt"}


class Counts(Protocol):
    """What the words need of a result (a FunnelResult has it)."""

    @property
    def counted(self) -> str: ...


def unit_word(result: Counts | str, count: int | None = None) -> str:
    """ "people", or "person" when `count` is 1; likewise sessions and attempts.

    `result` is a result, or what it counts ("people", "sessions", "attempts")."""
    plural = result if isinstance(result, str) else result.counted
    if plural not in _SINGULAR:
        raise ValueError(f"{plural!r} is not what a funnel counts")
    return _SINGULAR[plural] if count == 1 else plural


def unit_title(result: Counts | str) -> str:
    """ "People", "Sessions", "Attempts": a column header."""
    return unit_word(result).capitalize()


def counted_text(count: int, result: Counts | str) -> str:
    """ "1 person", "2,363 people", "1 session", "12 attempts"."""
    return f"{count:,} {unit_word(result, count)}"
