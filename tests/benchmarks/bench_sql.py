"""SQL engine benchmark: our compiled funnel run by DuckDB straight from Parquet, against
our in-memory engine (load + compute) and the ASOF-join DuckDB peer of bench_engine.

Each measurement runs in a fresh child process (so its peak memory, VmHWM, is its own):
- `duckdb_sql`: `DuckDBSource.from_paths([parquet], memory_limit)` + `compute_sql` on
  the benchmark's 5-step sequential funnel (FUNNEL_SEMANTICS §3.1, 7-day window), every
  aggregate of the result (timings, breakdown-free trends, reasons) included;
- `memory`: `load_events([parquet])` + `compute` (the app's path today);
- `asof_peer`: bench_engine's ASOF-join query over `read_parquet` (step counts only).
The step counts must agree. `--no-memory-engine` skips the in-memory side (100M events
do not fit in memory; that is the point). A folder of Parquet files is one source.

    uv run python -m tests.benchmarks.bench_sql --events 10000000 --repeat 3
    uv run python -m tests.benchmarks.bench_sql --events 100000000 --memory-limit 2GB \
        --contenders duckdb_sql --repeat 1

`--variant` picks another funnel of bench_engine (`optional`, `open`, `totals`, `hold`,
§15–§17; the ASOF peer only knows the plain sequential one and is left out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .common import proc_status_bytes
from .datagen import default_cache_root, default_n_actors, generate_events, write_dataset

CONTENDERS = ("duckdb_sql", "memory", "asof_peer")
_MB = 1024 * 1024
_CHUNK = 10_000_000


def dataset(n_events: int, data_dir: Path | None) -> Path:
    """The Parquet export of `n_events` rows: one file up to 10M, else a folder of
    10M-row files (generated one at a time: 100M rows never sit in memory)."""
    root = data_dir or default_cache_root()
    if n_events <= _CHUNK:
        return write_dataset(n_events, root / f"events-{n_events}")["parquet"]
    import pyarrow.parquet as pq

    folder = root / f"events-parts-{n_events}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_events // _CHUNK):
        part = folder / f"part-{i:03d}.parquet"
        if not part.exists():
            table = generate_events(_CHUNK, default_n_actors(_CHUNK), seed=100 + i)
            pq.write_table(table, part.with_suffix(".tmp"))
            part.with_suffix(".tmp").rename(part)
    return folder


def _definition(variant: str = "sequential") -> Any:
    from .bench_engine import funnel_definitions

    return funnel_definitions()[variant]


def run_one(
    name: str, path: Path, memory_limit: str | None, variant: str = "sequential"
) -> dict[str, Any]:
    """One timed run of one contender in this (child) process."""
    defn = _definition(variant)
    t0, cpu0 = time.perf_counter(), time.process_time()
    if name == "duckdb_sql":
        from funnel_gui.core.sql.duckdb_source import DuckDBSource
        from funnel_gui.core.sql.runner import compute_sql

        source = DuckDBSource.from_paths([path], memory_limit=memory_limit)
        counts = [s.count for s in compute_sql(source, defn).steps]
        source.close()
    elif name == "memory":
        from funnel_gui.core.engine.compute import compute
        from funnel_gui.core.io import load_events

        counts = [s.count for s in compute(load_events([path]), defn).steps]
    else:
        counts = _asof_counts(path, defn.window_ns, memory_limit)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = proc_status_bytes("VmHWM")
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_mb": None if peak is None else peak / _MB,
        "counts": counts,
    }


def _asof_counts(path: Path, window_ns: int, memory_limit: str | None) -> list[int]:
    import duckdb

    from .bench_engine import STEP_EVENTS, duckdb_funnel_sql

    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    listed = "[" + ", ".join(f"'{p}'" for p in files) + "]"
    source = (
        "(SELECT user_id, event_name, event_time, file_row_number AS row_idx "
        f"FROM read_parquet({listed}, file_row_number = true))"
    )
    sql = duckdb_funnel_sql(
        source,
        actor="user_id",
        event="event_name",
        time_us="epoch_us(event_time)",
        key="(epoch_us(event_time)::HUGEINT << 32) + row_idx",
        steps=STEP_EVENTS,
        window_us=window_ns // 1000,
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    (row,) = con.execute(sql).fetchall()
    con.close()
    return [int(v) for v in row]


def _child(
    name: str, path: Path, memory_limit: str | None, variant: str = "sequential"
) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.bench_sql", "--child", name, str(path)]
    argv += ["--variant", variant]
    if memory_limit:
        argv += ["--memory-limit", memory_limit]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_benchmark(
    sizes: Sequence[int],
    repeat: int,
    contenders: Sequence[str],
    memory_limit: str | None,
    data_dir: Path | None,
    log: Any = print,
    variant: str = "sequential",
) -> dict[str, Any]:
    report: dict[str, Any] = {"memory_limit": memory_limit, "variant": variant, "sizes": []}
    if variant != "sequential":  # the ASOF peer counts the plain sequential funnel only
        contenders = [c for c in contenders if c != "asof_peer"]
    for n in sizes:
        path = dataset(n, data_dir)
        entry: dict[str, Any] = {"events": n, "contenders": {}}
        for name in contenders:
            runs = []
            for _ in range(repeat):
                limit = memory_limit if name != "memory" else None
                runs.append(_child(name, path, limit, variant))
                log(
                    f"{n:,} {name}: {runs[-1]['seconds']:.1f} s "
                    f"(CPU {runs[-1]['cpu_s']:.1f} s), {runs[-1]['peak_mb']:.0f} MiB"
                )
            entry["contenders"][name] = {
                "median_s": statistics.median(r["seconds"] for r in runs),
                "min_s": min(r["seconds"] for r in runs),
                "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                "peak_mb": max(r["peak_mb"] or 0 for r in runs),
                "counts": runs[0]["counts"],
            }
        counts = {json.dumps(c["counts"]) for c in entry["contenders"].values()}
        entry["counts_agree"] = len(counts) == 1
        report["sizes"].append(entry)
    return report


def format_markdown(report: dict[str, Any]) -> str:
    lines = [
        "| events | contender | median s (min) | CPU s | peak memory | step counts agree |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for entry in report["sizes"]:
        for name, c in entry["contenders"].items():
            lines.append(
                f"| {entry['events']:,} | {name} | {c['median_s']:.1f} ({c['min_s']:.1f}) | "
                f"{c['cpu_s']:.1f} | "
                f"{c['peak_mb']:,.0f} MiB | {'yes' if entry['counts_agree'] else 'NO'} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--variant", default="sequential")
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "PATH"), help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.child:
        print(json.dumps(run_one(ns.child[0], Path(ns.child[1]), ns.memory_limit, ns.variant)))
        return 0
    report = run_benchmark(
        ns.events,
        ns.repeat,
        ns.contenders,
        ns.memory_limit,
        ns.data_dir,
        log=lambda m: print(m, file=sys.stderr),
        variant=ns.variant,
    )
    if ns.json:
        ns.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(format_markdown(report))
    return 0 if all(e["counts_agree"] for e in report["sizes"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
