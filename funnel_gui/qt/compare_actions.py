"""Compare with… (§19) in the window: the menu entry and the funnel view's button open the
dialog, and the flow's comparisons are drawn by the funnel view. Kept apart from the main
window, which only creates it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from funnel_gui.core.analysis.compare_periods import CompareError, funnel_period
from funnel_gui.core.definition.model import DateRange
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.compare_flow import CompareFlow
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.compare_dialog import CompareDialog
from funnel_gui.qt.widgets.workspace import Workspace


class CompareActions:
    """Connects the compare flow to the funnel view and asks for what to compare with."""

    def __init__(
        self, session: AppSession, flow: CompareFlow, workspace: Workspace, parent: QWidget
    ) -> None:
        self.session, self.flow, self.workspace, self.parent = session, flow, workspace, parent
        view = workspace.analysis_panel.views["funnel"]
        assert isinstance(view, FunnelView)
        compare = view.compare
        workspace.analysis_panel.add_header_widget(compare.button)
        flow.act_compare.triggered.connect(self.compare_with)
        compare.sig_requested.connect(self.compare_with)
        compare.sig_stop.connect(flow.stop)
        flow.sig_started.connect(compare.banner.show_busy)
        flow.sig_ready.connect(compare.set_run)
        flow.sig_ready.connect(lambda _run: workspace.show_view("funnel"))
        flow.sig_stopped.connect(lambda: compare.set_run(None))
        flow.sig_failed.connect(compare.show_problem)

    def dialog(self) -> CompareDialog | None:
        """The dialog for the funnel as it stands (None without data)."""
        catalogs = self.session.catalogs
        if self.session.table is None and self.session.sql_source is None:
            return None
        span = catalogs.time_span_ns if catalogs is not None else None  # a database: once read
        try:
            current: DateRange | None = funnel_period(self.session.definition, span)
        except CompareError:
            current = None
        return CompareDialog(current, parent=self.parent, data_start_ns=span[0] if span else None)

    def compare_with(self) -> None:
        dialog = self.dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.flow.start(dialog.request())
