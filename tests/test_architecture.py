"""Layering rules from DESIGN.md that a reviewer should not have to remember."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "funnel_gui"
FORBIDDEN_IN_CORE = ("PySide6", "pyqtgraph", "shiboken6", "funnel_gui.qt", "funnel_gui.app")

# Import edges that close a cycle today and are being taken out on other branches; each
# entry must still exist (the test says when one can go), and nothing else may be added.
ALLOWED_CYCLE_EDGES: set[tuple[str, str]] = set()
MAX_MODULE_LINES = 400  # DESIGN.md: modules around 100-300 lines
# Modules allowed over the limit (none today); each must still be too long to stay listed.
ALLOWED_LONG_MODULES: set[str] = set()


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


def test_lint_config_bans_qt_in_core_only() -> None:
    """The same rule in ruff's config (TID251), so an editor flags it as it is typed."""

    ruff = [sys.executable, "-m", "ruff", "check", "--select", "TID251", "--no-cache"]

    def flagged(filename: str) -> bool:
        out = subprocess.run(
            [*ruff, "--output-format", "concise", "--stdin-filename", filename, "-"],
            input="from PySide6.QtCore import Qt\nimport pyqtgraph\nimport funnel_gui.qt\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        ).stdout
        return out.count("TID251") == 3

    assert flagged("funnel_gui/core/engine/probe.py")
    assert flagged("funnel_gui/core/probe.py")
    assert not flagged("funnel_gui/qt/probe.py")
    assert not flagged("tests/probe.py")


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


# ------------------------------------------------------------------ import graph


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(module: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """(module, name) for every import anywhere in the file: top level, under
    `if TYPE_CHECKING:`, inside functions. `name` is None for `import x`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                yield base, alias.name


def import_graph() -> dict[str, set[str]]:
    """Module -> the funnel_gui modules it imports. `from pkg import sub` is an edge to the
    submodule; `from pkg import name` to the package. A parent package's `__init__`,
    which Python runs first, is not an edge: re-exporting submodules from it is no loop.
    """
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for base, name in _imported_names(module, path):
            if name is not None and f"{base}.{name}" in modules:
                targets.add(f"{base}.{name}")
            elif base in modules:
                targets.add(base)
        graph[module] = targets - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first, without recursion)."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, pending = [start], [iter(sorted(graph[start]))]
        while pending:
            target = next(pending[-1], None)
            if target is None:
                done.add(path.pop())
                pending.pop()
            elif target in path:
                return [*path[path.index(target) :], target]
            elif target not in done:
                path.append(target)
                pending.append(iter(sorted(graph[target])))
    return None


def test_no_import_cycles() -> None:
    graph = import_graph()
    for source, target in sorted(ALLOWED_CYCLE_EDGES):
        assert target in graph[source], f"{source} no longer imports {target}: allow it no more"
        graph[source].discard(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_import_graph_sees_type_only_local_and_relative_imports(tmp_path: Path) -> None:
    module = tmp_path / "funnel_gui" / "core" / "thing.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from funnel_gui.core.io import loader\n"
        "def f():\n"
        "    import funnel_gui.core.events\n"
        "    from .engine.results import FunnelResult\n"
        "    from .. import views\n",
        encoding="utf-8",
    )
    found = set(_imported_names("funnel_gui.core.thing", module))
    assert found >= {
        ("funnel_gui.core.io", "loader"),
        ("funnel_gui.core.events", None),
        ("funnel_gui.core.engine.results", "FunnelResult"),
        ("funnel_gui", "views"),
    }


def test_find_cycle_reports_the_loop() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None  # a diamond


def test_modules_stay_short() -> None:
    lines = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {name for name, n in lines.items() if n > MAX_MODULE_LINES}
    assert too_long - ALLOWED_LONG_MODULES == set()
    assert ALLOWED_LONG_MODULES - too_long == set(), "short enough now: allow it no more"


def test_every_subpackage_says_what_it_is_in_one_line() -> None:
    missing = []
    for init in sorted(PACKAGE.rglob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if not doc or "\n" in doc.strip():
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []
