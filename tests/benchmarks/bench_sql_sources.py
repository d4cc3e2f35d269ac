"""Database benchmark: the compiled funnel of bench_sql run by embedded ClickHouse (chdb,
straight from the Parquet file) and by PostgreSQL (the rows copied into a table first;
the copy is timed apart), next to DuckDB from Parquet.

Each measurement runs in a fresh child process, as in bench_sql; step counts must agree.
PostgreSQL comes from FUNNEL_TEST_POSTGRES_URL (`source .ci/test_servers.sh`).

    uv run python -m tests.benchmarks.bench_sql_sources --events 10000000 --repeat 3
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .bench_sql import _definition, dataset, format_markdown
from .bench_sql import run_one as run_duckdb
from .common import proc_status_bytes

CONTENDERS = ("duckdb_sql", "chdb_sql", "postgres_sql")
_MB = 1024 * 1024
_TABLE = "bench_events"


def _columns(order_key: str | None) -> Any:
    from funnel_gui.core.sql.source import ColumnMap

    props = ("device", "country")
    return ColumnMap("user_id", "event_name", "event_time", "session_id", order_key, props)


def load_postgres(path: Path, url: str) -> float:
    """Copy the Parquet rows into PostgreSQL (row_idx = file order); seconds taken."""
    import psycopg
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {_TABLE}")
        conn.execute(
            f"CREATE UNLOGGED TABLE {_TABLE} (user_id text, event_name text, "
            "event_time timestamptz, session_id text, device text, country text, row_idx bigint)"
        )
        start = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1_000_000):
            table = batch.select(["user_id", "event_name", "event_time", "session_id"])
            table = table.append_column("device", batch.column("device").cast("string"))
            table = table.append_column("country", batch.column("country").cast("string"))
            import pyarrow as pa

            table = pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table
            rows = pa.array(range(start, start + batch.num_rows), pa.int64())
            table = pa.table(table).append_column("row_idx", rows)
            start += batch.num_rows
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
            with conn.cursor().copy(f"COPY {_TABLE} FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        conn.execute(f"ANALYZE {_TABLE}")
    return time.perf_counter() - t0


def run_one(name: str, path: Path, url: str | None) -> dict[str, Any]:
    if name == "duckdb_sql":
        return run_duckdb(name, path, None)
    from funnel_gui.core.sql.runner import compute_sql
    from funnel_gui.core.sql.sources.registry import connect

    defn = _definition()
    t0, cpu0 = time.perf_counter(), time.process_time()
    if name == "chdb_sql":
        source = connect(f"chdb://{path.as_posix()}")
        source.columns = _columns(None)
    else:
        sep = "&" if "?" in str(url) else "?"
        source = connect(f"{url}{sep}table={_TABLE}")
        source.columns = _columns("row_idx")
    counts = [s.count for s in compute_sql(source, defn).steps]
    source.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = proc_status_bytes("VmHWM")
    return {"seconds": seconds, "cpu_s": cpu, "peak_mb": (peak or 0) / _MB, "counts": counts}


def _child(name: str, path: Path, url: str | None) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.bench_sql_sources", "--child", name, str(path)]
    env = dict(os.environ, FUNNEL_TEST_POSTGRES_URL=url or "")
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        raise RuntimeError(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_benchmark(
    sizes: Sequence[int], repeat: int, contenders: Sequence[str], url: str | None, log: Any
) -> dict[str, Any]:
    report: dict[str, Any] = {"memory_limit": None, "sizes": []}
    for n in sizes:
        path = dataset(n, None)
        entry: dict[str, Any] = {"events": n, "contenders": {}}
        if "postgres_sql" in contenders and url:
            entry["postgres_load_s"] = load_postgres(path, url)
            log(f"{n:,} PostgreSQL copy: {entry['postgres_load_s']:.1f} s")
        for name in contenders:
            runs = [_child(name, path, url) for _ in range(repeat)]
            log(f"{n:,} {name}: {statistics.median(r['seconds'] for r in runs):.1f} s")
            entry["contenders"][name] = {
                "median_s": statistics.median(r["seconds"] for r in runs),
                "min_s": min(r["seconds"] for r in runs),
                "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "counts": runs[0]["counts"],
            }
        entry["counts_agree"] = (
            len({json.dumps(c["counts"]) for c in entry["contenders"].values()}) == 1
        )
        report["sizes"].append(entry)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "PATH"), help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    url = os.environ.get("FUNNEL_TEST_POSTGRES_URL") or None
    if ns.child:
        print(json.dumps(run_one(ns.child[0], Path(ns.child[1]), url)))
        return 0
    contenders = [c for c in ns.contenders if c != "postgres_sql" or url]
    report = run_benchmark(
        ns.events, ns.repeat, contenders, url, lambda m: print(m, file=sys.stderr)
    )
    print(format_markdown(report))
    for entry in report["sizes"]:
        if "postgres_load_s" in entry:
            print(
                f"\nPostgreSQL copy of {entry['events']:,} rows: {entry['postgres_load_s']:.1f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
