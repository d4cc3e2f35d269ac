"""DriversView (§12) on the demo shop: it computes in its own worker only while shown and
shows the rows `drivers_analysis` gives for the saved settings; settings and "Add as
micro-conversion" are undoable edits of the funnel; the people worth a nudge are written
through the spreadsheet-safe writer; the association note is on screen; the chart's rows
and words stay legible at the size the view gets in the app."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from funnel_gui import load_events
from funnel_gui.core.analysis.drivers import drivers_analysis
from funnel_gui.core.analysis.drivers_details import as_micro_conversion, suggested_adjustments
from funnel_gui.core.analysis.drivers_result import ASSOCIATION_NOTE
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.events import EventTable
from funnel_gui.qt.charts.drivers_chart import TOP_ROWS
from funnel_gui.qt.charts.drivers_data import CandidateDetails
from funnel_gui.qt.charts.drivers_view import DriversView
from funnel_gui.qt.charts.drivers_words import BASELINE_NO_MICRO, REPEAT_NO_MICRO
from funnel_gui.qt.charts.fitting import LINE_PX
from funnel_gui.qt.session import AppSession
from funnel_gui.resources import demo_data_path, resources_dir
from tests.qt.charts.legibility import APP_VIEW_SIZE

DAY_NS = 86_400 * 10**9


@functools.cache
def demo_table() -> EventTable:
    return load_events(demo_data_path())


@pytest.fixture
def session(qtbot) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    s = AppSession(debounce_ms=0)
    s.replace_definition(load_funnel(resources_dir() / "demo" / "checkout.funnel.json").definition)
    with qtbot.waitSignal(s.sig_result_ready, timeout=30_000):
        s.set_table(demo_table(), [str(demo_data_path())])
    yield s
    s.shutdown()


def make_view(qtbot, session: AppSession, *, show: bool = True) -> DriversView:  # type: ignore[no-untyped-def]
    view = DriversView()
    qtbot.addWidget(view)
    view.connect_session(session)
    session.sig_result_ready.connect(lambda outcome: view.set_result(outcome.result))
    view.resize(1100, 700)
    if show:
        with qtbot.waitSignal(view.sig_drawn, timeout=30_000):
            view.show()
            view.set_result(session.result)
    return view


def settle(qtbot, session: AppSession, view: DriversView) -> None:  # type: ignore[no-untyped-def]
    """Wait until the view shows drivers for the funnel's saved settings."""

    def current() -> bool:
        data = view.data
        return (
            data is not None
            and view.result is not None
            and view.result.definition == session.definition
            and tuple(data.analysis.result.adjust_for) == session.definition.drivers.adjust_for
            and not view._data_runner.busy
        )

    qtbot.waitUntil(current, timeout=30_000)


def test_rows_are_the_core_analysis_for_the_saved_settings(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    prepared = session.prepared
    assert prepared is not None
    # A funnel's first look adjusts for the suggested properties, and saves them.
    raw = drivers_analysis(prepared, session.definition)
    suggested = tuple(s.property for s in suggested_adjustments(prepared, raw))
    assert suggested  # the demo's traffic sources convert differently
    qtbot.waitUntil(lambda: session.definition.drivers.adjust_for == suggested, timeout=30_000)
    settle(qtbot, session, view)
    expected = drivers_analysis(prepared, session.definition).result
    assert expected.adjust_for == list(suggested)
    shown = [c.label for c in view.chart.rows]
    assert shown == [c.label for c in expected.candidates[:TOP_ROWS]]
    for row, c in zip(view.chart.rows, expected.candidates, strict=False):
        assert row.adjusted is not None
        assert c.adjusted is not None
        assert row.adjusted.diff == pytest.approx(c.adjusted.diff)
        assert row.raw.ci == pytest.approx(c.raw.ci)
    model = view.model
    assert model.rowCount() == len(expected.candidates) + 1  # the baseline first
    for i, c in enumerate([expected.baseline, *expected.candidates]):
        assert model.value(i, "candidate") == c.label
        assert model.value(i, "exposed") == c.exposed
        assert model.value(i, "conversions_at_stake") == pytest.approx(c.at_stake)
    assert view.header.text() == (
        f"{expected.eligible:,} eligible (left out: {expected.left_out_still_open:,} still"
        f" open, {expected.left_out_converted_before_landmark:,} converted before the landmark)"
    )
    # Plain words: an association to confirm, on screen.
    assert view.note.isVisible()
    assert view.note.text() == ASSOCIATION_NOTE
    assert "suggested" in view.controls.adjust_actions[suggested[0]].text()
    assert view.controls.suggestions.isVisible()


def test_it_computes_only_while_shown(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session, show=False)
    view.set_result(session.result)
    assert not view._data_runner.busy
    assert view.data is None
    with qtbot.waitSignal(view.sig_drawn, timeout=30_000):
        view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)


