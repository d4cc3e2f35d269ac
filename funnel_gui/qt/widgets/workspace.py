"""Workspace: the funnel editor on top, the analysis and the data overview below as tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from funnel_gui.qt.widgets.analysis_panel import AnalysisPanel
from funnel_gui.qt.widgets.funnel_editor import FunnelEditor
from funnel_gui.qt.widgets.overview import DataOverview
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.qt.workbench import FunnelWorkbench


class Workspace(QSplitter):
    def __init__(self, workbench: FunnelWorkbench, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.settings_bar = FunnelSettingsBar(workbench)
        self.editor = FunnelEditor(workbench.steps_model)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        top_layout.addWidget(self.settings_bar)
        top_layout.addWidget(self.editor, 1)
        self.analysis_panel = AnalysisPanel()
        self.analysis_panel.connect_controller(workbench.analysis)
        self.overview = DataOverview()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.analysis_panel, "Funnel")
        self.tabs.addTab(self.overview, "Data")
        self.addWidget(top)
        self.addWidget(self.tabs)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setChildrenCollapsible(False)
        # Room for five cards before scrolling; the step table needs little height.
        self.editor.setMinimumHeight(180)
        self.setSizes([440, 300])
        analysis = workbench.analysis
        analysis.sig_result.connect(lambda result: self.editor.set_results(result.steps))
        analysis.sig_cleared.connect(lambda: self.editor.set_results(None))
