"""Command line: `funnel-gui inspect FILE...` prints what an export holds; anything else
opens the desktop app (`funnel-gui [FILE...] [--demo]`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.io import load_events
from funnel_gui.core.io.mapping import ROLES
from funnel_gui.display_check import window_problem
from funnel_gui.resources import demo_data_path
from funnel_gui.views import DATA_VIEW, VIEW_NAMES

EXIT_BAD_INPUT = 2
# --size: below this nothing is readable; above it the PNG is absurdly large.
MIN_WINDOW_SIDE = 200
MAX_WINDOW_SIDE = 8192


# Subcommands that compute from a funnel file: (module, function); imported when used.
_FUNNEL_COMMANDS = {
    "compute": ("funnel_gui.compute_cli", "compute_command"),
    "drivers": ("funnel_gui.drivers_cli", "drivers_command"),
    "paths": ("funnel_gui.paths_cli", "paths_command"),
    "compare": ("funnel_gui.compare_cli", "compare_command"),
    "report": ("funnel_gui.report_cli", "report_command"),
    "sql": ("funnel_gui.sql_cli", "sql_command"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "inspect":
            code = inspect_command(args[1:])
        elif args and args[0] in _FUNNEL_COMMANDS:
            import importlib

            module, function = _FUNNEL_COMMANDS[args[0]]
            command = getattr(importlib.import_module(module), function)
            code = command(args[1:], _add_mapping_options, _overrides)
        else:
            return gui_command(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows up at this flush
    except BrokenPipeError:
        return quiet_broken_pipe()
    return int(code)


def quiet_broken_pipe() -> int:
    """The reader of our output went away (`funnel-gui inspect FILE | head`): stop quietly,
    as Unix tools do. Python's recipe: point stdout at devnull, so the flush at exit does
    not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def _add_mapping_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("column mapping (overrides detection)")
    for role in ROLES:
        group.add_argument(f"--{role}", metavar="COL", help=f"column holding the {role}")
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone for timestamps without one (default: UTC, or in the app the zone "
        "last chosen for the file)",
    )
    parser.add_argument(
        "--drop-exact-duplicates",
        action="store_true",
        help="remove rows that repeat an earlier row exactly",
    )


def _overrides(ns: argparse.Namespace) -> dict[str, str | None]:
    return {role: getattr(ns, role) for role in ROLES if getattr(ns, role)}


