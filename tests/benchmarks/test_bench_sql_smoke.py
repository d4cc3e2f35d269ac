"""Smoke test of the SQL benchmark at 20,000 events: DuckDB on our compiled SQL, the
in-memory engine and the ASOF-join peer agree on every step count (CI-sized)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import bench_sql

N_EVENTS = 20_000


def test_sql_benchmark_counts_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    argv = ["--events", str(N_EVENTS), "--repeat", "1", "--data-dir", str(tmp_path / "cache")]
    assert bench_sql.main([*argv, "--json", str(out), "--memory-limit", "500MB"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    (entry,) = report["sizes"]
    assert entry["counts_agree"]
    assert set(entry["contenders"]) == set(bench_sql.CONTENDERS)
    for contender in entry["contenders"].values():
        assert contender["median_s"] > 0
        assert contender["counts"][0] > 0
    assert "| 20,000 | duckdb_sql |" in capsys.readouterr().out
