"""Smoke test of the engine benchmark machinery at 20,000 events (fast enough for CI).

Generates a tiny dataset into pytest's tmp_path, runs `bench_engine.main` with
one repeat, and checks the JSON report: our engine and both DuckDB queries
agree on every step count, and every time is positive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

from . import bench_engine

N_EVENTS = 20_000


def test_engine_benchmark_counts_match_duckdb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"

    status = bench_engine.main(
        [
            "--events",
            str(N_EVENTS),
            "--repeat",
            "1",
            "--data-dir",
            str(tmp_path / "cache"),
            "--json",
            str(out),
            "--quiet",
        ]
    )

    report = json.loads(out.read_text())
    assert status == 0, report
    (row,) = report["results"]
    assert row["events"] == N_EVENTS
    assert row["rows_loaded"] == N_EVENTS
    assert row["counts_equal"]
    results = row["results"]
    assert set(results) == set(bench_engine.CONTENDERS)
    ours = results["sequential"]["counts"]
    assert len(ours) == len(bench_engine.STEP_EVENTS)
    assert ours[0] == row["actors"]  # every actor opens a session
    assert ours == sorted(ours, reverse=True)
    assert ours[-1] > 0
    for name in ("duckdb", "duckdb_prepared", "breakdown", "micro_macro"):
        assert results[name]["counts"] == ours, name
    # §15: the hand-written DuckDB peers count what ours counts.
    for shape, peer in bench_engine.SHAPE_PEERS.items():
        assert results[peer]["counts"] == results[shape]["counts"], shape
        assert row[f"{shape}_duckdb_over_ours"] > 0
    for name, entry in results.items():
        assert len(entry["times_s"]) == 1, name
        assert entry["median_s"] > 0, name
        assert entry["min_s"] > 0, name
        assert entry["first_s"] > 0, name
        assert entry["counts_stable"], name
    assert row["duckdb_speedup_median"] > 0
    assert row["breakdown_overhead_pct"] is not None
    # §14: the reasons' share of each compute, timed inside it.
    assert row["reasons_overhead_pct"] > 0
    assert row["strict_reasons_overhead_pct_cpu"] >= 0
    table = capsys.readouterr().out
    assert "| 20,000 |" in table
    assert "| yes |" in table


def test_duckdb_peer_follows_ties_and_window_edges(tmp_path: Path) -> None:
    """Equal timestamps are ordered by file row, the 7-day window is inclusive, and a
    later attempt can go further than an earlier one (§1, §3.1, §3.4)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    day = 86_400 * 1_000_000
    t0 = 1_780_000_000 * 1_000_000
    rows = [
        # u1: product_view at the same instant but a later row counts as after;
        # add_to_cart exactly 7 days later is in; begin_checkout 1 µs later is out.
        ("u1", "session_start", t0),
        ("u1", "product_view", t0),
        ("u1", "add_to_cart", t0 + 7 * day),
        ("u1", "begin_checkout", t0 + 7 * day + 1),
        # u2: product_view at the same instant but an earlier row is not after.
        ("u2", "product_view", t0),
        ("u2", "session_start", t0),
        # u3: the first attempt misses the window; a later one converts fully.
        ("u3", "session_start", t0),
        ("u3", "session_start", t0 + 7 * day + day // 2),
        ("u3", "product_view", t0 + 8 * day),
        ("u3", "add_to_cart", t0 + 8 * day),
        ("u3", "begin_checkout", t0 + 9 * day),
        ("u3", "purchase", t0 + 9 * day),
        # u4 never enters.
        ("u4", "product_view", t0),
        ("u4", "purchase", t0 + day),
    ]
    users, names, times = zip(*rows, strict=True)
    table = pa.table(
        {
            "user_id": list(users),
            "event_name": list(names),
            "event_time": pa.array(list(times), pa.timestamp("us", tz="UTC")),
        }
    )
    path = tmp_path / "ties.parquet"
    pq.write_table(table, path)

    counts = bench_engine.step_counts(path)

    expected = [3, 2, 2, 1, 1]
    for name in ("sequential", "breakdown", "micro_macro", "duckdb", "duckdb_prepared"):
        assert counts[name] == expected, (name, counts[name])


def test_duckdb_peers_of_optional_and_open_funnels(tmp_path: Path) -> None:
    """§15 by hand: begin_checkout optional (jumped over, matched, or past the window),
    and the open funnel, where any step's event starts an attempt there."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    day = 86_400 * 1_000_000
    t0 = 1_780_000_000 * 1_000_000
    journeys = {
        "u1": ["session_start", "product_view", "add_to_cart", "purchase"],  # jumps
        "u2": ["session_start", "product_view", "add_to_cart", "begin_checkout", "purchase"],
        "u3": ["session_start", "product_view", "add_to_cart", "begin_checkout"],
        "u4": ["product_view", "add_to_cart", "purchase"],  # enters open funnels only
    }
    rows = [(u, name, t0 + i) for u, names in journeys.items() for i, name in enumerate(names)]
    rows += [
        # u5: add_to_cart without product_view, 8 days on.
        ("u5", "session_start", t0),
        ("u5", "add_to_cart", t0 + 8 * day),
        # u6: begin_checkout past the 7-day window.
        ("u6", "session_start", t0),
        ("u6", "product_view", t0 + 1),
        ("u6", "add_to_cart", t0 + 2),
        ("u6", "begin_checkout", t0 + 8 * day),
    ]
    users, names, times = zip(*rows, strict=True)
    table = pa.table(
        {
            "user_id": list(users),
            "event_name": list(names),
            "event_time": pa.array(list(times), pa.timestamp("us", tz="UTC")),
        }
    )
    path = tmp_path / "shapes.parquet"
    pq.write_table(table, path)

    counts = bench_engine.step_counts(path)

    # Optional: entered u1 u2 u3 u5 u6; begin_checkout matched by u2 and u3 only;
    # purchase reached by u1 (jumping) and u2.
    assert counts["optional"] == counts["duckdb_optional"] == [5, 4, 4, 2, 2]
    # Open, furthest step: u1 5 (its purchase starts one), u2 5, u3 4, u4 5, u5 3
    # (add_to_cart starts one), u6 4 (begin_checkout starts one).
    assert counts["open"] == counts["duckdb_open"] == [6, 6, 6, 5, 3]
