"""`--size WxH`: parsed, refused in one line when wrong, and a screenshot is exactly that
size (with the drill-down open, as README's 1280×720 screenshot is made)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from funnel_gui.cli import window_size
from funnel_gui.resources import demo_data_path, resources_dir


@pytest.mark.parametrize(
    ("text", "size"),
    [("1280x720", (1280, 720)), ("1366X768", (1366, 768)), ("800x600", (800, 600))],
)
def test_sizes_are_read(text: str, size: tuple[int, int]) -> None:
    assert window_size(text) == size


@pytest.mark.parametrize(
    "text", ["1280", "1280x", "x720", "axb", "1280x-720", "10x10", "99999x720"]
)
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        window_size(text)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "funnel_gui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_bad_size_is_one_line_before_any_window(tmp_path: Path) -> None:
    done = _run("--demo", "--size", "big", "--screenshot", str(tmp_path / "x.png"))
    assert done.returncode == 2
    assert "'big' is not a size like 1280x720" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_is_exactly_the_size_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "small.png"
    funnel = resources_dir() / "demo" / "checkout.funnel.json"
    done = _run(
        str(demo_data_path()),
        "--funnel",
        str(funnel),
        "--size",
        "1280x720",
        "--drill-down",
        "2",
        "--screenshot",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


def test_gap_shows_the_paths_between_two_steps(tmp_path: Path) -> None:
    funnel = str(resources_dir() / "demo" / "checkout.funnel.json")
    common = [str(demo_data_path()), "--funnel", funnel, "--size", "1280x720"]
    into, gap = tmp_path / "into.png", tmp_path / "gap.png"
    assert _run(*common, "--view", "paths", "--screenshot", str(into)).returncode == 0
    done = _run(*common, "--gap", "2", "--screenshot", str(gap))
    assert done.returncode == 0, done.stderr
    assert QImage(str(gap)) != QImage(str(into))  # another gap's flows and table
    bad = _run(*common, "--gap", "4", "--screenshot", str(tmp_path / "bad.png"))
    assert bad.returncode == 2
    assert "--gap 4: this 4-step funnel has gaps 1 to 3" in bad.stderr
    assert "Traceback" not in bad.stderr
