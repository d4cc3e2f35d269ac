"""GUI stall probe: the longest the GUI thread is ever blocked while the app is used.

A 10 ms timer ticks on the GUI thread; the gap between two ticks is how long the thread was
busy before it could tick again, so the longest gap in a phase is that phase's worst stall
(plus up to one interval). The app is driven the way a person drives it, on a generated
export (`datagen.py`): open the export, open a funnel (5 steps, a breakdown, a
micro-conversion), then for every analysis tab show it, edit the funnel with it shown and
undo; change each view's own options (the Paths view's gap and repeats among them); open the
drill-down list, sort and filter it and edit with it open, list a path's people and show
one person's events. Target: no gap above 100 ms (DESIGN.md).

    uv run python -m tests.benchmarks.bench_gui --events 10000000 --data-dir /tmp/bench
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QObject, QSettings, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from .common import benchmark_parser, progress_log, publish, versions
from .datagen import default_cache_root, write_dataset

TICK_MS = 10
LIMIT_MS = 100.0
SETTLE_MS = 300  # after each action: paints and anything queued run (and are measured)
WAIT_MS = 300_000
STEP_EVENTS = ("session_start", "product_view", "add_to_cart", "begin_checkout", "purchase")


class StallProbe(QObject):
    """The longest gap between the ticks of a GUI-thread timer, per phase."""

    def __init__(self, settle_ms: int = SETTLE_MS) -> None:
        super().__init__()
        self.settle_ms = settle_ms
        self.longest: dict[str, float] = {}
        # The GUI thread's own CPU time within each phase's longest gap: much less than the
        # gap means the thread was waiting (other processes, a worker holding the GIL)
        # rather than working.
        self.busy: dict[str, float] = {}
        # The whole process's CPU time in that gap: about the gap itself while the GUI
        # thread did little means a worker held the GIL; much less, that the machine's
        # other processes had the cores.
        self.process_busy: dict[str, float] = {}
        self.phase = "idle"
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._last_process = time.process_time()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    @contextmanager
    def measuring(self, phase: str) -> Iterator[None]:
        self._tick()  # a gap before the phase belongs to the one before
        self.phase = phase
        self.longest[phase] = 0.0
        self.busy[phase] = self.process_busy[phase] = 0.0
        try:
            yield
        finally:
            settle(self.settle_ms)
            self._tick()
            self.phase = "idle"

    def _tick(self) -> None:
        now, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
        gap_ms, cpu_ms = (now - self._last) * 1000, (cpu - self._last_cpu) * 1000
        process_ms = (process - self._last_process) * 1000
        self._last, self._last_cpu, self._last_process = now, cpu, process
        if self.phase != "idle" and gap_ms > self.longest[self.phase]:
            self.longest[self.phase] = gap_ms
            self.busy[self.phase] = cpu_ms
            self.process_busy[self.phase] = process_ms


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(signal: SignalInstance, action: Callable[[], object]) -> None:
    """Run `action` and let the event loop run until `signal` (or a generous timeout)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(WAIT_MS, loop.quit)
    action()
    loop.exec()
    signal.disconnect(loop.quit)


def run_scenario(
    window: Any, export: Path, log: Callable[[str], None], settle_ms: int = SETTLE_MS
) -> StallProbe:
    """Drive `window` (a MainWindow) through the app's heavy moments; the stalls by phase."""
    from funnel_gui.core.definition.model import (
        Breakdown,
        FunnelDefinition,
        MicroConversion,
        Step,
    )
    from funnel_gui.core.editing.commands import SetFunnelSettings
    from funnel_gui.views import VIEW_NAMES

    session, workspace = window.session, window.workspace
    panel, drilldown = workspace.analysis_panel, window.drilldown
    probe = StallProbe(settle_ms)
    funnel = FunnelDefinition(
        name="bench",
        steps=tuple(Step((e,)) for e in STEP_EVENTS),
        breakdown=Breakdown("device"),
        micro_conversions=(MicroConversion(("search",)),),
    )
    day_window = SetFunnelSettings(window_ns=86_400 * 10**9)
    log("  loading")
    with probe.measuring("open the export"):
        wait_for(session.sig_table_changed, lambda: window.mapping.open_files([str(export)]))
    with probe.measuring("open a funnel: first result"):
        wait_for(session.sig_result_ready, lambda: session.replace_definition(funnel))
    for name in (*VIEW_NAMES, "data"):
        log(f"  {name}")
        with probe.measuring(f"{name}: show the tab"):
            workspace.show_view(name)
        with probe.measuring(f"{name}: edit (window 1 day)"):
            wait_for(session.sig_result_ready, lambda: session.edit(day_window))
        with probe.measuring(f"{name}: undo"):
            wait_for(session.sig_result_ready, session.undo_stack.undo)
    workspace.show_view("trend")
    trend = panel.views["trend"]
    with probe.measuring("trend: period week"):
        wait_for(trend.sig_drawn, lambda: trend.period_combo.setCurrentIndex(2))
    workspace.show_view("breakdown")
    segments = panel.views["breakdown"]
    with probe.measuring("breakdown: top 2 groups"):
        wait_for(segments.sig_drawn, lambda: segments.top_n_spin.setValue(2))
    with probe.measuring("breakdown: target step 2"):
        wait_for(segments.sig_drawn, lambda: segments.set_target_step(2))
    workspace.show_view("paths")
    paths = panel.views["paths"]
    with probe.measuring("paths: gap after step 2"):
        wait_for(paths.sig_drawn, lambda: paths.show_gap(2))
    with probe.measuring("paths: keep repeats"):
        wait_for(paths.sig_drawn, lambda: paths.controls.keep_repeats.setChecked(True))
    workspace.show_view("funnel")
    funnel_view = panel.views["funnel"]
    with probe.measuring("funnel: conversion from start"):
        funnel_view.conversion_box.setCurrentIndex(1)
    log("  drill-down")
    with probe.measuring("drill-down: open at step 2"):
        wait_for(drilldown.sig_listed, lambda: window.drill_down(2))
    with probe.measuring("drill-down: sort by person"):
        drilldown.units_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    with probe.measuring("drill-down: hide still open"):
        drilldown.hide_open.setChecked(True)
    with probe.measuring("drill-down: edit while open"):
        wait_for(drilldown.sig_listed, lambda: session.edit(day_window))
    with probe.measuring("drill-down: a path's people"):
        wait_for(drilldown.sig_listed, lambda: paths.pick_path(0, 0))
    with probe.measuring("drill-down: a person's events"):
        wait_for(
            drilldown.timeline.sig_shown,
            lambda: drilldown.units_view.setCurrentIndex(drilldown.units_model.index(0, 0)),
        )
    return probe


