"""`compute` and `inspect` on database URLs (chdb here; PostgreSQL when a server is up):
the same JSON as the in-memory engine on the export, the catalogs counted by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from funnel_gui.cli import main
from funnel_gui.core.sql.sources.registry import connect
from tests.cli.test_compute import ROWS
from tests.core.sql.server_fixtures import postgres_url

pytest.importorskip("chdb", reason="chdb is not installed (funnel-gui[clickhouse])")


def _rows() -> pa.Table:
    times = pa.array([f"2026-03-01T10:{m:02d}:00Z" for _, _, m, _ in ROWS])
    return pa.table(
        {
            "user_id": [r[0] for r in ROWS],
            "event_name": [r[1] for r in ROWS],
            "event_time": times.cast(pa.timestamp("s", tz="UTC")).cast(pa.timestamp("us", "UTC")),
            "device": [r[3] for r in ROWS],
            "seq": list(range(len(ROWS))),
        }
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    parquet = tmp_path / "shop.parquet"
    pq.write_table(_rows(), parquet)
    csv_path = tmp_path / "shop.csv"
    pacsv.write_csv(_rows().drop_columns(["seq"]), csv_path)
    return parquet, csv_path


@pytest.fixture
def funnel(tmp_path: Path) -> Path:
    path = tmp_path / "f.funnel.json"
    steps = [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}]
    body = {"format": "funnel-gui.funnel", "version": 1, "name": "Shop", "steps": steps}
    path.write_text(json.dumps({**body, "breakdown": {"property": "device"}}))
    return path


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(argv) == 0, capsys.readouterr().err
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_compute_on_chdb_url_equals_memory(
    files: tuple[Path, Path], funnel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parquet, csv_path = files
    memory = _json(["compute", str(csv_path), "--funnel", str(funnel), "--json"], capsys)
    url = f"chdb://{parquet.as_posix()}"
    chdb = _json(["compute", url, "--funnel", str(funnel), "--json"], capsys)
    assert chdb["steps"] == memory["steps"]
    assert chdb["breakdown"] == memory["breakdown"]


def test_inspect_chdb_url_counts_events(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"chdb://{files[0].as_posix()}"
    payload = _json(["inspect", url, "--json"], capsys)
    # Hand count of ROWS: view ×3 (u1,u2,u3), cart ×3 (u1,u2,u3), buy ×1 (u1).
    assert payload["events"] == {
        "view": {"count": 3, "actors": 3},
        "cart": {"count": 3, "actors": 3},
        "buy": {"count": 1, "actors": 1},
    }
    assert payload["columns"] == {
        "actor": "user_id",
        "event": "event_name",
        "time": "event_time",
        "session": None,
        "order_key": "seq",
        "properties": ["device"],
    }


def test_inspect_refuses_a_password_without_echoing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inspect", "postgresql://ann:hunter2@db/prod?table=events"]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err
    assert err.count("\n") == 1


def test_compute_on_postgres_url_equals_memory(
    files: tuple[Path, Path], funnel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres_url()
    source = connect(url)
    try:
        from tests.core.sql.server_fixtures import create_postgres_table

        create_postgres_table(source, "shop_cli", _rows().drop_columns(["event_time"]))
        conn = source._conn  # type: ignore[attr-defined]
        conn.execute("ALTER TABLE shop_cli ADD COLUMN event_time timestamptz")
        for i, (_, _, minute, _) in enumerate(ROWS):
            stamp = f"2026-03-01 10:{minute:02d}:00+00"
            conn.execute("UPDATE shop_cli SET event_time = %s WHERE seq = %s", (stamp, i))
    finally:
        source.close()
    memory = _json(["compute", str(files[1]), "--funnel", str(funnel), "--json"], capsys)
    sep = "&" if "?" in url else "?"
    pg = _json(["compute", f"{url}{sep}table=shop_cli", "--funnel", str(funnel), "--json"], capsys)
    assert pg["steps"] == memory["steps"]
    assert pg["breakdown"] == memory["breakdown"]
