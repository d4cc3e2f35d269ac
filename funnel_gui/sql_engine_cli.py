"""`compute --engine duckdb` and URL sources: the funnel computed by a SQL engine where
the data lives, with the same output as the in-memory path (FUNNEL_SEMANTICS §21)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.open import is_url, open_sql_source
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.source import SqlSource

ENGINES = ("memory", "duckdb")
_ROLE_FIELDS = {"actor": "actor", "event": "event", "time": "time", "session": "session"}


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="where to compute: memory (default for files) loads the export here; duckdb "
        "computes in DuckDB straight from the files, without loading them (URL sources "
        "always compute in their own database)",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit, e.g. 2GB; beyond it DuckDB spills to disk",
    )


def uses_sql(files: Sequence[str], ns: argparse.Namespace) -> bool:
    """Whether this command line computes in a SQL engine rather than in memory."""
    urls = [f for f in files if is_url(f)]
    if urls and ns.engine == "memory":
        raise UserFacingError(
            f"{urls[0]} is a database: it is computed where it lives, not with --engine memory."
        )
    if urls and len(files) > 1:
        raise UserFacingError("Give one database URL, or files and folders, not both.")
    if ns.memory_limit and not (urls or ns.engine == "duckdb"):
        raise UserFacingError("--memory-limit applies to --engine duckdb (and URL sources).")
    return bool(urls) or ns.engine == "duckdb"


def open_source(
    files: Sequence[str], ns: argparse.Namespace, overrides: dict[str, str | None]
) -> SqlSource:
    if ns.tz and ns.tz != "UTC":
        raise UserFacingError("--tz is not supported with SQL engines yet: times are read as UTC.")
    if ns.drop_exact_duplicates:
        raise UserFacingError("--drop-exact-duplicates is not supported with SQL engines yet.")
    if len(files) == 1:
        source = open_sql_source(files[0], ns.memory_limit)
    else:
        source = DuckDBSource.from_paths(list(files), None, ns.memory_limit)
    mapped = {_ROLE_FIELDS[r]: c for r, c in overrides.items() if r in _ROLE_FIELDS}
    unknown = [r for r in overrides if r not in _ROLE_FIELDS]
    if unknown:
        raise UserFacingError(
            f"--{unknown[0].replace('_', '-')} is not supported with SQL engines."
        )
    if mapped:
        cols = source.columns
        source.columns = replace(
            cols,
            actor=mapped.get("actor") or cols.actor,
            event=mapped.get("event") or cols.event,
            time=mapped.get("time") or cols.time,
            session=mapped.get("session", cols.session),
        )
    return source


def compute_in_sql(
    files: Sequence[str],
    ns: argparse.Namespace,
    overrides: dict[str, str | None],
    definition: FunnelDefinition,
    with_units: bool,
) -> FunnelResult:
    source = open_source(files, ns, overrides)
    try:
        return compute_sql(source, definition, with_units=with_units)
    finally:
        source.close()
