"""Test-wide setup: Qt runs offscreen, and real export files are found when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Must be set before any QApplication exists (pytest-qt creates one lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture
def realdata() -> Path:
    """The shared folder of real export files; tests using it skip when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not available on this machine")
    return REALDATA
