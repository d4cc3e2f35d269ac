"""`funnel-gui compute FILE... --funnel DEF`: a funnel's numbers as text, JSON or CSV."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from funnel_gui.cli_loading import BAD_INPUT, add_funnel_inputs, bad_input, load_table
from funnel_gui.core.analysis.segments import segment_dicts, segments
from funnel_gui.core.analysis.trends import trend
from funnel_gui.core.atomic import atomic_path
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.safe_csv import frame_to_csv, write_frame_csv
from funnel_gui.sql_engine_cli import add_engine_options, compute_in_sql, uses_sql


def compute_command(argv: Sequence[str], add_mapping: Any, overrides: Any) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui compute",
        description="Compute a saved funnel (*.funnel.json) on export FILE(s), a folder, "
        "or a database URL (duckdb:///file.duckdb?table=events).",
    )
    add_funnel_inputs(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true", help="print the step table as CSV")
    parser.add_argument(
        "--actors",
        metavar="OUT.csv|OUT.parquet",
        help="also write one row per actor (or session) that entered",
    )
    add_mapping(parser)
    add_engine_options(parser)
    ns = parser.parse_args(argv)
    try:
        loaded = load_funnel(ns.funnel)
        if uses_sql(ns.files, ns):
            result = compute_in_sql(
                ns.files, ns, overrides(ns), loaded.definition, with_units=bool(ns.actors)
            )
        else:
            result = compute(load_table(ns.files, ns, overrides), loaded.definition)
        if ns.actors:
            _write_actors(result, Path(ns.actors))
    except BAD_INPUT as exc:
        return bad_input(exc)
    for warning in [*loaded.warnings, *result.warnings]:
        print(f"funnel-gui: warning: {warning}", file=sys.stderr)
    if ns.json:
        print(json.dumps(result_payload(result), indent=2))
    elif ns.csv:
        print(frame_to_csv(result.steps_frame()), end="")
    else:
        print(result_text(result))
    return 0


def result_payload(result: FunnelResult) -> dict[str, Any]:
    payload = result.to_dict()
    payload["trend"] = [p.to_dict() for p in trend(result)]
    payload["segments"] = segment_dicts(segments(result))
    return payload


def result_text(result: FunnelResult) -> str:
    name = result.definition.name or "Funnel"
    counting = ", counting attempts" if result.counted == "attempts" else ""
    lines = [
        f"{name} ({result.definition.order}, unit: {result.unit}{counting}): "
        f"{result.actors_entered:,} entered, {result.excluded:,} excluded"
    ]
    for s in result.steps:
        rate = f"{s.from_start:7.1%}" if s.from_start is not None else "      –"
        median = f"median {s.time_from_previous.median:,.0f} s" if s.time_from_previous else ""
        opened = f", {s.still_open:,} still open" if s.still_open else ""
        lines.append(
            f"  {s.number}. {s.label:<28} {s.count:>10,} {rate}  "
            f"drop-off {s.drop_off:,}{opened}  {median}".rstrip()
        )
        if s.reasons and s.drop_off:
            why = ", ".join(f"{n.replace('_', ' ')} {c:,}" for n, c in s.reasons.items() if c)
            lines.append(f"     stopped before it: {why}")
    return "\n".join(lines)


def _write_actors(result: FunnelResult, path: Path) -> None:
    frame = result.actors_frame()
    if path.suffix.lower() != ".parquet":
        write_frame_csv(frame, path)  # atomic, and safe to open in a spreadsheet
        return
    with atomic_path(path) as temp:  # a half-written file never takes the name
        frame.to_parquet(temp, index=False)
