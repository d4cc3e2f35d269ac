"""Engine benchmark: `funnel_gui.core.engine.compute.compute` against the same funnel in DuckDB SQL.

For each size, the synthetic export from `datagen.py` is loaded once with
`load_events` (not timed) and into DuckDB tables (not timed). Then, in this
process, a 5-step sequential funnel with a 7-day window (FUNNEL_SEMANTICS §3.1,
§3.4) is computed `--repeat` times by our engine, with a breakdown, with an
extra micro→macro analysis, in any order and in strict order, and twice in
DuckDB: once over the raw columns (the ordering key is built inside the query)
and once over columns prepared at load time the way our importer prepares its
table (integer actor codes, integer times, a row order key). The step counts of
our engine and of both DuckDB queries must be identical. The funnel with an optional
step and the open funnel (§15) each have a hand-written DuckDB peer too
(`duckdb_flexible`, on the prepared table), whose counts must equal ours. The extra memory of
one computation is the rise of this process's peak RSS over its RSS before.

    uv run python -m tests.benchmarks.bench_engine --events 1000000 3000000 10000000 --repeat 5
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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
from .duckdb_flexible import open_funnel_sql, optional_step_sql

__all__ = [
    "STEP_EVENTS",
    "duckdb_attempt_ctes",
    "duckdb_funnel_sql",
    "format_markdown",
    "funnel_definitions",
    "main",
    "run_benchmark",
    "step_counts",
]

#: The benchmark funnel: every session opens with session_start, purchase is rare.
STEP_EVENTS = ("session_start", "product_view", "add_to_cart", "begin_checkout", "purchase")
BREAKDOWN_PROPERTY = "device"
MICRO_EVENT = "search"

#: The counting options of FUNNEL_SEMANTICS §16–§18 and §20, each on the plain funnel:
#: its overhead is its median over the plain funnel's (target: at most +50 %).
OPTION_VARIANTS = ("totals", "hold", "breakdown_properties", "filters", "sessions")
HOLD_PROPERTY = "device"
FILTER = ("country", "neq", "US")
INACTIVITY_NS = 30 * 60 * 1_000_000_000

#: The session unit on the imported session column: what the sessions from inactivity
#: replace, so their cost is also given over it (the session funnel counts about 2.3
#: sessions per person, and most of a compute's work is per unit).
SESSION_UNIT = "session_unit"
#: Optional steps and open funnels (FUNNEL_SEMANTICS §15), each on the plain funnel:
#: begin_checkout optional, or the funnel open (target: at most 2× the plain funnel).
SHAPE_VARIANTS = ("optional", "open")
OPTIONAL_STEP = 3  # 0-based: begin_checkout
#: Their hand-written DuckDB SQL peers (`duckdb_flexible`), on the prepared table: the
#: step counts must equal ours.
SHAPE_PEERS = {"optional": "duckdb_optional", "open": "duckdb_open"}

#: Timed contenders, in the order they take turns (reversed on every other repeat).
OURS_VARIANTS = (
    "sequential",
    "breakdown",
    "micro_macro",
    "any",
    "strict",
    *OPTION_VARIANTS,
    SESSION_UNIT,
    *SHAPE_VARIANTS,
)
# Funnels whose computes also time their one call adding the reasons for stopping
# (FUNNEL_SEMANTICS §14): what the reasons add, measured inside the same run.
WITH_REASONS_TIMED = ("sequential", "strict", *SHAPE_VARIANTS)
DUCKDB_VARIANTS = ("duckdb", "duckdb_prepared")
CONTENDERS = (
    "sequential",
    "duckdb",
    "duckdb_prepared",
    "breakdown",
    "micro_macro",
    "any",
    "strict",
    *OPTION_VARIANTS,
    SESSION_UNIT,
    *SHAPE_VARIANTS,
    *SHAPE_PEERS.values(),
)

_MB = 1024 * 1024
_NS_PER_US = 1000

Counts = list[int]


# --------------------------------------------------------------------------- memory


def _malloc_trim() -> None:
    """Give freed heap memory back to the OS (glibc), so the baseline is not inflated."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _measure_memory(run: Callable[[], Counts]) -> tuple[float | None, float, Counts]:
    """Extra MiB of peak RSS while `run()` executes (result kept alive), its wall seconds
    and its counts.

    The MiB are None when the peak mark cannot be reset (not Linux): the process-wide
    peak would include the table load and say nothing about the computation.
    """
    gc.collect()
    _malloc_trim()
    if not reset_peak_rss():
        seconds, counts = _timed(run)
        return None, seconds, counts
    baseline = proc_status_bytes("VmHWM")
    t0 = time.perf_counter()
    counts = run()
    seconds = time.perf_counter() - t0
    peak = proc_status_bytes("VmHWM")
    if baseline is None or peak is None:
        return None, seconds, counts
    return (peak - baseline) / _MB, seconds, counts


