"""Saves never replace what is not a regular file, never name their hidden temporary file,
and clean up after saves that were killed (issue 15, items 12, 14, 16)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from funnel_gui.core import atomic
from funnel_gui.core.atomic import NotRegularFile, atomic_path, write_text_atomically


def test_a_fifo_is_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile) as info:
        write_text_atomically(fifo, "a,b\n")
    assert "not a regular file" in str(info.value)
    assert fifo.is_fifo()
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_folder_is_not_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    with pytest.raises(NotRegularFile):
        write_text_atomically(folder, "x")
    assert folder.is_dir()


def test_a_failed_write_names_the_target_not_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "actors.csv"
    with pytest.raises(OSError, match="No space left") as info, atomic_path(target) as temp:
        raise OSError(28, "No space left on device", str(temp))
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_temporary_files_of_killed_saves_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "checkout.funnel.json"
    stale = tmp_path / ".checkout.funnel.json.0123abcd.tmp"
    fresh = tmp_path / ".checkout.funnel.json.89abcdef.tmp"  # maybe a save running now
    other = tmp_path / ".other.json.0123abcd.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"half a file")
    old = time.time() - atomic.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_text_atomically(target, "{}")
    assert sorted(os.listdir(tmp_path)) == sorted([target.name, fresh.name, other.name])
