"""The counting options in the funnel file (FUNNEL_SEMANTICS §11, version 2): `count`
(§16), `hold` (§17), `breakdown.properties` and `filters` (§18), `sessions` (§20). Read,
refused with messages naming the JSON path, written only when not the default, and
round-tripping; a file using none of them stays version 1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.file import (
    FunnelFileError,
    definition_from_dict,
    definition_to_dict,
)
from funnel_gui.core.definition.model import (
    NS_PER_SECOND,
    Breakdown,
    Filter,
    FunnelDefinition,
    Step,
)
from tests.core.test_funnel_file import definitions, filters, minimal

MINUTE = 60 * NS_PER_SECOND


def v2(**keys: Any) -> dict[str, Any]:
    data = minimal(3)
    data["version"] = 2
    data.update(keys)
    return data


def load(data: dict[str, Any]) -> FunnelDefinition:
    return definition_from_dict(data).definition


def refusal(data: dict[str, Any]) -> FunnelFileError:
    with pytest.raises(FunnelFileError) as info:
        definition_from_dict(data)
    assert "\n" not in info.value.message
    return info.value


def test_every_option_reads_and_writes_back_as_version_2() -> None:
    data = v2(
        breakdown={"properties": ["device", "country"], "attribution": "step_2"},
        count="totals",
        hold=["device", "plan"],
        filters=[{"property": "source", "op": "neq", "value": "internal"}],
        sessions={"inactivity": "30m"},
    )
    defn = load(data)
    assert defn.count == "totals"
    assert defn.hold == ("device", "plan")
    assert defn.filters == (Filter("source", "neq", "internal"),)
    assert defn.inactivity_ns == 30 * MINUTE
    assert defn.breakdown == Breakdown.several(("device", "country"), "step_2")
    written = definition_to_dict(defn)
    assert written == data
    # §11 order: the version-2 keys after micro_conversions, before drivers.
    assert list(written)[-5:] == ["breakdown", "count", "hold", "filters", "sessions"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("count", "totals"),
        ("hold", ["device"]),
        ("filters", [{"property": "p", "op": "is_set"}]),
        ("sessions", {"inactivity": "1h"}),
        ("breakdown", {"properties": ["device"]}),
    ],
)
def test_each_option_makes_the_file_version_2(key: str, value: Any) -> None:
    defn = load(v2(**{key: value}))
    written = definition_to_dict(defn)
    assert written["version"] == 2
    assert written[key] == value
    assert load(written) == defn


def test_defaults_are_not_written_and_keep_version_1() -> None:
    defn = load(v2(count="uniques", hold=[], filters=[], breakdown={"property": "device"}))
    assert (defn.count, defn.hold, defn.filters, defn.inactivity_ns) == ("uniques", (), (), None)
    written = definition_to_dict(defn)
    assert written["version"] == 1
    assert set(written) == {"format", "version", "steps", "breakdown"}
    assert written["breakdown"] == {"property": "device"}


def test_one_property_as_a_list_stays_a_list() -> None:
    """§18: `properties` with one name gives list values; it is written back as a list."""
    listed = load(v2(breakdown={"properties": ["device"]}))
    single = load(v2(breakdown={"property": "device"}))
    assert listed.breakdown is not None
    assert single.breakdown is not None
    assert listed.breakdown.is_list()
    assert not single.breakdown.is_list()
    assert listed != single
    assert definition_to_dict(listed)["breakdown"] == {"properties": ["device"]}


@pytest.mark.parametrize(
    ("data", "location", "parts"),
    [
        (v2(count="all"), "count", ['"all" is not a way of counting', "uniques, totals"]),
        (v2(count=1), "count", ["expected text"]),
        (
            v2(count="totals", order="any"),
            "count",
            ["sequential and strict", 'not with order "any"'],
        ),
        (v2(hold="device"), "hold", ["expected a list"]),
        (v2(hold=[""]), "hold[0]", ["cannot be empty"]),
        (v2(hold=["device", 3]), "hold[1]", ["expected text"]),
        (v2(hold=["device", "device"]), "hold[1]", ['"device" is named twice']),
        (v2(filters={"property": "p"}), "filters", ["expected a list"]),
        (v2(filters=[{"property": "p", "op": "like"}]), "filters[0].op", ['"like"']),
        (v2(filters=[{"property": "p", "op": "eq"}]), "filters[0]", ['"eq" needs a "value"']),
        (v2(sessions="30m"), "sessions", ["expected an object"]),
        (v2(sessions={}), "sessions", ['"inactivity" is missing']),
        (v2(sessions={"inactivity": "0s"}), "sessions.inactivity", ["longer than zero"]),
        (v2(sessions={"inactivity": "soon"}), "sessions.inactivity", ["not a duration"]),
        (v2(sessions={"inactivity": "30m", "gap": 1}), "sessions", ['unknown key "gap"']),
        (v2(breakdown={"properties": []}), "breakdown.properties", ["1 to 3", "not 0"]),
        (
            v2(breakdown={"properties": ["a", "b", "c", "d"]}),
            "breakdown.properties",
            ["1 to 3", "not 4"],
        ),
        (v2(breakdown={"properties": ["a", "a"]}), "breakdown.properties[1]", ["named twice"]),
        (v2(breakdown={"properties": "a"}), "breakdown.properties", ["expected a list"]),
        (
            v2(breakdown={"property": "a", "properties": ["b"]}),
            "breakdown",
            ['either "property"', "not both"],
        ),
        (v2(breakdown={"attribution": "last_step"}), "breakdown", ['"property"', "missing"]),
    ],
)
def test_refusals_name_the_json_path(data: dict[str, Any], location: str, parts: list[str]) -> None:
    error = refusal(data)
    assert error.location == location
    assert error.message.startswith(f"{location}: ")
    for part in parts:
        assert part in error.message


@pytest.mark.parametrize(
    ("key", "value", "location"),
    [
        ("count", "totals", "count"),
        ("hold", ["device"], "hold"),
        ("filters", [], "filters"),
        ("sessions", {"inactivity": "30m"}, "sessions"),
        ("breakdown", {"properties": ["device"]}, "breakdown.properties"),
    ],
)
def test_version_2_keys_in_a_version_1_file_are_refused(
    key: str, value: Any, location: str
) -> None:
    data = minimal(3)
    data[key] = value
    error = refusal(data)
    assert error.location == location
    assert "version 2" in error.message


@st.composite
def options(draw: st.DrawFn) -> FunnelDefinition:
    defn = draw(definitions())
    names = st.text(min_size=1, max_size=8)
    breakdown = defn.breakdown
    if breakdown is not None and draw(st.booleans()):
        listed = draw(st.lists(names, min_size=1, max_size=3, unique=True))
        breakdown = Breakdown.several(tuple(listed), breakdown.attribution)
    order = defn.order
    count = draw(st.sampled_from(["uniques", "totals"])) if order != "any" else "uniques"
    return FunnelDefinition(
        steps=defn.steps,
        name=defn.name,
        order=order,
        window_ns=defn.window_ns,
        unit=defn.unit,
        exclusions=defn.exclusions,
        breakdown=breakdown,
        date_range=defn.date_range,
        micro_conversions=defn.micro_conversions,
        count=count,  # type: ignore[arg-type]
        hold=tuple(draw(st.lists(names, max_size=3, unique=True))),
        filters=tuple(draw(st.lists(filters(), max_size=2))),
        inactivity_ns=draw(st.none() | st.integers(NS_PER_SECOND, 30 * 86_400 * NS_PER_SECOND)),
    )


@settings(max_examples=200, deadline=None)
@given(options())
def test_round_trip_with_the_counting_options(defn: FunnelDefinition) -> None:
    written = definition_to_dict(defn)
    text = json.dumps(written, indent=2, ensure_ascii=False)
    assert definition_from_dict(json.loads(text)).definition == defn
    new_keys = ("count", "hold", "filters", "sessions")
    listed = defn.breakdown is not None and defn.breakdown.is_list()
    assert (written["version"] == 2) == (any(k in written for k in new_keys) or listed)


def test_a_definition_built_in_code_refuses_a_bad_breakdown() -> None:
    with pytest.raises(ValueError, match="first of its properties"):
        Breakdown("a", "first_step", ("b", "a"))
    assert Breakdown.several(("a", "b")).names() == ("a", "b")
    assert Breakdown("a").names() == ("a",)
    assert FunnelDefinition(steps=(Step(("x",)),)).count == "uniques"
