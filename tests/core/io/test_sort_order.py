"""sort_order: actor, then time, ties in input order (FUNNEL_SEMANTICS §1), by every path."""

from __future__ import annotations

import numpy as np
import pytest

from funnel_gui.core.io.rowcodes import _radix_order, sort_order, stable_order_of_codes


def _reference(actor: np.ndarray, time: np.ndarray) -> list[int]:
    return sorted(range(len(actor)), key=lambda i: (int(actor[i]), int(time[i]), i))


@pytest.mark.parametrize("time_sorted", [True, False])
@pytest.mark.parametrize("n_actors", [1, 7, 70_000])
def test_matches_plain_sort(time_sorted: bool, n_actors: int) -> None:
    rng = np.random.default_rng(n_actors)
    n = 5_000
    actor = rng.integers(0, n_actors, n).astype(np.int32)
    time = rng.integers(0, 50, n).astype(np.int64) * 1_000_000_000  # many ties
    if time_sorted:
        time = np.sort(time)
    assert sort_order(actor, time).tolist() == _reference(actor, time)


def test_counting_sort_and_radix_fallback_agree() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 200_000, 20_000).astype(np.int32)
    expected = np.argsort(codes, kind="stable").tolist()
    assert stable_order_of_codes(codes).tolist() == expected
    assert _radix_order(codes).tolist() == expected
