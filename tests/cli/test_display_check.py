"""Before a window: no display at all, or Qt's X11 libraries missing, is said in one line
that names the way out (--screenshot, offscreen, the packages to install)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from funnel_gui.display_check import (
    NO_DISPLAY,
    XCB_LIBRARIES,
    display_problem,
    missing_packages,
    missing_xcb_text,
    uses_xcb,
)

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("env", "platform", "problem"),
    [
        ({}, "linux", NO_DISPLAY),
        ({"DISPLAY": ":0"}, "linux", None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", None),  # the user's explicit choice
        ({"DISPLAY": ""}, "linux", NO_DISPLAY),  # set but empty is no display
        ({}, "darwin", None),
        ({}, "win32", None),
    ],
)
def test_no_display_is_said_in_one_line(
    env: dict[str, str], platform: str, problem: str | None
) -> None:
    assert display_problem(env, platform) == problem


def test_the_no_display_message_suggests_screenshot_and_offscreen() -> None:
    assert "\n" not in NO_DISPLAY
    assert "--screenshot" in NO_DISPLAY
    assert "QT_QPA_PLATFORM=offscreen" in NO_DISPLAY


@pytest.mark.parametrize(
    ("env", "xcb"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),  # Qt picks Wayland
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "xcb:nograb"}, True),  # options after the name
        ({}, False),
    ],
)
def test_which_environments_open_the_window_through_x11(env: dict[str, str], xcb: bool) -> None:
    assert uses_xcb(env, "linux") is xcb


def test_missing_libraries_name_their_packages() -> None:
    # The two a minimal Debian lacked besides xcb-cursor (issue 14), found by `ldd`.
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"}
    packages = missing_packages(lambda soname: soname not in absent)
    assert sorted(packages) == ["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]
    text = missing_xcb_text(packages)
    assert "\n" not in text
    assert "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in text


def test_nothing_is_missing_when_every_library_loads() -> None:
    assert missing_packages(lambda _soname: True) == []


def test_readme_lists_every_package_in_one_apt_line() -> None:
    lines = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if "apt-get install" in line
    ]
    listed = {word for line in lines for word in re.findall(r"lib[\w.+-]+", line)}
    assert set(XCB_LIBRARIES.values()) <= listed


def test_the_app_without_a_display_says_so_and_exits(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    if sys.platform.startswith(("win", "darwin")):
        pytest.skip("these systems always have a display")
    done = subprocess.run(
        [sys.executable, "-m", "funnel_gui", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == NO_DISPLAY  # one line, not Qt's plugin error
