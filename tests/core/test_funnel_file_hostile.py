"""Hostile funnel files get one clear message naming the file (issue 15, items 2 and 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.definition.file import FunnelFileError, load_funnel

HEAD = '{"format": "funnel-gui.funnel", "version": 1, '


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
        (HEAD + '"steps": ' + "[" * 5_000 + "]" * 5_000 + "}", "nested too deeply"),
        ('{"format": "funnel-gui.funnel", "version": ' + "9" * 5_000 + "}", "5,000 digits"),
        (
            HEAD
            + '"steps": [{"events": ["a"]}], "date_range": {"from": "2026-03-01T00:00+99:99"}}',
            "+99:99 is not a time zone offset",
        ),
    ],
    ids=["deep array", "deep steps", "5000-digit version", "offset +99:99"],
)
def test_hostile_funnel_files_are_refused_clearly(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.funnel.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FunnelFileError) as info:
        load_funnel(path)
    message = info.value.message
    assert message.startswith("bad.funnel.json")
    assert expected in message
    assert "timedelta" not in message
    assert "sys.set_int_max_str_digits" not in message