def inspect_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui inspect",
        description="Detect the export format of FILE(s), map its columns and print the "
        "import report. Several files of one export are read together.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    _add_mapping_options(parser)
    parser.add_argument(
        "--columns",
        metavar="ROLE=COL,...",
        help="database sources: name columns by hand (actor, event, time, session, order_key)",
    )
    ns = parser.parse_args(argv)
    if len(ns.files) == 1 and "://" in ns.files[0]:
        return _inspect_url(ns)
    try:
        table = load_events(
            ns.files,
            _overrides(ns) or None,
            assume_tz=ns.tz or "UTC",
            drop_exact_duplicates=ns.drop_exact_duplicates,
        )
    except UserFacingError as exc:
        print(f"funnel-gui: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # a bad --tz, for instance
        print(f"funnel-gui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if ns.json:
        print(json.dumps(inspect_payload(table), indent=2))
    else:
        print(table.report.to_text())
        print()
        print(table.event_catalog.to_string(index=False))
    return 0


def _inspect_url(ns: argparse.Namespace) -> int:
    """A database or warehouse table (funnel-gui inspect postgresql://…?table=events)."""
    from funnel_gui.sql_inspect_cli import inspect_sql

    try:
        inspect_sql(ns.files[0], ns.columns, None, ns.json)
    except UserFacingError as exc:
        print(f"funnel-gui: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def inspect_payload(table: Any) -> dict[str, Any]:
    payload: dict[str, Any] = table.report.to_dict()
    catalog = table.event_catalog
    payload["events"] = {
        str(row.event): {"count": int(row.count), "actors": int(row.actors)}
        for row in catalog.itertuples(index=False)
    }
    payload["properties"] = [
        {"name": str(row.property), "kind": str(row.kind), "distinct": int(row.distinct)}
        for row in table.property_catalog.itertuples(index=False)
    ]
    return payload


def gui_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui",
        description="Funnel Explorer: open analytics event exports and build funnels. "
        "Subcommands: `funnel-gui inspect FILE...` prints an import report; "
        "`funnel-gui compute FILE... --funnel DEF.funnel.json` prints a funnel's numbers "
        "(`--engine duckdb` computes in DuckDB without loading the files); "
        "`funnel-gui compare A [B] --funnel DEF` compares two periods or two exports; "
        "`funnel-gui report FILE... --funnel DEF -o OUT.html` writes the HTML report; "
        "`funnel-gui sql DEF --dialect bigquery` prints the funnel as SQL.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="export file(s) to open, or a database URL (duckdb:///x.duckdb?table=events, "
        "postgresql://host/db?table=events, …) computed where it lives",
    )
    parser.add_argument("--demo", action="store_true", help="open the bundled demo data")
    parser.add_argument("--funnel", metavar="DEF.funnel.json", help="open a saved funnel")
    parser.add_argument(
        "--screenshot", metavar="OUT.png", help="render the window to a PNG once loaded, then exit"
    )
    parser.add_argument(
        "--view",
        choices=[*VIEW_NAMES, DATA_VIEW],
        help="the analysis tab to show (with --screenshot: the one to render)",
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        type=window_size,
        help="the window's size in pixels (with --screenshot: the PNG's; default 1440x900)",
    )
    parser.add_argument(
        "--drill-down",
        metavar="STEP",
        type=int,
        help="with --funnel: list who dropped before step STEP (2 or more) in its tab",
    )
    parser.add_argument(
        "--gap",
        metavar="K",
        type=int,
        help="with --funnel and --screenshot: show the Paths view between step K and K+1",
    )
    _add_mapping_options(parser)
    from funnel_gui.sql_engine_cli import add_engine_options

    add_engine_options(parser)
    ns = parser.parse_args(argv)
    files = [str(demo_data_path())] if ns.demo else list(ns.files)
    try:
        database = _database_request(files, ns)
    except UserFacingError as exc:
        print(f"funnel-gui: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = window_problem(os.environ)
    if problem is not None:
        if not ns.screenshot:
            print(problem, file=sys.stderr)
            return EXIT_BAD_INPUT
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no display
    from funnel_gui.app import run_app

    return run_app(
        [] if database is not None else files,
        database=database,
        overrides=_overrides(ns) or None,
        assume_tz=ns.tz,
        screenshot=ns.screenshot,
        funnel=ns.funnel,
        view=ns.view,
        size=ns.size,
        drill_down=ns.drill_down,
        gap=ns.gap,
    )


def _database_request(files: list[str], ns: argparse.Namespace) -> Any:
    """A DatabaseRequest when the files are a database URL (or --engine duckdb), else
    None; a command line that cannot name one source is refused here, in one line."""
    from funnel_gui.sql_engine_cli import open_source, uses_sql

    if not uses_sql(files, ns):
        return None
    if not files:
        raise UserFacingError("--engine duckdb needs a file, a folder or a database URL.")
    from functools import partial

    from funnel_gui.app import DatabaseRequest

    overrides = _overrides(ns)
    return DatabaseRequest(" ".join(files), partial(open_source, files, ns, overrides))


def window_size(text: str) -> tuple[int, int]:
    """ "1280x720" → (1280, 720), for --size; argparse turns the error into one line."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x720")
    size = int(width), int(height)
    if min(size) < MIN_WINDOW_SIDE or max(size) > MAX_WINDOW_SIDE:
        raise argparse.ArgumentTypeError(
            f"{text!r}: each side must be {MIN_WINDOW_SIDE} to {MAX_WINDOW_SIDE} pixels"
        )
    return size
