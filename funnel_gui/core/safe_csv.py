"""CSV and tab-separated text that is safe to open in a spreadsheet (issue 15.15).

Event names, labels, actor ids and property values come from the data, so a cell like
`=HYPERLINK(...)` or `@SUM(...)` in an export would run as a formula in Excel, LibreOffice
or Google Sheets. As OWASP advises, a text cell beginning with =, +, -, @, a tab or a
carriage return gets a leading apostrophe, which spreadsheets show as text. Numbers stay
numbers: numeric columns are left alone, and so is text that is a plain number ("-12.5").
Every CSV the app writes goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from funnel_gui.core.atomic import atomic_path
from funnel_gui.core.textforms import NUMBER_TEXT

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(NUMBER_TEXT)


def safe_cell(value: Any) -> Any:
    """The value, with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and text header) made safe; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def frame_to_csv(frame: pd.DataFrame, *, sep: str = ",") -> str:
    """The frame as CSV (or tab-separated) text, safe to paste or open anywhere."""
    return str(safe_frame(frame).to_csv(index=False, sep=sep, lineterminator="\n"))


def write_frame_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """Write the frame as a safe CSV file, atomically."""
    with atomic_path(path) as temp:
        safe_frame(frame).to_csv(temp, index=False, lineterminator="\n")


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows of cells (for csv.writer), each made safe."""
    return [[safe_cell(cell) for cell in row] for row in rows]
