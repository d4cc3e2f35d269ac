"""The Qt side's structure (DESIGN.md): no import cycles, not even for type hints, and the
window is at the top: no helper or widget imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

QT = Path(__file__).resolve().parents[2] / "funnel_gui" / "qt"
WINDOW = "funnel_gui.qt.main_window"


def qt_imports() -> dict[str, set[str]]:
    """Each funnel_gui.qt module and the funnel_gui.qt modules it imports (anywhere in it,
    `if TYPE_CHECKING:` blocks included)."""
    modules = {}
    for path in QT.rglob("*.py"):
        parts = path.relative_to(QT.parents[1]).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_import_cycles_in_the_qt_package() -> None:
    graph = qt_imports()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph[module]):
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_nothing_in_qt_imports_the_window() -> None:
    importers = sorted(m for m, targets in qt_imports().items() if WINDOW in targets)
    assert importers == []
