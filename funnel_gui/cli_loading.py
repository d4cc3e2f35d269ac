"""What the funnel subcommands share: their inputs on the command line and loading them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events

Overrides = Callable[[argparse.Namespace], dict[str, str | None]]


def add_funnel_inputs(parser: argparse.ArgumentParser) -> None:
    """The export file(s) and the saved funnel every funnel subcommand reads."""
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--funnel", required=True, metavar="DEF.funnel.json")


def load_table(files: Sequence[str], ns: argparse.Namespace, overrides: Overrides) -> EventTable:
    """The event table of `files` with the column mapping options given on the command line."""
    return load_events(
        list(files),
        overrides(ns) or None,
        assume_tz=ns.tz or "UTC",
        drop_exact_duplicates=ns.drop_exact_duplicates,
    )
