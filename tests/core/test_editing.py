"""FunnelDocument and its edit commands: each undoes exactly, links follow their steps."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import (
    MAX_STEPS,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    Kind,
    MicroConversion,
    Step,
)
from funnel_gui.core.editing.commands import (
    AddStepEvent,
    ChangeEvent,
    Command,
    EditError,
    FunnelDocument,
    InsertStep,
    MoveStep,
    RemoveStep,
    RemoveStepEvent,
    RenameStep,
    Replaced,
    ReplaceFunnel,
    SetExclusions,
    SetFunnelSettings,
    SetMicroConversions,
    SetStepFilters,
    SetStepGaps,
    SetStepKind,
    SettingsChanged,
    StepChanged,
    StepMoved,
    StepsInserted,
    StepsRemoved,
    insert_new_step,
    kind_for_new_step,
    new_step,
)

HOUR = 3600 * NS_PER_SECOND
REFUND = Exclusion(("refund",), (1, 3))
COUPON = Exclusion(("coupon_error",), (2, 3), (Filter("device", "eq", "mobile"),))


def checkout() -> FunnelDefinition:
    """View -> Cart -> Purchase, with two exclusions and a step_2 breakdown."""
    return FunnelDefinition(
        steps=(
            Step(("view_item",), label="View"),
            Step(("add_to_cart",), label="Cart", max_gap_ns=HOUR),
            Step(("purchase",), kind="macro"),
        ),
        name="Checkout",
        exclusions=(REFUND, COUPON),
        breakdown=Breakdown("device", "step_2"),
    )


def run(doc: FunnelDocument, command: Command) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    doc.add_listener(seen.append)
    try:
        doc.execute(command)
    finally:
        doc.remove_listener(seen.append)
    return seen


def betweens(defn: FunnelDefinition) -> list[tuple[int, int]]:
    return [e.between for e in defn.exclusions]


EVERY_COMMAND: list[Command] = [
    InsertStep(0, Step(("search",))),
    InsertStep(1, Step(("view_cart",))),
    InsertStep(3, Step(("review",))),
    RemoveStep(0),
    RemoveStep(1),
    RemoveStep(2),
    MoveStep(0, 2),
    MoveStep(2, 0),
    MoveStep(1, 2),
    AddStepEvent(1, "view_cart"),
    AddStepEvent(0, "view_item_list"),
    RenameStep(1, "Basket"),
    RenameStep(1, ""),
    SetStepKind(1, "macro"),
    SetStepFilters(1, (Filter("device", "eq", "mobile"),)),
    SetStepGaps(1, 60 * NS_PER_SECOND, None),
    SetFunnelSettings(order="strict", window_ns=HOUR, unit="session", name="Other"),
    SetFunnelSettings(breakdown=None, date_range=DateRange(0, HOUR)),
    SetExclusions((Exclusion(("refund",), (2, 3)),)),
    SetMicroConversions((MicroConversion(("newsletter_signup",), "Newsletter"),)),
    ReplaceFunnel(FunnelDefinition(steps=(Step(("a",)),))),
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: type(c).__name__)
def test_every_command_changes_and_its_inverse_restores_exactly(command: Command) -> None:
    doc = FunnelDocument(checkout())
    inverse = doc.execute(command)
    assert doc.definition != checkout()
    doc.execute(inverse)
    assert doc.definition == checkout()


def test_document_starts_empty_and_first_dropped_step_is_macro() -> None:
    doc = FunnelDocument()
    assert doc.definition.steps == ()
    doc.execute(InsertStep(0, new_step(doc.definition, 0, ["view_item", "view_item", "search"])))
    assert doc.definition.steps == (Step(("view_item", "search"), kind="macro"),)


def test_new_step_kind_rule_never_touches_other_steps() -> None:
    defn = checkout()  # step 3 is the only macro: an appended step takes the role over
    assert kind_for_new_step(defn, 3) == "macro"
    assert kind_for_new_step(defn, 1) == "micro"
    no_macro = replace(defn, steps=tuple(replace(s, kind="micro") for s in defn.steps))
    assert kind_for_new_step(no_macro, 3) == "macro"
    assert kind_for_new_step(no_macro, 2) == "micro"
    doc = FunnelDocument(no_macro)
    doc.execute(InsertStep(3, new_step(no_macro, 3, ["purchase_again"])))
    assert [s.kind for s in doc.definition.steps] == ["micro", "micro", "micro", "macro"]


def kinds(defn: FunnelDefinition) -> list[str]:
    return [s.kind for s in defn.steps]


def append(doc: FunnelDocument, event: str) -> tuple[str, Command, list[ChangeEvent]]:
    """Drop `event` below the last step: the command's text, its inverse, its events."""
    command = insert_new_step(doc.definition, len(doc.definition.steps), [event])
    text, inverse = command.text(doc.definition), command.inverse(doc.definition)
    return text, inverse, run(doc, command)


