"""SetCounting (the counting options §16–§18, §20 as one undoable edit), the unit words and
the periods "Compare with…" compares (§19)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from funnel_gui.core.analysis.compare_periods import (
    CompareError,
    funnel_period,
    period_text,
    previous_period,
)
from funnel_gui.core.analysis.unit_words import counted_text, unit_title, unit_word
from funnel_gui.core.definition.model import (
    Breakdown,
    DateRange,
    Filter,
    FunnelDefinition,
    Step,
)
from funnel_gui.core.editing.commands import (
    EditError,
    FunnelDocument,
    SetCounting,
    SetFunnelSettings,
)

DAY = 86_400 * 1_000_000_000
STEPS = (Step(events=("view",)), Step(events=("buy",)))


def day(m: int, d: int) -> int:
    return int(datetime(2026, m, d, tzinfo=UTC).timestamp()) * 1_000_000_000


def test_every_counting_option_is_one_edit_and_its_inverse() -> None:
    doc = FunnelDocument(FunnelDefinition(steps=STEPS))
    before = doc.definition
    command = SetCounting(
        unit="session",
        count="totals",
        hold=("device",),
        filters=(Filter("country", "neq", "US"),),
        inactivity_ns=1_800 * 1_000_000_000,
    )
    undo = doc.execute(command)
    after = doc.definition
    assert (after.unit, after.count, after.hold) == ("session", "totals", ("device",))
    assert after.inactivity_ns == 1_800 * 1_000_000_000
    doc.execute(undo)
    assert doc.definition == before


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (SetCounting(count="totals"), "Count attempts"),
        (SetCounting(unit="session"), "Count sessions"),
        (SetCounting(unit="session", count="totals"), "Count attempts within sessions"),
        (SetCounting(hold=("device", "country")), 'Hold "device", "country" constant'),
        (SetCounting(hold=()), "Stop holding properties constant"),
        (SetCounting(filters=(Filter("a", "is_set"),)), "Set funnel filters"),
        (SetCounting(inactivity_ns=1_800 * 1_000_000_000), "Sessions after 30m inactive"),
        (SetCounting(inactivity_ns=None), "Use the data's own sessions"),
    ],
)
def test_names_in_the_undo_history(command: SetCounting, text: str) -> None:
    assert command.text(FunnelDefinition(steps=STEPS)) == text


def test_attempts_in_any_order_are_refused_either_way() -> None:
    """§16: the engine counts attempts only in ordered funnels; the editor says so first,
    whichever of the two settings comes second."""
    any_order = FunnelDefinition(steps=STEPS, order="any")
    with pytest.raises(EditError, match="sequential and strict funnels only"):
        SetCounting(count="totals").apply(any_order)
    totals = FunnelDefinition(steps=STEPS, count="totals")
    with pytest.raises(EditError, match="sequential and strict funnels only"):
        SetFunnelSettings(order="any").apply(totals)
    assert SetFunnelSettings(order="strict").apply(totals).order == "strict"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (SetCounting(hold=("device", "device")), "once"),
        (SetCounting(hold=("",)), "needs a name"),
        (SetCounting(inactivity_ns=10), "at least 1 second"),
        (SetFunnelSettings(breakdown=Breakdown.several(("a", "b", "c", "d"))), "at most 3"),
        (SetFunnelSettings(breakdown=Breakdown.several(("a", "a"))), "each property once"),
    ],
)
def test_malformed_options_are_refused(command: SetCounting, message: str) -> None:
    with pytest.raises(EditError, match=message):
        command.apply(FunnelDefinition(steps=STEPS))


def test_unit_words_follow_what_the_result_counts() -> None:
    assert [unit_word(c) for c in ("people", "sessions", "attempts")] == [
        "people",
        "sessions",
        "attempts",
    ]
    assert [unit_word(c, 1) for c in ("people", "sessions", "attempts")] == [
        "person",
        "session",
        "attempt",
    ]
    assert counted_text(2363, "people") == "2,363 people"
    assert counted_text(1, "attempts") == "1 attempt"
    assert unit_title("sessions") == "Sessions"
    with pytest.raises(ValueError, match="not what a funnel counts"):
        unit_word("users")


def test_the_funnels_period_and_the_one_before() -> None:
    """§19: B is the funnel's entry period (its date range, missing ends from the data's
    whole days), A the same length right before it."""
    defn = FunnelDefinition(steps=STEPS, date_range=DateRange(day(3, 8), day(3, 15)))
    assert funnel_period(defn, None) == DateRange(day(3, 8), day(3, 15))
    assert previous_period(funnel_period(defn, None)) == DateRange(day(3, 1), day(3, 8))
    whole = FunnelDefinition(steps=STEPS)
    span = (day(3, 1) + 3_600 * 10**9, day(3, 10) + 7_200 * 10**9)  # 1 March 01:00 … 10th
    assert funnel_period(whole, span) == DateRange(day(3, 1), day(3, 11))
    with pytest.raises(CompareError, match="no events"):
        funnel_period(whole, None)


def test_period_words() -> None:
    assert period_text(DateRange(day(3, 1), day(3, 8))) == "2026-03-01 – 2026-03-07"
    assert period_text(DateRange(day(3, 1) + 3_600 * 10**9, None)) == "2026-03-01 01:00 UTC – …"
    assert period_text(None) == "all dates"


def test_the_engines_refusal_is_a_message_for_a_person() -> None:
    """A definition built around the editor (a script, an old autosave) still gets the
    engine's own words in the app, not "Something went wrong" (§16)."""
    from funnel_gui.core.engine.compute import UnsupportedDefinition
    from funnel_gui.core.errors import UserFacingError

    assert issubclass(UnsupportedDefinition, UserFacingError)
    assert issubclass(UnsupportedDefinition, ValueError)  # callers catching it still do
