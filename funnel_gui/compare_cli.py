"""`funnel-gui compare A [B] --funnel DEF`: one funnel on two periods of one export, or
on two exports (FUNNEL_SEMANTICS §19), as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from funnel_gui.cli_loading import BAD_INPUT, add_map_event, bad_input, load_table, remapped
from funnel_gui.core.analysis.compare import Comparison, compare
from funnel_gui.core.definition.checks import FunnelFileError, read_instant
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.definition.model import DateRange, FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import prepare


def compare_command(
    argv: Sequence[str],
    add_mapping: Callable[[argparse.ArgumentParser], None],
    overrides: Callable[[argparse.Namespace], dict[str, str | None]],
) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui compare",
        description="Compare one saved funnel on two periods of export A (--period-a and "
        "--period-b), or on exports A and B (each with the funnel's own date range, "
        "unless periods are given): per step the conversion from step 1 in each, the "
        "difference B − A with a 95% interval and Holm-corrected p-values, and with a "
        "breakdown the split of the overall change into mix and rate.",
    )
    parser.add_argument("a", metavar="A", help="export file (or folder) A")
    parser.add_argument("b", metavar="B", nargs="?", help="export file (or folder) B")
    parser.add_argument("--funnel", required=True, metavar="DEF.funnel.json")
    parser.add_argument("--period-a", metavar="FROM..TO", help="entry period of A")
    parser.add_argument("--period-b", metavar="FROM..TO", help="entry period of B")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_map_event(parser, "B's (or, with one export, A's)")
    add_mapping(parser)
    ns = parser.parse_args(argv)
    try:
        definition = load_funnel(ns.funnel).definition
        definitions = _sides(definition, ns.b is not None, ns.period_a, ns.period_b)

        def load(path: str) -> Any:
            return load_table([path], ns, overrides)

        events_a = load(ns.a)
        events_b = events_a if ns.b is None else load(ns.b)
        table_a = prepare(events_a)
        table_b = table_a if ns.b is None else prepare(events_b)
        # The funnel was saved on A's names; --map-event renames them for B's export.
        mapped_a = definitions[0] if ns.b is not None else remapped(definitions[0], ns, events_a)
        mapped_b = remapped(definitions[1], ns, events_b)
        result_a = compute(table_a, mapped_a)
        result_b = compute(table_b, mapped_b)
        comparison = compare(result_a, result_b)
    except BAD_INPUT as exc:
        return bad_input(exc)
    for side, result in (("A", result_a), ("B", result_b)):
        for warning in result.warnings:
            print(f"funnel-gui: warning ({side}): {warning}", file=sys.stderr)
    if ns.json:
        print(json.dumps(comparison.to_dict(), indent=2))
    else:
        print(comparison_text(comparison, result_a.counted))
    return 0


def _sides(
    definition: FunnelDefinition, two_files: bool, period_a: str | None, period_b: str | None
) -> tuple[FunnelDefinition, FunnelDefinition]:
    """The definition for A and for B: each period replaces the funnel's date range."""
    if (period_a is None) != (period_b is None):
        raise ValueError("give both --period-a and --period-b, or neither")
    if period_a is None or period_b is None:
        if not two_files:
            raise ValueError(
                "one export needs two periods to compare: --period-a FROM..TO --period-b FROM..TO"
            )
        return definition, definition
    return (
        replace(definition, date_range=parse_period(period_a, "--period-a")),
        replace(definition, date_range=parse_period(period_b, "--period-b")),
    )


def parse_period(text: str, option: str) -> DateRange:
    """`FROM..TO` (ISO dates or date-times, UTC unless an offset is given): FROM inclusive,
    TO exclusive, like a funnel's date range (§2, §19); either side may be left empty."""
    start_text, sep, end_text = text.partition("..")
    if not sep:
        raise ValueError(
            f'{option}: "{text}" is not a period; write FROM..TO, like 2026-03-01..2026-04-01'
        )
    try:
        start = read_instant(start_text, option) if start_text.strip() else None
        end = read_instant(end_text, option) if end_text.strip() else None
    except FunnelFileError as exc:
        raise ValueError(f"{option}: {exc.problem}") from None
    if start is not None and end is not None and start >= end:
        raise ValueError(f"{option}: FROM must be before TO (TO is exclusive)")
    return DateRange(start, end)


def comparison_text(comparison: Comparison, counted: str) -> str:
    """The per-step table and the mix/rate split in plain words."""
    lines = [
        f"{'step':<30} {'A':>9} {'A rate':>7} {'B':>9} {'B rate':>7} "
        f"{'B − A (95% CI)':>28} {'p (Holm)':>9}",
    ]
    for s in comparison.steps:
        a_rate = "–" if s.a.from_start is None else f"{s.a.from_start:.1%}"
        b_rate = "–" if s.b.from_start is None else f"{s.b.from_start:.1%}"
        if s.diff != s.diff:
            change = "–"
        else:
            change = f"{100 * s.diff:+.1f} pp ({100 * s.ci[0]:+.1f}, {100 * s.ci[1]:+.1f})"
        p = "–" if s.p_holm != s.p_holm else f"{s.p_holm:.3g}"
        lines.append(
            f"{s.number}. {s.label[:27]:<27} {s.a.count:>9,} {a_rate:>7} {s.b.count:>9,} "
            f"{b_rate:>7} {change:>28} {p:>9}"
        )
    lines.append(f"(counts are {counted}; rates are conversion from step 1)")
    d = comparison.decomposition
    if d is not None:
        lines.append(
            f"Overall conversion changed by {100 * d.total:+.2f} pp: "
            f"{100 * d.mix:+.2f} pp from the groups' shares (mix), "
            f"{100 * d.rate:+.2f} pp from their conversion (rate)."
        )
    return "\n".join(lines)
