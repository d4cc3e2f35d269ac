"""CSV exports cannot run formulas in a spreadsheet; numbers stay numbers (issue 15.15)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.safe_csv import frame_to_csv, safe_cell, write_frame_csv


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.5", "-12.5"),  # a number written as text stays a number
        ("+", "'+"),
        ("page_view", "page_view"),
        (-3, -3),
        (None, None),
    ],
)
def test_cells_that_start_a_formula_are_neutralised(cell: object, expected: object) -> None:
    assert safe_cell(cell) == expected


def test_a_frame_keeps_numeric_columns_and_escapes_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"=label": ["=1+1", "ok", "@x"], "count": [-1, 2, 3], "rate": [0.5, -0.25, 1.0]}
    )
    text = frame_to_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'=label", "count", "rate"]
    assert back["'=label"].tolist() == ["'=1+1", "ok", "'@x"]
    assert back["count"].tolist() == [-1, 2, 3]
    assert back["rate"].tolist() == [0.5, -0.25, 1.0]
    write_frame_csv(frame, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == text
