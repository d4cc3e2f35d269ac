"""`paths` and `drivers` with `--engine duckdb` or a database URL: the view computed by
the SQL engine where the data lives (FUNNEL_SEMANTICS §21), same output as in memory."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NamedTuple

from funnel_gui.core.analysis.paths import PathWhere
from funnel_gui.core.analysis.paths_result import PathsResult
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.paths_run import paths_sql
from funnel_gui.sql_engine_cli import open_source, uses_sql

DRIVERS_NOT_IN_SQL = (
    "Drivers (§12) are not computed by SQL engines yet: they need the data in memory "
    "(give the export files without --engine duckdb)."
)


def refuse_drivers_in_sql(files: Sequence[str], ns: argparse.Namespace) -> None:
    """`drivers` with --engine duckdb or a URL: one line saying it is not there yet."""
    if uses_sql(files, ns):
        raise UserFacingError(DRIVERS_NOT_IN_SQL)


class PathOptions(NamedTuple):
    """What `paths` takes after the table and the definition, in its order."""

    where: PathWhere
    length: int
    top: int
    keep_repeats: bool
    lookback: int


def paths_in_sql(
    files: Sequence[str],
    ns: argparse.Namespace,
    overrides: dict[str, str | None],
    definition: FunnelDefinition,
    options: PathOptions,
) -> PathsResult:
    source = open_source(files, ns, overrides)
    try:
        return paths_sql(source, definition, *options)
    finally:
        source.close()
