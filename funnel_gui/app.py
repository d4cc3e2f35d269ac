"""Start the desktop app: QApplication, style, main window, files from the command line."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from funnel_gui.resources import resources_dir

SCREENSHOT_SIZE = (1440, 900)


def _application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setOrganizationName("FunnelExplorer")
    QCoreApplication.setApplicationName("Funnel Explorer")
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    style = resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def run_app(
    files: list[str],
    overrides: Mapping[str, str | None] | None = None,
    assume_tz: str | None = None,
    screenshot: str | None = None,
    funnel: str | None = None,
    view: str | None = None,
) -> int:
    app = _application()
    from funnel_gui.qt.autosave import default_autosave_dir
    from funnel_gui.qt.main_window import MainWindow

    # A screenshot shows the default layout, not whatever this user last arranged, and
    # leaves the user's settings alone.
    scratch = tempfile.TemporaryDirectory(prefix="funnel-gui-") if screenshot else None
    settings = (
        QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        if scratch is not None
        else None
    )
    window = MainWindow(settings, autosave_dir=None if screenshot else default_autosave_dir())
    if funnel and not window.open_funnel(funnel) and screenshot:
        if scratch is not None:
            scratch.cleanup()
        return 2
    if view:
        window.workspace.show_view(view)
    if screenshot:
        try:
            return _screenshot(
                app,
                window,
                files,
                overrides,
                assume_tz,
                Path(screenshot),
                wait_for_results=bool(funnel),
            )
        finally:
            window.deleteLater()
            if scratch is not None:
                scratch.cleanup()
    window.show()
    restored = not funnel and window.persistence.offer_recovery()
    if files and not restored:
        window.open_files(files, overrides, assume_tz)
    return app.exec()


def _screenshot(
    app: QApplication,
    window: object,
    files: list[str],
    overrides: Mapping[str, str | None] | None,
    assume_tz: str | None,
    out: Path,
    *,
    wait_for_results: bool = False,
) -> int:
    from funnel_gui.qt.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.setProperty("headless", True)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    outcome = {"code": 0}

    def save(_table: object = None) -> None:
        if wait_for_results:
            # Show a step in the inspector too: the screenshot should show the editor at work.
            cards = window.workspace.editor.view
            if cards.model().rowCount() > 1:
                cards.setCurrentIndex(cards.model().index(1, 0))
            # The shown view draws now, not on its next paint: the grab must see the chart.
            current = window.workspace.analysis_panel.current_view
            if current is not None:
                current.ensure_drawn()
        # Let pending layout and paint events run before grabbing the pixels.
        QTimer.singleShot(0, lambda: _grab(window, out, outcome, app))

    def failed(message: str) -> None:
        print(f"funnel-gui: {message}", file=sys.stderr)
        outcome["code"] = 2
        app.quit()

    if wait_for_results and files:
        # Grab once the funnel's numbers are drawn, not just the data.
        window.workbench.analysis.sig_result.connect(save)
        window.workbench.analysis.sig_failed.connect(failed)
    else:
        window.sig_table_loaded.connect(save)
    window.sig_load_failed.connect(failed)
    if files:
        window.open_files(files, overrides, assume_tz)
    else:
        save()
    app.exec()
    return outcome["code"]


def _grab(window: object, out: Path, outcome: dict[str, int], app: QApplication) -> None:
    from funnel_gui.qt.main_window import MainWindow

    assert isinstance(window, MainWindow)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        print(f"funnel-gui: could not write {out}", file=sys.stderr)
        outcome["code"] = 2
    app.quit()
