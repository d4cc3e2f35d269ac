"""The engine's big-table machinery gives the plain reference's answers.

On the tiny logs of tests/core every rank lookup goes through the bitmap; on a big
table the engine picks between the bitmap and a binary search per lookup batch, and
keeps only so many event names' rows. Here a generated export (the benchmark's data,
small enough for the pure-Python reference) is computed with each lookup forced, and
with the kept rows cut to one name, for funnels using every option; every unit and
step count must match `tests/reference_engine.py`, and the forced runs must agree on
every output, micro→macro included.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from funnel_gui.core.definition.model import (
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Step,
)
from funnel_gui.core.engine import compute as engine
from funnel_gui.core.engine import prepared, row_sets
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from tests.core.test_engine_vs_reference import compare
from tests.reference_engine import reference_compute

from .datagen import START, generate_events

N_EVENTS = 4_000
MINUTE = 60 * 1_000_000_000
DAY = 24 * 60 * MINUTE
_START_NS = int(START.astype("datetime64[ns]").astype(np.int64))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> EventTable:
    path = tmp_path_factory.mktemp("fast-paths") / "events.parquet"
    # Few actors for the events: long histories, many attempts per actor.
    pq.write_table(generate_events(N_EVENTS, 60, seed=3), path)
    return load_events([path])


def _steps(*names: str | tuple[str, ...], **options: Any) -> tuple[Step, ...]:
    return tuple(Step(n if isinstance(n, tuple) else (n,), **options) for n in names)


PATH = ("session_start", "product_view", "add_to_cart", "begin_checkout")
PLAIN = FunnelDefinition(steps=_steps(*PATH))

DEFINITIONS = {
    "sequential": PLAIN,
    "strict": dataclasses.replace(PLAIN, order="strict"),
    "any": dataclasses.replace(PLAIN, order="any"),
    "short window": dataclasses.replace(PLAIN, window_ns=30 * MINUTE),
    "sessions": dataclasses.replace(PLAIN, unit="session"),
    "gaps": FunnelDefinition(
        steps=(
            Step(("session_start",)),
            Step(("product_view",), min_gap_ns=2 * MINUTE),
            Step(("add_to_cart",), max_gap_ns=10 * MINUTE),
            Step(("purchase",), min_gap_ns=MINUTE, max_gap_ns=DAY),
        )
    ),
    "strict gaps": FunnelDefinition(
        steps=(
            Step(("product_view",)),
            Step(("page_view", "scroll"), min_gap_ns=MINUTE),
            Step(("product_view",), max_gap_ns=3 * MINUTE),
        ),
        order="strict",
    ),
    "names and filters": FunnelDefinition(
        steps=(
            Step(("session_start",), where=(Filter("device", "eq", "mobile"),)),
            Step(("product_view", "search")),
            Step(("add_to_cart",), where=(Filter("price", "gt", 20),)),
            Step(("purchase", "begin_checkout")),
        )
    ),
    "exclusion": dataclasses.replace(PLAIN, exclusions=(Exclusion(("remove_from_cart",), (2, 4)),)),
    "any with exclusion": dataclasses.replace(
        PLAIN, order="any", exclusions=(Exclusion(("sign_up",), (1, 4)),)
    ),
    "dates and breakdown": dataclasses.replace(
        PLAIN,
        date_range=DateRange(start_ns=_START_NS + 10 * DAY, end_ns=_START_NS + 40 * DAY),
        breakdown=Breakdown("device", "last_step"),
    ),
    "micro": dataclasses.replace(
        PLAIN,
        micro_conversions=(MicroConversion(("search",)), MicroConversion(("login",))),
        breakdown=Breakdown("country", "step_2"),
    ),
}


@pytest.fixture(params=["bitmap", "search", "one kept name"])
def lookups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "bitmap":
        monkeypatch.setattr(row_sets, "_LOOKUPS_PER_ROW_FOR_BITMAP", 0.0)
    elif request.param == "search":
        monkeypatch.setattr(row_sets, "_LOOKUPS_PER_ROW_FOR_BITMAP", float("inf"))
    else:
        monkeypatch.setattr(prepared, "_KEPT_EVENT_ROWS", 1)
    return str(request.param)


def _fresh(table: EventTable) -> prepared.PreparedTable:
    """The table newly prepared: no kept row sets (they remember their bitmaps)."""
    return prepared.prepare(table)


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_matches_reference(table: EventTable, name: str, lookups: str) -> None:
    defn = DEFINITIONS[name]
    fresh = _fresh(table)
    expected = reference_compute(table, defn)
    compare(fresh, defn, expected)
    # A recompute on the kept row sets gives the same answer again.
    compare(fresh, defn, expected)


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_bitmap_and_search_agree_on_every_output(
    table: EventTable, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    defn = DEFINITIONS[name]
    monkeypatch.setattr(row_sets, "_LOOKUPS_PER_ROW_FOR_BITMAP", 0.0)
    by_bitmap = engine.compute(_fresh(table), defn)
    monkeypatch.setattr(row_sets, "_LOOKUPS_PER_ROW_FOR_BITMAP", float("inf"))
    by_search = engine.compute(_fresh(table), defn)
    assert by_bitmap.to_dict() == by_search.to_dict()
    for field in dataclasses.fields(by_bitmap.units):
        a, b = getattr(by_bitmap.units, field.name), getattr(by_search.units, field.name)
        if a is None or b is None:
            assert a is b, field.name
        else:
            assert a.dtype == b.dtype, field.name
            assert np.array_equal(a, b), field.name
    assert by_bitmap.steps[0].count > 0


def test_rank_lookups_match_binary_search() -> None:
    rng = np.random.default_rng(7)
    n_rows = 1_000
    frame = UnitFrame(
        time=np.arange(n_rows, dtype=np.int64),
        unit=np.repeat(np.arange(10), n_rows // 10),
        unit_end=np.arange(1, 11) * (n_rows // 10),
    )
    rows = np.arange(n_rows)
    for share in (0.0, 0.01, 0.3, 1.0):
        members = np.flatnonzero(rng.random(n_rows) < share)
        # Both ends of the table are members in some sets, so the edge bytes are covered.
        if share == 0.3:
            members = np.union1d(members, [0, n_rows - 1])
        row_set = RowSet(frame, members)
        row_set.contains(rows[:1])  # builds the bitmap: every lookup below goes through it
        assert np.array_equal(
            row_set.count_through(rows), np.searchsorted(members, rows, side="right")
        )
        assert np.array_equal(
            row_set.count_before(rows), np.searchsorted(members, rows, side="left")
        )
        assert np.array_equal(row_set.contains(rows), np.isin(rows, members))
        assert np.array_equal(row_set.unit, frame.unit[members])
        assert row_set.unit_or_none[-1] == -1
