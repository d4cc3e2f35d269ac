"""`funnel-gui URL --funnel F --screenshot OUT.png` (issue 13): the window opens a database
named on its command line, as `compute` accepts it (a URL, or a path with --engine
duckdb), and renders once the database's summary and the funnel's result are in (it
waits on those signals, never a fixed time); a source it cannot open is one line, exit 2,
and no PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from PySide6.QtGui import QImage

from funnel_gui.resources import demo_data_path, resources_dir

FUNNEL = str(resources_dir() / "demo" / "checkout.funnel.json")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "funnel_gui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _errors(stderr: str) -> list[str]:
    """stderr without the offscreen platform's and the DuckDB binding's exit chatter."""
    noise = ("This plugin", "nanobind", " - ", "See https://nanobind")
    return [line for line in stderr.splitlines() if not line.startswith(noise)]


def _demo_database(folder: Path) -> str:
    path = folder / "demo.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events AS SELECT * FROM read_csv_auto(?)", [str(demo_data_path())])
    con.close()
    return f"duckdb://{path.as_posix()}?table=events"


def test_screenshot_of_a_duckdb_url(tmp_path: Path) -> None:
    out = tmp_path / "db.png"
    url = _demo_database(tmp_path)
    done = _run(url, "--funnel", FUNNEL, "--screenshot", str(out), "--size", "1280x720")
    assert done.returncode == 0, done.stderr
    assert _errors(done.stderr) == []
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


def test_screenshot_of_a_file_computed_by_duckdb(tmp_path: Path) -> None:
    out = tmp_path / "file.png"
    done = _run(
        str(demo_data_path()), "--engine", "duckdb", "--view", "data", "--screenshot", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert (QImage(str(out)).width(), QImage(str(out)).height()) == (1440, 900)


def test_a_bad_url_is_one_line_and_no_png(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    missing = (tmp_path / "missing.duckdb").as_posix()
    done = _run(f"duckdb://{missing}?table=events", "--screenshot", str(out))
    assert done.returncode == 2
    assert _errors(done.stderr) == [
        f"funnel-gui: Could not open duckdb://{missing}?table=events: "
        f"No such DuckDB database: {missing}"
    ]
    assert not out.exists()


def test_an_unknown_scheme_and_engine_memory_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    done = _run("nosuch://host/db", "--screenshot", str(out))
    assert done.returncode == 2
    [line] = _errors(done.stderr)
    assert line.startswith("funnel-gui: Could not open nosuch://host/db: Unknown source")
    done = _run("duckdb:///x.duckdb?table=e", "--engine", "memory", "--screenshot", str(out))
    assert done.returncode == 2
    assert _errors(done.stderr) == [
        "funnel-gui: duckdb:///x.duckdb?table=e is a database: it is computed where it "
        "lives, not with --engine memory."
    ]
    assert "Traceback" not in done.stderr
    assert not out.exists()
