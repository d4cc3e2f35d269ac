"""`funnel-gui paths FILE... --funnel DEF`: the most common paths into the funnel or between
two adjacent steps (FUNNEL_SEMANTICS §13), as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from funnel_gui.cli_loading import BAD_INPUT, add_funnel_inputs, bad_input, load_table, remapped
from funnel_gui.core.analysis.paths import (
    DEFAULT_LENGTH,
    DEFAULT_LOOKBACK_NS,
    DEFAULT_TOP,
    PathWhere,
    paths,
)
from funnel_gui.core.analysis.paths_result import OTHER, PathGroup, PathsResult
from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.sql_engine_cli import add_engine_options, uses_sql
from funnel_gui.sql_views_cli import PathOptions, paths_in_sql

_GROUP_WORDS = {
    "all": "all who entered",
    "converted": "went on to the next step",
    "dropped": "stopped here",
}


def paths_command(
    argv: Sequence[str],
    add_mapping: Callable[[argparse.ArgumentParser], None],
    overrides: Callable[[argparse.Namespace], dict[str, str | None]],
) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui paths",
        description="The most common sequences of events into the funnel's first step, or "
        "between step K and K+1 (for those who went on and those who stopped), with the "
        "macro conversion rate of each.",
    )
    add_funnel_inputs(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--into", action="store_true", help="paths into step 1 (the default)")
    where.add_argument("--between", type=int, metavar="K", help="paths between step K and K+1")
    parser.add_argument(
        "--length", type=int, default=DEFAULT_LENGTH, metavar="L", help="events per path (3)"
    )
    parser.add_argument(
        "--top", type=int, default=DEFAULT_TOP, metavar="N", help="paths listed per group (10)"
    )
    parser.add_argument(
        "--keep-repeats",
        action="store_true",
        help="keep consecutive repeats of one event (default: collapse them to one)",
    )
    parser.add_argument(
        "--lookback",
        metavar="DURATION",
        help="into step 1: how far back to look before entry (default 1d)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_mapping(parser)
    add_engine_options(parser)
    ns = parser.parse_args(argv)
    chosen: PathWhere = "into" if ns.between is None else ("between", ns.between)
    try:
        lookback = DEFAULT_LOOKBACK_NS
        if ns.lookback is not None:
            lookback = parse_duration(ns.lookback, allow_zero=True)
        definition = load_funnel(ns.funnel).definition
        options = PathOptions(chosen, ns.length, ns.top, ns.keep_repeats, lookback)
        if uses_sql(ns.files, ns):
            result = paths_in_sql(ns.files, ns, overrides(ns), definition, options)
        else:
            table = load_table(ns.files, ns, overrides)
            definition = remapped(definition, ns, table)
            result = paths(table, definition, *options)
    except BAD_INPUT as exc:
        return bad_input(exc)
    for warning in result.warnings:
        print(f"funnel-gui: warning: {warning}", file=sys.stderr)
    if ns.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(paths_text(result, definition))
    return 0


def paths_text(result: PathsResult, definition: FunnelDefinition) -> str:
    """The groups' top paths in plain words, one path a line."""

    def step_name(number: int) -> str:
        return f"step {number} ({definition.steps[number - 1].display_label})"

    if result.step is None:
        title = (
            f"Paths into {step_name(1)}: the last {result.length} events within "
            f"{format_duration(result.lookback_ns)} before entry"
        )
    else:
        title = (
            f"Paths between {step_name(result.step)} and {step_name(result.step + 1)}: "
            f"the first {result.length} events"
        )
    repeats = "kept" if result.keep_repeats else "collapsed"
    lines = [
        f"{title}; repeats {repeats}.",
        f"Macro rate: the share of a path's units reaching {step_name(result.macro_step)}.",
    ]
    for group in result.groups:
        lines += ["", *_group_lines(group)]
    return "\n".join(lines)


def _group_lines(group: PathGroup) -> list[str]:
    lines = [
        f"{group.name} ({_GROUP_WORDS[group.name]}): {group.units:,} units",
        f"  {'units':>9} {'share':>7} {'macro rate (95% CI)':>26}  path",
    ]
    for row in group.paths:
        rate = f"{row.macro_rate:.1%} ({row.ci[0]:.1%}, {row.ci[1]:.1%})"
        lines.append(f"  {row.units:>9,} {row.share:>7.1%} {rate:>26}  {row.text()}")
    if group.other_units:
        share = group.other_units / group.units
        other_rate = group.other_converted / group.other_units
        lines.append(f"  {group.other_units:>9,} {share:>7.1%} {other_rate:>26.1%}  ({OTHER})")
    if not group.units:
        lines.append("  (no units)")
    return lines
