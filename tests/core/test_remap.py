"""Remapping a saved funnel's event names to another export's (suggestions by similarity)."""

from __future__ import annotations

import pytest

from funnel_gui.core.definition.model import Exclusion, FunnelDefinition, MicroConversion, Step
from funnel_gui.core.definition.remap import (
    check_map,
    missing_events,
    parse_map_pairs,
    remap_events,
    suggested_map,
    suggestions,
)

DATA = ["viewItem", "addToCart", "purchase", "page_view", "refund_issued", "sign_up"]

DEFN = FunnelDefinition(
    steps=(
        Step(events=("view_item",)),
        Step(events=("add_to_cart", "addToCart"), label="Cart"),
        Step(events=("purchase",), kind="macro"),
    ),
    exclusions=(Exclusion(("refund",), (1, 3)),),
    micro_conversions=(MicroConversion(("newsletter",)),),
)


def test_missing_events_in_reading_order() -> None:
    assert missing_events(DEFN, DATA) == ["view_item", "add_to_cart", "refund", "newsletter"]


def test_suggestions_put_the_same_words_first() -> None:
    # "view_item" and "viewItem" are the same words; "page_view" only shares one.
    assert suggestions("view_item", DATA)[0] == "viewItem"
    assert suggestions("add_to_cart", DATA)[0] == "addToCart"
    assert suggestions("refund", DATA)[0] == "refund_issued"
    assert suggestions("newsletter", DATA) == []  # nothing close: no guess


def test_suggested_map() -> None:
    assert suggested_map(DEFN, DATA) == {
        "view_item": "viewItem",
        "add_to_cart": "addToCart",
        "refund": "refund_issued",
        "newsletter": None,
    }


def test_remap_replaces_everywhere_and_merges_repeats() -> None:
    mapped = remap_events(
        DEFN, {"view_item": "viewItem", "add_to_cart": "addToCart", "refund": "x"}
    )
    assert [s.events for s in mapped.steps] == [("viewItem",), ("addToCart",), ("purchase",)]
    assert mapped.steps[1].label == "Cart"
    assert mapped.steps[2].kind == "macro"
    assert mapped.exclusions[0].events == ("x",)
    assert mapped.micro_conversions[0].events == ("newsletter",)


def test_parse_map_pairs() -> None:
    assert parse_map_pairs(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    for bad in ("a", "=b", "a=", "a=b=c"):
        if bad == "a=b=c":
            assert parse_map_pairs([bad]) == {"a": "b=c"}  # an event name may hold "="
            continue
        with pytest.raises(ValueError, match="is not OLD=NEW"):
            parse_map_pairs([bad])
    with pytest.raises(ValueError, match="two new names"):
        parse_map_pairs(["a=b", "a=c"])


def test_check_map_names_the_unknown_event() -> None:
    check_map(DEFN, {"view_item": "viewItem"}, DATA)
    with pytest.raises(
        ValueError, match='the data has no event "viewitem" \\(did you mean viewItem'
    ):
        check_map(DEFN, {"view_item": "viewitem"}, DATA)
    with pytest.raises(ValueError, match='the funnel has no event "nope"'):
        check_map(DEFN, {"nope": "viewItem"}, DATA)
