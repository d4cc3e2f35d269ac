"""What the funnel subcommands share: their inputs on the command line and loading them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.definition.remap import check_map, parse_map_pairs, remap_events
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events

EXIT_BAD_INPUT = 2
# What a funnel subcommand reports as one line and exit status 2: our own errors (their
# message is meant for a person), bad values (a --tz, a period) and files it cannot use.
BAD_INPUT = (UserFacingError, ValueError, OSError)

Overrides = Callable[[argparse.Namespace], dict[str, str | None]]


def add_funnel_inputs(parser: argparse.ArgumentParser) -> None:
    """The export file(s) and the saved funnel every funnel subcommand reads."""
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--funnel", required=True, metavar="DEF.funnel.json")
    add_map_event(parser)


def add_map_event(parser: argparse.ArgumentParser, whose: str = "the data's") -> None:
    parser.add_argument(
        "--map-event",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help=f"use {whose} event NEW wherever the funnel names OLD (repeatable): a funnel "
        "saved on another export whose event names differ",
    )


def remapped(
    definition: FunnelDefinition, ns: argparse.Namespace, table: EventTable
) -> FunnelDefinition:
    """`definition` with the --map-event pairs applied; ValueError (one line) for a
    malformed pair, an event the funnel does not use or one the data does not have."""
    mapping = parse_map_pairs(getattr(ns, "map_event", None) or [])
    if not mapping:
        return definition
    check_map(definition, mapping, table.event_catalog["event"].astype(str))
    return remap_events(definition, mapping)


def load_table(files: Sequence[str], ns: argparse.Namespace, overrides: Overrides) -> EventTable:
    """The event table of `files` with the column mapping options given on the command line."""
    return load_events(
        list(files),
        overrides(ns) or None,
        assume_tz=ns.tz or "UTC",
        drop_exact_duplicates=ns.drop_exact_duplicates,
    )


def bad_input(error: Exception) -> int:
    """Say what was wrong in one line on stderr; the exit status for bad input."""
    print(f"funnel-gui: {error}", file=sys.stderr)
    return EXIT_BAD_INPUT