def test_settings_are_undoable_edits_saved_in_the_funnel(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    qtbot.waitUntil(lambda: bool(session.definition.drivers.adjust_for), timeout=30_000)
    settle(qtbot, session, view)
    before = session.definition.drivers
    view.controls.landmark.setCurrentText("3d")
    view.controls.landmark.lineEdit().editingFinished.emit()
    assert session.definition.drivers == replace(before, landmark_ns=3 * DAY_NS)
    settle(qtbot, session, view)
    assert view.data is not None
    assert view.data.analysis.result.landmark_ns == 3 * DAY_NS
    view.controls.adjust_actions["device"].setChecked(True)
    assert set(session.definition.drivers.adjust_for) == {*before.adjust_for, "device"}
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.definition.drivers == before
    # A duration that does not parse changes nothing.
    view.controls.landmark.setCurrentText("soon")
    view.controls.landmark.lineEdit().editingFinished.emit()
    assert session.definition.drivers == before


def test_add_as_micro_conversion_fills_the_tray_undoably(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    settle(qtbot, session, view)
    assert view.data is not None
    result = view.data.analysis.result
    event_row = next(c for c in result.candidates if c.kind == "property")
    view.select(event_row.label)
    assert view.details.micro_button.isEnabled()
    before = session.definition.micro_conversions
    view.details.micro_button.click()
    assert session.definition.micro_conversions == (*before, as_micro_conversion(event_row))
    assert not view.details.micro_button.isEnabled()
    session.undo_stack.undo()
    assert session.definition.micro_conversions == before
    view.select(result.baseline.label)
    assert not view.details.micro_button.isEnabled()
    assert view.details.micro_button.toolTip() == BASELINE_NO_MICRO
    repeat = next(c for c in result.candidates if c.kind == "repeat")
    view.select(repeat.label)
    assert view.details.micro_button.toolTip() == REPEAT_NO_MICRO


def test_selecting_a_row_shows_its_curves_and_people(qtbot, session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    settle(qtbot, session, view)
    assert view.data is not None
    second = view.chart.rows[1]
    with qtbot.waitSignal(view.sig_details_drawn, timeout=30_000):
        view.chart.sig_row_clicked.emit(1)
    assert view.details.candidate is second
    assert view.chart.selected == 1
    current = view.proxy.mapToSource(view.table.currentIndex()).row()
    assert view.model.value(current, "candidate") == second.label
    assert set(view.details.curves) == {True, False}
    assert "per arm" in view.details.ab_label.text()
    # The nudge list goes through the safe writer: a formula-like id stays text.
    details = view.details.details
    assert details is not None
    hostile = CandidateDetails(
        second.label,
        details.curves,
        pd.DataFrame({"actor": ["=cmd", "u1"], "hours_left": [1.5, 2]}),
    )
    view.details.show_details(hostile)
    out = tmp_path / "nudge.csv"
    view.details.export_nudge_csv(out)
    assert out.read_text().splitlines() == ["actor,hours_left", "'=cmd,1.5", "u1,2.0"]


def test_the_table_model_keeps_qt_contracts(qtbot, qtmodeltester, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    settle(qtbot, session, view)
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)


def test_rows_and_words_stay_legible_at_the_app_size(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    settle(qtbot, session, view)
    view.resize(*APP_VIEW_SIZE)
    QApplication.processEvents()
    plot = view.chart.plot
    qtbot.waitUntil(lambda: plot.height() >= plot.minimumHeight())
    QApplication.processEvents()
    # Rows at least a line of text apart, labels never cut by the axis.
    vb = plot.plotItem.vb
    pitch = vb.mapViewToScene(QPointF(0, 1)).y() - vb.mapViewToScene(QPointF(0, 0)).y()
    assert pitch >= LINE_PX - 1
    axis = plot.getAxis("left")
    metrics = QFontMetrics(axis.style.get("tickFont") or plot.font())
    labels = [text for _, text in axis._tickLevels[0]]
    assert len(labels) == len(view.chart.rows)
    assert axis.width() >= max(metrics.horizontalAdvance(text) for text in labels)
    # The plot never grows wider than its pane (its key is a wrapped label, not a title).
    assert plot.width() <= view.chart.scroller.viewport().width() + 1
    # The words above the chart do not overlap one another or the chart.
    widgets = [view.controls, view.header, view.note, view.splitter]
    rects = [QRect(w.mapTo(view, QPoint(0, 0)), w.size()) for w in widgets]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b)
