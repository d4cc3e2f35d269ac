"""Workspace: the funnel editor on top; below, the analysis views and the data overview as
tabs. (The funnel's settings and the selected step's panel are docks of the window.)"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from funnel_gui.core.events import EventTable
from funnel_gui.core.filenames import suggested_name
from funnel_gui.qt.analysis import AnalysisOutcome
from funnel_gui.qt.charts.registry import make_views
from funnel_gui.qt.models.funnel_steps import FunnelStepsModel
from funnel_gui.qt.report_export import write_report
from funnel_gui.qt.save_dialog import save_with_dialog
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.analysis_panel import AnalysisPanel
from funnel_gui.qt.widgets.funnel_editor import FunnelEditor
from funnel_gui.qt.widgets.funnel_name import FunnelNameEdit
from funnel_gui.qt.widgets.overview import DataOverview
from funnel_gui.views import DATA_VIEW


class Workspace(QSplitter):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.session = session
        self.steps_model = FunnelStepsModel(session, self)
        self.editor = FunnelEditor(self.steps_model)
        self.name_edit = FunnelNameEdit(session)
        editor_layout = self.editor.layout()
        assert isinstance(editor_layout, QVBoxLayout)
        editor_layout.insertWidget(0, self.name_edit)
        self.analysis_panel = AnalysisPanel()
        for view in make_views():
            self.analysis_panel.add_view(view)
        self.overview = DataOverview()
        # Scrolled: its row of stat cards is wide, and a tab widget is as large as its
        # largest page, so unscrolled it would widen the whole centre column.
        self.overview_scroll = QScrollArea()
        self.overview_scroll.setWidget(self.overview)
        self.overview_scroll.setWidgetResizable(True)
        self.overview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.analysis_panel.add_tab(self.overview_scroll, "Data")
        self.analysis_panel.connect_session(session)
        self.addWidget(self.editor)
        self.addWidget(self.analysis_panel)
        self.setStretchFactor(0, 2)
        self.setStretchFactor(1, 3)
        self.setChildrenCollapsible(False)
        # One card and a half: the cards scroll, and the charts need the height more.
        self.editor.setMinimumHeight(110)
        # Four cards without scrolling; the charts get the rest.
        self.setSizes([330, 470])
        session.sig_result_ready.connect(self._on_result)
        session.sig_result_cleared.connect(self._on_result_cleared)
        session.sig_table_changed.connect(self._on_table_changed)
        self.analysis_panel.report_button.clicked.connect(self.export_report_dialog)

    def _on_result(self, outcome: AnalysisOutcome) -> None:
        result = outcome.result
        self.editor.set_results(
            list(result.steps), result.counted, any_order=result.definition.order == "any"
        )

    def _on_result_cleared(self) -> None:
        self.editor.set_results(None)

    def _on_table_changed(self, table: EventTable) -> None:
        self.overview.show_table(table)

    # ------------------------------------------------------------------ views

    def show_view(self, name: str) -> bool:
        if name == DATA_VIEW:
            self.analysis_panel.tabs.setCurrentWidget(self.overview_scroll)
            return True
        return self.analysis_panel.show_view(name)

    # ------------------------------------------------------------------ report

    def export_report(self, path: Path | str) -> None:
        result = self.session.result
        if result is None:
            raise OSError("there are no results to report yet")
        table = self.session.table
        write_report(
            path,
            result,
            self.analysis_panel.views.values(),
            data_files=list(self.session.data_files),
            import_report=table.report if table is not None else None,
            origin=self.session.sql_origin,
        )

    def export_report_dialog(self) -> None:
        result = self.session.result
        if result is None:
            return
        stem = suggested_name(result.definition.name, "report", "")
        save_with_dialog(
            self,
            "Export report",
            stem,
            "HTML report (*.html)",
            (".html", ".htm"),
            self.export_report,
        )
