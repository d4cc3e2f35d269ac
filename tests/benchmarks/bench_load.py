"""Import benchmark: `funnel_gui.core.io.load_events` against DuckDB, Parquet and CSV.

For each size, the synthetic export from `datagen` (cached outside the
repository) is loaded into memory by our importer and by DuckDB
(`read_parquet` / `read_csv` fetched to an Arrow table in a fresh connection).
Wall times are measured in this process, `--repeat` times per loader with the
loaders alternating; peak memory is measured once per loader in a freshly
spawned child process. Results are printed as a Markdown table and, with
`--json OUT`, written as JSON.

    uv run python -m tests.benchmarks.bench_load --events 1000000 3000000 10000000 --repeat 5
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa

from .common import (
    benchmark_parser,
    cell,
    machine,
    proc_status_bytes,
    progress_log,
    publish,
    reset_peak_rss,
)
from .datagen import default_cache_root, default_n_actors, write_dataset

__all__ = ["FORMATS", "LOADERS", "format_markdown", "main", "run_benchmark"]

LOADERS = ("ours", "duckdb")
FORMATS = ("parquet", "csv")

_MB = 1024 * 1024


def _maxrss_bytes() -> int:
    """This process's `ru_maxrss` in bytes (KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def _peak_rss_bytes() -> tuple[int, str]:
    """Peak RSS so far and how it was read.

    On Linux this is VmHWM, the high-water mark of the current address space.
    `ru_maxrss` is only the fallback: Linux carries the pre-exec high-water
    mark over into it, so a child spawned by a large parent starts with the
    parent's RSS as its "peak" and small loads would show as zero.
    """
    hwm = proc_status_bytes("VmHWM")
    if hwm is not None:
        return hwm, "VmHWM"
    return _maxrss_bytes(), "ru_maxrss"


def _import_loader(loader: str) -> None:
    """Import what `loader` needs, so neither timings nor memory baselines include imports."""
    if loader == "ours":
        from funnel_gui.core.io import load_events  # noqa: F401
    elif loader == "duckdb":
        import duckdb  # noqa: F401
    else:
        raise ValueError(f"unknown loader {loader!r}")


def _duckdb_to_table(relation: Any) -> pa.Table:
    """Materialise a DuckDB relation as a `pyarrow.Table`.

    DuckDB ≥ 1.4 made `.arrow()` return a lazy RecordBatchReader, so prefer the
    explicit table methods and read the reader fully otherwise.
    """
    for name in ("to_arrow_table", "fetch_arrow_table"):
        method = getattr(relation, name, None)
        if method is not None:
            return method()
    result = relation.arrow()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def _timed_load(loader: str, fmt: str, path: Path) -> tuple[float, int]:
    """Load `path` once with `loader`; return (seconds, rows).

    The clock covers reading the file into an in-memory table; the result is
    dropped after the clock stops. For DuckDB, opening and closing the fresh
    in-memory connection is outside the clock (it takes about a millisecond).
    """
    if loader == "ours":
        from funnel_gui.core.io import load_events

        t0 = time.perf_counter()
        table: Any = load_events([path])
        seconds = time.perf_counter() - t0
        rows = len(table)
    elif loader == "duckdb":
        import duckdb

        reader = "read_parquet" if fmt == "parquet" else "read_csv"
        literal = str(path).replace("'", "''")
        con = duckdb.connect()
        try:
            t0 = time.perf_counter()
            table = _duckdb_to_table(con.sql(f"SELECT * FROM {reader}('{literal}')"))
            seconds = time.perf_counter() - t0
            rows = table.num_rows
        finally:
            con.close()
    else:
        raise ValueError(f"unknown loader {loader!r}")
    del table
    gc.collect()
    return seconds, rows


