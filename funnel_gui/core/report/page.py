"""The HTML report: one self-contained page that says what was computed on what, so anyone
can reproduce it — the definition in words, the data files and their import report, the
step numbers, the app's version and the time it was made, and the `.funnel.json` itself.

The app adds its views (charts as embedded images, tables as shown) as `Section`s; the
command line (`funnel-gui report`) writes the same page with a plain step chart instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib import metadata
from pathlib import Path

from funnel_gui.core.analysis.chart_data import step_tick_label
from funnel_gui.core.definition.file import definition_to_dict
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io.report import DROP_REASONS, ImportReport
from funnel_gui.core.report.database_words import DatabaseOrigin, origin_html
from funnel_gui.core.report.definition_words import definition_facts
from funnel_gui.core.report.step_svg import step_bars_svg
from funnel_gui.core.report.style import STYLE

DEFINITION_SCRIPT_ID = "funnel-definition"


@dataclass(frozen=True)
class Section:
    """A part of the page the caller made (a view's chart and tables): `html` is trusted
    markup, built with every text escaped."""

    title: str
    html: str


def app_version() -> str:
    try:
        return metadata.version("funnel-gui")
    except metadata.PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown"


def counted_word(result: FunnelResult) -> str:
    return result.counted  # "people", "sessions" or "attempts" (§16)


def headline(result: FunnelResult) -> str:
    """ "3,083 people entered · 310 converted (10.1%) · 0 excluded"."""
    last = result.steps[-1] if result.steps else None
    converted = last.count if last is not None else 0
    rate = _percent(last.from_start if last is not None else None)
    return (
        f"{result.actors_entered:,} {counted_word(result)} entered · {converted:,} converted "
        f"({rate}) · {result.excluded:,} excluded"
    )


def embedded_json(data: object) -> str:
    """JSON safe inside <script type="application/json">: no "<", ">" or "&" can end the
    element or start a comment, whatever the event names hold; still the same JSON."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def report_page(
    result: FunnelResult,
    *,
    data_files: Sequence[str],
    import_report: ImportReport | None,
    sections: Sequence[Section] = (),
    made_at: datetime | None = None,
    command: str = "",
    origin: DatabaseOrigin | None = None,
) -> str:
    """The whole page. `sections` come after the definition and numbers; without any,
    a plain bar chart of the steps stands in for the app's charts. With `origin` (the
    funnel was computed by a database) the data part says where, instead of files and
    an import report."""
    name = result.definition.name or "Untitled funnel"
    made = (made_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    files = ", ".join(Path(f).name for f in data_files) or "–"
    data = f"<h2>Data</h2>{data_html(data_files, import_report)}"
    if origin is not None:
        files = f"computed in {origin.summary}"
        data = f"<h2>Data: read where it lives</h2>{origin_html(origin)}"
    warnings = "".join(f"<p class='warn'>{escape(w)}</p>" for w in result.warnings)
    views = "".join(f"<h2>{escape(s.title)}</h2>{s.html}" for s in sections)
    if not sections:  # the app's funnel view brings its own chart and step table
        views = f"<h2>Steps</h2>{steps_table(result)}<h2>Funnel</h2>{step_bars_svg(result)}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(name)} · Funnel Explorer report</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(name)}</h1>"
        f"<p class='meta'>Data: {escape(files)} · made {made} by Funnel Explorer "
        f"{escape(app_version())}</p>"
        f"<p class='headline'>{escape(headline(result))}</p>{warnings}"
        f"{views}"
        f"<h2>Definition</h2>{definition_html(result)}"
        f"{data}"
        f"{reproduce_html(result, command, origin)}"
        "</body></html>\n"
    )


def definition_html(result: FunnelResult) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{escape(f.term)}</th><td>{escape(f.words)}</td></tr>"
        for f in definition_facts(result.definition)
    )
    return f"<table class='facts'><tbody>{rows}</tbody></table>"