# --------------------------------------------------------------------------- our side


def funnel_definitions() -> dict[str, Any]:
    """The benchmark's funnels by variant name (FunnelDefinition values)."""
    from funnel_gui.core.definition.model import (
        Breakdown,
        Filter,
        FunnelDefinition,
        MicroConversion,
        Step,
    )

    plain = FunnelDefinition(steps=tuple(Step((e,)) for e in STEP_EVENTS))
    replace = dataclasses.replace
    with_optional = tuple(
        replace(s, optional=k == OPTIONAL_STEP) for k, s in enumerate(plain.steps)
    )
    return {
        "sequential": plain,
        "breakdown": replace(plain, breakdown=Breakdown(BREAKDOWN_PROPERTY)),
        "micro_macro": replace(plain, micro_conversions=(MicroConversion((MICRO_EVENT,)),)),
        "any": replace(plain, order="any"),
        "strict": replace(plain, order="strict"),
        "totals": replace(plain, count="totals"),
        "hold": replace(plain, hold=(HOLD_PROPERTY,)),
        "breakdown_properties": replace(
            plain, breakdown=Breakdown.several((BREAKDOWN_PROPERTY, "country"))
        ),
        "filters": replace(plain, filters=(Filter(*FILTER),)),
        "sessions": replace(plain, unit="session", inactivity_ns=INACTIVITY_NS),
        SESSION_UNIT: replace(plain, unit="session"),
        "optional": replace(plain, steps=with_optional),
        "open": replace(plain, open=True),
    }


def inactivity_build_seconds(table: Any, repeat: int) -> list[float]:
    """Seconds to build the session layout from a 30-minute inactivity timeout (§20),
    each time from scratch (the app builds it once per timeout and keeps it)."""
    from funnel_gui.core.engine.prepared import LayoutKey, build_unit_rows, prepare

    prepared = prepare(table)
    key = LayoutKey("session", (), INACTIVITY_NS)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_unit_rows(prepared, key)
        out.append(time.perf_counter() - t0)
        gc.collect()
    return out


def _ours_runner(
    table: Any, definition: Any, reasons: ReasonsClock | None = None
) -> Callable[[], Counts]:
    from funnel_gui.core.engine.compute import compute
    from funnel_gui.core.engine.prepared import prepare

    prepared = prepare(table)  # as the app does: one prepared table for every recompute

    def run() -> Counts:
        with contextlib.nullcontext() if reasons is None else reasons.watching():
            result = compute(prepared, definition)
        return [step.count for step in result.steps]

    return run


