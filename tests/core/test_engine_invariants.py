"""Invariants of every funnel result (FUNNEL_SEMANTICS §3.4, §5, §7), on random logs,
plus hand-checked timing statistics and the time-to-convert histogram (§6)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from funnel_gui.core.engine.compute import compute
from tests.core.engine_fixtures import definition, make_table
from tests.core.test_engine_vs_reference import _props, scenarios


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_invariants_hold(tmp_path: Path, scenario) -> None:  # type: ignore[no-untyped-def]
    log, defn = scenario
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    result = compute(table, defn)
    counts = [s.count for s in result.steps]
    assert all(a >= b for a, b in itertools.pairwise(counts)), "counts never rise"
    assert counts[0] == result.actors_entered - result.excluded
    for s in result.steps[1:]:
        assert 0 <= s.still_open <= s.drop_off, "still open is part of the drop-off (§7)"
    if result.breakdown is not None:
        for k in range(defn.n_steps):
            assert sum(g.counts[k] for g in result.breakdown.groups) == counts[k], (
                "breakdown groups add up to the total (§5)"
            )
    if result.time_to_convert_histogram is not None:
        assert sum(result.time_to_convert_histogram.counts) == counts[-1]


def test_timings_and_histogram_by_hand(tmp_path: Path) -> None:
    # Minutes after BASE. Converters reach pay 2, 4 and 90 minutes after their view.
    rows = [
        ("a", "view", 0),
        ("a", "cart", 1),
        ("a", "pay", 2),
        ("b", "view", 0),
        ("b", "cart", 3),
        ("b", "pay", 4),
        ("c", "view", 0),
        ("c", "cart", 30),
        ("c", "pay", 90),
        ("d", "view", 0),
    ]
    # A 1-day window, so c's 90-minute conversion counts (the fixtures' default is 60 min).
    result = compute(make_table(rows, tmp_path), definition("view", "cart", "pay", window=1440))
    cart, pay = result.steps[1], result.steps[2]
    assert cart.time_from_previous is not None
    assert cart.time_from_previous.median == pytest.approx(180.0)  # 1, 3, 30 min
    assert cart.time_from_previous.mean == pytest.approx((60 + 180 + 1800) / 3)
    assert pay.time_to_convert is not None
    assert pay.time_to_convert.median == pytest.approx(240.0)  # 2, 4, 90 min
    assert pay.time_from_previous is not None
    assert pay.time_from_previous.p90 == pytest.approx(60 + 0.8 * (3600 - 60))  # 1, 1, 60 min
    histogram = result.time_to_convert_histogram
    assert histogram is not None
    assert histogram.edges_s[-1] == 86_400  # the first nice edge at or past the window
    by_edge = dict(zip(histogram.edges_s, histogram.counts, strict=False))
    assert by_edge[120.0] == 2  # 2 and 4 minutes fall in [2 min, 5 min)
    assert by_edge[3600.0] == 1  # 90 minutes falls in [1 h, 2 h)
    assert sum(histogram.counts) == 3