def steps_table(result: FunnelResult) -> str:
    """Per step: count, conversion from the previous step and from step 1, drop-off."""
    unit = counted_word(result).capitalize()
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in ("Step", unit, "From previous", "From step 1", "Drop-off", "Still open")
    )
    rows = []
    for s in result.steps:
        cells = [
            f"<td>{escape(step_tick_label(result, s))}</td>",
            f"<td class='num'>{s.count:,}</td>",
            f"<td class='num'>{_percent(s.from_previous) if s.number > 1 else '–'}</td>",
            f"<td class='num'>{_percent(s.from_start)}</td>",
            f"<td class='num'>{f'{s.drop_off:,}' if s.number > 1 else '–'}</td>",
            f"<td class='num'>{f'{s.still_open:,}' if s.number > 1 else '–'}</td>",
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = f"<table class='steps'><thead><tr>{head}</tr></thead>"
    return table + f"<tbody>{''.join(rows)}</tbody></table>"


def data_html(data_files: Sequence[str], report: ImportReport | None) -> str:
    items = [f"<li>{escape(Path(f).name)}</li>" for f in data_files]
    parts = [f"<ul class='files'>{''.join(items)}</ul>" if items else "<p>No file named.</p>"]
    if report is None:
        return "".join(parts)
    lines = [
        f"Format: {report.profile_name}",
        f"Rows read: {report.rows_read:,}; rows kept: {report.rows_kept:,}",
    ]
    for reason, count in report.dropped.items():
        if count:
            lines.append(f"Dropped {count:,}: {DROP_REASONS.get(reason, reason)}")
    if report.duplicate_key:
        lines.append(f"Duplicates removed by {report.duplicate_key}: {report.duplicates_removed:,}")
    if report.exact_duplicates:
        action = "removed" if report.exact_duplicates_removed else "kept"
        lines.append(f"Exact duplicate rows: {report.exact_duplicates:,} ({action})")
    span = report.time_span
    if span:
        lines.append(f"Time span: {span[0]} to {span[1]} (times: {report.time_description})")
    lines.append(f"Actors: {report.actors:,}; distinct events: {report.distinct_events:,}")
    if report.sessions is not None:
        lines.append(f"Sessions: {report.sessions:,}")
    lines += [f"Note: {note}" for note in report.notes]
    parts.append("<ul class='import'>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>")
    return "".join(parts)


def reproduce_html(result: FunnelResult, command: str, origin: DatabaseOrigin | None = None) -> str:
    """The funnel file, embedded twice: as data a script can read, and as text to copy."""
    data = definition_to_dict(result.definition)
    shown = escape(json.dumps(data, indent=2, ensure_ascii=False))
    how = (
        "<p>Save the definition below as <code>NAME.funnel.json</code>, open it in Funnel "
        "Explorer with the same data, or run <code>funnel-gui report FILE... --funnel "
        "NAME.funnel.json -o OUT.html</code>.</p>"
    )
    if origin is not None and origin.url:
        # A file computed by DuckDB is named by its file name, and needs the engine said.
        engine = "" if "://" in origin.url else " --engine duckdb"
        source = f"&quot;{escape(origin.url)}&quot;{engine}"
        how = (
            "<p>Save the definition below as <code>NAME.funnel.json</code> and run "
            f"<code>funnel-gui compute {source} --funnel NAME.funnel.json</code>, or "
            f"open the same table in the app: <code>funnel-gui {source} --funnel "
            "NAME.funnel.json</code>.</p>"
        )
    if command:
        how += f"<p>This report was made with <code>{escape(command)}</code>.</p>"
    return (
        f"<h2>Reproduce</h2>{how}<pre class='funnel-json'>{shown}</pre>"
        f"<script type='application/json' id='{DEFINITION_SCRIPT_ID}'>"
        f"{embedded_json(data)}</script>"
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
