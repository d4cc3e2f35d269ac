"""The frames behind the micro-vs-macro view (§9) and the segments view (§10), on logs whose
answers can be counted by hand. Intervals and tests are recomputed here from their textbook
formulas, not through funnel_gui.core.analysis.stats.

Times are minutes after engine_fixtures.BASE.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.analysis.impact import (
    ON_PATH_NOTE,
    TOO_FEW_NOTE,
    micro_macro_frame,
    micro_rows,
    overall_macro_rate,
)
from funnel_gui.core.analysis.segments import (
    OTHER_LABEL,
    segment_comparison,
    segments,
    segments_frame,
)
from funnel_gui.core.definition.model import MicroConversion
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from tests.core.engine_fixtures import definition, exclusion, make_table
from tests.formulas import wilson


def pooled_z_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p of the pooled two-proportion z-test."""
    pooled = (s1 + s2) / (n1 + n2)
    z = (s1 / n1 - s2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


# ------------------------------------------------------------------ micro vs macro


def newsletter_result(tmp_path: Path) -> FunnelResult:
    """view → buy (macro); "news" as an extra micro conversion; h is excluded.

    Group A (news after entry, before buy / window end): a (1 min), b (3 min), g (0 min);
    only a buys. Group B: c (news after buying), d, e (news after the window), f (news
    before entry); c and f buy.
    """
    rows = [
        ("a", "view", 0),
        ("a", "news", 1),
        ("a", "buy", 2),
        ("b", "view", 0),
        ("b", "news", 3),
        ("c", "view", 0),
        ("c", "buy", 1),
        ("c", "news", 2),
        ("d", "view", 0),
        ("e", "view", 0),
        ("e", "news", 90),
        ("f", "news", 0),
        ("f", "view", 1),
        ("f", "buy", 2),
        ("g", "view", 5),
        ("g", "news", 5),
        ("h", "view", 0),
        ("h", "refund", 1),
        ("h", "buy", 2),
    ]
    defn = definition("view", "buy", exclusions=[exclusion("refund", between=(1, 2))])
    defn = replace(defn, micro_conversions=(MicroConversion(("news",), label="Newsletter"),))
    return compute(make_table(rows, tmp_path), defn)


def test_time_to_micro_is_the_median_wait_of_group_a(tmp_path: Path) -> None:
    impact = newsletter_result(tmp_path).micro_macro[1]
    assert impact.time_to_micro is not None
    assert impact.time_to_micro.n == 3  # a, b, g
    assert impact.time_to_micro.median == pytest.approx(60.0)  # of 0, 60 and 180 s
    assert impact.to_dict()["time_to_micro_median_s"] == pytest.approx(60.0)


def test_micro_rows_know_their_funnel_step(tmp_path: Path) -> None:
    rows = micro_rows(newsletter_result(tmp_path))
    assert [(r.label, r.step_number, r.on_path) for r in rows] == [
        ("view", 1, True),
        ("Newsletter", None, False),
    ]


def test_micro_macro_frame_puts_steps_and_extras_side_by_side(tmp_path: Path) -> None:
    frame = micro_macro_frame(newsletter_result(tmp_path))
    assert list(frame["conversion"]) == ["view", "buy", "Newsletter"]
    assert list(frame["type"]) == ["micro step", "macro step", "extra micro-conversion"]
    assert list(frame["step"].astype("object")) == [1, 2, pd.NA]
    # 7 entered (h is excluded); a, c and f bought; a, b and g did the newsletter.
    assert list(frame["reached"]) == [7, 3, 3]
    assert list(frame["rate_from_start"]) == pytest.approx([1.0, 3 / 7, 3 / 7])
    # buy: a 2 min, c 1 min, f 1 min after view → median 1 min. Newsletter: 0, 1, 3 min.
    assert list(frame["time_to_reach_median_s"]) == pytest.approx([0.0, 60.0, 60.0])
    view, buy, news = (frame.iloc[i] for i in range(3))
    assert view["note"] == ON_PATH_NOTE
    assert math.isnan(view["rate_did"])
    assert view["n_did"] is pd.NA
    assert buy["note"] == "macro conversion"
    assert (news["n_did"], news["macro_did"], news["n_did_not"], news["macro_did_not"]) == (
        3,
        1,
        4,
        2,
    )
    assert news["rate_did"] == pytest.approx(1 / 3)
    assert news["rate_did_not"] == pytest.approx(2 / 4)
    assert (news["rate_did_low"], news["rate_did_high"]) == pytest.approx(wilson(1, 3))
    assert (news["rate_did_not_low"], news["rate_did_not_high"]) == pytest.approx(wilson(2, 4))
    assert news["lift"] == pytest.approx(1 / 3 - 1 / 2)
    assert news["relative_lift"] == pytest.approx((1 / 3) / (1 / 2) - 1)
    assert news["p_value"] == pytest.approx(pooled_z_p(1, 3, 2, 4))
    # +1 in each cell: (1+1)/(2+1) against (2+1)/(2+1).
    assert news["odds_ratio"] == pytest.approx((2 / 3) / (3 / 3))
    assert bool(news["too_few"])
    assert news["note"] == TOO_FEW_NOTE


def test_micro_step_after_the_macro_step_is_compared(tmp_path: Path) -> None:
    """A micro step after M is off the path: its row carries the comparison."""
    rows = [
        ("a", "view", 0),
        ("a", "review", 1),
        ("a", "buy", 2),
        ("b", "view", 0),
        ("b", "buy", 1),
        ("c", "view", 0),
        ("c", "review", 1),
    ]
    defn = definition("view", "buy", "review")
    steps = (replace(defn.steps[0], kind="micro"), replace(defn.steps[1], kind="macro"))
    defn = replace(defn, steps=(*steps, replace(defn.steps[2], kind="micro")))
    result = compute(make_table(rows, tmp_path), defn)
    frame = micro_macro_frame(result)
    review = frame[frame["conversion"] == "review"].iloc[0]
    assert review["type"] == "micro step"
    assert review["step"] == 3
    # Group A = review after entry and before buy (or by the window's end): a and c.
    assert (review["n_did"], review["macro_did"], review["n_did_not"]) == (2, 1, 1)
    assert review["rate_did"] == pytest.approx(1 / 2)
    assert overall_macro_rate(result) == pytest.approx(2 / 3)


def test_no_micro_conversions_means_no_rows(tmp_path: Path) -> None:
    defn = definition("view", "buy")
    defn = replace(defn, steps=tuple(replace(s, kind="macro") for s in defn.steps))
    result = compute(make_table([("a", "view", 0)], tmp_path), defn)
    assert micro_rows(result) == []
    assert list(micro_macro_frame(result)["type"]) == ["macro step", "macro step"]


# ------------------------------------------------------------------------ segments


def breakdown_result(tmp_path: Path, plan: dict[str, tuple[int, int]]) -> FunnelResult:
    """view → buy by `src`; plan = {group: (entered, converted)}, in file order."""
    rows: list[tuple[object, ...]] = []
    for group, (entered, converted) in plan.items():
        for i in range(entered):
            rows.append((f"{group}{i}", "view", 0, group))
            if i < converted:
                rows.append((f"{group}{i}", "buy", 1, group))
    table = make_table(rows, tmp_path, props=("src",))
    return compute(table, definition("view", "buy", breakdown="src"))


# Sizes 1, 5, 2, 4 in file order, so sorting by size has something to do.
PLAN = {"d": (1, 0), "a": (5, 3), "c": (2, 1), "b": (4, 1)}


def test_segments_sorted_by_size_and_the_tail_folded_into_other(tmp_path: Path) -> None:
    comparison = segment_comparison(breakdown_result(tmp_path, PLAN), step=2, top_n=2)
    assert comparison is not None
    rows = comparison.rows
    assert [(r.value, r.entered, r.converted, r.folded) for r in rows] == [
        ("a", 5, 3, 0),
        ("b", 4, 1, 0),
        (OTHER_LABEL, 3, 1, 2),  # c (2, 1) + d (1, 0)
    ]
    assert rows[2].is_other
    assert not rows[0].is_other
    assert [r.rate for r in rows] == pytest.approx([3 / 5, 1 / 4, 1 / 3])
    for row, (s, n) in zip(rows, [(3, 5), (1, 4), (1, 3)], strict=True):
        assert row.ci == pytest.approx(wilson(s, n))
    # 12 entered, 5 converted: each row against the other 12 − n.
    raw = [pooled_z_p(3, 5, 2, 7), pooled_z_p(1, 4, 4, 8), pooled_z_p(1, 3, 4, 9)]
    assert [r.p_raw for r in rows] == pytest.approx(raw)
    assert [r.rest_rate for r in rows] == pytest.approx([2 / 7, 4 / 8, 4 / 9])
    # Holm by hand: the i-th smallest times (3 − i), kept monotone, capped at 1.
    order = sorted(range(3), key=lambda i: raw[i])
    expected = [0.0] * 3
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (3 - rank) * raw[i]))
        expected[i] = running
    assert [r.p_value for r in rows] == pytest.approx(expected)
    assert not any(r.significant for r in rows)  # twelve people prove nothing
    assert comparison.overall_rate == pytest.approx(5 / 12)
    assert (comparison.entered, comparison.converted) == (12, 5)


