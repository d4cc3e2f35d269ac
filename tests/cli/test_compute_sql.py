"""`compute --engine duckdb`, database URLs and `funnel-gui sql` (FUNNEL_SEMANTICS §21):
the same output as the in-memory path, and one-line messages for what is refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from funnel_gui.cli import main
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.open import open_sql_source
from funnel_gui.resources import demo_data_path

DEMO_FUNNEL = demo_data_path().parent / "checkout.funnel.json"
# u1 converts, u2 stops at cart, u3's cart and view share an instant: file order (cart
# first) decides that it never reached step 2 (§1).
ROWS = [
    ("u1", "view_item", "2026-03-01T10:00:00Z", "mobile"),
    ("u1", "add_to_cart", "2026-03-01T10:01:00Z", "mobile"),
    ("u1", "begin_checkout", "2026-03-01T10:02:00Z", "mobile"),
    ("u1", "purchase", "2026-03-01T10:03:00Z", "mobile"),
    ("u2", "view_item", "2026-03-01T11:00:00Z", "desktop"),
    ("u2", "add_to_cart", "2026-03-01T11:05:00Z", "desktop"),
    ("u3", "add_to_cart", "2026-03-01T12:00:00Z", "mobile"),
    ("u3", "view_item", "2026-03-01T12:00:00Z", "mobile"),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device"])
        writer.writerows(ROWS)
    return path


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_duckdb_engine_prints_the_same_json_as_memory(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = _json(capsys, "compute", str(export), "--funnel", str(DEMO_FUNNEL), "--json")
    duck = _json(
        capsys, "compute", str(export), "--funnel", str(DEMO_FUNNEL), "--json", "--engine", "duckdb"
    )
    assert duck == memory
    assert [s["count"] for s in duck["steps"]] == [3, 2, 1, 1]


def test_parquet_and_duckdb_database_give_the_same_counts(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pacsv.read_csv(export)
    parquet = tmp_path / "shop.parquet"
    pq.write_table(table, parquet)
    database = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(database))
    con.register("shop", table)
    con.execute("CREATE TABLE events AS SELECT * FROM shop")
    con.close()
    memory = _json(capsys, "compute", str(export), "--funnel", str(DEMO_FUNNEL), "--json")
    for source in (str(parquet), f"duckdb:///{database}?table=events"):
        argv = ["compute", source, "--funnel", str(DEMO_FUNNEL), "--json"]
        if not source.startswith("duckdb:"):
            argv += ["--engine", "duckdb", "--memory-limit", "200MB"]
        got = _json(capsys, *argv)
        assert [s["count"] for s in got["steps"]] == [3, 2, 1, 1]
        assert got["steps"] == memory["steps"]
        assert got["breakdown"] == memory["breakdown"]


def test_actors_file_from_duckdb(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "actors.csv"
    argv = ["compute", str(export), "--funnel", str(DEMO_FUNNEL), "--engine", "duckdb"]
    assert main([*argv, "--actors", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 3  # header and three actors that entered
    assert lines[1].startswith("u1,4,")


def test_unknown_url_scheme_is_one_line(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compute", "oracle://db/x?table=t", "--funnel", str(DEMO_FUNNEL)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Unknown source oracle://" in err


def test_memory_engine_refuses_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compute", "duckdb:///x.duckdb?table=t", "--funnel", str(DEMO_FUNNEL)]
    assert main([*argv, "--engine", "memory"]) == 2
    assert "computed where it lives" in capsys.readouterr().err


def test_duckdb_url_needs_a_table(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="Name the table"):
        open_sql_source(f"duckdb:///{tmp_path / 'x.duckdb'}")


def test_options_not_compiled_are_refused_by_name(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = json.loads(DEMO_FUNNEL.read_text(encoding="utf-8"))
    funnel.update(version=2, sessions={"inactivity": "30m"})
    path = tmp_path / "sessions.funnel.json"
    path.write_text(json.dumps(funnel), encoding="utf-8")
    assert main(["compute", str(export), "--funnel", str(path), "--engine", "duckdb"]) == 2
    err = capsys.readouterr().err
    assert '"sessions", §20' in err
    assert "--engine memory" in err


@pytest.mark.parametrize(
    "dialect", ["bigquery", "clickhouse", "postgres", "spark", "duckdb", "snowflake"]
)
def test_sql_command_prints_one_statement(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sql", str(DEMO_FUNNEL), "--dialect", dialect, "--table", "shop.events"]
    assert main([*argv, "--columns", "actor=uid,event=name,time=ts,order=seq"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("-- Funnel 'Demo checkout' compiled for " + dialect)
    assert "uid" in out
    assert "UNION ALL" in out
    assert "ties in time may be ordered differently" not in out


def test_sql_command_says_when_ties_are_unordered(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", str(DEMO_FUNNEL)]) == 0
    assert "ties in time may be ordered differently" in capsys.readouterr().out


def test_sql_command_bad_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", str(DEMO_FUNNEL), "--columns", "who=uid"]) == 2
    assert "--columns takes role=column pairs" in capsys.readouterr().err
