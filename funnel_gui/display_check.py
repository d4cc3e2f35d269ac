"""Before any QApplication: is there a display to open a window on, and can Qt's X11
plugin load? Qt's own message names one library (`xcb-cursor`) and calls a missing
display a missing plugin; these checks name the cause and every Debian/Ubuntu package.

Pure functions of the environment and of a "can this library load" test, so they are
tested without a display; `window_problem()` runs them for real (a few dlopen calls).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping

# Every library Qt's xcb platform plugin (and the Qt libraries under it) loads from the
# system, with its Debian/Ubuntu package: from `ldd` of PySide6's plugins/platforms/
# libqxcb.so and xcbglintegrations, minus what every Debian system has (libc, libstdc++,
# zlib…) and what the wheel ships (Qt, ICU).
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}

NO_DISPLAY = (
    "funnel-gui: there is no display to open a window on (neither DISPLAY nor "
    "WAYLAND_DISPLAY is set); `funnel-gui --screenshot OUT.png` renders the window "
    "to a file without one, or set QT_QPA_PLATFORM=offscreen"
)


def apt_line(packages: list[str]) -> str:
    return "sudo apt-get install " + " ".join(packages)


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """The one-line message when there is no display at all (Linux/BSD only: macOS and
    Windows always have theirs), or None. An explicit QT_QPA_PLATFORM is the user's
    choice and is left to Qt."""
    if platform.startswith(("win", "darwin")) or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will open the window through X11 (xcb): asked for, or an X display
    and no Wayland one."""
    if platform.startswith(("win", "darwin")):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":", 1)[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_packages(loads: Callable[[str], bool]) -> list[str]:
    """The packages whose library `loads(soname)` could not load, in the table's order."""
    return [package for soname, package in XCB_LIBRARIES.items() if not loads(soname)]


def missing_xcb_text(packages: list[str]) -> str:
    """What to say when the X11 plugin cannot load: the packages, in one command."""
    return (
        "funnel-gui: cannot open a window: the X11 libraries Qt needs are missing; "
        f"install them with `{apt_line(packages)}` "
        "(or use `--screenshot OUT.png`, which needs no display)"
    )


def library_loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def window_problem(env: Mapping[str, str]) -> str | None:
    """Why a window cannot open here, in one line, or None when it (probably) can."""
    problem = display_problem(env)
    if problem is None and uses_xcb(env):
        missing = missing_packages(library_loads)
        problem = missing_xcb_text(missing) if missing else None
    return problem
