"""The `*.funnel.json` format (FUNNEL_SEMANTICS §2, §11): reading, refusals, writing, files."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_gui.core.definition import file as funnel_file
from funnel_gui.core.definition.durations import MAX_DURATION_NS, format_duration, parse_duration
from funnel_gui.core.definition.file import (
    CURRENT_VERSION,
    MIGRATIONS,
    FunnelFileError,
    LoadedFunnel,
    definition_from_dict,
    definition_to_dict,
    load_funnel,
    save_funnel,
)
from funnel_gui.core.definition.model import (
    DEFAULT_WINDOW_NS,
    FILTER_OPS,
    NS_PER_SECOND,
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Step,
)

HOUR = 3_600 * NS_PER_SECOND
DAY = 24 * HOUR
MARCH_1_2026 = 1_772_323_200 * NS_PER_SECOND  # 2026-03-01T00:00:00Z
APRIL_1_2026 = MARCH_1_2026 + 31 * DAY


def section_11_example() -> dict[str, Any]:
    """The example of FUNNEL_SEMANTICS §11, as the dict json.load gives for it."""
    return {
        "format": "funnel-gui.funnel",
        "version": 1,
        "name": "Checkout",
        "order": "sequential",
        "window": "7d",
        "unit": "actor",
        "steps": [
            {"label": "Product view", "events": ["view_item"], "kind": "micro"},
            {
                "label": "Cart",
                "events": ["add_to_cart"],
                "kind": "micro",
                "where": [{"property": "device", "op": "eq", "value": "mobile"}],
                "max_gap": "1h",
                "min_gap": "0s",
            },
            {"label": "Purchase", "events": ["purchase"], "kind": "macro"},
        ],
        "exclusions": [{"events": ["refund"], "between": [1, 3]}],
        "breakdown": {"property": "device", "attribution": "first_step"},
        "date_range": {"from": "2026-03-01", "to": "2026-04-01"},
        "micro_conversions": [{"label": "Newsletter", "events": ["newsletter_signup"]}],
    }


def minimal(n_steps: int = 3) -> dict[str, Any]:
    return {
        "format": "funnel-gui.funnel",
        "version": 1,
        "steps": [{"events": [f"e{i + 1}"]} for i in range(n_steps)],
    }


def load(data: dict[str, Any]) -> FunnelDefinition:
    return definition_from_dict(data).definition


def refusal(data: Any) -> str:
    with pytest.raises(FunnelFileError) as info:
        definition_from_dict(data)
    assert info.value.message == str(info.value)
    return info.value.message


# ------------------------------------------------------------ reading (§11)


def test_section_11_example_gives_the_expected_model() -> None:
    loaded = definition_from_dict(section_11_example())
    assert loaded.warnings == []
    d = loaded.definition
    assert d.name == "Checkout"
    assert d.order == "sequential"
    assert d.unit == "actor"
    assert d.window_ns == 7 * DAY
    assert [s.label for s in d.steps] == ["Product view", "Cart", "Purchase"]
    assert [s.events for s in d.steps] == [("view_item",), ("add_to_cart",), ("purchase",)]
    assert [s.kind for s in d.steps] == ["micro", "micro", "macro"]
    cart = d.steps[1]
    assert cart.where == (Filter("device", "eq", "mobile"),)
    assert cart.max_gap_ns == HOUR
    assert cart.min_gap_ns == 0
    assert d.steps[0].max_gap_ns is None
    assert d.steps[0].min_gap_ns is None
    assert d.exclusions == (Exclusion(("refund",), (1, 3)),)
    assert d.breakdown == Breakdown("device", "first_step")
    assert d.date_range == DateRange(MARCH_1_2026, APRIL_1_2026)
    assert d.micro_conversions == (MicroConversion(("newsletter_signup",), "Newsletter"),)


def test_section_11_example_writes_back_without_its_default_keys() -> None:
    expected = section_11_example()
    for key in ("order", "window", "unit"):
        del expected[key]
    for step in expected["steps"]:
        del step["kind"]  # micro, micro, macro: the defaults of §2
    del expected["breakdown"]["attribution"]
    assert definition_to_dict(load(section_11_example())) == expected


def test_defaults_of_section_2() -> None:
    d = load(minimal(3))
    assert d == FunnelDefinition(
        steps=(Step(("e1",)), Step(("e2",)), Step(("e3",), kind="macro")),
    )
    assert d.window_ns == DEFAULT_WINDOW_NS == 7 * DAY
    assert (d.order, d.unit, d.name) == ("sequential", "actor", "")
    assert (d.breakdown, d.date_range, d.exclusions, d.micro_conversions) == (None, None, (), ())


def test_a_single_step_is_macro_by_default() -> None:
    assert load(minimal(1)).steps[0].kind == "macro"


def test_label_defaults_to_event_names_joined_by_or() -> None:
    data = minimal(1)
    data["steps"][0]["events"] = ["view_item", "view_promo"]
    step = load(data).steps[0]
    assert step.label == ""
    assert step.display_label == "view_item or view_promo"


def test_an_explicit_label_is_kept_even_when_it_equals_the_default() -> None:
    data = minimal(1)
    data["steps"][0]["label"] = "e1"
    assert load(data).steps[0].label == "e1"
    assert definition_to_dict(load(data))["steps"][0]["label"] == "e1"


def test_explicit_kinds_override_the_defaults() -> None:
    data = minimal(2)
    data["steps"][0]["kind"] = "macro"
    data["steps"][1]["kind"] = "micro"
    assert [s.kind for s in load(data).steps] == ["macro", "micro"]
    assert [s.get("kind") for s in definition_to_dict(load(data))["steps"]] == ["macro", "micro"]


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("window", 3600, HOUR),
        ("window", "3600", HOUR),
        ("window", "90m", 90 * 60 * NS_PER_SECOND),
        ("window", "1.5h", 90 * 60 * NS_PER_SECOND),
        ("window", "2w", 14 * DAY),
        ("window", "1s", NS_PER_SECOND),
        ("max_gap", "0.5s", NS_PER_SECOND // 2),
        ("min_gap", 0, 0),
    ],
)
def test_durations_in_the_file(key: str, text: object, expected: int) -> None:
    data = minimal(2)
    if key == "window":
        data["window"] = text
        assert load(data).window_ns == expected
    else:
        data["steps"][1][key] = text
        assert getattr(load(data).steps[1], f"{key}_ns") == expected


@pytest.mark.parametrize(
    ("op", "value", "stored"),
    [
        ("eq", "mobile", "mobile"),
        ("eq", "", ""),
        ("neq", 3, "3"),
        ("contains", 3.0, "3"),  # integral floats read as text without ".0"
        ("eq", 2.5, "2.5"),
        ("eq", -0.0, "0"),
        ("in", ["a", 1, 2.0, 2.5], ("a", "1", "2", "2.5")),
        ("not_in", ["x"], ("x",)),
        ("gt", 5, 5.0),
        ("lt", -2.5, -2.5),
    ],
)
def test_filter_values_are_normalised(op: str, value: Any, stored: Any) -> None:
    data = minimal(1)
    data["steps"][0]["where"] = [{"property": "p", "op": op, "value": value}]
    assert load(data).steps[0].where == (Filter("p", op, stored),)  # type: ignore[arg-type]


@pytest.mark.parametrize("op", ["is_set", "not_set"])
def test_set_tests_take_no_value(op: str) -> None:
    data = minimal(1)
    data["steps"][0]["where"] = [{"property": "p", "op": op}]
    assert load(data).steps[0].where == (Filter("p", op),)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("range_in_file", "expected"),
    [
        ({"from": "2026-03-01"}, DateRange(MARCH_1_2026, None)),
        ({"to": "2026-03-01"}, DateRange(None, MARCH_1_2026)),
        ({}, DateRange(None, None)),
        ({"from": "2026-03-01T00:00:00"}, DateRange(MARCH_1_2026, None)),  # naive = UTC
        ({"from": "2026-03-01T00:00:00Z"}, DateRange(MARCH_1_2026, None)),
        ({"from": "2026-03-01 02:00+02:00"}, DateRange(MARCH_1_2026, None)),
        ({"from": "2026-02-28T19:00:00-0500"}, DateRange(MARCH_1_2026, None)),
        ({"from": "2026-03-01T00:00:01.000000042Z"}, DateRange(MARCH_1_2026 + 1_000_000_042, None)),
        ({"from": "1970-01-01"}, DateRange(0, None)),
    ],
)
def test_date_range_forms(range_in_file: dict[str, str], expected: DateRange) -> None:
    data = minimal(1)
    data["date_range"] = range_in_file
    assert load(data).date_range == expected


def test_date_range_is_written_as_dates_at_midnight_utc_else_as_utc_times() -> None:
    data = minimal(1)
    data["date_range"] = {"from": "2026-03-01T03:00:00+02:00", "to": "2026-04-01"}
    written = definition_to_dict(load(data))["date_range"]
    assert written == {"from": "2026-03-01T01:00:00Z", "to": "2026-04-01"}
    data["date_range"] = {"from": "2026-03-01T00:00:00.25Z"}
    assert definition_to_dict(load(data))["date_range"] == {"from": "2026-03-01T00:00:00.25Z"}


def test_breakdown_attributions() -> None:
    data = minimal(3)
    for attribution in ("first_step", "last_step", "step_1", "step_3"):
        data["breakdown"] = {"property": "device", "attribution": attribution}
        assert load(data).breakdown == Breakdown("device", attribution)
    data["breakdown"] = {"property": "device"}
    assert load(data).breakdown == Breakdown("device", "first_step")


def test_repeated_event_names_are_dropped_with_a_warning() -> None:
    data = minimal(2)
    data["steps"][1]["events"] = ["buy", "pay", "buy", "buy"]
    loaded = definition_from_dict(data)
    assert loaded.definition.steps[1].events == ("buy", "pay")
    assert len(loaded.warnings) == 1
    assert "steps[1].events" in loaded.warnings[0]
    assert '"buy"' in loaded.warnings[0]


def test_gaps_on_the_first_step_are_kept_with_a_warning() -> None:
    data = minimal(2)
    data["steps"][0]["max_gap"] = "1h"
    loaded = definition_from_dict(data)
    assert loaded.definition.steps[0].max_gap_ns == HOUR
    assert len(loaded.warnings) == 1
    assert "first step" in loaded.warnings[0]


def test_a_clean_file_has_no_warnings() -> None:
    assert definition_from_dict(minimal(3)).warnings == []


def test_the_caller_data_is_not_modified() -> None:
    data = section_11_example()
    before = copy.deepcopy(data)
    definition_from_dict(data)
    assert data == before


# ------------------------------------------------------------------ refusals

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting a value at a dotted path such as "steps.1.where"."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _where(*filters: dict[str, Any]) -> Mutation:
    return _set("steps.1.where", list(filters))


def _exclude(between: Any) -> Mutation:
    return _set("exclusions", [{"events": ["refund"], "between": between}])


ALL_OPS = ", ".join(FILTER_OPS)

REFUSALS: list[tuple[str, Mutation, list[str]]] = [
    # header
    ("no format", _drop("format"), ['"format"', "missing", "funnel-gui.funnel"]),
    ("other format", _set("format", "vega"), ["format:", '"vega"', '"funnel-gui.funnel"']),
    ("no version", _drop("version"), ['"version"', "missing"]),
    ("text version", _set("version", "1"), ["version:", "whole number", 'text ("1")']),
    ("bool version", _set("version", True), ["version:", "whole number", "boolean"]),
    ("float version", _set("version", 1.0), ["version:", "whole number"]),
    ("newer version", _set("version", 3), ["version:", "newer Funnel Explorer", "version 3"]),
    ("version 0", _set("version", 0), ["version:", "0 is not a version"]),
    ("negative version", _set("version", -1), ["version:", "-1 is not a version"]),
    # unknown keys, at every level
    (
        "top-level key",
        _set("windw", "7d"),
        ['unknown key "windw"', 'did you mean "window"', "top level", "allowed keys are format"],
    ),
    (
        "two unknown keys",
        lambda d: d.update(colour=1, size=2),
        ['unknown keys "colour", "size"', "allowed keys are"],
    ),
    (
        "step key",
        _set("steps.1.labl", "x"),
        ["steps[1]:", '"labl"', 'did you mean "label"', "label, events, kind, where"],
    ),
    (
        "filter key",
        _where({"property": "p", "op": "eq", "value": "x", "case": "i"}),
        ["steps[1].where[0]:", '"case"', "property, op, value"],
    ),
    (
        "exclusion key",
        _set("exclusions", [{"events": ["r"], "between": [1, 2], "kind": "micro"}]),
        ["exclusions[0]:", '"kind"', "events, where, between"],
    ),
    (
        "micro conversion kind",
        _set("micro_conversions", [{"events": ["n"], "kind": "micro"}]),
        ["micro_conversions[0]:", '"kind"', "label, events, where"],
    ),
    (
        "breakdown key",
        _set("breakdown", {"property": "p", "group": "x"}),
        ["breakdown:", '"group"', "property, attribution"],
    ),
    (
        "date range key",
        _set("date_range", {"start": "2026-03-01"}),
        ["date_range:", '"start"', "from, to"],
    ),
    # steps
    ("no steps", _drop("steps"), ['required key "steps"', "missing"]),
    ("steps not a list", _set("steps", {"events": ["a"]}), ["steps:", "expected a list"]),
    ("no step", _set("steps", []), ["steps:", "at least one step"]),
    (
        "21 steps",
        _set("steps", [{"events": ["a"]}] * 21),
        ["steps:", "21 steps is too many", "at most 20"],
    ),
    ("step not an object", _set("steps.0", "view"), ["steps[0]:", "expected an object"]),
    ("step without events", _drop("steps.2.events"), ["steps[2]", 'required key "events"']),
    ("events not a list", _set("steps.0.events", "view"), ["steps[0].events:", "expected a list"]),
    ("empty events", _set("steps.0.events", []), ["steps[0].events:", "at least one event name"]),
    ("event not text", _set("steps.0.events", ["a", 3]), ["steps[0].events[1]:", "number (3)"]),
    ("empty event", _set("steps.0.events", [""]), ["steps[0].events[0]:", "cannot be empty"]),
    ("label not text", _set("steps.0.label", 5), ["steps[0].label:", "expected text"]),
    ("kind", _set("steps.0.kind", "major"), ["steps[0].kind:", '"major"', "micro, macro"]),
    ("name not text", _set("name", ["x"]), ["name:", "expected text", "a list"]),
    ("null name", _set("name", None), ["name:", "expected text", "null"]),
    ("order", _set("order", "random"), ["order:", '"random"', "sequential, strict, any"]),
    ("unit", _set("unit", "user"), ["unit:", '"user"', "actor, session"]),
    # durations
    ("window zero", _set("window", "0s"), ["window:", '"0s"', "at least 1 second"]),
    ("window too short", _set("window", "0.5s"), ["window:", "at least 1 second"]),
    ("window garbage", _set("window", "7 days"), ["window:", '"7 days"', "not a duration"]),
    ("window negative", _set("window", -60), ["window:", "negative"]),
    ("window negative text", _set("window", "-1h"), ["window:", "negative"]),
    ("window bool", _set("window", True), ["window:", "true", "not a duration"]),
    ("window float", _set("window", 1.5), ["window:", "whole number of seconds"]),
    ("window no unit", _set("window", "1.5"), ["window:", '"1.5s"']),
    ("max_gap zero", _set("steps.1.max_gap", "0s"), ["steps[1].max_gap:", "longer than zero"]),
    ("gap garbage", _set("steps.1.min_gap", "soon"), ["steps[1].min_gap:", '"soon"']),
    (
        "min over max",
        lambda d: d["steps"][1].update(min_gap="2h", max_gap="1h"),
        ["steps[1]:", '"min_gap" ("2h") is longer than "max_gap" ("1h")'],
    ),
    # filters
    ("where not a list", _set("steps.1.where", {}), ["steps[1].where:", "expected a list"]),
    (
        "filter not an object",
        _where("device=mobile"),  # type: ignore[arg-type]
        ["steps[1].where[0]:", "expected an object"],
    ),
    (
        "unknown op",
        _where({"property": "p", "op": "like", "value": "x"}),
        ["steps[1].where[0].op:", '"like" is not an operator', f"use one of {ALL_OPS}"],
    ),
    ("no op", _where({"property": "p", "value": "x"}), ["steps[1].where[0]", '"op"', "missing"]),
    ("no property", _where({"op": "is_set"}), ["steps[1].where[0]", '"property"', "missing"]),
    (
        "empty property",
        _where({"property": "", "op": "is_set"}),
        ["steps[1].where[0].property:", "cannot be empty"],
    ),
    (
        "in with text",
        _where({"property": "p", "op": "in", "value": "a"}),
        ["steps[1].where[0].value:", '"in" needs a non-empty list', 'text ("a")'],
    ),
    (
        "not_in empty",
        _where({"property": "p", "op": "not_in", "value": []}),
        ["steps[1].where[0].value:", '"not_in" needs a non-empty list'],
    ),
    (
        "in with a bool",
        _where({"property": "p", "op": "in", "value": ["a", False]}),
        ["steps[1].where[0].value[1]:", "boolean", '"false"'],
    ),
    (
        "in with a list",
        _where({"property": "p", "op": "in", "value": [["a"]]}),
        ["steps[1].where[0].value[0]:", "expected text or a number", "a list"],
    ),
    (
        "gt with text",
        _where({"property": "p", "op": "gt", "value": "5"}),
        ["steps[1].where[0].value:", '"gt" compares numbers', 'text ("5")', "without quotes: 5"],
    ),
    (
        "lt with a bool",
        _where({"property": "p", "op": "lt", "value": True}),
        ["steps[1].where[0].value:", '"lt" compares numbers', "boolean"],
    ),
    (
        "gt with NaN",
        _where({"property": "p", "op": "gt", "value": float("nan")}),
        ["steps[1].where[0].value:", "not a usable number"],
    ),
    (
        "gt with a huge int",
        _where({"property": "p", "op": "gt", "value": 10**400}),
        ["steps[1].where[0].value:", "too large"],
    ),
    (
        "is_set with value",
        _where({"property": "p", "op": "is_set", "value": "x"}),
        ["steps[1].where[0]:", '"is_set" takes no value', 'remove "value"'],
    ),
    (
        "not_set with null",
        _where({"property": "p", "op": "not_set", "value": None}),
        ["steps[1].where[0]:", '"not_set" takes no value'],
    ),
    (
        "eq without value",
        _where({"property": "p", "op": "eq"}),
        ["steps[1].where[0]:", '"eq" needs a "value"'],
    ),
    (
        "eq with a bool",
        _where({"property": "p", "op": "eq", "value": True}),
        ["steps[1].where[0].value:", "boolean", 'write it as text, e.g. "true"'],
    ),
    (
        "eq with null",
        _where({"property": "p", "op": "eq", "value": None}),
        ["steps[1].where[0].value:", "expected text or a number", "null"],
    ),
    # exclusions
    ("exclusions not a list", _set("exclusions", {}), ["exclusions:", "expected a list"]),
    (
        "exclusion without between",
        _set("exclusions", [{"events": ["r"]}]),
        ["exclusions[0]", 'required key "between"'],
    ),
    (
        "exclusion without events",
        _set("exclusions", [{"between": [1, 2]}]),
        ["exclusions[0]", 'required key "events"'],
    ),
    ("between backwards", _exclude([3, 1]), ["exclusions[0].between:", "[3, 1]", "1 ≤ a < b ≤ 3"]),
    ("between equal", _exclude([2, 2]), ["exclusions[0].between:", "1 ≤ a < b ≤ 3"]),
    ("between from 0", _exclude([0, 2]), ["exclusions[0].between:", "1-based"]),
    ("between past the end", _exclude([1, 4]), ["exclusions[0].between:", "[1, 4]", "≤ 3"]),
    ("between of one", _exclude([1]), ["exclusions[0].between:", "two step numbers"]),
    ("between as text", _exclude(["1", "2"]), ["exclusions[0].between:", '["1", "2"]']),
    ("between with bools", _exclude([True, 2]), ["exclusions[0].between:", "[true, 2]"]),
    (
        "exclusion in a one-step funnel",
        lambda d: d.update(
            steps=[{"events": ["a"]}], exclusions=[{"events": ["r"], "between": [1, 2]}]
        ),
        ["exclusions[0].between:", "at least 2 steps"],
    ),
    # breakdown
    ("breakdown not an object", _set("breakdown", "device"), ["breakdown:", "expected an object"]),
    ("breakdown without property", _set("breakdown", {}), ["breakdown", '"property"', "missing"]),
    (
        "breakdown empty property",
        _set("breakdown", {"property": ""}),
        ["breakdown.property:", "cannot be empty"],
    ),
    *[
        (
            f"attribution {bad}",
            _set("breakdown", {"property": "p", "attribution": bad}),
            ["breakdown.attribution:", f'"{bad}"', "first_step, last_step or step_N", "1 to 3"],
        )
        for bad in ("middle", "step_4", "step_0", "step_01", "step_", "step_x", "step_-1")
    ],
    # date range
    (
        "date range not an object",
        _set("date_range", ["2026-03-01", "2026-04-01"]),
        ["date_range:", "expected an object"],
    ),
    (
        "bad month",
        _set("date_range", {"from": "2026-13-01"}),
        ["date_range.from:", '"2026-13-01" is not a valid date'],
    ),
    (
        "30 February",
        _set("date_range", {"to": "2026-02-30"}),
        ["date_range.to:", '"2026-02-30" is not a valid date'],
    ),
    (
        "not ISO",
        _set("date_range", {"from": "March 1, 2026"}),
        ["date_range.from:", "not an ISO date", '"2026-03-01"'],
    ),
    (
        "date as number",
        _set("date_range", {"from": 20260301}),
        ["date_range.from:", "expected text"],
    ),
    (
        "from after to",
        _set("date_range", {"from": "2026-04-01", "to": "2026-03-01"}),
        ["date_range:", '"from" (2026-04-01) must be before "to" (2026-03-01)'],
    ),
    (
        "empty range",
        _set("date_range", {"from": "2026-03-01", "to": "2026-03-01T00:00:00Z"}),
        ["date_range:", "must be before", "exclusive"],
    ),
    (
        "date beyond int64",
        _set("date_range", {"to": "2300-01-01"}),
        ["date_range.to:", "outside the years 1677 to 2262"],
    ),
    # micro conversions
    ("micro not a list", _set("micro_conversions", {}), ["micro_conversions:", "expected a list"]),
    (
        "micro without events",
        _set("micro_conversions", [{"label": "N"}]),
        ["micro_conversions[0]", 'required key "events"'],
    ),
    (
        "micro bad filter",
        _set("micro_conversions", [{"events": ["n"], "where": [{"property": "p", "op": "?"}]}]),
        ["micro_conversions[0].where[0].op:", '"?" is not an operator'],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=name) for name, m, e in REFUSALS],
)
def test_refusals_name_the_key_and_the_problem(mutate: Mutation, expected: list[str]) -> None:
    data = section_11_example()
    mutate(data)
    message = refusal(data)
    for part in expected:
        assert part in message
    assert "\n" not in message


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_refuses_what_is_not_an_object(data: Any) -> None:
    assert "JSON object" in refusal(data)


def test_refusal_location_is_kept_apart() -> None:
    data = section_11_example()
    data["steps"][1]["where"][0]["op"] = "like"
    with pytest.raises(FunnelFileError) as info:
        definition_from_dict(data)
    assert info.value.location == "steps[1].where[0].op"
    assert info.value.message.startswith("steps[1].where[0].op: ")


# ----------------------------------------------------------------- migration


def test_older_versions_go_through_the_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    def from_0(data: dict[str, Any]) -> dict[str, Any]:
        # A made-up version 0 that called the steps "stages".
        assert data["version"] == 0
        out = {k: v for k, v in data.items() if k != "stages"}
        out["steps"] = data["stages"]
        return out

    monkeypatch.setitem(MIGRATIONS, 0, from_0)
    old = section_11_example()
    old["version"] = 0
    old["stages"] = old.pop("steps")
    assert load(old) == load(section_11_example())
    assert old["version"] == 0  # the caller's dict is left alone


def test_migrations_chain_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    expected = load(minimal(2))

    def record(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data["version"])
        return data

    monkeypatch.setattr(funnel_file, "CURRENT_VERSION", 3)
    for version in (0, 1, 2):
        monkeypatch.setitem(MIGRATIONS, version, record)
    old = minimal(2)
    old["version"] = 0
    assert load(old) == expected
    assert seen == [0, 1, 2]
    # §11: written as version 1 when none of version 2's keys is used.
    assert definition_to_dict(load(old))["version"] == 1


def test_a_version_with_no_migration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(funnel_file, "CURRENT_VERSION", 3)
    monkeypatch.setitem(MIGRATIONS, 2, lambda data: data)
    old = minimal(2)
    old["version"] = 0
    message = refusal(old)
    assert "0 is not a version" in message
    assert "known: 1, 2, 3" in message


def test_version_2_is_current_and_version_1_migrates_unchanged() -> None:
    """§11: version 2 added keys only; a version-1 file loads unchanged."""
    assert CURRENT_VERSION == 2
    assert set(MIGRATIONS) == {1}
    v1 = {
        "format": "funnel-gui.funnel",
        "version": 1,
        "steps": [{"events": ["a"]}, {"events": ["b"]}],
    }
    assert MIGRATIONS[1](dict(v1)) == v1


# ------------------------------------------------------------------- writing


def test_format_and_version_are_always_written() -> None:
    written = definition_to_dict(FunnelDefinition(steps=(Step(("a",), kind="macro"),)))
    assert written == {"format": "funnel-gui.funnel", "version": 1, "steps": [{"events": ["a"]}]}


def test_keys_are_written_in_the_order_of_section_11() -> None:
    defn = FunnelDefinition(
        name="n",
        order="strict",
        window_ns=HOUR,
        unit="session",
        steps=(
            Step(("a",)),
            Step(
                ("b",),
                label="B",
                kind="macro",
                where=(Filter("p", "gt", 1.5),),
                max_gap_ns=HOUR,
                min_gap_ns=0,
            ),
            Step(("c",), kind="micro"),
        ),
        exclusions=(Exclusion(("x",), (1, 2), (Filter("p", "is_set"),)),),
        breakdown=Breakdown("p", "last_step"),
        date_range=DateRange(MARCH_1_2026, APRIL_1_2026),
        micro_conversions=(MicroConversion(("m",), "M", (Filter("q", "in", ("1",)),)),),
    )
    written = definition_to_dict(defn)
    assert list(written) == list(section_11_example())
    assert list(written["steps"][1]) == ["label", "events", "kind", "where", "max_gap", "min_gap"]
    assert list(written["steps"][1]["where"][0]) == ["property", "op", "value"]
    assert list(written["exclusions"][0]) == ["events", "where", "between"]
    assert list(written["micro_conversions"][0]) == ["label", "events", "where"]
    assert written["window"] == "1h"
    assert written["steps"][1]["max_gap"] == "1h"
    assert written["steps"][1]["min_gap"] == "0s"
    assert written["steps"][1]["where"][0]["value"] == 1.5
    assert load(written) == defn


def test_integral_numbers_are_written_without_a_fraction() -> None:
    defn = FunnelDefinition(steps=(Step(("a",), where=(Filter("p", "gt", 5.0),)),))
    assert definition_to_dict(defn)["steps"][0]["where"][0]["value"] == 5


# ------------------------------------------------------------ round trips


TEXT = st.text(max_size=12)
NAMES = st.text(min_size=1, max_size=12)
DURATIONS = st.one_of(
    st.sampled_from(
        [NS_PER_SECOND, 90 * 60 * NS_PER_SECOND, HOUR, DAY, 7 * DAY, 3661 * NS_PER_SECOND]
    ),
    st.integers(1, MAX_DURATION_NS),
)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    op = draw(st.sampled_from(FILTER_OPS))
    prop = draw(NAMES)
    if op in ("is_set", "not_set"):
        return Filter(prop, op)
    if op in ("in", "not_in"):
        return Filter(prop, op, tuple(draw(st.lists(TEXT, min_size=1, max_size=3))))
    if op in ("gt", "lt"):
        return Filter(prop, op, draw(st.floats(allow_nan=False, allow_infinity=False)))
    return Filter(prop, op, draw(TEXT))


def where() -> st.SearchStrategy[tuple[Filter, ...]]:
    return st.lists(filters(), max_size=2).map(tuple)


def events() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(NAMES, min_size=1, max_size=3, unique=True).map(tuple)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    max_gap = draw(st.none() | DURATIONS)
    min_gap = draw(st.none() | st.integers(0, max_gap if max_gap is not None else MAX_DURATION_NS))
    return Step(
        events=draw(events()),
        label=draw(TEXT),
        kind=draw(st.sampled_from(["micro", "macro"])),
        where=draw(where()),
        max_gap_ns=max_gap,
        min_gap_ns=min_gap,
    )


@st.composite
def date_ranges(draw: st.DrawFn) -> DateRange:
    bounds = st.none() | st.integers(-(2**63), 2**63 - 2) | st.sampled_from([0, MARCH_1_2026])
    start = draw(bounds)
    end = draw(st.none() | st.integers((start if start is not None else -(2**63)) + 1, 2**63 - 1))
    return DateRange(start, end)


@st.composite
def definitions(draw: st.DrawFn) -> FunnelDefinition:
    n = draw(st.integers(1, 5))
    between = st.tuples(st.integers(1, n), st.integers(1, n)).filter(lambda ab: ab[0] < ab[1])
    attributions = st.sampled_from(
        ["first_step", "last_step", *(f"step_{i}" for i in range(1, n + 1))]
    )
    return FunnelDefinition(
        steps=tuple(draw(steps()) for _ in range(n)),
        name=draw(TEXT),
        order=draw(st.sampled_from(["sequential", "strict", "any"])),
        window_ns=draw(
            st.just(DEFAULT_WINDOW_NS) | DURATIONS.filter(lambda ns: ns >= NS_PER_SECOND)
        ),
        unit=draw(st.sampled_from(["actor", "session"])),
        exclusions=tuple(
            draw(st.lists(st.builds(Exclusion, events(), between, where()), max_size=2))
            if n >= 2
            else []
        ),
        breakdown=draw(st.none() | st.builds(Breakdown, NAMES, attributions)),
        date_range=draw(st.none() | date_ranges()),
        micro_conversions=tuple(
            draw(st.lists(st.builds(MicroConversion, events(), TEXT, where()), max_size=2))
        ),
    )


@settings(max_examples=300, deadline=None)
@given(definitions())
def test_round_trip_through_dict_and_json_text(defn: FunnelDefinition) -> None:
    written = definition_to_dict(defn)
    assert definition_from_dict(written).definition == defn
    as_text = json.dumps(written, indent=2, ensure_ascii=False)
    reread = definition_from_dict(json.loads(as_text))
    assert reread.definition == defn
    first_step_gaps = defn.steps[0].max_gap_ns is not None or defn.steps[0].min_gap_ns is not None
    assert len(reread.warnings) == int(first_step_gaps)


def test_round_trip_of_a_twenty_step_funnel() -> None:
    defn = FunnelDefinition(
        steps=tuple(Step((f"e{i}",), kind="macro" if i % 5 == 4 else "micro") for i in range(20)),
        exclusions=(Exclusion(("x",), (1, 20)),),
        breakdown=Breakdown("p", "step_20"),
    )
    assert load(definition_to_dict(defn)) == defn


# --------------------------------------------------------------------- files


@pytest.fixture
def example_defn() -> FunnelDefinition:
    return load(section_11_example())


def test_save_then_load(tmp_path: Path, example_defn: FunnelDefinition) -> None:
    path = tmp_path / "checkout.funnel.json"
    save_funnel(example_defn, path)
    loaded = load_funnel(path)
    assert loaded == LoadedFunnel(example_defn, [])
    assert os.listdir(tmp_path) == ["checkout.funnel.json"]


def test_saved_text_is_indented_utf8_with_a_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "café.funnel.json"
    defn = FunnelDefinition(name="Café ✓", steps=(Step(("vue_produit",), kind="macro"),))
    save_funnel(defn, str(path))
    raw = path.read_bytes()
    assert raw.endswith(b"}\n")
    assert not raw.endswith(b"\n\n")
    text = raw.decode("utf-8")
    assert '"name": "Café ✓"' in text
    assert text.startswith('{\n  "format": "funnel-gui.funnel",\n  "version": 1,\n')
    assert json.loads(text) == definition_to_dict(defn)


def test_save_replaces_an_existing_file_and_keeps_its_permissions(
    tmp_path: Path, example_defn: FunnelDefinition
) -> None:
    path = tmp_path / "f.funnel.json"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    save_funnel(example_defn, path)
    assert load_funnel(path).definition == example_defn
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_save_through_a_symlink_updates_the_linked_file(
    tmp_path: Path, example_defn: FunnelDefinition
) -> None:
    real = tmp_path / "real.funnel.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.funnel.json"
    link.symlink_to(real)
    save_funnel(example_defn, link)
    assert link.is_symlink()
    assert load_funnel(real).definition == example_defn


def _failing(exc: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, example_defn: FunnelDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.funnel.json"
    path.write_text("the old content", encoding="utf-8")

    def half_written(data: Any, fh: Any, **kwargs: Any) -> None:
        fh.write('{"format": "funnel-gui.fun')
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(json, "dump", half_written)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_funnel(example_defn, path)
    assert path.read_text(encoding="utf-8") == "the old content"
    assert os.listdir(tmp_path) == ["f.funnel.json"]


def test_a_failed_replace_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, example_defn: FunnelDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.funnel.json"
    path.write_text("the old content", encoding="utf-8")
    monkeypatch.setattr(os, "replace", _failing(PermissionError(13, "Permission denied")))
    with pytest.raises(FunnelFileError) as info:
        save_funnel(example_defn, path)
    assert info.value.message == "f.funnel.json: cannot be saved (Permission denied)"
    assert path.read_text(encoding="utf-8") == "the old content"
    assert os.listdir(tmp_path) == ["f.funnel.json"]


def test_a_failed_fsync_leaves_no_file_behind(
    tmp_path: Path, example_defn: FunnelDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", _failing(OSError(5, "Input/output error")))
    with pytest.raises(FunnelFileError, match="cannot be saved"):
        save_funnel(example_defn, tmp_path / "new.funnel.json")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder(tmp_path: Path, example_defn: FunnelDefinition) -> None:
    with pytest.raises(FunnelFileError, match=r"x\.funnel\.json: cannot be saved"):
        save_funnel(example_defn, tmp_path / "missing" / "x.funnel.json")


def test_an_invalid_definition_is_not_saved(tmp_path: Path) -> None:
    # e.g. a step was deleted after an exclusion was set up to the last step
    defn = FunnelDefinition(
        steps=(Step(("a",)), Step(("b",))), exclusions=(Exclusion(("x",), (1, 3)),)
    )
    path = tmp_path / "f.funnel.json"
    with pytest.raises(FunnelFileError) as info:
        save_funnel(defn, path)
    assert info.value.message.startswith("f.funnel.json: not saved, the funnel is not valid: ")
    assert "exclusions[0].between" in info.value.message
    assert not path.exists()


def _file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "f.funnel.json"
    path.write_bytes(content)
    return path


def _load_refusal(path: Path) -> str:
    with pytest.raises(FunnelFileError) as info:
        load_funnel(path)
    return info.value.message


def test_load_a_missing_file(tmp_path: Path) -> None:
    message = _load_refusal(tmp_path / "gone.funnel.json")
    assert message.startswith("gone.funnel.json: cannot be read (")


def test_load_a_folder(tmp_path: Path) -> None:
    (tmp_path / "d.funnel.json").mkdir()
    assert "d.funnel.json: cannot be read" in _load_refusal(tmp_path / "d.funnel.json")


def test_load_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    path = _file(
        tmp_path, b'{\n  "format": "funnel-gui.funnel",\n  "version": 1\n  "steps": []\n}\n'
    )
    message = _load_refusal(path)
    assert message.startswith("f.funnel.json: is not valid JSON: Expecting ',' delimiter")
    assert "line 4, column 3" in message


def test_load_json_that_is_not_an_object(tmp_path: Path) -> None:
    message = _load_refusal(_file(tmp_path, b'[{"events": ["a"]}]\n'))
    assert message.startswith("f.funnel.json: holds a list, not a JSON object")


def test_load_text_that_is_not_utf8(tmp_path: Path) -> None:
    message = _load_refusal(_file(tmp_path, '{"name": "café"}'.encode("latin-1")))
    assert "f.funnel.json: is not UTF-8 text" in message


def test_load_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = _file(tmp_path, b"\xef\xbb\xbf" + json.dumps(minimal(2)).encode())
    assert load_funnel(path).definition == load(minimal(2))


def test_load_refuses_a_repeated_key(tmp_path: Path) -> None:
    text = json.dumps(minimal(1))[:-1] + ', "window": "1d", "window": "7d"}'
    message = _load_refusal(_file(tmp_path, text.encode()))
    assert (
        message == 'f.funnel.json: is not valid JSON: the key "window" appears twice in one object'
    )


def test_load_refuses_nan(tmp_path: Path) -> None:
    text = '{"format": "funnel-gui.funnel", "version": 1, "steps": [{"events": ["a"], '
    text += '"where": [{"property": "p", "op": "gt", "value": NaN}]}]}'
    assert "NaN is not a JSON number" in _load_refusal(_file(tmp_path, text.encode()))


def test_load_refuses_a_huge_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(funnel_file, "MAX_FILE_BYTES", 10)
    path = _file(tmp_path, json.dumps(minimal(1)).encode())
    assert _load_refusal(path) == "f.funnel.json: is too large to be a funnel file"


def test_load_names_the_file_and_the_key(tmp_path: Path) -> None:
    data = section_11_example()
    data["steps"][2]["where"] = [{"property": "p", "op": "like", "value": "x"}]
    message = _load_refusal(_file(tmp_path, json.dumps(data).encode()))
    assert message.startswith('f.funnel.json: steps[2].where[0].op: "like" is not an operator;')


def test_load_passes_warnings_on(tmp_path: Path) -> None:
    data = minimal(1)
    data["steps"][0]["events"] = ["a", "a"]
    loaded = load_funnel(_file(tmp_path, json.dumps(data).encode()))
    assert loaded.definition.steps[0].events == ("a",)
    assert loaded.warnings == ['steps[0].events: "a" is listed 2 times; the repeats were dropped']


def test_notebook_api_saves_and_loads_a_funnel(tmp_path: Path) -> None:
    import funnel_gui as fg

    defn = FunnelDefinition(name="Buy", steps=(Step(("view",)), Step(("buy",), kind="macro")))
    fg.save_funnel(defn, tmp_path / "buy.funnel.json")
    assert fg.load_funnel(tmp_path / "buy.funnel.json").definition == defn
    assert all(getattr(fg, name) is not None for name in fg.__all__)


# ----------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("value", "ns"),
    [
        (0, 0),
        (3600, HOUR),
        ("3600", HOUR),
        (60.0, 60 * NS_PER_SECOND),
        ("0s", 0),
        ("90m", 90 * 60 * NS_PER_SECOND),
        ("1.5h", 90 * 60 * NS_PER_SECOND),
        ("7d", 7 * DAY),
        ("2w", 14 * DAY),
        (" 7d ", 7 * DAY),
        ("0.1s", 100_000_000),
        ("0.000000001s", 1),
        ("1.000000000000s", NS_PER_SECOND),
    ],
)
def test_parse_duration(value: object, ns: int) -> None:
    assert parse_duration(value) == ns


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "negative"),
        ("-5m", "negative"),
        (-0.5, "negative"),
        ("abc", '"abc" is not a duration'),
        ("7days", "not a duration"),
        ("7D", "not a duration"),
        ("1e3s", "not a duration"),
        (".5h", "not a duration"),
        ("", "not a duration"),
        (True, "true is not a duration"),
        (None, "null is not a duration"),
        ([7], "not a duration"),
        (1.5, "whole number of seconds"),
        (float("inf"), "whole number of seconds"),
        (float("nan"), "whole number of seconds"),
        ("1.5", 'needs a unit, like "1.5s"'),
        ("0.0000000001s", "finer than a nanosecond"),
        ("99999999999999999999w", "too long"),
        (2**63, "too long"),
        ("9" * 50, "not a duration"),
    ],
)
def test_parse_duration_refusals(value: object, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_duration(value)


@pytest.mark.parametrize("zero", [0, "0", "0s", "0.0h"])
def test_parse_duration_refuses_zero_when_asked(zero: object) -> None:
    assert parse_duration(zero) == 0
    with pytest.raises(ValueError, match="longer than zero"):
        parse_duration(zero, allow_zero=False)


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (NS_PER_SECOND, "1s"),
        (60 * NS_PER_SECOND, "1m"),
        (90 * 60 * NS_PER_SECOND, "90m"),
        (HOUR, "1h"),
        (36 * HOUR, "36h"),
        (DAY, "1d"),
        (7 * DAY, "7d"),  # not "1w": same length, days read better
        (14 * DAY, "2w"),
        (3661 * NS_PER_SECOND, "3661s"),
        (NS_PER_SECOND // 2, "0.5s"),
        (1, "0.000000001s"),
        (HOUR + 1, "3600.000000001s"),
        (252 * HOUR, "252h"),  # a tie with "1.5w": whole numbers win
        (1_500_000_000, "1.5s"),
    ],
)
def test_format_duration_is_the_shortest_exact_form(ns: int, text: str) -> None:
    assert format_duration(ns) == text


@pytest.mark.parametrize("bad", [-1, True, 1.0])
def test_format_duration_refuses_what_is_not_a_duration(bad: Any) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        format_duration(bad)


@given(st.integers(0, MAX_DURATION_NS))
def test_duration_round_trip(ns: int) -> None:
    text = format_duration(ns)
    assert parse_duration(text) == ns
    assert len(text) <= len(f"{ns // NS_PER_SECOND}s") or ns % NS_PER_SECOND


def test_drivers_settings_round_trip_as_version_2() -> None:
    """§11/§12: `drivers` is a version-2 key; a file using it says version 2."""
    data = minimal(2)
    data["version"] = 2
    data["drivers"] = {"landmark": "2h", "lookback": "30m", "adjust_for": ["device", "source"]}
    defn = load(data)
    assert defn.drivers.landmark_ns == 2 * HOUR
    assert defn.drivers.lookback_ns == HOUR // 2
    assert defn.drivers.adjust_for == ("device", "source")
    written = definition_to_dict(defn)
    assert written["version"] == 2
    assert written["drivers"] == {
        "landmark": "2h",
        "lookback": "30m",
        "adjust_for": ["device", "source"],
    }
    assert load(written) == defn


def test_a_version_2_key_in_a_version_1_file_is_refused() -> None:
    data = minimal(2)
    data["version"] = 1
    data["drivers"] = {"landmark": "2h"}
    message = refusal(data)
    assert "drivers" in message
    assert "version 2" in message
