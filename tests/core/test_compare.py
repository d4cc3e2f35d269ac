"""Comparing two results (FUNNEL_SEMANTICS §19): per-step differences with Newcombe
intervals and Holm-corrected p-values, and the Kitagawa mix/rate split, checked against
hand-computed numbers and textbook formulas (tests/formulas.py)."""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_gui.core.analysis.compare import ComparisonError, compare, kitagawa
from funnel_gui.core.definition.model import Breakdown, DateRange
from funnel_gui.core.engine.compute import compute
from tests.core.engine_fixtures import definition, make_table
from tests.formulas import Z95, wilson


def newcombe(s1: int, n1: int, s2: int, n2: int) -> tuple[float, float]:
    """Newcombe (1998) method 10 for p1 − p2, from two Wilson intervals."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1)
    l2, u2 = wilson(s2, n2)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt(
        (u1 - p1) ** 2 + (p2 - l2) ** 2
    )


def pooled_p(s1: int, n1: int, s2: int, n2: int) -> float:
    pooled = (s1 + s2) / (n1 + n2)
    z = (s1 / n1 - s2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def _rows(prefix: str, n: int, reach: list[int], device: str) -> list[tuple[object, ...]]:
    """`n` actors of `device`; reach[k] of them get to step k + 2 (view, cart, pay)."""
    rows: list[tuple[object, ...]] = []
    for i in range(n):
        actor = f"{prefix}{device}{i}"
        rows.append((actor, "view", 0, device))
        if i < reach[0]:
            rows.append((actor, "cart", 1, device))
        if i < reach[1]:
            rows.append((actor, "pay", 2, device))
    return rows


def test_19_steps_differences_intervals_and_holm(tmp_path: Path) -> None:
    # A: 100 enter, 40 cart, 10 pay. B: 80 enter, 40 cart, 16 pay.
    table_a = make_table(_rows("a", 100, [40, 10], "m"), tmp_path, props=["device"])
    table_b = make_table(_rows("b", 80, [40, 16], "m"), tmp_path, props=["device"])
    defn = definition("view", "cart", "pay")
    comparison = compare(compute(table_a, defn), compute(table_b, defn))
    first, cart, pay = comparison.steps
    assert (first.a.count, first.b.count) == (100, 80)
    assert (first.diff, first.ci, first.p, first.p_holm) == (0.0, (0.0, 0.0), 1.0, 1.0)
    assert (cart.a.from_start, cart.b.from_start) == (0.4, 0.5)
    assert cart.diff == pytest.approx(0.1)
    assert cart.ci == pytest.approx(newcombe(40, 80, 40, 100))
    assert pay.diff == pytest.approx(0.1)
    assert pay.ci == pytest.approx(newcombe(16, 80, 10, 100))
    p_cart, p_pay = pooled_p(40, 80, 40, 100), pooled_p(16, 80, 10, 100)
    assert (cart.p, pay.p) == pytest.approx((p_cart, p_pay))
    # Holm over two tests: the smaller p doubled, the larger kept (at least the first).
    low, high = sorted((p_cart, p_pay))
    holm = {low: min(1, 2 * low), high: max(min(1, 2 * low), high)}
    assert (cart.p_holm, pay.p_holm) == pytest.approx((holm[p_cart], holm[p_pay]))
    assert comparison.decomposition is None  # no breakdown
    assert Z95 > 1.95  # the formulas above use the same normal quantile


def test_19_json_shape(tmp_path: Path) -> None:
    table = make_table(_rows("a", 4, [2, 1], "m"), tmp_path, props=["device"])
    defn = definition("view", "cart", "pay")
    out = compare(compute(table, defn), compute(table, defn)).to_dict()
    assert set(out) == {"steps", "decomposition"}
    assert [set(s) for s in out["steps"]] == [{"label", "a", "b", "diff", "ci", "p", "p_holm"}] * 3
    assert out["steps"][1]["a"] == {"count": 2, "from_start": 0.5}
    assert out["steps"][2]["diff"] == 0.0


def test_19_kitagawa_by_hand() -> None:
    # A: mobile 100 enter, 10 convert; desktop 100, 30.   R_A = 40/200 = 0.2
    # B: mobile 300, 45;                desktop 100, 30.   R_B = 75/400 = 0.1875
    # shares A (.5, .5), B (.75, .25); rates A (.10, .30), B (.15, .30)
    # mix  = (.75 − .5)(.10 + .15)/2 + (.25 − .5)(.30 + .30)/2 = .03125 − .075 = −.04375
    # rate = (.15 − .10)(.5 + .75)/2 + 0                                        =  .03125
    d = kitagawa(
        {"mobile": (100, 10), "desktop": (100, 30)}, {"mobile": (300, 45), "desktop": (100, 30)}
    )
    assert d is not None
    assert d.exact == (Fraction(-1, 80), Fraction(-7, 160), Fraction(1, 32))
    assert (d.total, d.mix, d.rate) == (-0.0125, -0.04375, 0.03125)
    # In floats the sum is off in the last bit at most (-0.04375 has no exact float).
    assert d.mix + d.rate == pytest.approx(d.total, abs=1e-16)


def test_19_a_group_on_one_side_only_is_all_mix() -> None:
    # B adds a tablet group converting at 50 %: it changes the mix only.
    d = kitagawa({"m": (10, 2)}, {"m": (10, 2), "t": (10, 5)})
    assert d is not None
    total, mix, rate = d.exact
    assert total == Fraction(7, 20) - Fraction(1, 5)
    assert rate == 0
    assert mix == total


def test_19_decomposition_of_results_with_several_properties(tmp_path: Path) -> None:
    rows_a = _rows("a", 10, [5, 2], "m") + _rows("a", 10, [8, 6], "d")
    rows_b = _rows("b", 30, [12, 6], "m") + _rows("b", 10, [8, 5], "d")
    table_a = make_table(rows_a, tmp_path, props=["device"])
    table_b = make_table(rows_b, tmp_path, props=["device"])
    defn = replace(definition("view", "cart", "pay"), breakdown=Breakdown.several(("device",)))
    got = compare(compute(table_a, defn), compute(table_b, defn)).decomposition
    expected = kitagawa({("m",): (10, 2), ("d",): (10, 6)}, {("m",): (30, 6), ("d",): (10, 5)})
    assert got is not None
    assert expected is not None
    assert got.exact == expected.exact
    assert got.total == pytest.approx(11 / 40 - 8 / 20)


COUNTS = st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: (max(t), min(t)))


@settings(max_examples=200, derandomize=True)
@given(
    a=st.dictionaries(st.sampled_from("abcde"), COUNTS, max_size=5),
    b=st.dictionaries(st.sampled_from("abcde"), COUNTS, max_size=5),
)
def test_19_mix_and_rate_add_up_exactly(
    a: dict[str, tuple[int, int]], b: dict[str, tuple[int, int]]
) -> None:
    d = kitagawa(a, b)
    if not sum(n for n, _ in a.values()) or not sum(n for n, _ in b.values()):
        assert d is None
        return
    assert d is not None
    total, mix, rate = d.exact
    assert mix + rate == total
    assert d.mix + d.rate == pytest.approx(d.total, abs=1e-15)
    assert d.rate == pytest.approx(float(rate), abs=1e-15)


def test_19_results_of_different_funnels_are_refused(tmp_path: Path) -> None:
    table = make_table(_rows("a", 3, [1, 1], "m"), tmp_path, props=["device"])
    two, three = definition("view", "cart"), definition("view", "cart", "pay")
    with pytest.raises(ComparisonError, match="same funnel"):
        compare(compute(table, two), compute(table, three))


def test_19_an_empty_side_gives_undefined_differences(tmp_path: Path) -> None:
    table = make_table(_rows("a", 3, [1, 1], "m"), tmp_path, props=["device"])
    defn = definition("view", "cart")
    # B's entry period starts in 2096: nobody enters.
    empty = replace(defn, date_range=DateRange(4_000_000_000 * 1_000_000_000, None))
    out = compare(compute(table, defn), compute(table, empty)).to_dict()
    assert out["steps"][1]["b"] == {"count": 0, "from_start": None}
    assert out["steps"][1]["diff"] is None
    assert out["steps"][1]["p"] is None
