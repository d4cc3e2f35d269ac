"""Trends (§8), micro→macro impact (§9) and segment comparison (§10) on hand-counted logs.

Times are minutes after engine_fixtures.BASE (Monday 2026-03-02 00:00 UTC).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.analysis.segments import segments
from funnel_gui.core.analysis.stats import holm_adjust, two_proportion_p_value, wilson_interval
from funnel_gui.core.analysis.trends import trend
from funnel_gui.core.definition.model import MicroConversion
from funnel_gui.core.engine.compute import compute
from tests.core.engine_fixtures import definition, exclusion, make_table

DAY = 24 * 60


def test_9_micro_macro_groups(tmp_path: Path) -> None:
    rows = [
        ("a", "view", 0),
        ("a", "news", 1),
        ("a", "buy", 2),  # A, converted
        ("b", "view", 0),
        ("b", "news", 3),  # A (inside the window)
        ("c", "view", 0),
        ("c", "buy", 1),
        ("c", "news", 2),  # B: news only after buy
        ("d", "view", 0),  # B
        ("e", "view", 0),
        ("e", "news", 90),  # B: news after the window
        ("f", "news", 0),
        ("f", "view", 1),
        ("f", "buy", 2),  # B: news before entry
        ("g", "view", 5),
        ("g", "news", 5),  # A: same minute, after view
        ("h", "view", 0),
        ("h", "refund", 1),
        ("h", "buy", 2),  # excluded: in neither group
    ]
    table = make_table(rows, tmp_path)
    defn = definition("view", "buy", exclusions=[exclusion("refund", between=(1, 2))])
    defn = replace(defn, micro_conversions=(MicroConversion(("news",), label="Newsletter"),))
    result = compute(table, defn)
    assert result.excluded == 1
    # Step 1 ("view") is a micro step on the path: flagged, not compared.
    assert [(m.label, m.on_path) for m in result.micro_macro] == [
        ("view", True),
        ("Newsletter", False),
    ]
    impact = result.micro_macro[1]
    assert impact.macro_step == 2
    assert not impact.on_path
    assert (impact.n_a, impact.macro_a) == (3, 1)  # a, b, g; only a bought
    assert (impact.n_b, impact.macro_b) == (4, 2)  # c, d, e, f; c and f bought
    assert impact.comparison.rate_a == pytest.approx(1 / 3)
    assert impact.comparison.rate_b == pytest.approx(2 / 4)
    assert impact.comparison.too_few  # groups under 30


def test_9_micro_step_on_the_path_is_flagged(tmp_path: Path) -> None:
    table = make_table([("a", "view", 0), ("a", "cart", 1), ("a", "buy", 2)], tmp_path)
    result = compute(table, definition("view", "cart", "buy"))
    on_path = [m for m in result.micro_macro if m.on_path]
    assert [m.label for m in on_path] == ["view", "cart"]
    assert "nothing to compare" in on_path[0].to_dict()["note"]


def test_8_trend_by_day_week_and_month(tmp_path: Path) -> None:
    rows = [
        ("a", "view", 0),
        ("a", "buy", 10),  # enters Mon 03-02, converts
        ("b", "view", 30),  # enters Mon 03-02
        ("c", "view", DAY + 5),  # enters Tue 03-03
        ("d", "view", 8 * DAY),
        ("d", "buy", 8 * DAY + 1),  # enters Tue 03-10 (next week)
    ]
    result = compute(make_table(rows, tmp_path), definition("view", "buy"))  # 60-min window
    days = trend(result, "day")
    assert [p.start.strftime("%m-%d") for p in days] == ["03-02", "03-03", "03-10"]
    assert [p.counts for p in days] == [[2, 1], [1, 0], [1, 1]]
    # The data ends at 03-10 00:01; only that day's last instant + 60 min lies beyond it.
    assert [p.incomplete for p in days] == [False, False, True]
    assert days[0].conversion == pytest.approx(0.5)
    weeks = trend(result, "week")
    assert [p.start for p in weeks] == [
        pd.Timestamp("2026-03-02", tz="UTC"),
        pd.Timestamp("2026-03-09", tz="UTC"),
    ]
    assert [p.counts for p in weeks] == [[3, 1], [1, 1]]
    months = trend(result, "month")
    assert [(p.start.strftime("%Y-%m-%d"), p.counts) for p in months] == [("2026-03-01", [4, 2])]


def test_10_segments_against_the_rest_with_holm(tmp_path: Path) -> None:
    rows = []
    plan = {"m": (6, 1), "d": (4, 3), "t": (2, 2)}  # device: (entered, converted)
    for device, (entered, converted) in plan.items():
        for i in range(entered):
            user = f"{device}{i}"
            rows.append((user, "view", 0, device))
            if i < converted:
                rows.append((user, "buy", 1, device))
    table = make_table(rows, tmp_path, props=("device",))
    result = compute(table, definition("view", "buy", breakdown="device"))
    by_group = {(s.value, s.step): s for s in segments(result)}
    m = by_group[("m", 2)]
    assert (m.count, m.entered) == (1, 6)
    assert m.rate == pytest.approx(1 / 6)
    assert m.ci == pytest.approx(wilson_interval(1, 6))
    # Each group against the other two together, then Holm across the three groups.
    raw = [
        two_proportion_p_value(1, 6, 5, 6),
        two_proportion_p_value(3, 4, 3, 8),
        two_proportion_p_value(2, 2, 4, 10),
    ]
    adjusted = holm_adjust(raw)
    got = [by_group[(g, 2)].p_value for g in ("m", "d", "t")]
    assert got == pytest.approx(adjusted)
    assert all(a >= r for a, r in zip(got, raw, strict=True))
