"""What the Paths view draws when a database computes the funnel (SQL mode, §21): the
paths counted by the source's engine (core/sql/paths_run), laid out as in memory. Only
the top paths and each group's totals come back; the units stay in the database, so the
bands list nobody."""

from __future__ import annotations

from funnel_gui.core.analysis.paths import DEFAULT_LOOKBACK_NS, PathWhere
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.paths_run import paths_sql
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.qt.charts.paths_data import PathsData, PathsOptions, drawn_paths


def paths_data_sql(
    source: SqlSource,
    funnel: FunnelResult,
    options: PathsOptions,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PathsData:
    """The paths of `options` for `funnel`'s definition, counted by `source`'s engine."""
    definition = funnel.definition
    k = options.step
    where: PathWhere = "into" if k is None else ("between", k)
    result = paths_sql(
        source,
        definition,
        where,
        options.length,
        options.top,
        options.keep_repeats,
        DEFAULT_LOOKBACK_NS,
        warnings=funnel.warnings,
        progress=progress,
        cancelled=cancelled,
    )
    return drawn_paths(options, result, definition, funnel)
