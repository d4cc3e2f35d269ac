"""Why they stopped (FUNNEL_SEMANTICS §14), in plain words: the app's legend, hover text and
drill-down column say each reason the same way.

One entry per key of `results.REASONS`, in its order; `REASON_SHORT` is a legend's few words (its
tooltip gives the plain words and `REASON_DETAILS`, the longer sentence of each rule). "Step
k + 1" is the step the unit did not reach.
"""

from __future__ import annotations

REASON_WORDS: dict[str, str] = {
    "still_open": "still has time (window open)",
    "interrupted": "did something else first",
    "window": "did the next step after the window closed",
    "max_gap": "took longer than the max gap",
    "min_gap": "came too soon after the previous step (min gap)",
    "filter": "filtered out by the step's conditions",
    "never": "never did the next step",
}

# A legend's words: short enough that every reason fits in two rows at 1280×720.
REASON_SHORT: dict[str, str] = {
    "still_open": "Still open",
    "interrupted": "Interrupted",
    "window": "Too late",
    "max_gap": "Too slow",
    "min_gap": "Too soon",
    "filter": "Failed filter",
    "never": "Never did it",
}

REASON_DETAILS: dict[str, str] = {
    "still_open": "Their conversion window has not ended yet: they may still do the next step.",
    "interrupted": "Strict order: the very next event, inside the window, was another event.",
    "window": "They did the next step, but only after their conversion window had closed.",
    "max_gap": "They did the next step inside the window, but longer after the previous "
    "step than the step's max gap allows.",
    "min_gap": "Every time they did the next step, it came sooner after the previous step "
    "than the step's min gap allows.",
    "filter": "They did the next step's event later, but it failed the step's filters "
    "(its conditions on properties).",
    "never": "They never did any of the next step's events afterwards.",
}


def reason_word(key: object) -> str:
    """The plain words of a reason key; "" for none (converted or excluded)."""
    if not isinstance(key, str):
        return ""
    return REASON_WORDS.get(key, key.replace("_", " "))


def reason_tooltip(key: str) -> str:
    """A legend entry's tooltip: the plain words, then the rule in a sentence."""
    words = REASON_WORDS[key]
    return f"{words[:1].upper()}{words[1:]}.\n{REASON_DETAILS[key]}"