def test_appending_in_order_ends_with_the_last_step_as_the_macro() -> None:
    doc = FunnelDocument()
    assert append(doc, "view")[0] == 'Add step "view"'
    assert kinds(doc.definition) == ["macro"]
    text, _, events = append(doc, "cart")
    assert text == 'Add step "cart" (now the macro step)'
    assert events == [StepsInserted(1), StepChanged(0)]  # "view" repaints as micro
    assert kinds(doc.definition) == ["micro", "macro"]
    two_steps = doc.definition
    text, inverse, events = append(doc, "purchase")
    assert text == 'Add step "purchase" (now the macro step)'
    assert events == [StepsInserted(2), StepChanged(1)]
    assert kinds(doc.definition) == ["micro", "micro", "macro"]
    assert [s.display_label for s in doc.definition.steps] == ["view", "cart", "purchase"]
    # One undo removes "purchase" and makes "cart" the macro again, exactly as it was.
    assert run(doc, inverse) == [StepsRemoved(2), StepChanged(1)]
    assert doc.definition == two_steps
    assert kinds(doc.definition) == ["micro", "macro"]


def test_redoing_a_takeover_after_its_undo_takes_over_again() -> None:
    before = FunnelDefinition(steps=(Step(("view",)), Step(("cart",), kind="macro")))
    command = insert_new_step(before, 2, ["purchase"])
    doc = FunnelDocument(before)
    inverse = doc.execute(command)
    after = doc.definition
    redo = doc.execute(inverse)  # the inverse of the undo re-applies the takeover
    assert doc.definition == before
    assert redo.text(before) == 'Add step "purchase" (now the macro step)'
    doc.execute(redo)
    assert doc.definition == after


@pytest.mark.parametrize("index", [0, 1, 2])
def test_inserting_between_steps_never_changes_kinds(index: int) -> None:
    doc = FunnelDocument(checkout())  # micro, micro, macro
    command = insert_new_step(doc.definition, index, ["search"])
    assert command.text(doc.definition) == 'Add step "search"'
    inverse = doc.execute(command)
    expected = ["micro", "micro", "macro"]
    expected.insert(index, "micro")
    assert kinds(doc.definition) == expected
    doc.execute(inverse)
    assert doc.definition == checkout()


@pytest.mark.parametrize(
    "before",
    [
        ["micro", "macro", "macro"],  # two macros: the user chose them
        ["macro", "micro"],  # the macro is not the last step
        ["macro", "micro", "macro"],
    ],
)
def test_appending_keeps_kinds_the_user_chose(before: list[Kind]) -> None:
    defn = FunnelDefinition(steps=tuple(Step((f"e{i}",), kind=k) for i, k in enumerate(before)))
    doc = FunnelDocument(defn)
    text, inverse, events = append(doc, "more")
    assert text == 'Add step "more"'
    assert events == [StepsInserted(len(before))]
    assert kinds(doc.definition) == [*before, "micro"]
    doc.execute(inverse)
    assert doc.definition == defn


def test_insert_and_remove_refuse_kinds_that_do_not_fit() -> None:
    doc = FunnelDocument(checkout())
    with pytest.raises(EditError, match="not the kinds"):
        doc.execute(InsertStep(3, Step(("x",)), kinds=("micro", "macro")))
    with pytest.raises(EditError, match="not the kinds"):
        doc.execute(RemoveStep(0, kinds=("micro", "maybe")))  # type: ignore[arg-type]
    assert doc.definition == checkout()


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, [(2, 4), (3, 4)]), (1, [(1, 4), (3, 4)]), (2, [(1, 4), (2, 4)]), (3, [(1, 3), (2, 3)])],
)
def test_insert_keeps_exclusions_on_their_steps(
    index: int, expected: list[tuple[int, int]]
) -> None:
    doc = FunnelDocument(checkout())
    inverse = doc.execute(InsertStep(index, Step(("x",))))
    assert betweens(doc.definition) == expected
    # The breakdown keeps pointing at "Cart" wherever it now is.
    assert doc.definition.breakdown == Breakdown("device", "step_3" if index <= 1 else "step_2")
    doc.execute(inverse)
    assert doc.definition == checkout()