def test_a_single_leftover_group_is_not_folded(tmp_path: Path) -> None:
    comparison = segment_comparison(breakdown_result(tmp_path, PLAN), step=2, top_n=3)
    assert comparison is not None
    assert [r.value for r in comparison.rows] == ["a", "b", "c", "d"]
    assert not any(r.is_other for r in comparison.rows)


def test_without_folding_the_rows_agree_with_insights_segments(tmp_path: Path) -> None:
    result = breakdown_result(tmp_path, PLAN)
    comparison = segment_comparison(result, step=2, top_n=8)
    assert comparison is not None
    expected = {s.value: s for s in segments(result) if s.step == 2}
    for row in comparison.rows:
        assert row.p_value == pytest.approx(expected[row.value].p_value)
        assert row.ci == pytest.approx(expected[row.value].ci)


def test_significant_groups_and_their_direction(tmp_path: Path) -> None:
    result = breakdown_result(tmp_path, {"low": (40, 0), "high": (41, 41)})
    comparison = segment_comparison(result)  # default: the macro step
    assert comparison is not None
    assert comparison.step == 2
    high, low = comparison.rows  # the larger group first
    assert (high.value, low.value) == ("high", "low")
    # 41 of 41 against 0 of 40: z = 9 standard errors; Holm doubles the smaller p.
    assert high.p_raw == pytest.approx(pooled_z_p(41, 41, 0, 40))
    assert high.p_value == pytest.approx(2 * pooled_z_p(41, 41, 0, 40))
    assert high.significant
    assert low.significant
    assert (high.direction, low.direction) == ("higher", "lower")
    frame = segments_frame(comparison)
    assert set(frame["vs_rest"]) == {"higher than the rest", "lower than the rest"}
    assert frame["significant"].all()


def test_step_one_is_not_tested(tmp_path: Path) -> None:
    comparison = segment_comparison(breakdown_result(tmp_path, PLAN), step=1)
    assert comparison is not None
    assert all(math.isnan(r.p_value) and not r.significant for r in comparison.rows)
    assert set(segments_frame(comparison)["vs_rest"]) == {"not tested"}


def test_segment_frame_columns_and_no_breakdown(tmp_path: Path) -> None:
    result = breakdown_result(tmp_path, PLAN)
    frame = segments_frame(segment_comparison(result, top_n=2))
    assert list(frame["group"]) == ["a", "b", OTHER_LABEL]
    assert list(frame["entered"]) == [5, 4, 3]
    assert list(frame["converted"]) == [3, 1, 1]
    assert list(frame["groups_folded"]) == [0, 0, 2]
    plain = compute(make_table([("a", "view", 0)], tmp_path), definition("view", "buy"))
    assert segment_comparison(plain) is None
    assert segments_frame(None).empty
    with pytest.raises(ValueError, match="step must be between 1 and 2"):
        segment_comparison(result, step=3)