def _measure_in_child(loader: str, fmt: str, path: str) -> dict[str, Any]:
    """Child-process entry: peak RSS of one load, over the baseline after imports.

    Runs in a freshly spawned interpreter. After the imports the peak-RSS mark
    is reset to the current RSS (where the kernel allows it), which is the
    baseline; the peak is read right after the load, while the loaded table is
    still alive, so the difference is what loading needed at its worst
    (working memory plus the result).
    """
    _import_loader(loader)
    gc.collect()
    reset_peak_rss()
    baseline, method = _peak_rss_bytes()
    t0 = time.perf_counter()
    seconds, rows = _timed_load(loader, fmt, Path(path))
    wall = time.perf_counter() - t0
    peak, _ = _peak_rss_bytes()
    return {
        "rows": rows,
        "seconds": seconds,
        "wall_seconds": wall,
        "baseline_mb": baseline / _MB,
        "peak_rss_mb": peak / _MB,
        "peak_mb": (peak - baseline) / _MB,
        "method": method,
    }


def _measure_memory(loader: str, fmt: str, path: Path) -> dict[str, Any]:
    """Run `_measure_in_child` in a new spawned process (one per measurement)."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_measure_in_child, loader, fmt, str(path)).result()


def _warm_page_cache(path: Path, chunk: int = 16 * _MB) -> None:
    """Read the file once so every loader sees it in the OS page cache."""
    with path.open("rb", buffering=0) as f:
        while f.read(chunk):
            pass


def _available_loaders(requested: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    usable: list[str] = []
    errors: dict[str, str] = {}
    for loader in requested:
        try:
            _import_loader(loader)
        except ImportError as exc:
            errors[loader] = f"{type(exc).__name__}: {exc}"
        else:
            usable.append(loader)
    return usable, errors


def _summary(times: list[float], rows: int) -> dict[str, Any]:
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "rows": rows,
    }


def _timed_runs(
    usable: Sequence[str],
    fmt: str,
    path: Path,
    repeat: int,
    say: Callable[[str], None],
    n_events: int,
) -> tuple[dict[str, list[float]], dict[str, set[int]]]:
    """Each loader's times over `repeat` runs, and the row counts it returned."""
    times: dict[str, list[float]] = {loader: [] for loader in usable}
    rows: dict[str, set[int]] = {loader: set() for loader in usable}
    for i in range(repeat):
        # Alternate the order so drift on a noisy machine hits both sides.
        for loader in usable if i % 2 == 0 else reversed(usable):
            seconds, n_rows = _timed_load(loader, fmt, path)
            times[loader].append(seconds)
            rows[loader].add(n_rows)
            say(f"  {n_events:,} {fmt} {loader} run {i + 1}/{repeat}: {seconds:.3f} s")
    return times, rows


def _compare_loaders(
    row: dict[str, Any], rows: dict[str, set[int]], say: Callable[[str], None]
) -> None:
    """Whether every loader read every row, and ours against DuckDB, into `row`."""
    n_events, fmt = row["events"], row["format"]
    counts = set().union(*rows.values()) if rows else set()
    row["rows_match"] = counts == {n_events}
    if not row["rows_match"]:
        say(f"  ROW COUNT MISMATCH for {n_events:,} {fmt}: {rows} (expected {n_events})")
    ours, duck = row["ours"], row["duckdb"]
    if ours is not None and duck is not None:
        row["ratio_median"] = ours["median_s"] / duck["median_s"]
        row["ratio_min"] = ours["min_s"] / duck["min_s"]
    else:
        row["ratio_median"] = row["ratio_min"] = None


