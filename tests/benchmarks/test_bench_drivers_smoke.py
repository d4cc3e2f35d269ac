"""Smoke test of the Drivers benchmark at 20,000 events (fast enough for CI).

Generates a tiny dataset into a pytest temporary directory, runs `bench_drivers.main` with one
repeat, and checks the JSON report: every candidate our drivers show has DuckDB's
counts, and every time is positive. A second run with a lookback checks the SQL's
period start; a hand-made file checks the period's edges and the entry row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("duckdb")

from . import bench_drivers

N_EVENTS = 20_000


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated dataset for the module's runs."""
    return tmp_path_factory.mktemp("cache")


def _run(tmp_path: Path, data_dir: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    status = bench_drivers.main(
        [
            "--events",
            str(N_EVENTS),
            "--repeat",
            "1",
            "--data-dir",
            str(data_dir),
            "--json",
            str(out),
            "--quiet",
            *extra,
        ]
    )
    report: dict[str, Any] = json.loads(out.read_text())
    return status, report


def test_drivers_benchmark_counts_match_duckdb(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = _run(tmp_path, data_dir)

    assert status == 0, report
    (row,) = report["results"]
    assert row["events"] == N_EVENTS
    assert row["counts_equal"], row["problems"]
    assert row["problems"] == []
    assert 0 < row["eligible"] <= row["entrants"] <= row["actors"]
    assert 0 < row["eligible_converted"] < row["eligible"]
    # every non-step name, its repeats and its device/country values
    assert row["candidates_considered"] > 100
    assert 0 < row["candidates_shown"] <= row["duckdb_candidates"]
    results = row["results"]
    assert set(results) == set(bench_drivers.CONTENDERS)
    for name, entry in results.items():
        assert len(entry["times_s"]) == 1, name
        assert entry["median_s"] > 0, name
        assert len(entry["cpu_s"]) == 1, name
        assert entry["cpu_median_s"] >= 0, name
        assert entry["counts_stable"], name
    for name in ("ours_raw", "ours_adjusted"):
        assert results[name]["cold_s"] > 0
    assert row["duckdb_over_raw"] > 0
    table = capsys.readouterr().out
    assert "| 20,000 |" in table
    assert "| yes |" in table


def test_drivers_benchmark_with_lookback(tmp_path: Path, data_dir: Path) -> None:
    status, report = _run(tmp_path, data_dir, "--lookback-hours", "2", "--landmark-hours", "6")

    assert status == 0, report
    assert report["lookback_ns"] == 2 * 3600 * 10**9
    (row,) = report["results"]
    assert row["counts_equal"], row["problems"]


def test_duckdb_peer_follows_period_edges(tmp_path: Path) -> None:
    """The period is [t1 − lookback, t1 + landmark), the entry row itself is left out even
    when another step-1 event shares its time, and an ineligible entrant counts nowhere."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import duckdb

    from funnel_gui.core.analysis.drivers import drivers_analysis
    from funnel_gui.core.engine.prepared import prepare
    from funnel_gui.core.io import load_events

    hour = 3600 * 1_000_000
    t0 = 1_780_000_000 * 1_000_000
    rows = [
        # u1: search 1 h before entry (in with a 2 h lookback), scroll at the entry's
        # time and a second session_start at the same instant (both in), login exactly
        # at t1 + landmark (out); converts.
        ("u1", "search", t0 - hour),
        ("u1", "session_start", t0),
        ("u1", "scroll", t0),
        ("u1", "session_start", t0),
        ("u1", "login", t0 + 24 * hour),
        ("u1", "product_view", t0 + 25 * hour),
        ("u1", "add_to_cart", t0 + 25 * hour),
        ("u1", "begin_checkout", t0 + 25 * hour),
        ("u1", "purchase", t0 + 26 * hour),
        # u2: search 3 h before (out), scroll twice inside; does not convert.
        ("u2", "search", t0 - 3 * hour),
        ("u2", "session_start", t0),
        ("u2", "scroll", t0 + hour),
        ("u2", "scroll", t0 + 2 * hour),
        # u3: converts before the landmark, so it is not eligible.
        ("u3", "session_start", t0),
        ("u3", "scroll", t0),
        ("u3", "product_view", t0 + hour),
        ("u3", "add_to_cart", t0 + hour),
        ("u3", "begin_checkout", t0 + hour),
        ("u3", "purchase", t0 + hour),
        # The data runs long enough for every window to close.
        ("u4", "page_view", t0 + 30 * 24 * hour),
    ]
    users, names, times = zip(*rows, strict=True)
    export = pa.table(
        {
            "user_id": list(users),
            "event_name": list(names),
            "event_time": pa.array(list(times), pa.timestamp("us", tz="UTC")),
            "device": ["mobile", "desktop", "mobile", "desktop", "mobile"] * 4,
            "country": ["US"] * len(rows),
        }
    )
    path = tmp_path / "edges.parquet"
    pq.write_table(export, path)
    table = load_events([path])
    prepared = prepare(table)
    definition = bench_drivers.funnel_definition()
    landmark, lookback = 24 * hour * 1000, 2 * hour * 1000
    obs = drivers_analysis(prepared, definition, landmark=landmark, lookback=lookback).observation
    entrants = bench_drivers.entrants_table(table, prepared, definition, obs)
    assert entrants.column("eligible").to_pylist() == [True, True, False]
    assert entrants.column("entry_row").to_pylist() == [1, 10, 13]

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("events", bench_drivers.events_table(path))
    con.register("entrants", entrants)
    sql = bench_drivers.duckdb_drivers_sql(
        steps=bench_drivers.STEP_EVENTS, lookback_us=2 * hour, landmark_us=24 * hour
    )
    got = {row[:5]: row[5:] for row in con.execute(sql).fetchall()}
    con.close()

    # (exposed, exposed converted, unexposed, unexposed converted) of the 2 eligible
    assert got[("baseline", None, 1, None, None)] == (2, 1, 0, 0)
    assert got[("event", "search", 1, None, None)] == (1, 1, 1, 0)
    assert got[("event", "scroll", 1, None, None)] == (2, 1, 0, 0)
    assert ("event", "login", 1, None, None) not in got
    assert got[("repeat", "scroll", 2, None, None)] == (1, 0, 1, 1)
    assert ("repeat", "scroll", 3, None, None) not in got
    # u1's scroll (row 2) is mobile, u2's are desktop and mobile (rows 11, 12)
    assert got[("property", "scroll", 1, "device", "mobile")] == (2, 1, 0, 0)
    assert got[("property", "scroll", 1, "device", "desktop")] == (1, 0, 1, 1)
    # country has a single value: no (c) candidates from it
    assert not any(key[3] == "country" for key in got)
