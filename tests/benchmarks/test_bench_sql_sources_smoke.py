"""The database benchmark runs end to end at a tiny size and its engines agree (chdb
always; PostgreSQL when a server is up, as on CI)."""

from __future__ import annotations

import os

import pytest

from tests.benchmarks.bench_sql_sources import run_benchmark


def test_bench_sql_sources_smoke() -> None:
    pytest.importorskip("chdb", reason="chdb is not installed (funnel-gui[clickhouse])")
    url = os.environ.get("FUNNEL_TEST_POSTGRES_URL") or None
    contenders = ["duckdb_sql", "chdb_sql"] + (["postgres_sql"] if url else [])
    report = run_benchmark([20_000], 1, contenders, url, log=lambda _m: None)
    entry = report["sizes"][0]
    assert entry["counts_agree"]
    assert set(entry["contenders"]) == set(contenders)
    assert entry["contenders"]["chdb_sql"]["counts"][0] > 0
