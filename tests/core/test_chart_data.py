"""What the funnel and time charts draw (chart_data), on a log small enough to count by hand.

Times are minutes after engine_fixtures.BASE; the window is 60 minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.analysis.chart_data import (
    OTHER,
    Region,
    Segment,
    bin_position,
    breakdown_frame,
    drop_offs,
    group_offsets,
    histogram_frame,
    region_at,
    shown_segments,
    step_tick_label,
    timing_frame,
)
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import BreakdownGroup, BreakdownResult, FunnelResult
from tests.core.engine_fixtures import definition, make_table

# (actor, event, minute, device). The data ends at minute 120 (a's page view), so a window
# opened at minute 100 (e, f) is still open there (§7) and the others (ending by 70) closed.
SHOP_ROWS = [
    ("a", "view", 0, "desktop"),
    ("a", "cart", 1, "desktop"),
    ("a", "buy", 2, "desktop"),  # converted in 2 min (cart→buy 1 min)
    ("b", "view", 0, "mobile"),
    ("b", "cart", 5, "mobile"),  # stopped at cart, window closed: left before buy
    ("c", "view", 0, "mobile"),  # left before cart
    ("d", "view", 0, "desktop"),  # left before cart
    ("e", "view", 100, "mobile"),  # still open before cart
    ("f", "view", 100, "tablet"),
    ("f", "cart", 101, "tablet"),  # still open before buy
    ("g", "view", 10, "desktop"),
    ("g", "cart", 12, "desktop"),
    ("g", "buy", 40, "desktop"),  # converted in 30 min (cart→buy 28 min)
    ("a", "page", 120, "desktop"),  # the last timestamp of the data
]
# Hand counts: view 7 (a-g), cart 4 (a, b, f, g), buy 2 (a, g).
# Drop-off into cart: 3 (c, d, e), of which e is still open; into buy: 2 (b, f), f open.
# By device at step 1: desktop a, d, g -> [3, 2, 2]; mobile b, c, e -> [3, 1, 0];
# tablet f -> [1, 1, 0].


def shop_result(tmp_path: Path, breakdown: str | None = None) -> FunnelResult:
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    return compute(table, definition("view", "cart", "buy", window=60, breakdown=breakdown))


def test_drop_offs_split_into_still_open_and_left(tmp_path: Path) -> None:
    result = shop_result(tmp_path)
    assert [s.count for s in result.steps] == [7, 4, 2]
    drops = drop_offs(result)
    assert [(d.step, d.previous_count, d.still_open, d.left) for d in drops] == [
        (2, 7, 1, 2),  # c, d left; e still open
        (3, 4, 1, 1),  # b left; f still open
    ]
    # Still open sits on the bar: from count_k up; those who left from there to count_{k-1}.
    assert [d.open_top for d in drops] == [5, 3]
    assert [d.total for d in drops] == [3, 2]


def test_tick_labels_number_the_steps(tmp_path: Path) -> None:
    result = shop_result(tmp_path)
    assert [step_tick_label(result, s) for s in result.steps] == ["1. view", "2. cart", "3. buy"]
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    unordered = compute(table, definition("view", "cart", "buy", order="any"))
    # §3.3: an any-order funnel counts steps done.
    assert [step_tick_label(unordered, s) for s in unordered.steps] == [
        "1 step",
        "2 steps",
        "3 steps",
    ]


def test_breakdown_frame_is_long_and_complete(tmp_path: Path) -> None:
    frame = breakdown_frame(shop_result(tmp_path, breakdown="device"))
    counts = {(row.value, row.step): row.count for row in frame.itertuples()}
    assert counts == {
        ("desktop", 1): 3,
        ("desktop", 2): 2,
        ("desktop", 3): 2,
        ("mobile", 1): 3,
        ("mobile", 2): 1,
        ("mobile", 3): 0,
        ("tablet", 1): 1,
        ("tablet", 2): 1,
        ("tablet", 3): 0,
    }
    desktop_buy = frame[(frame.value == "desktop") & (frame.step == 3)]
    assert desktop_buy["from_start"].item() == pytest.approx(2 / 3)
    assert breakdown_frame(shop_result(tmp_path)).empty


def _groups(*counts: list[int], names: str = "abcdefghij") -> BreakdownResult:
    groups = [BreakdownGroup(name, c) for name, c in zip(names, counts, strict=False)]
    return BreakdownResult("device", "first_step", groups)


def test_up_to_eight_segments_are_shown_as_they_are() -> None:
    breakdown = _groups(*([10 - i, 5] for i in range(8)))
    shown = shown_segments(breakdown)
    assert [s.value for s in shown] == list("abcdefgh")
    assert all(s.folded == 0 for s in shown)


def test_more_than_eight_segments_fold_the_smallest_into_other() -> None:
    breakdown = _groups(*([10 - i, 9 - i] for i in range(10)))  # a=[10, 9] ... j=[1, 0]
    shown = shown_segments(breakdown)
    assert [s.value for s in shown] == [*"abcdefg", OTHER]
    # h, i, j: [3, 2] + [2, 1] + [1, 0]
    assert shown[-1] == Segment(OTHER, (6, 3), folded=3)
    assert sum(s.counts[0] for s in shown) == sum(range(1, 11))


def test_a_group_called_other_joins_the_folded_one() -> None:
    names = ["a", OTHER, "c", "d", "e", "f", "g", "h", "i"]
    groups = [BreakdownGroup(n, [9 - i]) for i, n in enumerate(names)]
    shown = shown_segments(BreakdownResult("p", "first_step", groups))
    assert [s.value for s in shown] == ["a", "c", "d", "e", "f", "g", OTHER]
    # "Other" (8) + h (2) + i (1)
    assert shown[-1] == Segment(OTHER, (11,), folded=3)


def test_segment_rates() -> None:
    segment = Segment("x", (8, 4, 0))
    assert segment.from_previous(1) is None
    assert segment.from_previous(2) == 0.5
    assert segment.from_previous(3) == 0.0
    assert segment.from_start(3) == 0.0
    empty = Segment("y", (0, 0))
    assert empty.from_start(1) is None
    assert empty.from_previous(2) is None


def test_group_offsets_fill_the_span_symmetrically() -> None:
    offsets, width = group_offsets(4, span=0.8)
    assert offsets == pytest.approx([-0.3, -0.1, 0.1, 0.3])
    assert width < 0.2  # a gap between neighbours
    assert group_offsets(0) == ([], 0.0)


def test_region_at_with_slack_for_slivers() -> None:
    regions = [Region(0, 1, 0, 10, 2, "bar"), Region(0, 1, 10, 10.5, 2, "left")]
    assert region_at(regions, 0.5, 5) == regions[0]
    assert region_at(regions, 0.5, 10.2) == regions[1]
    assert region_at(regions, 0.5, 11) is None
    assert region_at(regions, 0.5, 11, slack=1) == regions[1]
    assert region_at(regions, 2, 5, slack=1) is None


def test_bin_position_is_linear_inside_each_uneven_bin() -> None:
    edges = [0.0, 10.0, 30.0, 60.0]
    assert bin_position(edges, 0) == 0
    assert bin_position(edges, 5) == 0.5
    assert bin_position(edges, 10) == 1
    assert bin_position(edges, 20) == 1.5  # halfway through 10..30
    assert bin_position(edges, 45) == 2.5
    assert bin_position(edges, 60) == 3
    assert bin_position(edges, 1e9) == 3  # clamped to the end
    assert bin_position(edges, -1) == 0


def test_timing_frame_and_histogram_frame(tmp_path: Path) -> None:
    result = shop_result(tmp_path)
    timings = timing_frame(result).set_index("step")
    assert timings.loc[1, "count"] == 7
    assert timings.loc[1, ["from_previous_median_s", "from_start_median_s"]].isna().all()
    # cart: a 1 min, b 5 min, f 1 min, g 2 min after view -> median 1.5 min.
    assert timings.loc[2, "from_previous_median_s"] == pytest.approx(90)
    # buy: a 1 min and g 28 min after cart; a 2 min and g 30 min after view.
    assert timings.loc[3, "from_previous_median_s"] == pytest.approx(870)
    assert timings.loc[3, "from_start_median_s"] == pytest.approx(960)
    assert timings.loc[3, "from_start_p90_s"] == pytest.approx(120 + 0.9 * 1680)
    assert timings.loc[3, "from_start_mean_s"] == pytest.approx(960)

    histogram = histogram_frame(result.time_to_convert_histogram)
    # 60 min window: 0, 10 s, 30 s, 1, 2, 5, 10, 30, 60 min. a: 120 s, g: 1800 s.
    assert histogram["bin_start_s"].tolist() == [0, 10, 30, 60, 120, 300, 600, 1800]
    assert histogram["bin_end_s"].tolist()[-1] == 3600
    assert histogram["count"].tolist() == [0, 0, 0, 0, 1, 0, 0, 1]
    assert histogram["share"].sum() == pytest.approx(1.0)
    assert histogram_frame(None).empty
