"""PathsView: which way people go into the funnel and between two steps (§13).

Like Drivers, its data needs more than the result (the prepared table, the funnel's working
rows), so it is not computed with every funnel: it runs in the view's own worker while the
tab is shown (or when an export or screenshot asks), for the gap and options chosen in its
controls. Clicking the space between two bars of the funnel chart opens it on that gap
(`show_gap`). The flows (`FlowPlot`) and the table show the same paths; clicking a band or
a row selects a path, and a click on a band lists its people in the drill-down panel
(`sig_show_units`). `draw()` only places what was computed.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHeaderView, QWidget

from funnel_gui.core.analysis.path_flow import FlowBand, FlowNode
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import ComputedFunnel
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.qt.analysis import ViewData
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.qt.charts.fitting import NoteLabel, chart_splitter
from funnel_gui.qt.charts.parts import sorted_frame_table
from funnel_gui.qt.charts.paths_busy import QueryBusy
from funnel_gui.qt.charts.paths_controls import PathsControls
from funnel_gui.qt.charts.paths_data import PathsData, PathsOptions, paths_data, step_name
from funnel_gui.qt.charts.paths_flow import FlowPlot
from funnel_gui.qt.charts.paths_sql_data import paths_data_sql
from funnel_gui.qt.charts.paths_words import (
    TABLE_COLUMNS,
    band_hover_text,
    group_title,
    header_text,
    node_hover_text,
    units_title,
)
from funnel_gui.qt.models.dropped_units import UnitsPick
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.theme import kind_colour

Inputs = tuple[PreparedTable, FunnelDefinition, ComputedFunnel | None]


class PathsView(ChartView[PathsOptions, PathsData]):
    name: ClassVar[str] = "paths"
    title: ClassVar[str] = "Paths"
    computed_with_funnel: ClassVar[bool] = False
    works_on_sql: ClassVar[bool] = True  # a database counts the paths in SQL mode

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self._data_for, parent)
        self.session: AppSession | None = None
        self.data: PathsData | None = None
        self.frame = pd.DataFrame()
        self._pending = False  # a request waits for the tab to be shown
        self._computed: ComputedFunnel | None = None  # the last funnel with its rows
        self.controls = PathsControls()
        self.controls.sig_changed.connect(lambda _options: self.request_data())
        self.header = NoteLabel()
        self.header.setObjectName("pathsHeader")
        self.flows = FlowPlot(self._hover_text)
        self.flows.sig_path_clicked.connect(self.pick_path)
        self.model, self.proxy, self.table = sorted_frame_table(TABLE_COLUMNS, self)
        self.table.setObjectName("pathsTable")
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row)
        self.table.clicked.connect(self._on_table_clicked)
        self.table.activated.connect(self._on_table_clicked)  # Enter, for the keyboard
        self.splitter = chart_splitter(self.flows, self.table, chart_share=3)
        self.content.addWidget(self.controls)
        self.busy = QueryBusy()  # SQL mode: the paths query's progress and Stop query
        self.busy.follow(self._data_runner, lambda: self._sql_source(self.result))
        self.content.addWidget(self.busy)
        self.content.addWidget(self.header)
        self.content.addWidget(self.splitter, 1)

    def connect_session(self, session: AppSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ data

    def view_options(self) -> PathsOptions:
        return self.controls.options()

    def _inputs(self, result: FunnelResult | None) -> Inputs | None:
        """What a computation of the paths needs, read on the GUI thread; the funnel with
        its working rows is reused when it was computed for this funnel on this table."""
        prepared = self.session.prepared if self.session is not None else None
        if prepared is None or result is None or not result.steps:
            return None
        computed = self._computed
        if computed is not None and computed.rows.prepared is not prepared:
            computed = None  # another table
        return prepared, result.definition, computed

    def _sql_source(self, result: FunnelResult | None) -> SqlSource | None:
        """SQL mode: the database that computed `result` counts its paths too."""
        source = self.session.sql_source if self.session is not None else None
        return source if result is not None and result.steps else None

    def _data_for(self, result: FunnelResult, options: PathsOptions) -> PathsData:
        """The paths for `result`'s funnel, computed here (an export waits for it)."""
        source = self._sql_source(result)
        if source is not None:
            return paths_data_sql(source, result, options)
        inputs = self._inputs(result)
        if inputs is None:
            raise UserFacingError("There is no data to look for paths in.")
        prepared, definition, computed = inputs
        return paths_data(prepared, definition, options, computed)

    def request_data(self) -> None:
        self._view_data = None
        if self._sql_source(self.result) is not None:
            self._request_sql()
            return
        inputs = self._inputs(self.result)
        if inputs is None:
            self._data_runner.cancel()
            return
        if not self.isVisible():
            self._pending = True  # nobody is looking: computed when the tab is shown
            return
        self._pending = False
        prepared, definition, computed = inputs
        options = self.view_options()

        def work(progress: Progress, cancelled: Cancelled) -> ViewData:
            data = paths_data(prepared, definition, options, computed, progress, cancelled)
            return ViewData(options, data)

        self._data_runner.start(work)

    def _request_sql(self) -> None:
        """SQL mode: the paths counted by the database, in the view's worker."""
        if not self.isVisible():
            self._pending = True  # nobody is looking: computed when the tab is shown
            return
        self._pending = False
        source, result, options = self._sql_source(self.result), self.result, self.view_options()
        assert source is not None
        assert result is not None

        def work(progress: Progress, cancelled: Cancelled) -> ViewData:
            return ViewData(options, paths_data_sql(source, result, options, progress, cancelled))

        self._data_runner.start(work)

    def set_result(self, result: FunnelResult | None, data: ViewData | None = None) -> None:
        if result is not None and result.steps:
            names = [f"{s.number}. {s.label}" for s in result.steps]
            definition = result.definition
            self.controls.set_steps(names, definition.order != "any", definition.open)
        super().set_result(result, data)

    def ensure_drawn(self) -> None:
        if self._view_data is None and self.result is not None and self.result.steps:
            self._data_runner.cancel()
            try:
                self._view_data = self.view_job()(self.result)
            except UserFacingError as error:
                self._view_data = ViewData(self.view_options(), error=error.message)
            self._stale = True
        if self._stale:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending:
            self.request_data()

    def show_gap(self, step: int | None) -> None:
        """Look at the paths between step `step` and the next (None: into step 1)."""
        if not self.controls.select_gap(step):
            self.controls.select_gap(None)

    # ------------------------------------------------------------------ drawing

    def draw(self, result: FunnelResult, data: PathsData) -> str | None:
        self.clear()
        self._computed = data.computed
        if result.steps[0].count == 0:
            return f"Nobody did step 1 ({result.steps[0].label}) in this data, so no one has a path"
        self.data = data
        self.header.setText(header_text(data))
        definition = data.funnel.definition
        colours = {
            step_name(definition, k): kind_colour(definition.steps[k - 1].kind)
            for k in range(1, definition.n_steps + 1)
        }
        titles = [group_title(data, g) for g in data.result.groups]
        self.flows.draw_flows(data.flows, data.titles, titles, colours)
        self.frame = data.frame
        self.model.set_frame(self.frame, [str(p) for p in self.frame["path"]])
        self.proxy.sort(-1)
        self._fit_path_column()
        return None

    def _fit_path_column(self) -> None:
        """The path as wide as its text, up to under half the table: the numbers after it
        stay in sight (the full path is the row's tooltip)."""
        column = next(i for i, c in enumerate(TABLE_COLUMNS) if c.key == "path")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        wanted = self.table.sizeHintForColumn(column)
        self.table.setColumnWidth(column, min(wanted, max(200, int(self.table.width() * 0.45))))

    def clear(self) -> None:
        self.data = None
        self.frame = pd.DataFrame()
        self.flows.clear_flows()
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in TABLE_COLUMNS]))
        self.header.setText("")

    def plot_widget(self) -> pg.PlotWidget | None:
        return getattr(self, "flows", None)  # asked before __init__ has made it

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"paths": self.frame} if len(self.frame) else {}

    # ------------------------------------------------------------------ selection

    def _hover_text(self, group: int, band: FlowBand | None, node: FlowNode | None) -> str:
        data = self.data
        if data is None:
            return ""
        g = data.result.groups[group]
        if node is not None:
            return node_hover_text(data, g, node)
        return band_hover_text(data, g, band) if band is not None else ""

    def select_path(self, group: int, path: int) -> None:
        """Stress the path in the flows and select its row in the table."""
        self.flows.choose((group, path))
        data = self.data
        if data is None:
            return
        name, rank = data.result.groups[group].name, path + 1
        rows = self.frame.index[(self.frame["group"] == name) & (self.frame["rank"] == rank)]
        if len(rows):
            current = self.proxy.mapFromSource(self.model.index(int(rows[0]), 0))
            if self.table.currentIndex().row() != current.row():
                self.table.selectionModel().setCurrentIndex(
                    current,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def pick_path(self, group: int, path: int) -> None:
        """A band was clicked: select its path and list its people in the drill-down."""
        self.select_path(group, path)
        data = self.data
        if data is None:
            return
        if data.computed is None or data.table is None:
            return  # a database counted the paths: its units are not here to list
        g = data.result.groups[group]
        title, subtitle = units_title(data, g, path)
        pick = UnitsPick(title, subtitle, data.computed.result, data.table, g.members_of(path))
        self.sig_show_units.emit(pick)

    def _path_of_row(self, index: QModelIndex) -> tuple[int, int] | None:
        data = self.data
        if not index.isValid() or data is None or not len(self.frame):
            return None
        row = self.frame.iloc[self.proxy.mapToSource(index).row()]
        names: list[str] = [g.name for g in data.result.groups]
        return names.index(str(row["group"])), int(row["rank"]) - 1

    def _on_table_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chosen = self._path_of_row(current)
        if chosen is not None:
            self.flows.choose(chosen)

    def _on_table_clicked(self, index: QModelIndex) -> None:
        chosen = self._path_of_row(index)
        if chosen is not None:
            self.pick_path(*chosen)
