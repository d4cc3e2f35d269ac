"""Start the desktop app: QApplication, style, main window, files from the command line."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from funnel_gui.resources import resources_dir

if TYPE_CHECKING:  # the window's modules load when a window is made, not with the CLI
    from funnel_gui.core.sql.source import SqlSource
    from funnel_gui.qt.main_window import MainWindow

SCREENSHOT_SIZE = (1440, 900)


@dataclass(frozen=True)
class DatabaseRequest:
    """A database named on the command line: its text (URL or path) and how to connect
    (run in a worker: a warehouse may take seconds to answer)."""

    text: str
    opener: Callable[[], SqlSource]


def _application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setOrganizationName("FunnelExplorer")
    QCoreApplication.setApplicationName("Funnel Explorer")
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setStyleSheet(application_style())
    return app


def application_style() -> str:
    """The bundled style sheet and the keyboard's focus ring."""
    from funnel_gui.qt.theme import FOCUS_QSS

    style = resources_dir() / "style.qss"
    return (style.read_text(encoding="utf-8") if style.exists() else "") + FOCUS_QSS


def run_app(
    files: list[str],
    overrides: Mapping[str, str | None] | None = None,
    assume_tz: str | None = None,
    screenshot: str | None = None,
    funnel: str | None = None,
    view: str | None = None,
    size: tuple[int, int] | None = None,
    drill_down: int | None = None,
    gap: int | None = None,
    database: DatabaseRequest | None = None,
) -> int:
    app = _application()
    from funnel_gui.qt.autosave import default_autosave_dir
    from funnel_gui.qt.main_window import MainWindow
    from funnel_gui.qt.prompter import HeadlessPrompter

    # A screenshot shows the default layout, not whatever this user last arranged, and
    # leaves the user's settings alone.
    scratch = tempfile.TemporaryDirectory(prefix="funnel-gui-") if screenshot else None
    settings = (
        QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        if scratch is not None
        else None
    )
    # A screenshot runs with nobody to answer a question: failures go to stderr instead.
    window = MainWindow(
        settings,
        autosave_dir=None if screenshot else default_autosave_dir(),
        prompter=HeadlessPrompter() if screenshot else None,
    )
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
                size=size or SCREENSHOT_SIZE,
                drill_down=drill_down if funnel else None,
                gap=gap if funnel else None,
                database=database,
            )
        finally:
            _shut_down(window)
            window.deleteLater()
            if scratch is not None:
                scratch.cleanup()
    if size is not None:
        window.resize(*size)
        window.window_layout.fit_docks()
    window.show()
    restored = not funnel and window.persistence.offer_recovery()
    if files and not restored:
        window.mapping.open_files(files, overrides, assume_tz)
    if database is not None and not restored:
        window.database.sig_problem.connect(
            lambda message: window.prompter.inform("Cannot open the database", message)
        )
        window.database.open_command_line(database.text, database.opener)
    return app.exec()


def _screenshot(
    app: QApplication,
    window: MainWindow,
    files: list[str],
    overrides: Mapping[str, str | None] | None,
    assume_tz: str | None,
    out: Path,
    *,
    wait_for_results: bool = False,
    size: tuple[int, int] = SCREENSHOT_SIZE,
    drill_down: int | None = None,
    gap: int | None = None,
    database: DatabaseRequest | None = None,
) -> int:
    from PySide6.QtCore import QSize

    from funnel_gui.qt.workers import failure_text

    # Exactly this size, even smaller than the layout would like or larger than the screen.
    window.screen_cap.limit = QSize(*size)
    window.resize(*size)
    window.window_layout.fit_docks()
    window.show()
    outcome = {"code": 0}

    def save(_table: object = None) -> None:
        if wait_for_results:
            problem = _show_results(window, gap)
            if problem:
                failed(problem)
                return
            if drill_down is not None:
                # Grab once the list is shown (it is made in a worker).
                window.drilldown.sig_listed.connect(grab_soon)
                window.drill_down(drill_down)
                return
        grab_soon()

    def grab_soon() -> None:
        # Let pending layout and paint events run before grabbing the pixels.
        QTimer.singleShot(0, lambda: _grab(window, out, outcome, app))

    def failed(message: str) -> None:
        print(f"funnel-gui: {message}", file=sys.stderr)
        outcome["code"] = 2
        app.quit()

    session = window.session
    if database is not None:
        # Grab once the database's summary (the events list, the overview) is read and,
        # with a funnel, its numbers are drawn.
        _when_database_ready(window, wait_for_results, save)
        session.sig_failed.connect(lambda error: failed(failure_text(error)))
        window.database.sig_problem.connect(failed)
        window.database.open_command_line(database.text, database.opener)
    elif wait_for_results and files:
        # Grab once the funnel's numbers are drawn, not just the data.
        session.sig_result_ready.connect(save)
        session.sig_failed.connect(lambda error: failed(failure_text(error)))
    else:
        session.sig_table_changed.connect(save)
    window.sig_load_failed.connect(failed)
    if files and database is None:
        window.mapping.open_files(files, overrides, assume_tz)
    elif database is None:
        save()
    app.exec()
    return outcome["code"]


def _show_results(window: MainWindow, gap: int | None) -> str:
    """Make the window show its results for the grab; why it cannot ("" when it can)."""
    # Show a step in the inspector too: the screenshot should show the editor at work.
    cards = window.workspace.editor.view
    if cards.model().rowCount() > 1:
        cards.setCurrentIndex(cards.model().index(1, 0))
    if gap is not None:  # the Paths view between step `gap` and the next
        problem = _gap_problem(window, gap)
        if problem:
            return problem
        window.workspace.analysis_panel.show_gap(gap)
    # The shown view draws now, not on its next paint: the grab must see the chart.
    current = window.workspace.analysis_panel.current_view
    if current is not None:
        current.ensure_drawn()
    return ""


def _gap_problem(window: MainWindow, gap: int) -> str:
    """Why `--gap` cannot be shown for the open funnel ("" when it can)."""
    result = window.session.result
    n = len(result.steps) if result is not None else 0
    if result is not None and result.definition.order == "any":
        return "--gap: an any-order funnel has no paths between steps"
    if not 1 <= gap < n:
        have = f"1 to {n - 1}" if n > 2 else "1" if n == 2 else "none"
        return f"--gap {gap}: this {n}-step funnel has gaps {have}"
    return ""


def _shut_down(window: MainWindow) -> None:
    """As closing the window would: workers stopped, a database's connection closed."""
    from funnel_gui.qt.workers import TaskRunner

    window.session.shutdown()
    for runner in window.findChildren(TaskRunner):
        runner.shutdown()


def _when_database_ready(window: MainWindow, with_result: bool, save: Callable[[], None]) -> None:
    """Call `save` once, when the database's catalogs are read and (`with_result`) the
    funnel's result is ready, in whichever order they come."""
    waiting = {"catalogs", "result"} if with_result else {"catalogs"}

    def done(what: str) -> None:
        if what in waiting:
            waiting.discard(what)
            if not waiting:
                save()

    session = window.session
    session.sig_catalogs_changed.connect(lambda c: done("catalogs") if c is not None else None)
    session.sig_result_ready.connect(lambda _outcome: done("result"))


def _grab(window: MainWindow, out: Path, outcome: dict[str, int], app: QApplication) -> None:
    from PySide6.QtCore import QEvent

    # Text set just now (a database's numbers) re-lays its parents out one level per
    # posted request: run them all, so the grab sees the settled layout.
    for _level in range(8):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        print(f"funnel-gui: could not write {out}", file=sys.stderr)
        outcome["code"] = 2
    app.quit()
