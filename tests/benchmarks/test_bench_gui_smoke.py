"""Smoke test of the GUI stall probe at 20,000 events (fast enough for CI).

Generates a tiny dataset into pytest's tmp_path and drives the whole scenario once; the
figures themselves depend on the machine, so only their presence is checked here.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import bench_gui

N_EVENTS = 20_000


def test_the_stall_probe_measures_every_phase(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.json"
    bench_gui.main(
        [
            "--events",
            str(N_EVENTS),
            "--data-dir",
            str(tmp_path / "cache"),
            "--json",
            str(out),
            "--settle-ms",
            "20",
            "--quiet",
        ]
    )
    report = json.loads(out.read_text())
    stalls = report["results"][0]["stalls_ms"]
    for view in ("funnel", "micro-macro", "time", "trend", "breakdown", "paths", "data"):
        for action in ("show the tab", "edit (window 1 day)", "undo"):
            assert stalls[f"{view}: {action}"] > 0
    assert stalls["drill-down: open at step 2"] > 0
    assert stalls["paths: gap after step 2"] > 0
    assert stalls["drill-down: a path's people"] > 0
    assert stalls["drill-down: a person's events"] > 0
    assert set(report["results"][0]["gui_cpu_ms"]) == set(stalls)
