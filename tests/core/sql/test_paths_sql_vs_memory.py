"""§13 and §21: paths computed by DuckDB (core/sql/paths_run) equal the in-memory paths.

The random logs and definitions of the paths-vs-reference test (every option of §2–§7:
orders, gaps, filters, exclusions, date ranges, sessions, ties; into step 1 or between
two steps, lengths 1–3, repeats kept or collapsed, lookbacks, top N). The in-memory
paths are themselves held to tests/reference_paths.py by test_paths_reasons_vs_reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, note

from funnel_gui.core.analysis.paths import paths
from funnel_gui.core.analysis.paths_result import PathsResult
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.sql.paths_run import paths_sql
from funnel_gui.core.sql.source import SqlSource
from tests.core.engine_fixtures import make_table
from tests.core.sql.sql_fixtures import duckdb_of
from tests.core.test_engine_vs_reference import Log, _describe, _props
from tests.core.test_paths_reasons_vs_reference import SETTINGS, path_scenarios


def comparable(result: PathsResult) -> dict[str, Any]:
    """The JSON of `paths --json`, plus what the "other paths" row shows."""
    out = result.to_dict()
    for group, g in zip(out["groups"], result.groups, strict=True):
        group["other"]["converted"] = g.other_converted
        for row, p in zip(group["paths"], g.paths, strict=True):
            row["converted"] = p.converted
    out["macro_step"] = result.macro_step
    return out


def check_same(
    source_of: Any, tmp_path: Path, log: Log, defn: FunnelDefinition, options: dict[str, Any]
) -> None:
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    expected = paths(table, defn, **options)
    source: SqlSource = source_of(table)
    try:
        got = paths_sql(source, defn, **options)
    finally:
        source.close()
    assert comparable(got) == comparable(expected)


@SETTINGS
@given(scenario=path_scenarios())
def test_duckdb_paths_match_memory(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition, dict[str, Any]]
) -> None:
    log, defn, options = scenario
    note(_describe(log, defn))
    note(repr(options))
    check_same(duckdb_of, tmp_path, log, defn, options)
