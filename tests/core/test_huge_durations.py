"""Windows and gaps of centuries compute right instead of wrapping int64 (§2, issue 15.3).

A window of 100,000 days ends after year 2300, beyond int64 nanoseconds; it must give
exactly what any window longer than the data gives, in every order, with trends,
micro→macro and drivers on top.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from funnel_gui.core.analysis.drivers import drivers
from funnel_gui.core.analysis.trends import trend
from funnel_gui.core.definition.durations import parse_duration
from funnel_gui.core.definition.model import MicroConversion, Order
from funnel_gui.core.engine.compute import compute
from tests.core.engine_fixtures import definition, make_table

ROWS = [
    ("u1", "a", 0), ("u1", "x", 5), ("u1", "b", 60 * 24 * 30), ("u1", "c", 60 * 24 * 300),
    ("u2", "a", 10), ("u2", "b", 20),
    ("u3", "b", 0), ("u3", "a", 1), ("u3", "c", 2),
    ("u4", "a", 3),
]  # fmt: skip


@pytest.mark.parametrize("order", ["sequential", "strict", "any"])
def test_a_window_of_centuries_counts_like_a_window_longer_than_the_data(
    tmp_path: Path, order: Order
) -> None:
    table = make_table(ROWS, tmp_path)
    long = replace(definition(["a"], ["b"], ["c"]), order=order, window_ns=parse_duration("3650d"))
    huge = replace(long, window_ns=parse_duration("100000d"))
    expected, got = compute(table, long), compute(table, huge)
    assert [s.count for s in got.steps] == [s.count for s in expected.steps]
    assert [s.still_open for s in got.steps] == [s.still_open for s in expected.steps]
    # Every window reaches past the data's end, so every non-converter is still open.
    assert got.steps[-1].count < got.steps[0].count
    assert sum(s.still_open for s in got.steps) == got.steps[0].count - got.steps[-1].count
    assert all(p.incomplete for p in trend(got))


def test_a_min_gap_of_centuries_matches_nothing_and_does_not_wrap(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path)
    defn = definition(["a"], ["b"])
    gapped = replace(
        defn, steps=(defn.steps[0], replace(defn.steps[1], min_gap_ns=parse_duration("100000d")))
    )
    assert [s.count for s in compute(table, gapped).steps] == [4, 0]


def test_micro_macro_and_drivers_accept_a_window_of_centuries(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path)
    huge = replace(
        definition(["a"], ["b"]),
        window_ns=parse_duration("100000d"),
        micro_conversions=(MicroConversion(("x",)),),
    )
    result = compute(table, huge)
    assert [m.n_a for m in result.micro_macro if not m.on_path] == [1]
    found = drivers(
        table, huge, landmark=parse_duration("100000d"), lookback=parse_duration("100000d")
    )
    # Every window is still open at the data's end: nobody is eligible, all are counted.
    assert found.eligible == 0
    assert found.left_out_still_open + found.left_out_converted_before_landmark == 4
