"""Undo names for exclusion and micro-conversion edits: one added, removed or edited item is
named after it; anything else keeps the general name."""

from __future__ import annotations

from dataclasses import replace

from funnel_gui.core.definition.model import (
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Step,
)
from funnel_gui.core.editing.commands import FunnelDocument, SetExclusions, SetMicroConversions
from funnel_gui.core.editing.settings import one_item_change

REFUND = Exclusion(("refund",), (1, 3))
COUPON = Exclusion(("coupon_error", "payment_error"), (2, 3))
NEWSLETTER = MicroConversion(("newsletter_signup",))
CTA = MicroConversion(("cta_click",), label="CTA click")


def funnel(
    exclusions: tuple[Exclusion, ...] = (), micros: tuple[MicroConversion, ...] = ()
) -> FunnelDefinition:
    steps = (Step(("view",)), Step(("cart",)), Step(("buy",), kind="macro"))
    return FunnelDefinition(steps=steps, exclusions=exclusions, micro_conversions=micros)


def test_one_item_change() -> None:
    assert one_item_change((1, 2), (1, 2, 3)) == ("add", 3)
    assert one_item_change((1, 2), (0, 1, 2)) == ("add", 0)
    assert one_item_change((1, 2, 3), (1, 3)) == ("remove", 2)
    assert one_item_change((1, 2, 3), (1, 9, 3)) == ("edit", 9)
    assert one_item_change((1, 2), (2, 1)) is None  # a reorder changes two positions
    assert one_item_change((1, 2), (3,)) is None  # one removed and one changed
    assert one_item_change((1,), (1, 2, 3)) is None
    assert one_item_change((), ()) is None


def test_exclusion_texts() -> None:
    one = funnel((REFUND,))
    both = funnel((REFUND, COUPON))
    assert SetExclusions((REFUND,)).text(funnel()) == 'Exclude "refund"'
    assert SetExclusions((REFUND, COUPON)).text(one) == 'Exclude "coupon_error or payment_error"'
    assert SetExclusions((COUPON,)).text(both) == 'Remove exclusion "refund"'
    assert SetExclusions(()).text(one) == 'Remove exclusion "refund"'
    edited = replace(REFUND, between=(2, 3))
    assert SetExclusions((edited, COUPON)).text(both) == 'Edit exclusion "refund"'
    assert SetExclusions(()).text(both) == "Remove all exclusions"
    assert SetExclusions((COUPON, REFUND)).text(both) == "Edit exclusions"


def test_micro_conversion_texts() -> None:
    one = funnel(micros=(NEWSLETTER,))
    assert SetMicroConversions((NEWSLETTER,)).text(funnel()) == (
        'Add micro-conversion "newsletter_signup"'
    )
    assert SetMicroConversions((NEWSLETTER, CTA)).text(one) == 'Add micro-conversion "CTA click"'
    assert SetMicroConversions(()).text(one) == 'Remove micro-conversion "newsletter_signup"'
    filtered = replace(NEWSLETTER, where=(Filter("source", "eq", "email"),))
    assert SetMicroConversions((filtered,)).text(one) == (
        'Edit micro-conversion "newsletter_signup"'
    )
    renamed = replace(NEWSLETTER, label="Newsletter")
    assert SetMicroConversions((renamed,)).text(one) == 'Edit micro-conversion "Newsletter"'
    two = funnel(micros=(NEWSLETTER, CTA))
    assert SetMicroConversions(()).text(two) == "Edit micro-conversions"


def test_undo_restores_the_tray_exactly() -> None:
    doc = FunnelDocument(funnel((REFUND,), (NEWSLETTER,)))
    before = doc.definition
    undo = doc.execute(SetMicroConversions((NEWSLETTER, CTA)))
    assert doc.definition.micro_conversions == (NEWSLETTER, CTA)
    doc.execute(undo)
    assert doc.definition == before
    undo = doc.execute(SetExclusions(()))
    assert doc.definition.exclusions == ()
    doc.execute(undo)
    assert doc.definition == before
