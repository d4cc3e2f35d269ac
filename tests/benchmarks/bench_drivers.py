"""Drivers benchmark: `funnel_gui.core.analysis.drivers` against DuckDB SQL counting the
same candidates' exposure.

For each size, the synthetic export from `datagen.py` is loaded once with `load_events`
(not timed). Our side: the first `drivers()` call on the table, `prepare` included
("cold"), then `--repeat` calls on the prepared table with the funnel already computed
("warm"), raw only and adjusted for `device` (FUNNEL_SEMANTICS §12). The DuckDB peer gets
the Parquet file as read by pyarrow (plus its row numbers) and one row per entrant with
what our engine decided (actor id, t1, entry row, eligible, converted) and does the
exposure work in SQL: it joins the events to the entrants inside their observation
periods, groups them to (unit, event) counts and counts exposed and converted units per
candidate: every non-step event, "at least 2 / 3 times" for the 10 most frequent names,
and event × property value for `device` and `country`. Every candidate our result shows
must have exactly DuckDB's counts (exit status 1 otherwise).

    uv run python -m tests.benchmarks.bench_drivers --events 1000000 10000000 --repeat 5
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .bench_engine import STEP_EVENTS, _malloc_trim
from .common import (
    benchmark_parser,
    cell,
    machine,
    proc_status_bytes,
    progress_log,
    publish,
    reset_peak_rss,
    time_cell,
)
from .datagen import default_cache_root, write_dataset

__all__ = [
    "ADJUST_VARIANTS",
    "PROPERTIES",
    "STEP_EVENTS",
    "candidate_counts",
    "compare_counts",
    "duckdb_drivers_sql",
    "entrants_table",
    "events_table",
    "format_markdown",
    "funnel_definition",
    "main",
    "run_benchmark",
]

#: Our timed variants: adjust_for per name.
ADJUST_VARIANTS: dict[str, list[str]] = {"raw": [], "adjusted": ["device"]}
#: The properties of the generated data that make (c) candidates (at most 50 values).
PROPERTIES = ("device", "country")
#: §12 constants, restated for the SQL (the drivers core has the same).
TOP_NAMES = 10
REPEATS = (2, 3)
TOP_VALUES = 20
MAX_DISTINCT = 50
MIN_GROUP = 30

#: Timed contenders, in the order they take turns (reversed on every other repeat).
CONTENDERS = ("ours_raw", "ours_adjusted", "duckdb")

_MB = 1024 * 1024
_NS_PER_US = 1000
_NS_PER_HOUR = 3600 * 10**9

#: A candidate's identity: (kind, event, min_count, property, value).
Key = tuple[str, str | None, int, str | None, str | None]
#: Its counts: (exposed, exposed converted, unexposed, unexposed converted).
Counts = tuple[int, int, int, int]


# --------------------------------------------------------------------------- memory


def _peak_extra_mb(run: Callable[[], Any]) -> tuple[float | None, float, Any]:
    """Extra MiB of peak RSS while `run()` executes (its result kept alive), its wall
    seconds and its result; the MiB are None when the peak mark cannot be reset."""
    gc.collect()
    _malloc_trim()
    reset = reset_peak_rss()
    baseline = proc_status_bytes("VmHWM")
    t0 = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - t0
    peak = proc_status_bytes("VmHWM")
    if not reset or baseline is None or peak is None:
        return None, seconds, out
    return (peak - baseline) / _MB, seconds, out


# --------------------------------------------------------------------------- our side


def funnel_definition() -> Any:
    """The benchmark funnel of `bench_engine` (macro = purchase, the last step)."""
    from funnel_gui.core.definition.model import FunnelDefinition, Step

    return FunnelDefinition(steps=tuple(Step((e,)) for e in STEP_EVENTS))


def candidate_counts(result: Any) -> dict[Key, Counts]:
    """The counts of every candidate a `DriversResult` shows, the baseline included."""
    out: dict[Key, Counts] = {}
    for c in [result.baseline, *result.candidates]:
        key: Key = (c.kind, c.event, c.min_count, c.property_name, c.value)
        out[key] = (c.exposed, c.exposed_converted, c.unexposed, c.unexposed_converted)
    return out


# --------------------------------------------------------------------------- DuckDB side


def events_table(path: Path) -> Any:
    """The export as pyarrow reads it, with `row_nr`: the row's position in the file."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    events = pq.read_table(path)
    return events.append_column("row_nr", pa.array(np.arange(events.num_rows, dtype=np.int64)))


