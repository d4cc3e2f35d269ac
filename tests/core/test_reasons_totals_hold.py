"""Hand-checked reasons (FUNNEL_SEMANTICS §14) per counted attempt (§16) and with held
values (§17), on the plain reference and the engine. Minutes after engine_fixtures.BASE.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from funnel_gui.core.engine.compute import compute
from tests.core.engine_fixtures import definition, make_table, step
from tests.reference_paths import reference_reason_counts, reference_reasons


def test_14_17_a_later_step_event_with_other_held_values_is_filter(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0, "mobile"),
        ("u1", "cart", 1, "desktop"),  # cart, but not on the view's device: no match
        ("u2", "view", 0, "mobile"),
        ("u2", "promo", 1, "mobile"),  # no cart at all
        ("u3", "view", 0, "mobile"),
        ("u3", "cart", 20, "mobile"),  # held values fine, 20 min > window 10
        ("u9", "promo", 60, "x"),  # closes every window
    ]
    table = make_table(rows, tmp_path, props=("device",))
    defn = replace(definition("view", "cart", window=10), hold=("device",))
    expected = {"u1": "filter", "u2": "never", "u3": "window"}
    assert {k[0]: v for k, v in reference_reasons(table, defn).items()} == expected
    frame = compute(table, defn).actors_frame().set_index("actor")
    assert frame["reason"].to_dict() == expected
    # Strict order: u1's desktop cart is "something else" (§17), inside the window.
    strict = replace(defn, order="strict")
    assert reference_reasons(table, strict)[("u1", None)] == "interrupted"
    frame = compute(table, strict).actors_frame().set_index("actor")
    assert frame.loc["u1", "reason"] == "interrupted"


def test_14_16_each_counted_attempt_has_its_reason(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0),
        ("u1", "cart", 1),  # attempt 0 converts (ends at 1)
        ("u1", "view", 2),  # attempt 1: nothing follows within 10 minutes ...
        ("u1", "cart", 30),  # ... the cart at 30 is past its window
        ("u9", "promo", 60),  # closes every window
    ]
    table = make_table(rows, tmp_path)
    defn = replace(definition("view", step("cart"), window=10), count="totals")
    assert reference_reasons(table, defn) == {
        ("u1", None, 0): None,
        ("u1", None, 1): "window",
    }
    frame = compute(table, defn).actors_frame()
    by_attempt = dict(zip(frame["attempt"], frame["reason"], strict=True))
    assert pd.isna(by_attempt[0])
    assert by_attempt[1] == "window"
    result = compute(table, defn)
    assert result.steps[1].reasons == reference_reason_counts(table, defn)[1]
    assert result.steps[1].reasons is not None
    assert result.steps[1].reasons["window"] == 1