def test_removing_an_inner_step_shrinks_and_an_end_step_drops_exclusions() -> None:
    doc = FunnelDocument(checkout())
    command = RemoveStep(1)
    assert command.text(doc.definition) == (
        'Remove step "Cart" (drops exclusion "coupon_error"; '
        "breakdown now taken from the first step)"
    )
    inverse = doc.execute(command)
    assert betweens(doc.definition) == [(1, 2)]  # refund: still View .. Purchase
    assert doc.definition.exclusions[0].events == ("refund",)
    assert doc.definition.breakdown == Breakdown("device", "first_step")
    doc.execute(inverse)
    assert doc.definition == checkout()


def test_removing_the_last_end_of_an_exclusion_moves_it_inward() -> None:
    doc = FunnelDocument(checkout())
    command = RemoveStep(2)
    assert command.text(doc.definition) == (
        'Remove step "purchase" (exclusion "refund" now between steps 1 and 2; '
        'drops exclusion "coupon_error")'
    )
    inverse = doc.execute(command)
    assert betweens(doc.definition) == [(1, 2)]
    assert doc.definition.breakdown == Breakdown("device", "step_2")
    doc.execute(inverse)
    assert doc.definition == checkout()


def test_removing_down_to_one_step_drops_every_exclusion_and_undo_brings_them_back() -> None:
    doc = FunnelDocument(checkout())
    undo = [doc.execute(RemoveStep(0)), doc.execute(RemoveStep(0))]
    assert doc.definition.exclusions == ()
    assert [s.display_label for s in doc.definition.steps] == ["purchase"]
    for inverse in reversed(undo):
        doc.execute(inverse)
    assert doc.definition == checkout()


@pytest.mark.parametrize(
    ("source", "destination", "expected", "attribution"),
    [
        (2, 0, [(1, 2), (1, 3)], "step_3"),  # Purchase first: its exclusions follow it
        (0, 2, [(2, 3), (1, 2)], "step_1"),
        (0, 1, [(2, 3), (1, 3)], "step_1"),
        (1, 2, [(1, 2), (2, 3)], "step_3"),
    ],
)
def test_moves_carry_exclusions_and_breakdown_with_their_steps(
    source: int, destination: int, expected: list[tuple[int, int]], attribution: str
) -> None:
    doc = FunnelDocument(checkout())
    inverse = doc.execute(MoveStep(source, destination))
    assert betweens(doc.definition) == expected
    assert doc.definition.breakdown == Breakdown("device", attribution)
    kinds = {s.display_label: s.kind for s in doc.definition.steps}
    assert kinds == {"View": "micro", "Cart": "micro", "purchase": "macro"}
    doc.execute(inverse)
    assert doc.definition == checkout()


def test_readable_texts() -> None:
    before = checkout()
    texts = {
        InsertStep(1, Step(("add_to_cart",))): 'Add step "add_to_cart"',
        MoveStep(1, 0): 'Move step "Cart" up',
        MoveStep(1, 2): 'Move step "Cart" down',
        MoveStep(2, 0): 'Move step "purchase" to position 1',
        AddStepEvent(1, "view_cart"): 'Add "view_cart" to step "Cart"',
        RemoveStepEvent(1, "add_to_cart"): 'Remove "add_to_cart" from step "Cart"',
        SetStepKind(1, "macro"): 'Mark "Cart" as macro',
        RenameStep(1, "Basket"): 'Rename step "Cart" to "Basket"',
        RenameStep(1, ""): 'Rename step "Cart" to "add_to_cart"',
        SetStepFilters(1, ()): 'Clear filters of step "Cart"',
        SetStepGaps(1, None, HOUR): 'Set time limits of step "Cart"',
        RemoveStep(0): 'Remove step "View" (exclusion "refund" now between steps 1 and 2)',
        SetFunnelSettings(window_ns=HOUR): "Set conversion window to 1h",
        SetFunnelSettings(order="strict"): 'Set step order to "strict"',
        SetFunnelSettings(unit="session"): "Count by session",
        SetFunnelSettings(name="Signup"): 'Rename funnel to "Signup"',
        SetFunnelSettings(breakdown=None): "Remove breakdown",
        SetFunnelSettings(breakdown=Breakdown("country")): 'Break down by "country"',
        SetFunnelSettings(date_range=None): "Clear date range",
        SetFunnelSettings(order="any", unit="session"): "Change funnel settings",
        SetExclusions(()): "Remove all exclusions",
        SetMicroConversions(()): "Edit micro-conversions",
    }
    assert {command: command.text(before) for command in texts} == texts


