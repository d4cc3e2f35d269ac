"""The funnel file's §15 keys (§11 version 2): `optional` per step and `open` at the top
level read and write back, make the file version 2, are refused in a version-1 file,
and the combinations §15 does not define are refused with a one-line message naming
where."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.file import definition_from_dict, definition_to_dict
from funnel_gui.core.definition.model import FunnelDefinition, shape_problem
from tests.core.test_funnel_file import definitions, minimal
from tests.core.test_funnel_file_v2 import load, refusal, v2


def test_optional_and_open_read_and_write_back_as_version_2() -> None:
    data = v2(open=True)
    data["steps"][1]["optional"] = True
    defn = load(data)
    assert defn.open
    assert [s.optional for s in defn.steps] == [False, True, False]
    written = definition_to_dict(defn)
    assert written["version"] == 2
    assert written["open"] is True
    assert written["steps"][1]["optional"] is True
    assert "optional" not in written["steps"][0]
    assert load(written) == defn


@pytest.mark.parametrize("which", ["optional", "open"])
def test_each_makes_the_file_version_2_and_neither_keeps_version_1(which: str) -> None:
    defn = load(minimal(3))
    assert definition_to_dict(defn)["version"] == 1
    if which == "open":
        changed = replace(defn, open=True)
    else:
        steps = (defn.steps[0], replace(defn.steps[1], optional=True), defn.steps[2])
        changed = replace(defn, steps=steps)
    assert definition_to_dict(changed)["version"] == 2


def test_version_1_file_with_them_is_refused() -> None:
    data = minimal(3)
    data["steps"][1]["optional"] = True
    error = refusal(data)
    assert error.location == "steps[1].optional"
    assert "version 2" in error.message
    data = minimal(3)
    data["open"] = True
    assert "version 2" in refusal(data).message


@pytest.mark.parametrize(
    ("step", "extra", "location", "words"),
    [
        (0, {}, "steps[0].optional", "step 1 cannot be optional"),
        (2, {}, "steps[2].optional", "last step cannot be optional"),
        (1, {"order": "any"}, "steps[1].optional", 'not in order "any"'),
        (None, {"open": True, "order": "strict"}, "open", "sequential order only"),
        (None, {"open": True, "hold": ["device"]}, "open", "hold"),
        (None, {"open": True, "count": "totals"}, "open", "open funnel"),
        (1, {"count": "totals"}, "steps", "optional steps"),
        (None, {"open": "yes"}, "open", "expected true or false"),
    ],
)
def test_combinations_section_15_does_not_define_are_refused(
    step: int | None, extra: dict[str, Any], location: str, words: str
) -> None:
    data = v2(**extra)
    if step is not None:
        data["steps"][step]["optional"] = True
    error = refusal(data)
    assert error.location == location
    assert words in error.message


@settings(max_examples=150, deadline=None)
@given(defn=definitions(), data=st.data())
def test_round_trip_with_optional_steps_and_open(
    defn: FunnelDefinition, data: st.DataObject
) -> None:
    n = defn.n_steps
    steps = tuple(
        replace(s, optional=0 < k < n - 1 and defn.order != "any" and data.draw(st.booleans()))
        for k, s in enumerate(defn.steps)
    )
    opened = defn.order == "sequential" and data.draw(st.booleans())
    defn = replace(defn, steps=steps, open=opened)
    assert shape_problem(defn) is None
    written = definition_to_dict(defn)
    assert definition_from_dict(json.loads(json.dumps(written))).definition == defn
    uses = opened or any(s.optional for s in steps)
    if uses:
        assert written["version"] == 2
