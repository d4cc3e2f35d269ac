"""`funnel-gui drivers FILE... --funnel DEF`: which early actions are associated with
reaching the macro step (FUNNEL_SEMANTICS §12), as text, JSON or CSV."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from funnel_gui.cli_loading import BAD_INPUT, add_funnel_inputs, bad_input, load_table, remapped
from funnel_gui.core.analysis.drivers import drivers
from funnel_gui.core.analysis.drivers_result import DriversResult
from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.safe_csv import frame_to_csv
from funnel_gui.sql_engine_cli import add_engine_options
from funnel_gui.sql_views_cli import refuse_drivers_in_sql


def drivers_command(
    argv: Sequence[str],
    add_mapping: Callable[[argparse.ArgumentParser], None],
    overrides: Callable[[argparse.Namespace], dict[str, str | None]],
) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui drivers",
        description="Rank the early actions associated with reaching the funnel's macro "
        "step (associations to confirm with an experiment, not causes). Settings not given "
        'here come from the funnel file\'s "drivers" settings.',
    )
    add_funnel_inputs(parser)
    parser.add_argument(
        "--landmark", metavar="DURATION", help="observation period after entry (default 1d)"
    )
    parser.add_argument(
        "--lookback", metavar="DURATION", help="observation period before entry (default 0s)"
    )
    parser.add_argument(
        "--adjust-for",
        nargs="+",
        metavar="PROP",
        help="properties (on the entry event) to compare like with like",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true", help="print the ranked table as CSV")
    add_mapping(parser)
    add_engine_options(parser)
    ns = parser.parse_args(argv)
    try:
        refuse_drivers_in_sql(ns.files, ns)
        definition = load_funnel(ns.funnel).definition
        settings = definition.drivers
        if ns.landmark is not None:
            settings = replace(settings, landmark_ns=_duration(ns.landmark, "--landmark", 1))
        if ns.lookback is not None:
            settings = replace(settings, lookback_ns=_duration(ns.lookback, "--lookback", 0))
        if ns.adjust_for is not None:
            settings = replace(settings, adjust_for=tuple(ns.adjust_for))
        table = load_table(ns.files, ns, overrides)
        definition = remapped(definition, ns, table)
        result = drivers(table, replace(definition, drivers=settings))
    except BAD_INPUT as exc:
        return bad_input(exc)
    for warning in result.warnings:
        print(f"funnel-gui: warning: {warning}", file=sys.stderr)
    if ns.json:
        print(json.dumps(result.to_dict(), indent=2))
    elif ns.csv:
        print(frame_to_csv(result.frame()), end="")
    else:
        print(drivers_text(result))
    return 0


def _duration(text: str, option: str, minimum_s: int) -> int:
    try:
        ns = parse_duration(text, allow_zero=minimum_s == 0)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
    return ns


def drivers_text(result: DriversResult) -> str:
    """The ranked table in plain words, with the note that these are associations."""
    adjusted = ", ".join(result.adjust_for) or "nothing (raw comparison only)"
    lines = [
        f"Drivers of step {result.macro_step}: {result.eligible:,} eligible entrants "
        f"({result.eligible_converted:,} converted); left out: "
        f"{result.left_out_still_open:,} still open, "
        f"{result.left_out_converted_before_landmark:,} converted before the landmark.",
        f"Observation period: {format_duration(result.lookback_ns)} before to "
        f"{format_duration(result.landmark_ns)} after entry. Adjusted for: {adjusted}.",
        result.note,
        "",
        f"{'candidate':<48} {'did':>7} {'did not':>8} {'difference (95% CI)':>26} "
        f"{'q':>7} {'at stake':>9}",
    ]
    for c in [result.baseline, *result.candidates]:
        shown = c.shown_difference
        interval = f"{shown.diff:+.1%} ({shown.ci[0]:+.1%}, {shown.ci[1]:+.1%})"
        q = "" if shown.q != shown.q else f"{shown.q:.3f}"
        flag = "  too few to judge" if c.too_few else ""
        lines.append(
            f"{c.label[:48]:<48} {c.exposed:>7,} {c.unexposed:>8,} {interval:>26} "
            f"{q:>7} {c.at_stake:>9.1f}{flag}"
        )
    return "\n".join(lines)
