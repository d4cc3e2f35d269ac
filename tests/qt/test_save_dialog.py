"""Saving an export: a safe suggested name, the suffix added, a message on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from funnel_gui.qt.save_dialog import safe_file_stem, save_with_dialog


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("A/B test", "A-B test"),
        ('x:y*z?"', "x-y-z"),
        ("///", "funnel"),
        ("Checkout - Funnel", "Checkout - Funnel"),
    ],
)
def test_safe_file_stem(name: str, stem: str) -> None:
    assert safe_file_stem(name) == stem


def test_the_suffix_is_added_and_the_file_written(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def ask(parent, title, suggested, file_filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(tmp_path / "out"), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    parent = QWidget()
    qtbot.addWidget(parent)
    path = save_with_dialog(
        parent,
        "Export",
        "A/B - Funnel",
        "CSV (*.csv)",
        (".csv",),
        lambda p: Path(p).write_text("x"),
    )
    assert asked == ["A-B - Funnel.csv"]
    assert path == str(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text() == "x"


def test_a_failed_write_is_a_message_not_a_traceback(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "r.HTM"), ""))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)

    def fail(path: str) -> None:
        raise PermissionError(13, "Permission denied")

    assert (
        save_with_dialog(parent, "Export report", "x", "HTML (*.html)", (".html", ".htm"), fail)
        is None
    )
    assert said == ["Could not save r.HTM: [Errno 13] Permission denied"]


def test_cancel_writes_nothing(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    parent = QWidget()
    qtbot.addWidget(parent)
    written: list[str] = []
    assert save_with_dialog(parent, "Export", "x", "CSV (*.csv)", (".csv",), written.append) is None
    assert written == []
