"""Where each path of a paths result is drawn in a Sankey-style flow (FUNNEL_SEMANTICS §13):
columns of event nodes, one per position in the path, and one band per path whose
thickness is its units. Qt-free; the Paths view only places what this works out.

Into step 1, paths end at the step-1 node in the last column (they are aligned on their
end: the event just before the entry is always in the column before it). Between step k
and k + 1, paths start at the step-k node in the first column; the converted end at the
step-(k + 1) node in the last column (or, past optional steps they jumped over, at the
node of the step they reached, §15), the dropped end where their events end. The other
paths are one band through a node of their own. Nodes in a column are stacked most units
first with a small gap; a band keeps its place (by rank) inside every node it crosses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from funnel_gui.core.analysis.paths_result import OTHER, PathGroup, PathsResult

NodeKind = Literal["anchor", "event", "other"]
GAP_SHARE = 0.04  # the gap between two nodes of a column, as a share of the group's units


@dataclass(frozen=True)
class FlowNode:
    column: int
    name: str
    kind: NodeKind
    units: int
    y0: float  # top, in units from the flow's top
    y1: float


@dataclass(frozen=True)
class FlowBand:
    path: int  # index into the group's paths; -1 for the other paths
    units: int
    stops: tuple[tuple[int, float, float], ...]  # (column, y0, y1) at each node it crosses


@dataclass(frozen=True)
class Flow:
    group: str  # "all", "converted", "dropped"
    units: int
    columns: int
    nodes: list[FlowNode]
    bands: list[FlowBand]
    height: float  # the tallest column, gaps included (0 for an empty group)


def column_titles(result: PathsResult, columns: int, anchors: tuple[str, str]) -> list[str]:
    """What each column is: "3rd before" … "just before", step 1; or step k, "1st after"…,
    step k + 1."""
    if result.where == "into":
        return [_ordinal(columns - 1 - c, "before") for c in range(columns - 1)] + [anchors[0]]
    middle = [_ordinal(c, "after") for c in range(1, columns - 1)]
    return [anchors[0], *middle, anchors[1]]


def _ordinal(n: int, side: str) -> str:
    if n == 1:
        return f"just {side}"
    suffix = {2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
    return f"{n}{suffix} {side}"


def flow_columns(result: PathsResult) -> int:
    """The columns every group of `result` is drawn in (the same, so side-by-side flows
    line up): the longest path's events plus the anchor node(s)."""
    longest = max((len(p.events) for g in result.groups for p in g.paths), default=1)
    return longest + (1 if result.where == "into" else 2)


def layout_flow(
    result: PathsResult,
    group: PathGroup,
    anchors: tuple[str, str],
    after: Sequence[str] = (),
) -> Flow:
    """The nodes and bands of one group; `anchors` are the names of the step nodes (into:
    step 1's, unused; between: step k's and step k + 1's). `after`: the names of steps
    k + 1, k + 2, …: a path whose units jumped over optional steps ends at the step they
    reached (§15), a node of its own in the last column."""
    columns = flow_columns(result)
    sequences = _sequences(result, group, columns, anchors, after)
    if not group.units:
        return Flow(group.name, 0, columns, [], [], 0.0)
    gap = GAP_SHARE * group.units
    nodes: list[FlowNode] = []
    # Per column: each node's name -> its units; then stacked, most units first.
    place: dict[tuple[int, str], list[float]] = {}  # the next free y inside each node
    height = 0.0
    for column in range(columns):
        totals: dict[str, tuple[int, NodeKind]] = {}
        for _, units, seq in sequences:
            for c, name, kind in seq:
                if c == column:
                    old = totals.get(name, (0, kind))[0]
                    totals[name] = (old + units, kind)
        order = sorted(
            totals.items(), key=lambda item: (item[1][1] == "other", -item[1][0], item[0])
        )
        y = 0.0
        for name, (units, kind) in order:
            nodes.append(FlowNode(column, name, kind, units, y, y + units))
            place[(column, name)] = [y]
            y += units + gap
        height = max(height, y - gap if order else 0.0)
    bands = []
    for path, units, seq in sequences:
        stops = []
        for c, name, _ in seq:
            free = place[(c, name)]
            stops.append((c, free[0], free[0] + units))
            free[0] += units
        bands.append(FlowBand(path, units, tuple(stops)))
    return Flow(group.name, group.units, columns, nodes, bands, height)


Stop = tuple[int, str, NodeKind]


def or_later(anchors: tuple[str, str], after: Sequence[str]) -> str:
    """Where the other paths between two steps end: step k + 1, or when that step is
    optional (more than one step could come next), "k + 1 or later"."""
    return f"{anchors[1]} or later" if len(after) > 1 else anchors[1]


def _reached(anchors: tuple[str, str], after: Sequence[str], skipped: int) -> str:
    """The name of the step a path between two steps ends at: k + 1, or past `skipped`
    optional steps."""
    return after[skipped] if skipped < len(after) else anchors[1]


def _sequences(
    result: PathsResult,
    group: PathGroup,
    columns: int,
    anchors: tuple[str, str],
    after: Sequence[str] = (),
) -> list[tuple[int, int, list[Stop]]]:
    """Per band (shown paths by rank, then the other paths): its path index, units and the
    (column, node name, kind) it goes through."""
    rows: list[tuple[int, int, tuple[str, ...], NodeKind, str]] = [
        (i, p.units, p.events, "event", _reached(anchors, after, len(p.skipped)))
        for i, p in enumerate(group.paths)
        if p.units
    ]
    if group.other_units:
        # Their units may have reached different steps (§15): "k + 1 or later".
        rows.append((-1, group.other_units, (OTHER,), "other", or_later(anchors, after)))
    out = []
    for path, units, events, kind, reached in rows:
        if result.where == "into":
            first = columns - 1 - len(events)
            seq = [(first + j, e, kind) for j, e in enumerate(events)]
            seq.append((columns - 1, anchors[0], "anchor"))
        else:
            seq = [(0, anchors[0], "anchor")]
            seq += [(1 + j, e, kind) for j, e in enumerate(events)]
            if group.name == "converted":
                seq.append((columns - 1, reached, "anchor"))
        out.append((path, units, [(c, n, k) for c, n, k in seq]))
    return out
