"""§15–§17 on DuckDB: the hand-checked fixtures of tests/core/test_optional_open.py and
tests/core/test_counting_options.py (optional steps and open funnels, counting attempts,
holding properties constant) run once more with the SQL compiler's result in the
reference's shape. Their expected numbers are worked out by hand in those modules; the
engine-only checks there (skipped, flows, reasons) are compared by the random
SQL-vs-memory tests (test_sql_vs_memory). Combinations the engine refuses are refused by
the SQL engines with the engine's words.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import UnsupportedDefinition, compute
from funnel_gui.core.events import EventTable
from funnel_gui.core.sql.runner import compute_sql
from tests.core import test_counting_options, test_optional_open
from tests.core.engine_fixtures import definition, make_table
from tests.core.sql.sql_fixtures import duckdb_of
from tests.core.test_engine_vs_reference import engine_units
from tests.reference_engine import RefResult

SECTIONS = ("test_15_", "test_16_", "test_17_")
# Sections these cases may combine with §15–§17 that the SQL compiler also handles.
COMPILED = {"15", "16", "17"}


def sql_result(table: EventTable, defn: FunnelDefinition) -> RefResult:
    """DuckDB's result of the compiled SQL in the reference's shape."""
    source = duckdb_of(table)
    try:
        result = compute_sql(source, defn, with_units=True)
    finally:
        source.close()
    return RefResult(
        units=engine_units(defn, result.actors_frame()),
        counts=[s.count for s in result.steps],
        entered=result.actors_entered,
        excluded=result.excluded,
        hold_missing=result.hold_missing,
    )


def _sections(name: str) -> set[str]:
    """The sections a case's name cites: test_16_20_... cites §16 and §20."""
    out = set()
    for part in name.split("_")[1:]:
        if not part.isdigit():
            break
        out.add(part)
    return out


def _cases() -> list[tuple[ModuleType, Callable[[Path], None]]]:
    """The modules' §15–§17 cases that take only a folder (the rest check engine-only
    numbers or are parametrised otherwise)."""
    out = []
    for module in (test_optional_open, test_counting_options):
        for name, case in vars(module).items():
            if not name.startswith(SECTIONS) or not _sections(name) <= COMPILED:
                continue
            if list(inspect.signature(case).parameters) == ["tmp_path"]:
                out.append((module, case))
    return out


@pytest.mark.parametrize(("module", "case"), _cases(), ids=lambda c: getattr(c, "__name__", ""))
def test_hand_checked_case_on_duckdb(
    module: ModuleType,
    case: Callable[[Path], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "reference_compute", sql_result)
    case(tmp_path)


def test_the_cases_are_collected() -> None:
    names = {case.__name__ for _, case in _cases()}
    assert {n[:8] for n in names} == set(SECTIONS)
    assert len(names) >= 20


def _refused(defn: FunnelDefinition, tmp_path: Path) -> tuple[str, str]:
    """The in-memory engine's and DuckDB's refusals of `defn`."""
    table = make_table([("u1", "view", 0, "a"), ("u1", "cart", 1, "a")], tmp_path, props=["p"])
    with pytest.raises(UnsupportedDefinition) as memory:
        compute(table, defn)
    source = duckdb_of(table)
    try:
        with pytest.raises(UnsupportedDefinition) as sql:
            compute_sql(source, defn)
    finally:
        source.close()
    return str(memory.value), str(sql.value)


THREE = definition("view", "cart", "pay")
REFUSED = {
    # §15 with §16: counting attempts does not go with optional steps or open funnels.
    "totals_open": replace(THREE, open=True, count="totals"),
    "totals_optional": replace(
        THREE,
        steps=(THREE.steps[0], replace(THREE.steps[1], optional=True), THREE.steps[2]),
        count="totals",
    ),
    # §15 with §17: an open funnel has no one step-1 event to hold values of.
    "open_hold": replace(THREE, open=True, hold=("p",)),
    # §15: open funnels are sequential; optional steps neither first nor last nor any order.
    "open_strict": replace(THREE, open=True, order="strict"),
    "optional_last": replace(
        THREE, steps=(*THREE.steps[:2], replace(THREE.steps[2], optional=True))
    ),
    "optional_any": replace(
        THREE,
        order="any",
        steps=(THREE.steps[0], replace(THREE.steps[1], optional=True), THREE.steps[2]),
    ),
    # §16: attempts are counted in ordered funnels only.
    "totals_any": replace(THREE, order="any", count="totals"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_combinations_the_engine_refuses_stay_refused_with_its_words(
    name: str, tmp_path: Path
) -> None:
    memory, sql = _refused(REFUSED[name], tmp_path)
    assert sql == memory
    assert "SQL engines cannot compute" not in sql
