"""`funnel-gui paths --engine duckdb` and database URLs (FUNNEL_SEMANTICS §13, §21): the
hand-counted paths of tests/cli/test_paths.py, computed by DuckDB, with the same JSON as
in memory; bad options keep their one-line messages."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from funnel_gui.cli import main
from tests.cli.test_paths import export, funnel  # noqa: F401 (fixtures)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--between", "1"],
        ["--between", "2"],
        ["--keep-repeats", "--top", "1", "--length", "2", "--lookback", "90s"],
    ],
)
def test_duckdb_engine_prints_the_same_json_as_memory(
    export: Path,  # noqa: F811
    funnel: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
) -> None:
    argv = ["paths", str(export), "--funnel", str(funnel), "--json", *extra]
    memory = _json(capsys, *argv)
    duck = _json(capsys, *argv, "--engine", "duckdb")
    assert duck == memory


def test_hand_counted_paths_from_a_duckdb_database(
    export: Path,  # noqa: F811
    funnel: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE events AS SELECT *, ROW_NUMBER() OVER () AS row_number "
        f"FROM read_csv('{export.as_posix()}')"
    )
    con.close()
    url = f"duckdb:///{db.as_posix()}?table=events"
    out = _json(capsys, "paths", url, "--funnel", str(funnel), "--json")
    (group,) = out["groups"]
    # u1 and u2: (start) → promo (u2's two promos collapse, §13); u3: (start).
    assert [(p["events"], p["units"]) for p in group["paths"]] == [
        (["(start)", "promo"], 2),
        (["(start)"], 1),
    ]
    out = _json(capsys, "paths", url, "--funnel", str(funnel), "--json", "--between", "1")
    converted, dropped = out["groups"]
    assert {tuple(p["events"]): p["units"] for p in converted["paths"]} == {
        ("(direct)",): 1,
        ("x",): 1,
    }
    assert [(p["events"], p["units"]) for p in dropped["paths"]] == [(["x"], 1)]


def test_bad_step_is_one_line(
    export: Path,  # noqa: F811
    funnel: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["paths", str(export), "--funnel", str(funnel), "--between", "3", "--engine", "duckdb"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("funnel-gui: ")
    assert "k in 1 to 2" in err
    assert "Traceback" not in err


def test_drivers_on_a_database_is_one_line(
    export: Path,  # noqa: F811
    funnel: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Drivers (§12) are not compiled to SQL yet: a clear refusal, not an argparse error."""
    argv = ["drivers", str(export), "--funnel", str(funnel), "--engine", "duckdb"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("funnel-gui: Drivers (§12) are not computed by SQL engines yet")
    assert "Traceback" not in err


def test_python_api_on_a_sql_source(export: Path, funnel: Path) -> None:  # noqa: F811
    import funnel_gui as fg

    definition = fg.load_funnel(funnel).definition
    source = fg.open_sql_source(str(export))
    try:
        got = fg.paths_sql(source, definition, where=("between", 1))
    finally:
        source.close()
    # The hand count of tests/cli/test_paths.py: u1 direct, u2 via x; u3 stopped after x.
    assert {p.events: p.units for p in got.group("converted").paths} == {
        ("(direct)",): 1,
        ("x",): 1,
    }
    assert [(p.events, p.units) for p in got.group("dropped").paths] == [(("x",), 1)]
    assert got.to_dict() == fg.paths(fg.load_events(export), definition, ("between", 1)).to_dict()


@pytest.mark.parametrize("shape", ["open", "optional"])
def test_open_and_optional_funnels_are_refused_in_one_line(
    export: Path,  # noqa: F811
    funnel: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shape: str,
) -> None:
    # §15 changes who is in a gap; the SQL paths statement follows closed funnels only.
    spec = json.loads(funnel.read_text())
    spec["version"] = 2
    if shape == "open":
        spec["open"] = True
    else:
        spec["steps"][1]["optional"] = True
    changed = tmp_path / "changed.funnel.json"
    changed.write_text(json.dumps(spec))
    code = main(["paths", str(export), "--funnel", str(changed), "--engine", "duckdb"])
    err = capsys.readouterr().err
    assert code == 2
    assert "open funnel or one with optional steps" in err
    assert "Traceback" not in err
