"""`funnel-gui report FILE... --funnel DEF -o OUT.html`: the HTML report for scheduled runs
(the same page as the app's Export report, with a plain step chart in place of the app's
charts), written atomically."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from funnel_gui.cli_loading import BAD_INPUT, add_funnel_inputs, bad_input, load_table, remapped
from funnel_gui.core.atomic import write_text_atomically
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.report.page import report_page


def report_command(argv: Sequence[str], add_mapping: Any, overrides: Any) -> int:
    parser = argparse.ArgumentParser(
        prog="funnel-gui report",
        description="Write a self-contained HTML report of a saved funnel (*.funnel.json) "
        "on export FILE(s): the definition in words, the data and its import report, the "
        "numbers, the app version and time, and the funnel file to reproduce it.",
    )
    add_funnel_inputs(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUT.html")
    add_mapping(parser)
    ns = parser.parse_args(argv)
    try:
        if not ns.output.lower().endswith((".html", ".htm")):
            raise ValueError(f"{ns.output}: the report is HTML; name it OUT.html")
        loaded = load_funnel(ns.funnel)
        table = load_table(ns.files, ns, overrides)
        result = compute(table, remapped(loaded.definition, ns, table))
        html = report_page(
            result,
            data_files=list(ns.files),
            import_report=table.report,
            command=shlex.join(["funnel-gui", "report", *argv]),
        )
        write_text_atomically(ns.output, html)
    except BAD_INPUT as exc:
        return bad_input(exc)
    for warning in [*loaded.warnings, *result.warnings]:
        print(f"funnel-gui: warning: {warning}", file=sys.stderr)
    print(f"Wrote {ns.output}: {result.actors_entered:,} {result.counted} entered")
    return 0
