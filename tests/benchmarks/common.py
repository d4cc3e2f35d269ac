"""Helpers shared by the benchmarks: memory readings, library versions, number cells."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa


def proc_status_bytes(field: str) -> int | None:
    """A `VmXxx:` line of /proc/self/status in bytes, or None off Linux."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; Linux ≥ 4.0 only."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version(), "pyarrow": pa.__version__}
    for name in ("duckdb", "numpy", "funnel_gui"):
        try:
            module = __import__(name)
        except ImportError:
            out[name] = None
        else:
            out[name] = getattr(module, "__version__", "unknown")
    return out


def machine() -> dict[str, Any]:
    """The machine a benchmark ran on, for its JSON report."""
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "versions": versions()}


def time_cell(entry: dict[str, Any]) -> str:
    """A timing's median with its minimum in brackets, in seconds."""
    return f"{entry['median_s']:.3f} ({entry['min_s']:.3f})"


def cell(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def benchmark_parser(description: str, repeated: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: sizes, repeats, a JSON copy, the data cache,
    the generator's seed and --quiet; `repeated` names what each timed run repeats."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--events", type=int, nargs="+", default=[10_000_000], help="sizes (default 10000000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help=f"timed runs per {repeated} (default 5)"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the report here")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="dataset cache root (default $FUNNEL_BENCH_DIR or ~/.cache/funnel-gui-bench)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def progress_log(args: argparse.Namespace) -> Callable[[str], None]:
    """Progress lines on stderr unless --quiet."""

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    return log


def publish(report: dict[str, Any], markdown: str, json_path: Path | None) -> None:
    """Print the report's tables; also write the whole report as JSON when asked."""
    print(markdown, end="")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + "\n")
