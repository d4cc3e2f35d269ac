"""`funnel-gui inspect FILE | head`: the reader leaves early, and the command stops quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _many_events_csv(path: Path) -> Path:
    # 4,000 distinct events: the JSON report is far larger than a pipe's buffer, so the
    # command is still writing when the reader goes away.
    lines = ["user_id,event,timestamp"]
    lines += [f"u{i % 50},event_{i},2024-03-01T09:{i % 60:02d}:00Z" for i in range(4000)]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def test_inspect_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    path = _many_events_csv(tmp_path / "events.csv")
    with subprocess.Popen(
        [sys.executable, "-m", "funnel_gui", "inspect", str(path), "--json", "--event", "event"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        first = child.stdout.readline()  # like `head -1`
        child.stdout.close()
        err = child.stderr.read().decode()
        code = child.wait(timeout=120)
    assert first.strip() == b"{"
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert err == ""
    assert code == 1
