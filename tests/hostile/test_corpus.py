"""Every hostile corpus case through `funnel-gui inspect FILE --json`: a clean outcome or bust.

Clean means either exit 0 with a report whose counts add up (rows read = kept + each
drop reason + duplicates removed), or exit 2 with one message line on stderr; never a
traceback, a crash or a hang. Cases where a crash or a hang is plausible (`isolate`)
run as a child process with a timeout; the rest call the same CLI entry point in this
process, which is much faster and fails just as loudly on any other exception.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from funnel_gui.cli import EXIT_BAD_INPUT, main
from funnel_gui.core.io import archives
from tests.hostile.corpus import CASES, Case, write_corpus

CHILD_TIMEOUT = 60  # seconds; a hang (a FIFO opened for reading) ends here
LOW_CAP = 16 * 1024**2


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def children(corpus: dict[str, Path]) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Every isolated case's child process, all started at once: most of their time is
    interpreter start-up, which then overlaps instead of adding up."""
    started = {
        case.name: subprocess.Popen(
            [sys.executable, "-m", "funnel_gui", "inspect", str(corpus[case.name]), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for case in CASES
        if case.isolate
    }
    yield started
    for child in started.values():
        if child.poll() is None:
            child.kill()
            child.wait()


def run_child(name: str, child: subprocess.Popen[str]) -> Outcome:
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"{name}: no answer within {CHILD_TIMEOUT} s (a hang)")
    return Outcome(child.returncode, out, err)


def run_here(path: Path) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["inspect", str(path), "--json"])
    return Outcome(code, out.getvalue(), err.getvalue())


def check_report(case: Case, report: dict[str, object]) -> None:
    rows_read, kept = report["rows_read"], report["rows_kept"]
    dropped, duplicates = report["dropped"], report["duplicates_removed"]
    exact = report["exact_duplicates"] if report["exact_duplicates_removed"] else 0
    assert isinstance(rows_read, int)
    assert isinstance(kept, int)
    assert isinstance(dropped, dict)
    assert isinstance(duplicates, int)
    assert isinstance(exact, int)
    assert all(isinstance(v, int) and v > 0 for v in dropped.values()), dropped
    assert kept > 0
    assert rows_read == kept + sum(dropped.values()) + duplicates + exact, report
    if case.check is not None:
        case.check(report)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_has_a_clean_outcome(
    case: Case,
    corpus: dict[str, Path],
    children: dict[str, subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if case.low_cap:
        monkeypatch.setattr(archives, "MAX_EXPANDED_BYTES", LOW_CAP)
    if case.isolate:
        outcome = run_child(case.name, children[case.name])
    else:
        outcome = run_here(corpus[case.name])
    assert "Traceback" not in outcome.out + outcome.err, outcome.err
    if outcome.code == 0:
        assert case.expect != "refused", f"{case.name} was loaded: {outcome.out[:500]}"
        check_report(case, json.loads(outcome.out))
    else:
        assert outcome.code == EXIT_BAD_INPUT, f"exit {outcome.code}: {outcome.err[-2000:]}"
        assert case.expect != "ok", f"{case.name} was refused: {outcome.err}"
        assert outcome.out == ""
        message = outcome.err
        assert message.startswith("funnel-gui: "), message
        assert message.endswith("\n")
        assert message.count("\n") == 1, f"not one line: {message!r}"
        assert len(message) < 1500, message
