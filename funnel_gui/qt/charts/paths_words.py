"""The Paths view's words: the sentence above the flows, each flow's title, what hovering a
band or a node says, the table's columns, and the drill-down's title for one path."""

from __future__ import annotations

from funnel_gui.core.analysis.path_flow import FlowBand, FlowNode
from funnel_gui.core.analysis.paths_result import DIRECT, NOTHING, OTHER, START, PathGroup
from funnel_gui.core.analysis.unit_words import unit_word
from funnel_gui.core.definition.durations import format_duration
from funnel_gui.qt.charts.parts import counted
from funnel_gui.qt.charts.paths_data import PathsData, step_name
from funnel_gui.qt.models.frame_table import Column
from funnel_gui.qt.text import format_count, format_percent

GROUP_WORDS = {"all": "everyone", "converted": "went on", "dropped": "stopped"}
TABLE_COLUMNS = (
    Column(
        "group",
        "Group",
        lambda key: GROUP_WORDS.get(str(key), str(key)),
        "Into step 1: everyone; between two steps: those who went on, those who stopped",
    ),
    Column("rank", "#", format_count, "The path's rank in its group (0: the other paths)", True),
    Column("path", "Path", tooltip="The events in time order"),
    Column("units", "Units", format_count, "How many followed this path", True),
    Column("share", "Share", format_percent, "Of the group", True),
    Column("macro_rate", "Macro rate", format_percent, "Of them, reached the macro step", True),
    Column("ci_low", "95% CI low", format_percent, "Wilson interval of the macro rate", True),
    Column("ci_high", "95% CI high", format_percent, "Wilson interval of the macro rate", True),
)
LIST_HINT = "Click to list them in Who dropped"
# A database counted the paths: its units are not here to list.
SQL_LIST_HINT = "The database counted these; lists of people need the data in memory"
# What a marker in a path stands for (§13).
MARKER_WORDS = {
    START: "fewer events than the path's length before the entry, within the lookback",
    DIRECT: "the next step's event came right after this step's",
    NOTHING: "no event after this step inside the window",
}


def _macro(data: PathsData) -> str:
    return step_name(data.funnel.definition, data.result.macro_step)


def header_text(data: PathsData) -> str:
    r = data.result
    who = unit_word(data.funnel)
    repeats = "repeats kept" if r.keep_repeats else "repeats collapsed"
    if r.where == "into":
        return (
            f"The last {r.length} events before {data.anchors[0]} (at most "
            f"{format_duration(r.lookback_ns)} before it; {repeats}), for the "
            f"{r.groups[0].units:,} {who} who entered. Each path's macro rate: reaching "
            f"{_macro(data)}."
        )
    went, stopped = r.group("converted").units, r.group("dropped").units
    to = data.anchors[1]
    if len(data.after) > 1:  # §15: k + 1 is optional
        to += f" or, skipping it, to {data.after[-1]}"
    return (
        f"The first {r.length} events after {data.anchors[0]} ({repeats}): the {went:,} "
        f"{who} who went on to {to}, and the {stopped:,} who stopped there (inside "
        f"their window). Each path's macro rate: reaching {_macro(data)}."
    )


def group_title(data: PathsData, group: PathGroup) -> str:
    unit = data.funnel  # what it counts gives the word
    if group.name == "all":
        return f"Into {data.anchors[0]} · {counted(group.units, unit)}"
    if group.name == "converted":
        to = f"{data.anchors[1]} or later" if len(data.after) > 1 else data.anchors[1]
        return f"Went on to {to} · {counted(group.units, unit)}"
    return f"Stopped at {data.anchors[0]} · {counted(group.units, unit)}"


def path_words(group: PathGroup, path: int) -> str:
    return OTHER if path < 0 else group.paths[path].text()


def band_hover_text(data: PathsData, group: PathGroup, band: FlowBand) -> str:
    unit = data.funnel  # what it counts gives the word
    if band.path < 0:
        units, hits = group.other_units, group.other_converted
        rate, ci = hits / units, None
    else:
        row = group.paths[band.path]
        units, rate, ci = row.units, row.macro_rate, row.ci
    interval = f" (95% CI {format_percent(ci[0])}–{format_percent(ci[1])})" if ci else ""
    return "\n".join(
        [
            path_words(group, band.path),
            f"{counted(units, unit)} · {format_percent(units / group.units)} of the group",
            f"reached {_macro(data)}: {format_percent(rate)}{interval}",
            LIST_HINT if data.table is not None else SQL_LIST_HINT,
        ]
    )


def node_hover_text(data: PathsData, group: PathGroup, node: FlowNode) -> str:
    unit = data.funnel  # what it counts gives the word
    where = data.titles[node.column] if node.column < len(data.titles) else ""
    lines = [node.name]
    if node.kind != "anchor":
        lines[0] += f" ({where})"
    if node.name in MARKER_WORDS:
        lines.append(MARKER_WORDS[node.name])
    lines.append(f"{counted(node.units, unit)} · {format_percent(node.units / group.units)}")
    return "\n".join(lines)


def units_title(data: PathsData, group: PathGroup, path: int) -> tuple[str, str]:
    """The drill-down's title and subtitle for the people on one path."""
    unit = data.funnel  # what it counts gives the word
    units = group.other_units if path < 0 else group.paths[path].units
    where = (
        f"into {data.anchors[0]}"
        if group.name == "all"
        else f"after {data.anchors[0]}, " + ("went on" if group.name == "converted" else "stopped")
    )
    title = f"{counted(units, unit)} on the path {path_words(group, path)} ({where})"
    return title, "Their reason, if they stopped, and each one's events on selecting a row."
