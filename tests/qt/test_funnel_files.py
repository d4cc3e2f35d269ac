"""Funnel files in the window: save, reopen, modified marker, refusal of bad files."""

from __future__ import annotations

import json
from pathlib import Path

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.qt.main_window import MainWindow


def test_save_then_reopen_round_trip(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    assert session.append_events(["view"])
    assert session.append_events(["buy", "order"])
    assert window.isWindowModified()
    assert window.windowTitle().startswith("Untitled funnel")
    target = tmp_path / "checkout.funnel.json"
    assert window.funnel_files.save_to(target)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("checkout[*]")
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert [s["events"] for s in saved["steps"]] == [["view"], ["buy", "order"]]
    before = session.definition
    window.new_funnel()
    assert session.definition == FunnelDefinition(steps=())
    assert window.open_funnel(str(target))
    assert session.definition == before
    assert not window.isWindowModified()
    assert not session.undo_stack.canUndo()  # a file starts a fresh history


def test_an_empty_funnel_is_not_saved(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "empty.funnel.json"
    with qtbot.waitSignal(window.sig_load_failed, timeout=5000) as failed:
        assert not window.funnel_files.save_to(target)
    assert "not saved" in failed.args[0]
    assert not target.exists()


def test_a_bad_funnel_file_is_refused_with_its_reason(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.funnel.json"
    bad.write_text('{"format": "funnel-gui.funnel", "version": 99, "steps": []}')
    with qtbot.waitSignal(window.sig_load_failed, timeout=5000) as failed:
        assert not window.open_funnel(str(bad))
    assert "newer" in failed.args[0]
    assert window.session.definition == FunnelDefinition(steps=())