class ReasonsClock:
    """Wall and CPU seconds of each call adding the reasons for stopping (§14) to a
    compute run while `watching()`.

    Timed inside the same run as the compute, the share the reasons take does not
    depend on how busy the machine was from one run to the next, which on a loaded
    machine swamps a comparison of two separate sets of runs.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        from unittest import mock

        from funnel_gui.core.engine import compute as engine

        real = engine.attach_reasons

        def timed(*args: Any, **kwargs: Any) -> None:
            t0, c0 = time.perf_counter(), time.process_time()
            real(*args, **kwargs)
            self.wall.append(time.perf_counter() - t0)
            self.cpu.append(time.process_time() - c0)

        with mock.patch.object(engine, "attach_reasons", timed):
            yield


# --------------------------------------------------------------------------- DuckDB side


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_funnel_sql(
    source: str,
    *,
    actor: str,
    event: str,
    time_us: str,
    key: str,
    steps: Sequence[str],
    window_us: int,
) -> str:
    """The sequential funnel (§3.1, §3.4) as one query chaining steps with ASOF joins.

    `actor`, `event`, `time_us` (integer microseconds) and `key` are column
    expressions over `source`; `key` must order each actor's events by time,
    ties in file order. Every step-1 row starts an attempt; step k+1 is the
    first row of the same actor matching step k+1 with a key strictly greater
    than step k's (ASOF LEFT JOIN), kept only when at most `window_us` after
    the attempt's step-1 time; an attempt that missed a step has a NULL key, so
    it matches nothing later. Per actor the level is the maximum over attempts;
    the query returns one row: the number of actors with level ≥ k, per step.
    """
    ctes, level = duckdb_attempt_ctes(
        source,
        actor=actor,
        event=event,
        time_us=time_us,
        key=key,
        steps=steps,
        window_us=window_us,
    )
    ctes.append(f"u AS (SELECT a, max({level}) AS lvl FROM j{len(steps)} GROUP BY a)")
    counts = ", ".join(
        f"count(*) FILTER (WHERE lvl >= {n}) AS step{n}" for n in range(1, len(steps) + 1)
    )
    return "WITH " + ",\n".join(ctes) + f"\nSELECT {counts} FROM u"


def duckdb_attempt_ctes(
    source: str,
    *,
    actor: str,
    event: str,
    time_us: str,
    key: str,
    steps: Sequence[str],
    window_us: int,
) -> tuple[list[str], str]:
    """The CTEs of `duckdb_funnel_sql` up to `j{len(steps)}`: one row per attempt with
    its actor `a`, step-1 time `t1` and the key `k1`..`kN` of each step's event (NULL
    when not reached); and the SQL expression of an attempt's level over those columns.
    """
    names = ", ".join(_sql_text(s) for s in dict.fromkeys(steps))
    ctes = [
        f"e AS (SELECT {actor} AS a, {event} AS ev, {time_us} AS ts, {key} AS k "
        f"FROM {source} WHERE {event} IN ({names}))",
        f"j1 AS (SELECT a, k AS k1, ts AS t1 FROM e WHERE ev = {_sql_text(steps[0])})",
    ]
    for n in range(2, len(steps) + 1):
        carried = ", ".join(f"p.k{i}" for i in range(1, n))
        ctes.append(f"e{n} AS (SELECT a, k, ts FROM e WHERE ev = {_sql_text(steps[n - 1])})")
        ctes.append(
            f"j{n} AS (SELECT p.a, p.t1, {carried}, "
            f"CASE WHEN s.ts <= p.t1 + {int(window_us)} THEN s.k END AS k{n} "
            f"FROM j{n - 1} p ASOF LEFT JOIN e{n} s ON p.a = s.a AND p.k{n - 1} < s.k)"
        )
    level = " + ".join(["1", *(f"(k{i} IS NOT NULL)::INTEGER" for i in range(2, len(steps) + 1))])
    return ctes, level


def _duckdb_setup(con: Any, path: Path) -> dict[str, float]:
    """Load the file into `ev` (raw columns plus the file row number) and `evp` (prepared).

    `evp` has what our importer builds at load time: an integer actor code, the
    time as integer microseconds and a key ordering all rows by actor, time and
    file row. Returns the seconds each table took (outside every clock).
    """
    con.execute("SET TimeZone = 'UTC'")
    t0 = time.perf_counter()
    con.execute(
        "CREATE OR REPLACE TABLE ev AS SELECT user_id, event_name, event_time, "
        "file_row_number AS row_idx "
        f"FROM read_parquet({_sql_text(str(path))}, file_row_number = true)"
    )
    t_raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.execute(
        "CREATE OR REPLACE TABLE evp AS SELECT "
        "dense_rank() OVER (ORDER BY user_id)::INTEGER AS uid, event_name, "
        "epoch_us(event_time) AS ts, "
        "row_number() OVER (ORDER BY user_id, event_time, row_idx) AS seq FROM ev"
    )
    t_prepared = time.perf_counter() - t0
    return {"raw_table_s": t_raw, "prepared_table_s": t_prepared}


def _duckdb_queries(window_ns: int) -> dict[str, str]:
    if window_ns % _NS_PER_US:
        raise ValueError("the DuckDB peer needs a whole number of microseconds as window")
    window_us = window_ns // _NS_PER_US
    return {
        SHAPE_PEERS["optional"]: optional_step_sql(STEP_EVENTS, OPTIONAL_STEP, window_us),
        SHAPE_PEERS["open"]: open_funnel_sql(STEP_EVENTS, window_us),
        # Raw columns: the key is (time, file row) packed into one HUGEINT.
        "duckdb": duckdb_funnel_sql(
            "ev",
            actor="user_id",
            event="event_name",
            time_us="epoch_us(event_time)",
            key="(epoch_us(event_time)::HUGEINT << 32) + row_idx",
            steps=STEP_EVENTS,
            window_us=window_us,
        ),
        "duckdb_prepared": duckdb_funnel_sql(
            "evp",
            actor="uid",
            event="event_name",
            time_us="ts",
            key="seq",
            steps=STEP_EVENTS,
            window_us=window_us,
        ),
    }


def _duckdb_runner(con: Any, sql: str) -> Callable[[], Counts]:
    def run() -> Counts:
        (row,) = con.execute(sql).fetchall()
        return [int(v) for v in row]

    return run


def step_counts(path: Path | str) -> dict[str, Counts]:
    """Step counts of every contender on one Parquet export, each run once, untimed."""
    import duckdb

    from funnel_gui.core.io import load_events

    table = load_events([Path(path)])
    definitions = funnel_definitions()
    out = {name: _ours_runner(table, definitions[name])() for name in OURS_VARIANTS}
    con = duckdb.connect()
    try:
        _duckdb_setup(con, Path(path))
        for name, sql in _duckdb_queries(definitions["sequential"].window_ns).items():
            out[name] = _duckdb_runner(con, sql)()
    finally:
        con.close()
    return out


# --------------------------------------------------------------------------- driver


def _timed(run: Callable[[], Counts]) -> tuple[float, Counts]:
    seconds, _, counts = _timed_cpu(run)
    return seconds, counts


def _timed_cpu(run: Callable[[], Counts]) -> tuple[float, float, Counts]:
    """Wall and CPU seconds (this process, all threads) of one run, and its counts."""
    t0, c0 = time.perf_counter(), time.process_time()
    counts = run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.collect()
    return seconds, cpu, counts


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _bench_size(
    n_events: int, path: Path, repeat: int, say: Callable[[str], None]
) -> dict[str, Any]:
    import duckdb

    from funnel_gui.core.io import load_events

    t0 = time.perf_counter()
    table = load_events([path])
    load_s = time.perf_counter() - t0
    say(f"  {n_events:,}: loaded {len(table):,} rows, {table.n_actors:,} actors in {load_s:.1f} s")
    definitions = funnel_definitions()
    clocks = {name: ReasonsClock() for name in WITH_REASONS_TIMED}
    runners: dict[str, Callable[[], Counts]] = {
        name: _ours_runner(table, definitions[name], clocks.get(name)) for name in OURS_VARIANTS
    }

    con = duckdb.connect()
    try:
        setup = _duckdb_setup(con, path)
        say(
            f"  {n_events:,}: duckdb tables in {setup['raw_table_s']:.1f} s "
            f"(+{setup['prepared_table_s']:.1f} s prepared)"
        )
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        queries = _duckdb_queries(definitions["sequential"].window_ns)
        for name, sql in queries.items():
            runners[name] = _duckdb_runner(con, sql)

        # One untimed run each, also the memory measurement: the plain funnel first,
        # right after the load, so nothing else has warmed the process for it.
        # The first run on the table also builds what the engine keeps for recomputes
        # (each event name's rows), so its time is reported apart from the timed runs.
        memory: dict[str, float | None] = {}
        first: dict[str, float] = {}
        counts: dict[str, list[Counts]] = {name: [] for name in CONTENDERS}
        for name in CONTENDERS:
            memory[name], first[name], got = _measure_memory(runners[name])
            counts[name].append(got)
            say(
                f"  {n_events:,} {name} warm-up: {first[name]:.3f} s, "
                f"+{memory[name] or 0:.0f} MB, counts {got}"
            )

        times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        cpu: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for i in range(repeat):
            # Alternate the order so drift on a noisy machine hits every side.
            for name in CONTENDERS if i % 2 == 0 else reversed(CONTENDERS):
                seconds, cpu_s, got = _timed_cpu(runners[name])
                times[name].append(seconds)
                cpu[name].append(cpu_s)
                counts[name].append(got)
                say(f"  {n_events:,} {name} run {i + 1}/{repeat}: {seconds:.3f} s")
    finally:
        con.close()

    results: dict[str, Any] = {}
    for name in CONTENDERS:
        distinct = {tuple(c) for c in counts[name]}
        results[name] = {
            "times_s": times[name],
            "median_s": statistics.median(times[name]),
            "min_s": min(times[name]),
            # CPU time of this process: on a loaded machine it says what a run costs
            # when the wall clock also counts waiting for a core.
            "cpu_median_s": statistics.median(cpu[name]),
            "counts": counts[name][0],
            "counts_stable": len(distinct) == 1,
            "extra_mb": memory[name],
            "first_s": first[name],
        }
    ours = results["sequential"]
    reference = ours["counts"]
    # The breakdown and the micro→macro analysis must not change the step counts.
    compared = ("sequential", "breakdown", "micro_macro", *DUCKDB_VARIANTS)
    counts_equal = all(
        results[n]["counts_stable"] and results[n]["counts"] == reference for n in compared
    )
    # §15: each shape's DuckDB peer must count what ours counts.
    counts_equal &= all(
        results[peer]["counts_stable"] and results[peer]["counts"] == results[shape]["counts"]
        for shape, peer in SHAPE_PEERS.items()
    )
    row: dict[str, Any] = {
        "events": n_events,
        "rows_loaded": len(table),
        "actors": table.n_actors,
        "path": str(path),
        "load_s": load_s,
        "duckdb_setup_s": setup,
        "duckdb_threads": threads,
        "results": results,
        "counts_equal": counts_equal,
    }
    for name in DUCKDB_VARIANTS:
        row[f"{name}_speedup_median"] = _ratio(results[name]["median_s"], ours["median_s"])
        row[f"{name}_speedup_min"] = _ratio(results[name]["min_s"], ours["min_s"])
    row["sessions_over_session_unit"] = _ratio(
        results["sessions"]["median_s"], results[SESSION_UNIT]["median_s"]
    )
    row["any_ratio"] = _ratio(results["any"]["median_s"], ours["median_s"])
    for shape, peer in SHAPE_PEERS.items():
        row[f"{shape}_duckdb_over_ours"] = _ratio(
            results[peer]["median_s"], results[shape]["median_s"]
        )
    row["any_min_ratio"] = _ratio(results["any"]["min_s"], ours["min_s"])
    for name in ("breakdown", "micro_macro", *OPTION_VARIANTS, *SHAPE_VARIANTS):
        ratio = _ratio(results[name]["median_s"], ours["median_s"])
        row[f"{name}_ratio"] = ratio
        row[f"{name}_overhead_pct"] = None if ratio is None else (ratio - 1.0) * 100.0
        row[f"{name}_min_ratio"] = _ratio(results[name]["min_s"], ours["min_s"])
    for name, clock in clocks.items():
        prefix = "" if name == "sequential" else f"{name}_"
        # The timed runs' reasons (the warm-up's came first), each over its own compute
        # without them; the median of those ratios.
        for spent, total, suffix in ((clock.wall, times, ""), (clock.cpu, cpu, "_cpu")):
            pairs = zip(spent[-repeat:], total[name], strict=True)
            pct = statistics.median(100.0 * r / (t - r) for r, t in pairs)
            row[f"{prefix}reasons_overhead_pct{suffix}"] = pct
        results[name]["reasons_median_s"] = statistics.median(clock.wall[-repeat:])
    builds = inactivity_build_seconds(table, repeat)
    row["inactivity_build_s"] = {"times_s": builds, "median_s": statistics.median(builds)}
    del table, runners
    gc.collect()
    return row


def run_benchmark(
    sizes: Sequence[int],
    *,
    repeat: int = 5,
    data_dir: Path | str | None = None,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time our engine and the DuckDB peer on each size; return the report.

    `data_dir` is the dataset cache root (default `$FUNNEL_BENCH_DIR` or
    `~/.cache/funnel-gui-bench`); each size lives in `events-<n>/` below it.
    Every result row says whether all step counts agree (`counts_equal`).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    say = log or (lambda _msg: None)
    root = Path(data_dir) if data_dir is not None else default_cache_root()
    rows: list[dict[str, Any]] = []
    for n_events in sizes:
        t0 = time.perf_counter()
        paths = write_dataset(n_events, root / f"events-{n_events}", seed=seed)
        say(f"dataset {n_events:,} events ready in {time.perf_counter() - t0:.1f} s")
        rows.append(_bench_size(n_events, paths["parquet"], repeat, say))
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "seed": seed,
        "data_dir": str(root),
        "funnel": {"steps": list(STEP_EVENTS), "window_days": 7, "order": "sequential"},
        "machine": machine(),
        "memory_method": "VmHWM" if proc_status_bytes("VmHWM") is not None else None,
        "results": rows,
    }


# --------------------------------------------------------------------------- report


def format_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: timings per size, scaling, and the step counts."""
    lines = [
        "| events | ours median s (min) | duckdb median s (min) | duckdb/ours "
        "| duckdb prepared median s (min) | prepared/ours | breakdown overhead "
        "| micro→macro overhead | any median s | strict median s | ours first run s "
        "| extra MB | counts equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["results"]:
        res = row["results"]
        cells = [
            f"{row['events']:,}",
            time_cell(res["sequential"]),
            time_cell(res["duckdb"]),
            cell(row["duckdb_speedup_median"], ".1f") + "×",
            time_cell(res["duckdb_prepared"]),
            cell(row["duckdb_prepared_speedup_median"], ".1f") + "×",
            cell(row["breakdown_overhead_pct"], "+.0f") + " %",
            cell(row["micro_macro_overhead_pct"], "+.0f") + " %",
            f"{res['any']['median_s']:.3f}",
            f"{res['strict']['median_s']:.3f}",
            f"{res['sequential']['first_s']:.3f}",
            cell(res["sequential"]["extra_mb"], ".0f"),
            "yes" if row["counts_equal"] else "NO",
        ]
        lines.append("| " + " | ".join(cells) + " |")

    lines += [
        "",
        "| events | reasons overhead (wall) | reasons overhead (CPU) "
        "| strict: reasons overhead (wall) | strict: reasons overhead (CPU) "
        "| optional: (wall) | optional: (CPU) | open: (wall) | open: (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        keys = ("reasons_overhead_pct", "reasons_overhead_pct_cpu")
        keys += tuple(f"{name}_{k}" for name in ("strict", *SHAPE_VARIANTS) for k in keys)
        cells = [f"{row['events']:,}", *(cell(row[k], "+.0f") + " %" for k in keys)]
        lines.append("| " + " | ".join(cells) + " |")

    lines += [
        "",
        "| events | ours s per M events | duckdb s per M events "
        "| duckdb prepared s per M events | ours vs smallest size |",
        "|---:|---:|---:|---:|---:|",
    ]
    base: float | None = None
    for row in report["results"]:
        per_m = {
            name: row["results"][name]["median_s"] / (row["events"] / 1e6)
            for name in ("sequential", *DUCKDB_VARIANTS)
        }
        if base is None:
            base = per_m["sequential"]
        cells = [
            f"{row['events']:,}",
            f"{per_m['sequential']:.3f}",
            f"{per_m['duckdb']:.3f}",
            f"{per_m['duckdb_prepared']:.3f}",
            f"{per_m['sequential'] / base:.2f}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")

    lines += [
        "",
        "| events | ours counts | duckdb counts | duckdb prepared counts | any counts "
        "| strict counts |",
        "|---:|---|---|---|---|---|",
    ]
    for row in report["results"]:
        res = row["results"]
        names = ("sequential", "duckdb", "duckdb_prepared", "any", "strict")
        cells = [f"{row['events']:,}", *(" ".join(map(str, res[n]["counts"])) for n in names)]
        lines.append("| " + " | ".join(cells) + " |")

    lines += _options_table(report)

    notes = (
        f"repeat={report['repeat']}; funnel {' → '.join(STEP_EVENTS)}, 7-day window. "
        "Times are wall seconds in one process (median, min in brackets); duckdb/ours is the "
        'ratio of the medians (above 1: ours is faster). "duckdb" queries the raw columns '
        '(ordering key built in the query); "duckdb prepared" queries integer actor codes, '
        "integer times and a row-order key built at load time, as our importer does. "
        "Overheads are the breakdown and micro→macro medians over the plain funnel's; "
        "reasons overhead = the time of the call adding the reasons for stopping (§14) "
        "over the rest of the same compute, median over the runs, on the wall clock and "
        "in CPU time. "
        "first run = the untimed first compute on the table, which also builds the rows "
        "kept per event name for later computes; extra MB = peak RSS during that run minus "
        "RSS before (MiB), the kept rows included."
    )
    return "\n".join(lines) + "\n\n" + notes + "\n"


def _options_table(report: dict[str, Any]) -> list[str]:
    """The counting options (§16–§18, §20) and any order against the plain funnel, the
    session unit on the imported column for the sessions from inactivity, and how long
    those sessions take to build."""
    lines = [
        "",
        "| events | variant | median s (min) | CPU s (median) | × plain (median) "
        "| × plain (min) | × plain (CPU) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        res = row["results"]
        plain_cpu = res["sequential"]["cpu_median_s"]
        for name in ("any", *OPTION_VARIANTS, *SHAPE_VARIANTS, SESSION_UNIT):
            median = _ratio(res[name]["median_s"], res["sequential"]["median_s"])
            least = _ratio(res[name]["min_s"], res["sequential"]["min_s"])
            cpu = res[name]["cpu_median_s"]
            lines.append(
                f"| {row['events']:,} | {name} | {time_cell(res[name])} | {cpu:.3f} "
                f"| {cell(median, '.2f')}× | {cell(least, '.2f')}× "
                f"| {cell(_ratio(cpu, plain_cpu), '.2f')}× |"
            )
        for shape, peer in SHAPE_PEERS.items():
            over = row[f"{shape}_duckdb_over_ours"]
            lines.append(
                f"| {row['events']:,} | {peer} (SQL peer of {shape}; × {shape}: "
                f"{cell(over, '.2f')}×) | {time_cell(res[peer])} "
                f"| {res[peer]['cpu_median_s']:.3f} | | | |"
            )
        over = row["sessions_over_session_unit"]
        lines.append(
            f"| {row['events']:,} | sessions over {SESSION_UNIT} | | | {cell(over, '.2f')}× | | |"
        )
        build = row["inactivity_build_s"]
        lines.append(
            f"| {row['events']:,} | sessions from inactivity: build | "
            f"{build['median_s']:.3f} ({min(build['times_s']):.3f}) | | | | |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry; returns 1 when the step counts disagree, else 0."""
    parser = benchmark_parser(
        "Benchmark the in-memory engine (core.engine.compute) against the same funnel in DuckDB.",
        "variant",
    )
    args = parser.parse_args(argv)
    report = run_benchmark(
        args.events,
        repeat=args.repeat,
        data_dir=args.data_dir,
        seed=args.seed,
        log=progress_log(args),
    )
    publish(report, format_markdown(report), args.json)
    mismatched = [row["events"] for row in report["results"] if not row["counts_equal"]]
    if mismatched:
        print(f"STEP COUNTS DIFFER for {mismatched}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
