"""Helpers shared by the benchmarks: memory readings, library versions, number cells."""

from __future__ import annotations

import platform
from pathlib import Path

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


def cell(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