def test_twenty_steps_at_most() -> None:
    full = FunnelDefinition(steps=tuple(Step((f"e{i}",)) for i in range(MAX_STEPS)))
    doc = FunnelDocument(full)
    seen: list[ChangeEvent] = []
    doc.add_listener(seen.append)
    with pytest.raises(EditError, match="at most 20 steps; remove one before adding another"):
        doc.execute(InsertStep(5, Step(("one_too_many",))))
    with pytest.raises(EditError, match="at most 20 steps"):
        doc.execute(ReplaceFunnel(replace(full, steps=(*full.steps, Step(("x",))))))
    assert doc.definition == full
    assert seen == []


def test_listeners_hear_small_change_events() -> None:
    doc = FunnelDocument(checkout())
    assert run(doc, InsertStep(3, Step(("review",)))) == [StepsInserted(3)]
    assert run(doc, InsertStep(1, Step(("x",)))) == [StepsInserted(1), SettingsChanged()]
    assert run(doc, RemoveStep(1)) == [StepsRemoved(1), SettingsChanged()]
    assert run(doc, MoveStep(2, 0)) == [StepMoved(2, 0), SettingsChanged()]
    assert run(doc, RenameStep(1, "Seen")) == [StepChanged(1)]
    assert run(doc, AddStepEvent(1, "view_item_list")) == [StepChanged(1)]
    assert run(doc, SetFunnelSettings(window_ns=HOUR)) == [SettingsChanged()]
    assert run(doc, SetExclusions(())) == [SettingsChanged()]
    assert run(doc, ReplaceFunnel(checkout())) == [Replaced()]
    assert run(doc, SetStepKind(0, "macro")) == [StepChanged(0)]
    unlinked = FunnelDocument(FunnelDefinition(steps=(Step(("a",)), Step(("b",)))))
    assert run(unlinked, MoveStep(0, 1)) == [StepMoved(0, 1)]  # no links to renumber


def test_reset_replaces_outside_undo() -> None:
    doc = FunnelDocument(checkout())
    seen: list[ChangeEvent] = []
    doc.add_listener(seen.append)
    doc.reset(FunnelDefinition(steps=()))
    assert doc.definition.steps == ()
    assert seen == [Replaced()]


def test_noops_are_detectable_and_silent() -> None:
    doc = FunnelDocument(checkout())
    for command in (
        AddStepEvent(1, "add_to_cart"),
        RemoveStepEvent(1, "not_there"),
        RenameStep(0, "View"),
        SetStepKind(2, "macro"),
        MoveStep(1, 1),
        SetFunnelSettings(order="sequential"),
        SetFunnelSettings(),
    ):
        assert command.is_noop(doc.definition), command
        assert command.inverse(doc.definition).is_noop(doc.definition), command
        assert run(doc, command) == []
    assert not AddStepEvent(1, "view_cart").is_noop(doc.definition)


def test_removing_an_alternative_and_undo_keep_the_event_order() -> None:
    defn = replace(checkout(), steps=(Step(("a", "b", "c")),))
    doc = FunnelDocument(defn)
    inverse = doc.execute(RemoveStepEvent(0, "b"))
    assert doc.definition.steps[0].events == ("a", "c")
    doc.execute(inverse)
    assert doc.definition == defn
    doc.execute(RemoveStepEvent(0, "a"))
    doc.execute(RemoveStepEvent(0, "c"))
    with pytest.raises(EditError, match="only event of step"):
        doc.execute(RemoveStepEvent(0, "b"))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (RemoveStep(3), "there is no step 4; the funnel has 3"),
        (MoveStep(0, 3), "there is no step 4"),
        (InsertStep(5, Step(("x",))), "cannot insert at position 6"),
        (InsertStep(0, Step(())), "at least one non-empty event"),
        (AddStepEvent(0, ""), "at least one non-empty event"),
        (SetStepGaps(1, 2 * HOUR, HOUR), "longer than the maximum"),
        (SetStepGaps(1, None, 0), "must be above zero"),
        (SetFunnelSettings(window_ns=10), "at least 1 second"),
        (SetFunnelSettings(breakdown=Breakdown("device", "step_4")), "N from 1 to 3"),
        (SetFunnelSettings(breakdown=Breakdown("device", "step_x")), "not an attribution"),
        (SetFunnelSettings(date_range=DateRange(HOUR, 0)), "ends before it starts"),
        (SetExclusions((Exclusion(("refund",), (2, 2)),)), "1 ≤ a < b ≤ 3"),
    ],
)
def test_invalid_edits_are_refused_with_a_clear_message(command: Command, message: str) -> None:
    doc = FunnelDocument(checkout())
    with pytest.raises(EditError, match=message):
        doc.execute(command)
    assert doc.definition == checkout()


