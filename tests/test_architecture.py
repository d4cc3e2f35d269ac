"""Layering rules from DESIGN.md that a reviewer should not have to remember."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = ("PySide6", "pyqtgraph", "shiboken6", "funnel_gui.qt", "funnel_gui.app")


def test_core_never_imports_qt() -> None:
    offenders = []
    for path in (ROOT / "funnel_gui" / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN_IN_CORE)]
    assert offenders == []


def test_importing_core_loads_no_qt() -> None:
    code = (
        "import sys, funnel_gui.core.io, funnel_gui.core.events, funnel_gui.cli; "
        "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]"


def test_wheel_ships_resources() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["resources"] == "funnel_gui/resources"
    for needed in ("demo/shop_events.csv.gz", "style.qss", "icons/open.svg"):
        assert (ROOT / "resources" / needed).is_file(), needed


def test_built_wheel_contains_resources(tmp_path: Path) -> None:
    import shutil
    import zipfile

    import pytest

    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "funnel_gui/resources/demo/shop_events.csv.gz" in names
    assert "funnel_gui/resources/style.qss" in names
    assert "funnel_gui/core/io/loader.py" in names