def run_benchmark(
    sizes: Sequence[int],
    *,
    repeat: int = 5,
    data_dir: Path | str | None = None,
    loaders: Sequence[str] = LOADERS,
    formats: Sequence[str] = FORMATS,
    memory: bool = True,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time and memory-profile each loader on each size and format; return the report.

    `data_dir` is the dataset cache root (default `$FUNNEL_BENCH_DIR` or
    `~/.cache/funnel-gui-bench`); each size lives in `events-<n>/` below it.
    A loader that cannot be imported is left out and named in
    `report["skipped_loaders"]`. Every result row records whether all loaders
    and the dataset agree on the number of rows (`rows_match`).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    say = log or (lambda _msg: None)
    root = Path(data_dir) if data_dir is not None else default_cache_root()
    usable, skipped = _available_loaders(loaders)
    for loader, reason in skipped.items():
        say(f"skipping loader {loader!r}: {reason}")

    results: list[dict[str, Any]] = []
    for n_events in sizes:
        t0 = time.perf_counter()
        paths = write_dataset(n_events, root / f"events-{n_events}", seed=seed)
        say(f"dataset {n_events:,} events ready in {time.perf_counter() - t0:.1f} s")
        for fmt in formats:
            path = paths[fmt]
            _warm_page_cache(path)
            times, rows = _timed_runs(usable, fmt, path, repeat, say, n_events)
            row: dict[str, Any] = {
                "events": n_events,
                "actors": default_n_actors(n_events),
                "format": fmt,
                "path": str(path),
                "file_mb": path.stat().st_size / _MB,
            }
            for loader in LOADERS:
                row[loader] = None
            for loader in usable:
                if len(rows[loader]) != 1:
                    say(f"  {loader} returned different row counts: {sorted(rows[loader])}")
                entry = _summary(times[loader], max(rows[loader]))
                if memory:
                    child = _measure_memory(loader, fmt, path)
                    entry.update(
                        peak_mb=child["peak_mb"],
                        peak_rss_mb=child["peak_rss_mb"],
                        baseline_mb=child["baseline_mb"],
                        child_seconds=child["seconds"],
                        memory_method=child["method"],
                    )
                    rows[loader].add(child["rows"])
                    say(f"  {n_events:,} {fmt} {loader} peak +{child['peak_mb']:.0f} MB")
                row[loader] = entry
            _compare_loaders(row, rows, say)
            results.append(row)

    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "seed": seed,
        "data_dir": str(root),
        "machine": machine(),
        "loaders": usable,
        "skipped_loaders": skipped,
        "memory_measured": memory,
        "results": results,
    }


def format_markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table, one row per size and format."""
    lines = [
        "| events | format | file MB | ours median s | ours min s | duckdb median s "
        "| duckdb min s | ours/duckdb | ours peak MB | duckdb peak MB | rows match |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["results"]:
        ours = row["ours"] or {}
        duck = row["duckdb"] or {}
        cells = [
            f"{row['events']:,}",
            row["format"],
            cell(row["file_mb"], ".0f"),
            cell(ours.get("median_s"), ".3f"),
            cell(ours.get("min_s"), ".3f"),
            cell(duck.get("median_s"), ".3f"),
            cell(duck.get("min_s"), ".3f"),
            cell(row["ratio_median"], ".2f"),
            cell(ours.get("peak_mb"), ".0f"),
            cell(duck.get("peak_mb"), ".0f"),
            "yes" if row["rows_match"] else "NO",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [
        f"repeat={report['repeat']}, times are wall seconds in one process (warm page cache); "
        "peak MB = peak RSS of a fresh child process during the load minus its RSS after imports.",
    ]
    for loader, reason in report["skipped_loaders"].items():
        notes.append(f"{loader} not measured: {reason}")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry; returns 1 when row counts disagree, else 0."""
    parser = benchmark_parser("Benchmark funnel_gui.core.io.load_events against DuckDB.", "loader")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--loaders", nargs="+", choices=LOADERS, default=list(LOADERS))
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the child-process peak-memory runs"
    )
    args = parser.parse_args(argv)
    report = run_benchmark(
        args.events,
        repeat=args.repeat,
        data_dir=args.data_dir,
        loaders=args.loaders,
        formats=args.formats,
        memory=not args.no_memory,
        seed=args.seed,
        log=progress_log(args),
    )
    publish(report, format_markdown(report), args.json)
    return 0 if all(row["rows_match"] for row in report["results"]) else 1


if __name__ == "__main__":
    sys.exit(main())
