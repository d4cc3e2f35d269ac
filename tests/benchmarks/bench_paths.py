"""Paths benchmark: `funnel_gui.core.analysis.paths.paths` against paths into step 1 in
DuckDB SQL (FUNNEL_SEMANTICS §13).

For each size, the synthetic export from `datagen.py` is loaded once with `load_events`
and into DuckDB (neither timed). The funnel is bench_engine's without its first step
(product_view → add_to_cart → begin_checkout → purchase, sequential, 7 days): every
session opens with session_start, so a funnel entered there has almost nothing before
its entry, and its paths would say little. Timed:

- `into`: paths into step 1 (last 3 events within 1 day before entry, repeats
  collapsed) given the computed funnel, as the app asks once it shows a funnel;
- `into_from_scratch`: the same including the funnel compute, as the CLI does;
- `between`: paths between step 1 and step 2 given the computed funnel (one gap);
- `between_optional`, `between_open` (§13 with §15): the same gap with add_to_cart
  optional (those who went on may end at begin_checkout, past it) and in the open funnel
  (only those whose attempt did step 1), each given its own computed funnel;
- `duckdb`: paths into step 1 in one query over columns prepared at load time (integer
  actor, integer time, row-order key), the funnel computed in the query.

Every path's units and converted units (furthest step = 4) must be equal between ours
and DuckDB: all paths, not just the top ones.

    uv run python -m tests.benchmarks.bench_paths --events 1000000 10000000 --repeat 5
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .bench_engine import STEP_EVENTS, _duckdb_setup, _sql_text, duckdb_attempt_ctes
from .common import benchmark_parser, machine, progress_log, publish
from .datagen import default_cache_root, write_dataset

__all__ = ["CONTENDERS", "duckdb_paths_sql", "format_markdown", "main", "run_benchmark"]

LENGTH = 3
LOOKBACK_US = 86_400 * 1_000_000
WINDOW_US = 7 * 86_400 * 1_000_000
STEPS = STEP_EVENTS[1:]
CONTENDERS = ("into", "into_from_scratch", "between", "between_optional", "between_open", "duckdb")
ALL_PATHS = 10**9  # "top N" large enough to list every path
DEFAULT_TOP = 10

PathCounts = dict[tuple[str, ...], tuple[int, int]]  # path -> (units, converted)


def duckdb_paths_sql(
    source: str = "evp",
    *,
    actor: str = "uid",
    event: str = "event_name",
    time_us: str = "ts",
    key: str = "seq",
    steps: Sequence[str] = STEPS,
    window_us: int = WINDOW_US,
    length: int = LENGTH,
    lookback_us: int = LOOKBACK_US,
    keep_repeats: bool = False,
) -> str:
    """Paths into step 1 (§13) as one query: per actor the reported attempt (the highest
    level, then the earliest step-1 event, §3.4), its events before the step-1 event
    (`key` smaller) no earlier than `lookback_us` before it, consecutive repeats of a
    name collapsed within that range (unless `keep_repeats`), the last `length` of them,
    "(start)" first when fewer; then units and converted units (level = all steps) per
    path. Returns rows (path list, units, converted)."""
    ctes, level = duckdb_attempt_ctes(
        source,
        actor=actor,
        event=event,
        time_us=time_us,
        key=key,
        steps=steps,
        window_us=window_us,
    )
    n = len(steps)
    collapse = "" if keep_repeats else "WHERE prev IS DISTINCT FROM ev"
    ctes += [
        f"att AS (SELECT a, k1, t1, {level} AS lvl FROM j{n})",
        "rep AS (SELECT a, k1, t1, lvl FROM (SELECT *, row_number() OVER "
        "(PARTITION BY a ORDER BY lvl DESC, k1) AS rn FROM att) WHERE rn = 1)",
        f"r AS (SELECT s.{actor} AS a, s.{key} AS k, s.{event} AS ev FROM {source} s "
        f"JOIN rep ON s.{actor} = rep.a "
        f"WHERE s.{key} < rep.k1 AND s.{time_us} >= rep.t1 - {int(lookback_us)})",
        "c AS (SELECT a, k, ev, lag(ev) OVER (PARTITION BY a ORDER BY k) AS prev FROM r)",
        f"kept AS (SELECT a, k, ev, row_number() OVER (PARTITION BY a ORDER BY k DESC) "
        f"AS back FROM c {collapse})",
        f"p AS (SELECT a, list(ev ORDER BY k) AS evs, count(*) AS found FROM kept "
        f"WHERE back <= {int(length)} GROUP BY a)",
        f"u AS (SELECT rep.a, rep.lvl >= {n} AS conv, CASE WHEN coalesce(p.found, 0) < "
        f"{int(length)} THEN list_prepend({_sql_text('(start)')}, "
        "coalesce(p.evs, []::VARCHAR[])) ELSE p.evs END AS path "
        "FROM rep LEFT JOIN p ON rep.a = p.a)",
    ]
    return (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT path, count(*) AS units, count(*) FILTER (WHERE conv) AS converted "
        "FROM u GROUP BY path"
    )


def _definition() -> Any:
    from funnel_gui.core.definition.model import FunnelDefinition, Step

    return FunnelDefinition(steps=tuple(Step((e,)) for e in STEPS))


def _ours(table: Any, top: int) -> dict[str, Callable[[], PathCounts]]:
    from funnel_gui.core.analysis.paths import paths
    from funnel_gui.core.engine.compute import compute_with_rows
    from funnel_gui.core.engine.prepared import prepare

    definition = _definition()
    prepared = prepare(table)
    computed = compute_with_rows(prepared, definition)  # kept, as the app keeps it
    steps = definition.steps
    optional = replace(definition, steps=(steps[0], replace(steps[1], optional=True), *steps[2:]))
    opened = replace(definition, open=True)
    flexible = {d.open: (d, compute_with_rows(prepared, d)) for d in (optional, opened)}

    def gap(opened: bool) -> PathCounts:
        chosen, done = flexible[opened]
        return counts(paths(prepared, chosen, ("between", 1), top=top, computed=done), 1)

    def counts(result: Any, group: int = 0) -> PathCounts:
        chosen = result.groups[group]
        return {p.events: (p.units, p.converted) for p in chosen.paths}

    return {
        "into": lambda: counts(paths(prepared, definition, top=top, computed=computed)),
        "into_from_scratch": lambda: counts(paths(prepared, definition, top=top)),
        "between": lambda: counts(
            paths(prepared, definition, ("between", 1), top=top, computed=computed), 1
        ),
        "between_optional": lambda: gap(False),
        "between_open": lambda: gap(True),
    }


def _duckdb(con: Any) -> Callable[[], PathCounts]:
    sql = duckdb_paths_sql()

    def run() -> PathCounts:
        return {tuple(p): (int(n), int(c)) for p, n, c in con.execute(sql).fetchall()}

    return run


def _bench_size(
    n_events: int, path: Path, repeat: int, say: Callable[[str], None]
) -> dict[str, Any]:
    import duckdb

    from funnel_gui.core.io import load_events

    table = load_events([path])
    say(f"  {n_events:,}: loaded {len(table):,} rows")
    con = duckdb.connect()
    try:
        _duckdb_setup(con, path)
        # Untimed, every path listed: all counts are compared (the first paths call also
        # finds the runs of one event name, kept for the later ones).
        first = {name: run() for name, run in _ours(table, ALL_PATHS).items()}
        first["duckdb"] = _duckdb(con)()
        # Timed: the top 10, what the view and the CLI ask for (each listed path gets a
        # Wilson interval; the rest is one "other paths" row).
        runners = {**_ours(table, DEFAULT_TOP), "duckdb": _duckdb(con)}
        times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        cpu: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for i in range(repeat):
            for name in CONTENDERS if i % 2 == 0 else reversed(CONTENDERS):
                gc.collect()
                t0, c0 = time.perf_counter(), time.process_time()
                runners[name]()
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                say(f"  {n_events:,} {name} run {i + 1}/{repeat}: {times[name][-1]:.3f} s")
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    finally:
        con.close()
    results = {
        name: {
            "times_s": times[name],
            "median_s": statistics.median(times[name]),
            "min_s": min(times[name]),
            "cpu_median_s": statistics.median(cpu[name]),
            "paths": len(first[name]),
            "units": sum(units for units, _ in first[name].values()),
        }
        for name in CONTENDERS
    }
    equal = first["into"] == first["duckdb"] == first["into_from_scratch"]
    return {
        "events": n_events,
        "rows_loaded": len(table),
        "actors": table.n_actors,
        "duckdb_threads": threads,
        "counts_equal": equal,
        "top_paths": sorted(first["into"].items(), key=lambda kv: (-kv[1][0], kv[0]))[:5],
        "results": results,
    }


def run_benchmark(
    sizes: Sequence[int],
    *,
    repeat: int = 5,
    data_dir: Path | str | None = None,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time our paths and the DuckDB peer on each size; return the report."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    say = log or (lambda _msg: None)
    root = Path(data_dir) if data_dir is not None else default_cache_root()
    rows = []
    for n_events in sizes:
        files = write_dataset(n_events, root / f"events-{n_events}", seed=seed)
        rows.append(_bench_size(n_events, files["parquet"], repeat, say))
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "seed": seed,
        "data_dir": str(root),
        "funnel": {"steps": list(STEPS), "window_days": 7, "order": "sequential"},
        "paths": {"length": LENGTH, "lookback_days": 1, "keep_repeats": False},
        "machine": {
            **machine(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "results": rows,
    }


def format_markdown(report: dict[str, Any]) -> str:
    lines = [
        "| events | into s | into from scratch s | between 1→2 s | optional 2: between 1→2 s "
        "| open: between 1→2 s | duckdb into s | duckdb/ours (from scratch) | paths "
        "| counts equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["results"]:
        res = row["results"]

        def cell(name: str, res: dict[str, Any] = res) -> str:
            return f"{res[name]['median_s']:.3f} ({res[name]['cpu_median_s']:.3f} CPU)"

        ratio = res["duckdb"]["median_s"] / res["into_from_scratch"]["median_s"]
        cells = [
            f"{row['events']:,}",
            *(cell(name) for name in CONTENDERS),
            f"{ratio:.1f}×",
            f"{res['into']['paths']:,}",
            "yes" if row["counts_equal"] else "NO",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = (
        f"repeat={report['repeat']}; medians of wall seconds, CPU seconds of this process "
        "in brackets (DuckDB's threads included). Paths of 3 events, repeats collapsed, "
        "1-day lookback. into / between: given the computed funnel (the app keeps it); "
        "from scratch: the funnel computed too, as DuckDB does in its query."
    )
    return "\n".join(lines) + "\n\n" + notes + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry; returns 1 when ours and DuckDB count any path differently."""
    parser = benchmark_parser("Benchmark paths (§13) against the same paths in DuckDB.", "variant")
    args = parser.parse_args(argv)
    report = run_benchmark(
        args.events,
        repeat=args.repeat,
        data_dir=args.data_dir,
        seed=args.seed,
        log=progress_log(args),
    )
    publish(report, format_markdown(report), args.json)
    if not all(row["counts_equal"] for row in report["results"]):
        print("PATH COUNTS DIFFER", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
