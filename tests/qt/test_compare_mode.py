"""Compare with… in the app (FUNNEL_SEMANTICS §19): the previous period, a chosen period
and another export; the funnel chart's pairs, the step table's differences, the mix/rate
split in the banner, and the way back.

Fixture, countable by hand (steps view → buy, a 1-day window):
- 1–7 March (A): u1, u2 on a mobile view and buy; u3, u4 on a desktop only view.
  4 entered, 2 bought: 50%. Mobile: share 1/2, rate 1; desktop: share 1/2, rate 0.
- 8–14 March (B): u5–u8 on a mobile view and buy; u9 on a desktop only views.
  5 entered, 4 bought: 80%. Mobile: share 4/5, rate 1; desktop: share 1/5, rate 0.
B − A at the last step = 0.8 − 0.5 = +30.0 pp. Kitagawa with a device breakdown:
mix = (4/5 − 1/2)·(1 + 1)/2 + (1/5 − 1/2)·(0 + 0)/2 = 0.3, rate = 0 (neither group's
conversion changed), so the whole change is mix.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from funnel_gui.core.analysis.stats import newcombe_difference_interval
from funnel_gui.core.definition.file import save_funnel
from funnel_gui.core.definition.model import Breakdown, DateRange, FunnelDefinition, Step
from funnel_gui.core.editing.commands import SetFunnelSettings
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.compare_flow import CompareRequest
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.models.compare_table import CompareTableModel
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.widgets.compare_dialog import CompareDialog

A_ROWS = [
    ("u1", "view", "2024-03-02T10:00:00Z", "mobile"),
    ("u1", "buy", "2024-03-02T10:05:00Z", "mobile"),
    ("u2", "view", "2024-03-03T10:00:00Z", "mobile"),
    ("u2", "buy", "2024-03-03T10:05:00Z", "mobile"),
    ("u3", "view", "2024-03-04T10:00:00Z", "desktop"),
    ("u4", "view", "2024-03-05T10:00:00Z", "desktop"),
]
B_ROWS = [
    *[(f"u{n}", "view", f"2024-03-{n + 4:02d}T10:00:00Z", "mobile") for n in range(5, 9)],
    *[(f"u{n}", "buy", f"2024-03-{n + 4:02d}T10:05:00Z", "mobile") for n in range(5, 9)],
    ("u9", "view", "2024-03-13T10:00:00Z", "desktop"),
]


def day(d: int) -> int:
    return int(datetime(2024, 3, d, tzinfo=UTC).timestamp()) * 1_000_000_000


def write(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device"])
        writer.writerows(rows)
    return path


def open_data(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, rows: list, dates: DateRange | None
) -> None:  # type: ignore[type-arg]
    window.session.analysis.set_debounce_ms(0)
    steps = (Step(events=("view",)), Step(events=("buy",)))
    funnel = tmp_path / "buy.funnel.json"
    defn = FunnelDefinition(steps=steps, window_ns=day(2) - day(1), date_range=dates)
    save_funnel(defn, funnel)
    assert window.open_funnel(str(funnel))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000):
        window.mapping.open_files([str(write(tmp_path / "events.csv", rows))])


def compare(qtbot: QtBot, window: MainWindow, request: CompareRequest) -> FunnelView:
    with qtbot.waitSignal(window.compare_flow.sig_ready, timeout=30000):
        window.compare_flow.start(request)
    view = window.workspace.analysis_panel.views["funnel"]
    assert isinstance(view, FunnelView)
    view.ensure_drawn()
    return view


def cell(model: CompareTableModel, row: int, column: int, role: int = 0) -> object:
    return model.data(model.index(row, column), role)


@pytest.fixture
def both_periods(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> MainWindow:
    open_data(qtbot, window, tmp_path, A_ROWS + B_ROWS, DateRange(day(8), day(15)))
    return window


def test_the_previous_period_side_by_side(qtbot: QtBot, both_periods: MainWindow) -> None:
    view = compare(qtbot, both_periods, CompareRequest("previous"))
    model = view.compare.model
    assert view.step_table.model() is model
    assert [cell(model, 0, c) for c in (1, 3)] == ["4", "5"]  # entered in A and in B
    assert [cell(model, 1, c) for c in (1, 2, 3, 4)] == ["2", "50.0%", "4", "80.0%"]
    assert cell(model, 1, CompareTableModel.DIFF, VALUE_ROLE) == pytest.approx(0.3)
    assert cell(model, 1, CompareTableModel.DIFF) == "+30.0 pp"
    low, high = newcombe_difference_interval(4, 5, 2, 4)
    assert cell(model, 1, CompareTableModel.CI) == f"{100 * low:+.1f} to {100 * high:+.1f} pp"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "A people"
    # The bars: A and B per step, labelled with the periods (the end day included).
    bars = view.compare.plot.bars
    assert list(bars["a"].opts["height"]) == [4, 2]
    assert list(bars["b"].opts["height"]) == [5, 4]
    run = view.compare.run
    assert run is not None
    assert (run.label_a, run.label_b) == ("2024-03-01 – 2024-03-07", "2024-03-08 – 2024-03-14")
    assert "the previous period" in view.compare.banner.text.text()
    hover = view.tooltip_at(2 + 0.19, 1)  # step 2's B bar, right of its centre
    assert hover.startswith("2. buy\nB: 2024-03-08")
    assert "B − A: +30.0 pp" in hover
    assert "comparison" in view.tables()


def test_a_breakdown_splits_the_change_into_mix_and_rate(
    qtbot: QtBot, both_periods: MainWindow
) -> None:
    assert both_periods.session.edit(SetFunnelSettings(breakdown=Breakdown("device")))
    view = compare(qtbot, both_periods, CompareRequest("previous"))
    run = view.compare.run
    assert run is not None
    assert run.comparison.decomposition is not None
    total, mix, rate = run.comparison.decomposition.exact
    assert (total, mix, rate) == (pytest.approx(0.3), pytest.approx(0.3), 0)
    words = view.compare.banner.text.text()
    assert "Overall +30.0 pp = mix +30.0 pp" in words
    assert "rate +0.0 pp" in words


def test_stop_comparing_gives_the_funnel_back(qtbot: QtBot, both_periods: MainWindow) -> None:
    view = compare(qtbot, both_periods, CompareRequest("previous"))
    assert view.compare.button.text() == "Stop comparing"
    view.compare.button.click()
    assert view.compare.run is None
    assert view.compare.banner.isHidden()
    assert view.step_table.model() is view.step_model
    assert view.compare.button.text() == "Compare with…"
    assert not both_periods.compare_flow.act_stop.isEnabled()


def test_a_chosen_period_and_an_edit_recompute_both_sides(
    qtbot: QtBot, both_periods: MainWindow
) -> None:
    view = compare(qtbot, both_periods, CompareRequest("period", DateRange(day(2), day(4))))
    assert [cell(view.compare.model, 0, c) for c in (1, 3)] == ["2", "5"]  # u1, u2 in A
    with qtbot.waitSignal(both_periods.compare_flow.sig_ready, timeout=30000):
        both_periods.session.edit(SetFunnelSettings(date_range=DateRange(day(12), day(15))))
    # B is now 12–14 March: u8 (view and buy) and u9.
    assert [cell(view.compare.model, 0, c) for c in (1, 3)] == ["2", "2"]


def test_another_export(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    open_data(qtbot, window, tmp_path, B_ROWS, None)
    other = write(tmp_path / "march_first_week.csv", A_ROWS)
    view = compare(qtbot, window, CompareRequest("file", file=str(other)))
    assert [cell(view.compare.model, 1, c) for c in (1, 3)] == ["2", "4"]
    run = view.compare.run
    assert run is not None
    assert (run.label_a, run.label_b) == ("march_first_week.csv", "events.csv")


def test_an_unreadable_export_is_said_in_the_banner(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    open_data(qtbot, window, tmp_path, B_ROWS, None)
    bad = tmp_path / "notes.csv"
    bad.write_text("just,some\ntext,here\n")
    with qtbot.waitSignal(window.compare_flow.sig_failed, timeout=30000):
        window.compare_flow.start(CompareRequest("file", file=str(bad)))
    view = window.workspace.analysis_panel.views["funnel"]
    assert isinstance(view, FunnelView)
    assert view.compare.run is None
    assert view.compare.banner.text.text().startswith("Cannot compare:")
    assert view.compare.button.text() == "Stop comparing"  # the way out of the message


def test_the_dialog_offers_the_previous_period_and_checks_its_fields(qtbot: QtBot) -> None:
    dialog = CompareDialog(DateRange(day(8), day(15)))
    qtbot.addWidget(dialog)
    assert dialog.previous.isChecked()
    assert "2024-03-01 – 2024-03-07" in dialog.previous_text.text()
    assert dialog.request() == CompareRequest("previous")
    dialog.set_chosen_period(QDate(2024, 2, 1), QDate(2024, 2, 29))
    assert dialog.request() == CompareRequest(
        "period", DateRange(day(1) - 29 * 86_400 * 10**9, day(1))
    )
    dialog.other_file.setChecked(True)
    with pytest.raises(ValueError, match="choose the export"):
        dialog.request()
    no_dates = CompareDialog(None)
    qtbot.addWidget(no_dates)
    assert not no_dates.previous.isEnabled()
    assert no_dates.other_file.isChecked()


def test_the_dialog_says_when_the_previous_period_has_no_data(qtbot: QtBot) -> None:
    dialog = CompareDialog(DateRange(day(8), day(15)), data_start_ns=day(8))
    qtbot.addWidget(dialog)
    assert "before the data starts" in dialog.previous_text.text()


def test_the_conversion_picker_rests_while_comparing(
    qtbot: QtBot, both_periods: MainWindow
) -> None:
    view = compare(qtbot, both_periods, CompareRequest("previous"))
    assert not view.conversion_box.isEnabled()  # the pairs show conversion from step 1
    view.compare.button.click()
    assert view.conversion_box.isEnabled()
