"""What the Paths view draws (FUNNEL_SEMANTICS §13), computed off the GUI thread: the
paths for the gap and options chosen, each group's flow layout, and the table of paths.

Core calls only, no widget: the view runs this in its worker (and, for an export that is
waiting, on the spot). The funnel computed with its working rows is kept and handed back
in, so changing the gap, the length or the top N does not compute the funnel again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_gui.core.analysis.path_flow import (
    Flow,
    column_titles,
    flow_columns,
    layout_flow,
    or_later,
)
from funnel_gui.core.analysis.paths import DEFAULT_LENGTH, DEFAULT_TOP, PathWhere, paths
from funnel_gui.core.analysis.paths_result import OTHER, PathsResult
from funnel_gui.core.analysis.stats import wilson_interval
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import ComputedFunnel, compute_with_rows
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import Cancelled, Progress

OPEN_ENTRY = "the funnel (at any step)"  # where an open funnel's paths lead
MAX_LENGTH = 8
MAX_TOP = 30
TABLE_KEYS = ("group", "rank", "path", "units", "share", "macro_rate", "ci_low", "ci_high")


@dataclass(frozen=True)
class PathsOptions:
    step: int | None = None  # k of "between k and k + 1"; None: into step 1
    length: int = DEFAULT_LENGTH
    top: int = DEFAULT_TOP
    keep_repeats: bool = False


@dataclass(frozen=True)
class PathsData:
    options: PathsOptions
    result: PathsResult
    # The funnel the paths were counted on, with its units for lists (None: a database
    # counted the paths, and the units stay there).
    computed: ComputedFunnel | None
    table: EventTable | None  # the rows that funnel's row numbers point into
    flows: list[Flow]  # one per group, in the result's order
    titles: list[str]  # per column
    anchors: tuple[str, str]  # the step nodes' names
    frame: pd.DataFrame  # every shown path and the other paths, per group
    funnel: FunnelResult  # the funnel result the paths belong to (its words, its steps)
    # Between k and k + 1: steps k + 1 … up to the first required one after k (§15: any of
    # them may come next when k + 1 is optional).
    after: tuple[str, ...] = ()


def drawn_paths(
    options: PathsOptions,
    result: PathsResult,
    definition: FunnelDefinition,
    funnel: FunnelResult,
    computed: ComputedFunnel | None = None,
    table: EventTable | None = None,
) -> PathsData:
    """Everything the view draws of `result`: flows, column titles and the table."""
    k = options.step
    first = 1 if k is None else k
    anchors = (step_name(definition, first), "" if k is None else step_name(definition, k + 1))
    if k is None and definition.open:
        anchors = (OPEN_ENTRY, "")  # §15: the entry event may be any step's
    # §15: those who went on may have reached a step past optional ones (from k + 1 up to
    # the first required step after k).
    after: list[str] = []
    for j in range(first + 1, definition.n_steps + 1) if k is not None else ():
        after.append(step_name(definition, j))
        if not definition.steps[j - 1].optional:
            break
    columns = flow_columns(result)
    flows = [layout_flow(result, g, anchors, after) for g in result.groups]
    titles = column_titles(result, columns, (anchors[0], or_later(anchors, after)))
    frame = paths_frame(result)
    return PathsData(
        options, result, computed, table, flows, titles, anchors, frame, funnel, tuple(after)
    )


def step_name(definition: FunnelDefinition, k: int) -> str:
    return f"{k}. {definition.steps[k - 1].display_label}"


def paths_data(
    prepared: PreparedTable,
    definition: FunnelDefinition,
    options: PathsOptions,
    computed: ComputedFunnel | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PathsData:
    """The paths of `options` for `definition`; `computed` is reused when it is this
    funnel on this table."""
    if computed is None or computed.result.definition != definition:
        computed = compute_with_rows(prepared, definition, progress, cancelled)
    k = options.step
    where: PathWhere = "into" if k is None else ("between", k)
    result = paths(
        prepared,
        definition,
        where,
        options.length,
        options.top,
        options.keep_repeats,
        computed=computed,
    )
    return drawn_paths(options, result, definition, computed.result, computed, prepared.table)


def paths_frame(result: PathsResult) -> pd.DataFrame:
    """One row per shown path and one for the other paths of each group (rank 0): what
    the table lists and CSV exports. Rates are fractions."""
    rows = []
    for group in result.groups:
        for rank, p in enumerate(group.paths, 1):
            rows.append((group.name, rank, p.text(), p.units, p.share, p.macro_rate, *p.ci))
        if group.other_units:
            n, hits = group.other_units, group.other_converted
            ci = wilson_interval(hits, n)
            rows.append((group.name, 0, OTHER, n, n / group.units, hits / n, *ci))
    return pd.DataFrame(rows, columns=list(TABLE_KEYS))
