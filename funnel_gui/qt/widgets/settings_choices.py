"""The settings panel's choices and the parsing of what is typed into it: orders, what is
counted, window presets and durations, and UTC days for the date pickers."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate

from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.model import NS_PER_SECOND

NS_PER_DAY = 86_400 * NS_PER_SECOND
_EPOCH = date(1970, 1, 1)
ERROR_BORDER = "{} { border: 1px solid #b91c1c; }"  # a selector, so popups keep their look
NO_SESSIONS = "This data has no sessions"
NO_SESSIONS_HINT = 'to count sessions, make them from inactivity under "More options…"'
COUNTS: tuple[tuple[str, str, str], ...] = (  # unit/count, label, tooltip (§3.4, §16)
    ("actor/uniques", "People", "Each person once, by their best attempt"),
    ("session/uniques", "Sessions", "Each session on its own, once"),
    (
        "actor/totals",
        "Attempts",
        "Every attempt: a person who goes through twice counts twice (in order only)",
    ),
    (
        "session/totals",
        "Attempts in sessions",
        "Every attempt inside each session (in order only)",
    ),
)
SESSION_COUNTS = (1, 3)  # the COUNTS rows that need sessions
ORDERS: tuple[tuple[str, str, str], ...] = (  # value, label, tooltip (§3.1–3.3)
    ("sequential", "In order", "Steps in this order; other events may come in between."),
    ("strict", "Strictly in a row", "Each step is the very next event after the previous one."),
    ("any", "Any order", "Steps in any order within the window; bars show any 1, 2, … steps."),
)
UNIT_TIP = "What each number counts: people, sessions, or every attempt"
WINDOW_PRESETS: tuple[tuple[str, int], ...] = (
    ("1 hour", 3_600 * NS_PER_SECOND),
    ("1 day", NS_PER_DAY),
    ("7 days", 7 * NS_PER_DAY),
    ("14 days", 14 * NS_PER_DAY),
    ("30 days", 30 * NS_PER_DAY),
)
WINDOW_TIP = (
    "How long after the first step a person has to finish the funnel.\n"
    'Pick a preset or type a duration like "90m", "36h" or "2d" (at least 1 second).'
)
_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*(sec|second|min|minute|hr|hour|day|week)s?", re.I)


def parse_window(text: str) -> int:
    """Nanoseconds for a window typed by a person: a preset, "2 days", or "90m"/"2d".

    Raises ValueError with a message meant for a person.
    """
    text = text.strip()
    for label, ns in WINDOW_PRESETS:
        if text.lower() == label:
            return ns
    words = _WORDS.fullmatch(text)
    if words is not None:
        unit = words[2].lower()
        text = words[1] + ("m" if unit.startswith("min") else unit[0])
    ns = parse_duration(text.replace(" ", ""))
    if ns < NS_PER_SECOND:
        raise ValueError("the conversion window must be at least 1 second")
    return ns


def window_text(ns: int) -> str:
    return next((label for label, preset in WINDOW_PRESETS if preset == ns), format_duration(ns))


def day_ns(day: QDate) -> int:
    """Midnight UTC at the start of `day`, in ns since the epoch."""
    return (date(day.year(), day.month(), day.day()) - _EPOCH).days * NS_PER_DAY


def ns_day(ns: int) -> QDate:
    """The UTC day that contains `ns`."""
    return QDate(_EPOCH.year, _EPOCH.month, _EPOCH.day).addDays(ns // NS_PER_DAY)