def run_benchmark(
    sizes: Sequence[int],
    *,
    repeat: int,
    data_dir: Path | None,
    seed: int,
    file_format: str,
    log: Callable[[str], None],
    settle_ms: int = SETTLE_MS,
) -> dict[str, Any]:
    from funnel_gui.qt.main_window import MainWindow
    from funnel_gui.qt.prompter import HeadlessPrompter

    app = QApplication.instance() or QApplication(sys.argv[:1])
    results = []
    for n in sizes:
        root = data_dir or default_cache_root()
        export = write_dataset(n, root / f"events-{n}", seed=seed)[file_format]
        stalls: dict[str, float] = {}
        busy: dict[str, float] = {}
        process_busy: dict[str, float] = {}
        for run in range(repeat):
            log(f"{n:,} events ({export}), run {run + 1} of {repeat}")
            settings_path = root / "bench-gui-settings.ini"
            settings_path.unlink(missing_ok=True)
            settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
            window = MainWindow(settings, prompter=HeadlessPrompter())
            window.resize(1440, 900)
            window.show()
            try:
                probe = run_scenario(window, export, log, settle_ms)
                for phase, ms in probe.longest.items():
                    if ms >= stalls.get(phase, 0.0):  # the worst run's
                        stalls[phase], busy[phase] = ms, probe.busy[phase]
                        process_busy[phase] = probe.process_busy[phase]
            finally:
                window.session.shutdown()
                window.deleteLater()
                settle(0)
        results.append(
            {
                "events": n,
                "format": file_format,
                "runs": repeat,
                "stalls_ms": stalls,
                "gui_cpu_ms": busy,
                "process_cpu_ms": process_busy,
            }
        )
    del app
    return {
        "benchmark": "gui_stalls",
        "tick_ms": TICK_MS,
        "versions": versions(),
        "results": results,
    }


def format_markdown(report: dict[str, Any]) -> str:
    lines = []
    for row in report["results"]:
        stalls: dict[str, float] = row["stalls_ms"]
        busy: dict[str, float] = row["gui_cpu_ms"]
        process: dict[str, float] = row["process_cpu_ms"]
        lines += [
            f"### {row['events']:,} events ({row['format']}, worst of {row['runs']} runs)",
            "",
            "| phase | longest GUI-thread gap | GUI thread's CPU in it | process's CPU in it |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {p} | {ms:,.0f} ms | {busy[p]:,.0f} ms | {process[p]:,.0f} ms |"
            for p, ms in stalls.items()
        ]
        worst = max(stalls, key=lambda phase: stalls[phase])
        lines += ["", f"Longest: {stalls[worst]:,.0f} ms ({worst}).", ""]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry; 1 when a phase blocked the GUI thread for more than 100 ms."""
    parser = benchmark_parser("Measure how long the GUI thread is blocked at each step.", "size")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument(
        "--settle-ms",
        type=int,
        default=SETTLE_MS,
        help=f"how long each phase lets paints and queued work run (default {SETTLE_MS})",
    )
    parser.set_defaults(repeat=1)  # each run loads the export again: one is usually enough
    args = parser.parse_args(argv)
    report = run_benchmark(
        args.events,
        repeat=args.repeat,
        data_dir=args.data_dir,
        seed=args.seed,
        file_format=args.format,
        log=progress_log(args),
        settle_ms=args.settle_ms,
    )
    publish(report, format_markdown(report), args.json)
    too_long = [
        f"{row['events']:,}: {phase}"
        for row in report["results"]
        for phase, ms in row["stalls_ms"].items()
        if ms > LIMIT_MS
    ]
    if too_long:
        print(
            f"GUI thread blocked over {LIMIT_MS:.0f} ms in: {', '.join(too_long)}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
