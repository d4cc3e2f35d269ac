"""Smoke test of the import benchmark machinery at 20,000 events (fast enough for CI).

Generates a tiny dataset into pytest's tmp_path, runs `bench_load.main` once per
loader and format including the child-process memory runs, and checks the
JSON report. Skipped while `funnel_gui.core.io.load_events` does not exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
try:
    from funnel_gui.core.io import load_events  # noqa: F401
except ImportError as exc:  # the importers are still being written
    pytest.skip(f"funnel_gui.core.io.load_events unavailable: {exc}", allow_module_level=True)

from . import bench_load

N_EVENTS = 20_000


def test_benchmark_reports_both_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUNNEL_BENCH_DIR", str(tmp_path / "cache"))
    out = tmp_path / "report.json"

    status = bench_load.main(["--events", str(N_EVENTS), "--repeat", "1", "--json", str(out)])

    report = json.loads(out.read_text())
    assert status == 0, report
    assert report["skipped_loaders"] == {}
    rows = {row["format"]: row for row in report["results"]}
    assert set(rows) == {"parquet", "csv"}
    for fmt, row in rows.items():
        assert row["events"] == N_EVENTS
        assert row["rows_match"], fmt
        for loader in ("ours", "duckdb"):
            entry = row[loader]
            assert entry is not None, (fmt, loader)
            assert entry["rows"] == N_EVENTS, (fmt, loader)
            assert len(entry["times_s"]) == 1
            assert entry["median_s"] > 0
            assert entry["min_s"] > 0
            assert entry["peak_mb"] >= 0
        assert row["ratio_median"] > 0
    assert (tmp_path / "cache" / f"events-{N_EVENTS}" / "events.csv").is_file()
    table = capsys.readouterr().out
    assert "| 20,000 | parquet |" in table
    assert "| 20,000 | csv |" in table