def entrants_table(table: Any, prepared: Any, definition: Any, observation: Any) -> Any:
    """One row per entrant of our engine's observation: `unit` (entrant index), `user_id`,
    `t1` (timestamp[us, UTC]), `entry_row` (the step-1 event's row in the file),
    `eligible` and `converted`."""
    import numpy as np
    import pyarrow as pa

    if (table.time % _NS_PER_US != 0).any():
        raise ValueError("the DuckDB peer needs times in whole microseconds")
    rows = prepared.unit_rows(definition.unit)
    obs = observation
    return pa.table(
        {
            "unit": pa.array(np.arange(len(obs.entry), dtype=np.int64)),
            "user_id": table.actor_ids.take(pa.array(obs.actor)),
            "t1": pa.array(obs.t1 // _NS_PER_US, pa.timestamp("us", tz="UTC")),
            # The table's row order is (actor, time, input order); `row` maps back.
            "entry_row": pa.array(table.row[rows.table_rows(obs.entry)].astype(np.int64)),
            "eligible": pa.array(obs.eligible),
            "converted": pa.array(obs.converted),
        }
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_drivers_sql(
    *,
    steps: Sequence[str],
    lookback_us: int,
    landmark_us: int,
    properties: Sequence[str] = PROPERTIES,
) -> str:
    """One query over `events` and `entrants` giving every candidate's raw counts (§12).

    The observation period of an eligible entrant is its actor's events with a time in
    [t1 − lookback, t1 + landmark), the step-1 event itself (`entry_row`) left out. They
    are grouped to (unit, event) counts; then, per candidate, the exposed eligible units
    and how many of them converted, and the same for the unexposed (all eligible minus
    exposed): the baseline (any event), (a) every event that is not a step's, (b) at
    least 2 / 3 times for the 10 names most eligible units did, (c) one of those names
    with a property value among the property's 20 most frequent (for properties with
    2–50 distinct values). Rows: kind, event, min_count, property, value, exposed,
    exposed_converted, unexposed, unexposed_converted.
    """
    names = ", ".join(_sql_text(s) for s in dict.fromkeys(steps))
    prop_cols = "".join(f", e.{p}" for p in properties)
    ctes = [
        "ent AS (SELECT unit, user_id, t1, entry_row, converted FROM entrants WHERE eligible)",
        "tot AS (SELECT count(*) AS n, count(*) FILTER (WHERE converted) AS y FROM ent)",
        # The period's events (the step-1 event left out).
        f"p AS (SELECT n.unit, n.converted, e.event_name AS ev{prop_cols} "
        "FROM events e JOIN ent n ON e.user_id = n.user_id "
        f"WHERE e.event_time >= n.t1 - INTERVAL {int(lookback_us)} MICROSECONDS "
        f"AND e.event_time < n.t1 + INTERVAL {int(landmark_us)} MICROSECONDS "
        "AND e.row_nr <> n.entry_row)",
        "uc AS (SELECT unit, converted, ev, count(*) AS c FROM p GROUP BY unit, converted, ev)",
        "base AS (SELECT count(DISTINCT unit) AS n1, "
        "count(DISTINCT unit) FILTER (WHERE converted) AS x1 FROM uc)",
        f"cand AS (SELECT * FROM uc WHERE ev NOT IN ({names}))",
        "by_ev AS (SELECT ev, count(*) AS n1, count(*) FILTER (WHERE converted) AS x1 "
        "FROM cand GROUP BY ev)",
        f"top AS (SELECT ev FROM by_ev ORDER BY n1 DESC, ev LIMIT {TOP_NAMES})",
        "ks AS (SELECT unnest([" + ", ".join(map(str, REPEATS)) + "]) AS k)",
        "rep AS (SELECT c.ev, ks.k, count(*) AS n1, count(*) FILTER (WHERE converted) AS x1 "
        "FROM cand c JOIN top USING (ev) JOIN ks ON c.c >= ks.k GROUP BY c.ev, ks.k)",
    ]
    selects = [
        "SELECT 'baseline' AS kind, NULL::VARCHAR AS event, 1 AS min_count, "
        "NULL::VARCHAR AS property, NULL::VARCHAR AS value, n1, x1 FROM base",
        "SELECT 'event', ev, 1, NULL, NULL, n1, x1 FROM by_ev",
        "SELECT 'repeat', ev, k, NULL, NULL, n1, x1 FROM rep",
    ]
    for i, prop in enumerate(properties):
        ctes += [
            f"vc{i} AS (SELECT {prop} AS v, count(*) AS f FROM events "
            f"WHERE {prop} IS NOT NULL GROUP BY {prop})",
            f"vals{i} AS (SELECT v FROM vc{i} "
            f"WHERE (SELECT count(*) FROM vc{i}) BETWEEN 2 AND {MAX_DISTINCT} "
            f"ORDER BY f DESC, v LIMIT {TOP_VALUES})",
            f"pv{i} AS (SELECT ev, v, count(*) AS n1, "
            "count(*) FILTER (WHERE converted) AS x1 FROM ("
            f"SELECT DISTINCT p.unit, p.converted, p.ev, p.{prop} AS v FROM p "
            f"JOIN top USING (ev) JOIN vals{i} ON p.{prop} = vals{i}.v) GROUP BY ev, v)",
        ]
        selects.append(
            f"SELECT 'property', ev, 1, {_sql_text(prop)}, v::VARCHAR, n1, x1 FROM pv{i}"
        )
    ctes.append("c AS (" + " UNION ALL ".join(selects) + ")")
    return (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT c.kind, c.event, c.min_count, c.property, c.value, c.n1, c.x1, "
        "tot.n - c.n1, tot.y - c.x1 FROM c, tot"
    )


def _duckdb_runner(con: Any, sql: str) -> Callable[[], dict[Key, Counts]]:
    def run() -> dict[Key, Counts]:
        out: dict[Key, Counts] = {}
        for kind, event, k, prop, value, n1, x1, n0, x0 in con.execute(sql).fetchall():
            out[(kind, event, int(k), prop, value)] = (int(n1), int(x1), int(n0), int(x0))
        return out

    return run


def _shown(counts: dict[Key, Counts]) -> set[Key]:
    """The candidates §12's support rule shows (the baseline always)."""
    return {
        key
        for key, (n1, _x1, n0, _x0) in counts.items()
        if key[0] == "baseline" or (n1 >= MIN_GROUP and n0 >= MIN_GROUP)
    }


def compare_counts(ours: dict[Key, Counts], duck: dict[Key, Counts]) -> list[str]:
    """Every difference between our shown candidates and DuckDB's, as readable lines:
    a candidate shown by one side only, or different counts."""
    problems = []
    for key in sorted(_shown(duck) ^ set(ours), key=repr):
        side = "ours" if key in ours else "duckdb"
        problems.append(f"{key} shown by {side} only")
    for key in sorted(set(ours) & set(duck), key=repr):
        if ours[key] != duck[key]:
            problems.append(f"{key}: ours {ours[key]} duckdb {duck[key]}")
    return problems


# --------------------------------------------------------------------------- driver


def _bench_size(
    n_events: int,
    path: Path,
    repeat: int,
    landmark_ns: int,
    lookback_ns: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    import duckdb

    from funnel_gui.core.analysis.drivers import drivers, drivers_analysis
    from funnel_gui.core.engine.compute import compute_with_rows
    from funnel_gui.core.engine.prepared import prepare
    from funnel_gui.core.io import load_events

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    table = load_events([path])
    load_s = time.perf_counter() - t0
    say(f"  {n_events:,}: loaded {len(table):,} rows, {table.n_actors:,} actors in {load_s:.1f} s")
    definition = funnel_definition()

    # Cold: the first call on the table, prepare and the funnel included, once per variant
    # (each on a fresh prepared table), with the extra memory it needed.
    def first_call(adjust: list[str]) -> Callable[[], Any]:
        return lambda: drivers(
            prepare(table),
            definition,
            adjust_for=adjust,
            landmark=landmark_ns,
            lookback=lookback_ns,
        )

    cold: dict[str, dict[str, Any]] = {}
    for name, adjust in ADJUST_VARIANTS.items():
        extra, seconds, _ = _peak_extra_mb(first_call(adjust))
        cold[name] = {"seconds": seconds, "extra_mb": extra}
        say(f"  {n_events:,} ours_{name} cold: {seconds:.3f} s, +{extra or 0:.0f} MB")

    # Warm: one prepared table, its funnel computed once, as the app holds them.
    prepared = prepare(table)
    t0 = time.perf_counter()
    computed = compute_with_rows(prepared, definition)
    funnel_s = time.perf_counter() - t0
    analysis = drivers_analysis(
        prepared, definition, computed=computed, landmark=landmark_ns, lookback=lookback_ns
    )
    entrants = entrants_table(table, prepared, definition, analysis.observation)
    n_specs = len(analysis.exposures.specs) - 1  # the baseline is not a candidate
    del analysis

    def ours(adjust: list[str]) -> Callable[[], dict[Key, Counts]]:
        def run() -> dict[Key, Counts]:
            result = drivers(
                prepared,
                definition,
                adjust_for=adjust,
                computed=computed,
                landmark=landmark_ns,
                lookback=lookback_ns,
            )
            return candidate_counts(result)

        return run

    runners: dict[str, Callable[[], dict[Key, Counts]]] = {
        f"ours_{name}": ours(adjust) for name, adjust in ADJUST_VARIANTS.items()
    }
    warm_mb: dict[str, float | None] = {}
    counts: dict[str, list[dict[Key, Counts]]] = {name: [] for name in CONTENDERS}
    for name in ADJUST_VARIANTS:
        warm_mb[name], seconds, got = _peak_extra_mb(runners[f"ours_{name}"])
        counts[f"ours_{name}"].append(got)
        say(f"  {n_events:,} ours_{name} warm-up: {seconds:.3f} s, +{warm_mb[name] or 0:.0f} MB")

    events = events_table(path)
    if events.num_rows != len(table):
        raise RuntimeError("load_events dropped rows; file row numbers would not match")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("events", events)
        con.register("entrants", entrants)
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        sql = duckdb_drivers_sql(
            steps=STEP_EVENTS,
            lookback_us=lookback_ns // _NS_PER_US,
            landmark_us=landmark_ns // _NS_PER_US,
        )
        runners["duckdb"] = _duckdb_runner(con, sql)
        duck_mb, seconds, got = _peak_extra_mb(runners["duckdb"])
        counts["duckdb"].append(got)
        say(f"  {n_events:,} duckdb warm-up: {seconds:.3f} s, +{duck_mb or 0:.0f} MB")

        times, cpu = _take_turns(runners, counts, repeat, lambda m: say(f"  {n_events:,} {m}"))
    finally:
        con.close()
    load_after = os.getloadavg()

    results: dict[str, Any] = {}
    for name in CONTENDERS:
        first = counts[name][0]
        results[name] = {
            "times_s": times[name],
            "median_s": statistics.median(times[name]),
            "min_s": min(times[name]),
            "cpu_s": cpu[name],
            "cpu_median_s": statistics.median(cpu[name]),
            "counts_stable": all(c == first for c in counts[name]),
        }
    for name in ADJUST_VARIANTS:
        results[f"ours_{name}"].update(
            cold_s=cold[name]["seconds"],
            cold_extra_mb=cold[name]["extra_mb"],
            warm_extra_mb=warm_mb[name],
        )
    results["duckdb"]["extra_mb"] = duck_mb
    duck = counts["duckdb"][0]
    problems = [
        f"ours_{name}: {line}"
        for name in ADJUST_VARIANTS
        for line in compare_counts(counts[f"ours_{name}"][0], duck)
    ]
    problems += [
        f"{name}: counts differ between runs"
        for name in CONTENDERS
        if not results[name]["counts_stable"]
    ]
    ours_counts = counts["ours_raw"][0]
    baseline = next(v for k, v in ours_counts.items() if k[0] == "baseline")
    row: dict[str, Any] = {
        "events": n_events,
        "rows_loaded": len(table),
        "actors": table.n_actors,
        "entrants": entrants.num_rows,
        "eligible": baseline[0] + baseline[2],
        "eligible_converted": baseline[1] + baseline[3],
        "candidates_considered": n_specs,
        "candidates_shown": len(ours_counts) - 1,
        "duckdb_candidates": len(duck) - 1,
        "path": str(path),
        "load_s": load_s,
        "funnel_s": funnel_s,
        "duckdb_threads": threads,
        "loadavg_before": list(load_before),
        "loadavg_after": list(load_after),
        "results": results,
        "counts_equal": not problems,
        "problems": problems[:50],
    }
    for name in ADJUST_VARIANTS:
        ours_median = results[f"ours_{name}"]["median_s"]
        row[f"duckdb_over_{name}"] = results["duckdb"]["median_s"] / ours_median
    return row


def _take_turns(
    runners: dict[str, Callable[[], dict[Key, Counts]]],
    counts: dict[str, list[dict[Key, Counts]]],
    repeat: int,
    say: Callable[[str], None],
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run every contender `repeat` times, in reversed order on every other round so drift
    on a noisy machine hits every side; their wall and CPU seconds (CPU: the whole
    process, so DuckDB's threads count). Each run's counts go to `counts`."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for i in range(repeat):
        for name in CONTENDERS if i % 2 == 0 else reversed(CONTENDERS):
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            got = runners[name]()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            counts[name].append(got)
            say(f"{name} run {i + 1}/{repeat}: {times[name][-1]:.3f} s, CPU {cpu[name][-1]:.3f} s")
    return times, cpu


def run_benchmark(
    sizes: Sequence[int],
    *,
    repeat: int = 5,
    data_dir: Path | str | None = None,
    seed: int = 0,
    landmark_ns: int = 24 * _NS_PER_HOUR,
    lookback_ns: int = 0,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time our drivers and the DuckDB peer on each size; return the report.

    Every result row says whether all shown candidates' counts agree (`counts_equal`)
    and lists the first differences (`problems`).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    if landmark_ns % _NS_PER_US or lookback_ns % _NS_PER_US:
        raise ValueError("landmark and lookback must be whole microseconds")
    say = log or (lambda _msg: None)
    root = Path(data_dir) if data_dir is not None else default_cache_root()
    rows: list[dict[str, Any]] = []
    for n_events in sizes:
        t0 = time.perf_counter()
        paths = write_dataset(n_events, root / f"events-{n_events}", seed=seed)
        say(f"dataset {n_events:,} events ready in {time.perf_counter() - t0:.1f} s")
        rows.append(_bench_size(n_events, paths["parquet"], repeat, landmark_ns, lookback_ns, say))
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "seed": seed,
        "data_dir": str(root),
        "funnel": {"steps": list(STEP_EVENTS), "window_days": 7, "order": "sequential"},
        "landmark_ns": landmark_ns,
        "lookback_ns": lookback_ns,
        "adjust_variants": ADJUST_VARIANTS,
        "machine": machine(),
        "memory_method": "VmHWM" if proc_status_bytes("VmHWM") is not None else None,
        "results": rows,
    }


# --------------------------------------------------------------------------- report


def format_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: times per size, then CPU, memory and load per size."""
    lines = [
        "| events | eligible | candidates (shown) | ours warm s (min) "
        "| ours adjusted warm s (min) | ours cold s, raw / adjusted | duckdb s (min) "
        "| duckdb/ours, raw / adjusted | counts equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["results"]:
        res = row["results"]
        raw, adj = res["ours_raw"], res["ours_adjusted"]
        cells = [
            f"{row['events']:,}",
            f"{row['eligible']:,}",
            f"{row['candidates_considered']} ({row['candidates_shown']})",
            time_cell(raw),
            time_cell(adj),
            f"{raw['cold_s']:.3f} / {adj['cold_s']:.3f}",
            time_cell(res["duckdb"]),
            cell(row["duckdb_over_raw"], ".1f")
            + "× / "
            + cell(row["duckdb_over_adjusted"], ".1f")
            + "×",
            "yes" if row["counts_equal"] else "NO",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| events | ours CPU s, raw / adjusted | duckdb CPU s (all threads) "
        "| ours extra MB cold, raw / adjusted | ours extra MB warm | duckdb extra MB | load avg |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["results"]:
        res = row["results"]
        raw, adj = res["ours_raw"], res["ours_adjusted"]
        cells = [
            f"{row['events']:,}",
            f"{raw['cpu_median_s']:.3f} / {adj['cpu_median_s']:.3f}",
            f"{res['duckdb']['cpu_median_s']:.3f}",
            cell(raw["cold_extra_mb"], ".0f") + " / " + cell(adj["cold_extra_mb"], ".0f"),
            cell(max(raw["warm_extra_mb"] or 0.0, adj["warm_extra_mb"] or 0.0), ".0f"),
            cell(res["duckdb"]["extra_mb"], ".0f"),
            f"{row['loadavg_before'][0]:.2f} → {row['loadavg_after'][0]:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = (
        f"repeat={report['repeat']}; funnel {' → '.join(STEP_EVENTS)} (macro = purchase), "
        f"landmark {report['landmark_ns'] / _NS_PER_HOUR:g} h, "
        f"lookback {report['lookback_ns'] / _NS_PER_HOUR:g} h; adjusted = adjust_for device. "
        "Wall seconds in one process, median (min in brackets); CPU = median process CPU "
        "seconds of a run. warm = drivers() on a prepared table whose funnel is computed; "
        "cold = the first call, prepare and funnel included. duckdb = the raw "
        "exposed/unexposed counts of the same candidates in SQL over the Arrow events and "
        "our entrants; duckdb/ours above 1 means ours is faster. extra MB = peak RSS during "
        "one call minus RSS before (MiB); warm: the larger of the two variants; duckdb: its "
        "first query. load avg = 1-minute load average before and after the size's runs."
    )
    return "\n".join(lines) + "\n\n" + notes + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry; returns 1 when any shown candidate's counts differ, else 0."""
    parser = benchmark_parser(
        "Benchmark Drivers (core.analysis.drivers) against DuckDB SQL counting the same "
        "candidates.",
        "contender",
    )
    parser.add_argument(
        "--landmark-hours", type=float, default=24.0, help="landmark (default 24 h)"
    )
    parser.add_argument("--lookback-hours", type=float, default=0.0, help="lookback (default 0 h)")
    args = parser.parse_args(argv)
    report = run_benchmark(
        args.events,
        repeat=args.repeat,
        data_dir=args.data_dir,
        seed=args.seed,
        landmark_ns=round(args.landmark_hours * 3600 * 10**6) * _NS_PER_US,
        lookback_ns=round(args.lookback_hours * 3600 * 10**6) * _NS_PER_US,
        log=progress_log(args),
    )
    publish(report, format_markdown(report), args.json)
    failed = [row for row in report["results"] if not row["counts_equal"]]
    for row in failed:
        print(f"COUNTS DIFFER at {row['events']:,} events:", file=sys.stderr)
        for line in row["problems"]:
            print(f"  {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
