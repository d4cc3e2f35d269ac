"""Smoke test of the paths benchmark at 20,000 events (fast enough for CI), and a
hand-made file on which the DuckDB peer must give the paths of FUNNEL_SEMANTICS §13."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

from . import bench_paths
from .bench_engine import _duckdb_setup

N_EVENTS = 20_000


def test_paths_benchmark_counts_match_duckdb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    argv = ["--events", str(N_EVENTS), "--repeat", "1", "--data-dir", str(tmp_path / "cache")]
    status = bench_paths.main([*argv, "--json", str(out), "--quiet"])
    report = json.loads(out.read_text())
    assert status == 0, report
    (row,) = report["results"]
    assert row["events"] == N_EVENTS
    assert row["counts_equal"]
    results = row["results"]
    assert set(results) == set(bench_paths.CONTENDERS)
    # Every entrant is on one path, and there are many paths to compare.
    assert results["into"]["units"] == results["duckdb"]["units"] > 0
    assert results["into"]["paths"] > 50
    for name, entry in results.items():
        assert entry["median_s"] > 0, name
    assert "| 20,000 |" in capsys.readouterr().out


def test_duckdb_peer_follows_the_rules(tmp_path: Path) -> None:
    """Ties by file row (§1), the lookback inclusive, repeats collapsed within the range
    only, "(start)" when short, the reported attempt's entry (§3.4, §13)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from funnel_gui.core.analysis.paths import paths
    from funnel_gui.core.io import load_events

    minute = 60 * 1_000_000
    day = 1440 * minute
    t0 = 1_780_000_000 * 1_000_000
    rows = [
        # u1: a search 1 day + 1 µs before entry is out; the one exactly 1 day before is
        # in (and is the range's first row, so not collapsed into the one before);
        # the tie at entry comes first in the file, so it is before.
        ("u1", "search", t0 - day - 1),
        ("u1", "search", t0 - day),
        ("u1", "page_view", t0 - minute),
        ("u1", "page_view", t0 - 1),
        ("u1", "scroll", t0),
        ("u1", "product_view", t0),
        # u2: nothing before: (start) only.
        ("u2", "product_view", t0),
        # u3: the cart comes past the first attempt's 7 days; the second attempt reaches
        # it and is the reported one: its path is the search of the day before it (the
        # first attempt's own path would be (start)).
        ("u3", "product_view", t0),
        ("u3", "search", t0 + 6 * day + 120 * minute),
        ("u3", "product_view", t0 + 7 * day + 60 * minute),
        ("u3", "add_to_cart", t0 + 7 * day + 120 * minute),
    ]
    users, names, times = zip(*rows, strict=True)
    table = pa.table(
        {
            "user_id": list(users),
            "event_name": list(names),
            "event_time": pa.array(list(times), pa.timestamp("us", tz="UTC")),
        }
    )
    path = tmp_path / "paths.parquet"
    pq.write_table(table, path)

    con = duckdb.connect()
    try:
        _duckdb_setup(con, path)
        got = {
            tuple(p): (n, c) for p, n, c in con.execute(bench_paths.duckdb_paths_sql()).fetchall()
        }
    finally:
        con.close()
    expected = {
        ("search", "page_view", "scroll"): (1, 0),
        ("(start)",): (1, 0),
        ("(start)", "search"): (1, 0),
    }
    assert got == expected
    ours = paths(load_events([path]), bench_paths._definition(), top=10)
    assert {p.events: (p.units, p.converted) for p in ours.groups[0].paths} == expected
