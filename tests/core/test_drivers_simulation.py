"""Drivers (FUNNEL_SEMANTICS §12) recover a known truth from simulated events.

4,000 units enter a view → purchase funnel, half from "ads", half "organic" (the
`source` property of the step-1 event). Within the first hour they may do:
* `watch_video`, far more often from ads (70 % vs 20 %), with **no effect** on buying;
* `compare_plans`, by half of everyone whatever the source, which **raises** the chance
  to buy by 8 points;
* a few `page` events (Poisson, mean 2), no effect.
Buying (two days later, after the default one-day landmark, inside the 7-day window) has
a base chance of 40 % from ads and 15 % organic. So `watch_video` is associated with
buying only because ads people do both: its raw lift is large and significant, but
adjusted for `source` it is zero; `compare_plans` keeps its +8 points.

Two checks are "a 95 % interval covers the truth", so each fails for about 1 seed in 20
whatever the sample size; the significance checks have a wide margin (raw p for
watch_video about 1e-16, adjusted p for compare_plans about 1e-8). Run on seeds 1 to 30,
27 passed; in each of the other 3 one interval just missed the truth (watch_video once,
compare_plans twice), as 95 % intervals do. The fixed seed is one whose intervals hold
the truth well inside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from funnel_gui.core.analysis.drivers import drivers
from funnel_gui.core.analysis.drivers_result import Candidate, DriversResult
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import definition, make_table

SEED = 7
N_UNITS = 4000
TRUE_EFFECT = 0.08  # compare_plans, in conversion points
DAY = 24 * 60  # minutes
FUNNEL = definition("view", "purchase", window=7 * DAY)


def simulate(seed: int, tmp_path: Path) -> EventTable:
    rng = np.random.default_rng(seed)
    ads = rng.random(N_UNITS) < 0.5
    video = rng.random(N_UNITS) < np.where(ads, 0.7, 0.2)
    compare = rng.random(N_UNITS) < 0.5
    pages = rng.poisson(2.0, N_UNITS)
    buys = rng.random(N_UNITS) < np.where(ads, 0.40, 0.15) + TRUE_EFFECT * compare
    entry = rng.uniform(0, 20 * DAY, N_UNITS).round()
    rows: list[tuple[object, ...]] = []
    for i in range(N_UNITS):
        actor, t = f"u{i:05d}", float(entry[i])
        rows.append((actor, "view", t, "ads" if ads[i] else "organic"))
        if video[i]:
            rows.append((actor, "watch_video", t + rng.integers(1, 60), ""))
        if compare[i]:
            rows.append((actor, "compare_plans", t + rng.integers(1, 60), ""))
        for _ in range(pages[i]):
            rows.append((actor, "page", t + rng.integers(1, 60), ""))
        if buys[i]:
            rows.append((actor, "purchase", t + 2 * DAY + rng.integers(0, DAY), ""))
    # A late event so that every unit's 7-day window has closed.
    rows.append(("zz-end", "page", 30 * DAY, ""))
    return make_table(rows, tmp_path, props=("source",))


def _get(result: DriversResult, label: str) -> Candidate:
    return next(c for c in result.candidates if c.label == label)


def check(result: DriversResult) -> None:
    assert result.eligible == N_UNITS
    assert result.adjust_for == ["source"]
    # The engagement baseline is always there, apart from the ranked candidates.
    assert result.baseline.kind == "baseline"
    assert result.baseline.exposed > 0
    assert all(c.kind != "baseline" for c in result.candidates)

    video = _get(result, "watch_video")
    assert video.raw.diff > 0
    assert video.raw.p < 0.01  # confounded by source: a clear raw lift ...
    assert video.adjusted is not None
    low, high = video.adjusted.ci
    assert low <= 0.0 <= high  # ... that adjusting for source removes

    compare = _get(result, "compare_plans")
    assert compare.adjusted is not None
    assert compare.adjusted.p < 0.01
    assert compare.adjusted.q < 0.05
    low, high = compare.adjusted.ci
    assert 0.0 < low <= TRUE_EFFECT <= high
    # Ranked by conversions at stake: the real driver above the confounded one.
    labels = [c.label for c in result.candidates]
    assert labels.index("compare_plans") < labels.index("watch_video")
    assert video.at_stake == 0.0


def test_adjusting_for_the_confounder_separates_real_from_spurious(tmp_path: Path) -> None:
    """§12 raw vs adjusted: source drives both watch_video and buying; compare_plans
    really adds 8 points."""
    table = simulate(SEED, tmp_path)
    check(drivers(table, FUNNEL, adjust_for=["source"]))