def test_settings_inverse_restores_only_what_was_set() -> None:
    command = SetFunnelSettings(order="any", breakdown=None)
    assert command.inverse(checkout()) == SetFunnelSettings(
        order="sequential", breakdown=Breakdown("device", "step_2")
    )


# ------------------------------------------------------------------ property test

EVENTS = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def definitions(draw: st.DrawFn) -> FunnelDefinition:
    n = draw(st.integers(0, 6))
    steps = tuple(
        Step(
            tuple(draw(st.lists(EVENTS, min_size=1, max_size=3, unique=True))),
            kind=draw(st.sampled_from(["micro", "macro"])),
        )
        for _ in range(n)
    )
    exclusions: list[Exclusion] = []
    if n >= 2:
        for _ in range(draw(st.integers(0, 3))):
            a = draw(st.integers(1, n - 1))
            exclusions.append(Exclusion(("x",), (a, draw(st.integers(a + 1, n)))))
    breakdown = None
    if n and draw(st.booleans()):
        breakdown = Breakdown("device", f"step_{draw(st.integers(1, n))}")
    return FunnelDefinition(steps, exclusions=tuple(exclusions), breakdown=breakdown)


def random_command(data: st.DataObject, defn: FunnelDefinition) -> Command:
    n = len(defn.steps)
    kinds = ["insert", "settings"]
    if n:
        kinds += ["remove", "move", "add", "drop", "rename", "mark"]
    kind = data.draw(st.sampled_from(kinds))
    index = data.draw(st.integers(0, max(n - 1, 0)))
    if kind == "insert":
        return InsertStep(data.draw(st.integers(0, n)), Step((data.draw(EVENTS),)))
    if kind == "settings":
        return SetFunnelSettings(order=data.draw(st.sampled_from(["sequential", "any"])))
    if kind == "remove":
        return RemoveStep(index)
    if kind == "move":
        return MoveStep(index, data.draw(st.integers(0, n - 1)))
    if kind == "add":
        return AddStepEvent(index, data.draw(EVENTS))
    if kind == "drop":
        return RemoveStepEvent(index, data.draw(EVENTS))
    if kind == "rename":
        return RenameStep(index, data.draw(st.sampled_from(["", "S"])))
    return SetStepKind(index, data.draw(st.sampled_from(["micro", "macro"])))


def assert_links_valid(defn: FunnelDefinition) -> None:
    n = len(defn.steps)
    assert all(1 <= a < b <= n for a, b in betweens(defn))
    if defn.breakdown is not None and defn.breakdown.attribution.startswith("step_"):
        assert 1 <= int(defn.breakdown.attribution[5:]) <= n


@settings(max_examples=300, deadline=None)
@given(start=definitions(), data=st.data())
def test_random_edits_then_undo_all_gives_back_the_start(
    start: FunnelDefinition, data: st.DataObject
) -> None:
    doc = FunnelDocument(start)
    history: list[tuple[FunnelDefinition, Command]] = []
    done: list[Command] = []
    for _ in range(data.draw(st.integers(1, 15))):
        before = doc.definition
        command = random_command(data, before)
        try:
            inverse = doc.execute(command)
        except EditError:  # e.g. removing a step's only event: refused, nothing changed
            assert doc.definition == before
            continue
        assert_links_valid(doc.definition)
        history.append((before, inverse))
        done.append(command)
    states = [doc.definition]
    for before, inverse in reversed(history):
        doc.execute(inverse)
        assert doc.definition == before
        states.append(before)
    for command in done:  # redo replays the same states
        doc.execute(command)
    assert doc.definition == states[0]


@settings(max_examples=200, deadline=None)
@given(start=definitions(), data=st.data())
def test_new_steps_change_at_most_the_old_last_kind_and_undo_exactly(
    start: FunnelDefinition, data: st.DataObject
) -> None:
    n = len(start.steps)
    index = data.draw(st.integers(0, n))
    doc = FunnelDocument(start)
    inverse = doc.execute(insert_new_step(start, index, ["new"]))
    after = doc.definition
    others = [s.kind for i, s in enumerate(after.steps) if i != index]
    macros = [i for i, k in enumerate(kinds(start)) if k == "macro"]
    if index == n and macros == [n - 1]:  # the takeover
        assert kinds(after) == [*["micro"] * n, "macro"]
    else:
        assert others == kinds(start)
        assert after.steps[index].kind == ("macro" if index == n and not macros else "micro")
    doc.execute(inverse)
    assert doc.definition == start
