"""Hostile containers: what the user picks is not a file, or an archive fights back.

Named pipes and devices (which would block or never end), zip and gzip bombs (which
would fill memory), and zip members whose names look like hidden files or paths (which
were skipped without a word). Every file is built here, small; bombs are checked
against a lowered cap instead of being made gigabytes big.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import socket
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from funnel_gui.core.io import ImportFailed, archives, load_events, read_raw
from tests.core.io.test_bad_input import check_message

HEADER = b"user_id,event,timestamp\n"


def rows(prefix: str, n: int) -> bytes:
    return b"".join(
        f"{prefix}{i % 5},step_{i % 3},2024-03-01T09:{i % 60:02d}:00Z\n".encode() for i in range(n)
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# --- 7. not a regular file --------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.timeout(30)  # a hang fails this test instead of blocking the run
def test_named_pipe_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "events.csv"
    os.mkfifo(fifo)
    with pytest.raises(ImportFailed) as info:
        load_events(fifo)
    check_message(info.value, fifo.name, "named pipe", "not a file")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null here")
@pytest.mark.timeout(30)
def test_device_is_refused() -> None:
    with pytest.raises(ImportFailed) as info:
        load_events("/dev/null")
    check_message(info.value, "/dev/null", "device")


@pytest.mark.skipif(sys.platform == "win32", reason="no Unix sockets here")
@pytest.mark.timeout(30)
def test_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ImportFailed) as info:
            load_events(path)
    check_message(info.value, path.name, "socket")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.timeout(30)
def test_folder_with_a_pipe_reads_the_files_and_names_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(HEADER + rows("a", 10))
    (tmp_path / ".hidden.csv").write_bytes(HEADER + rows("h", 10))
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    raw = read_raw([tmp_path])
    assert raw.sources == ["a.csv"]
    [note] = raw.notes
    for skipped in (".hidden.csv (hidden file)", "sub (folder)", "pipe.csv (a named pipe"):
        assert skipped in note


# --- 8. bombs ------------------------------------------------------------------------------

ZEROS = 48 * 1024**2  # what each bomb expands to: over the lowered cap, cheap to make


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> int:
    cap = 8 * 1024**2
    monkeypatch.setattr(archives, "MAX_EXPANDED_BYTES", cap)
    return cap


def _gzip_bomb() -> bytes:
    return gzip.compress(HEADER + bytes(ZEROS), compresslevel=9)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ("bomb.csv.gz", _gzip_bomb()),
        lambda: ("bomb.csv.bz2", bz2.compress(HEADER + bytes(ZEROS))),
        lambda: ("bomb.zst", pa.compress(HEADER + bytes(ZEROS), "zstd", asbytes=True)),
        lambda: ("bomb.zip", zipped({"events.csv": HEADER + bytes(ZEROS)})),
        lambda: ("nested.zip", zipped({"inner.csv.gz": _gzip_bomb()})),
        lambda: ("many.zip", zipped({f"p{i}.csv": HEADER + bytes(ZEROS // 8) for i in range(8)})),
    ],
    ids=["gzip", "bz2", "zstd", "zip", "gzip-in-zip", "many-members"],
)  # fmt: skip
def test_bomb_is_refused_before_it_is_expanded(
    tmp_path: Path, small_budget: int, make: object
) -> None:
    name, blob = make()  # type: ignore[operator]
    assert len(blob) < ZEROS // 100  # the premise: a bomb
    path = tmp_path / name
    path.write_bytes(blob)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailed) as info:
            load_events(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    check_message(info.value, name, "decompress", r"8\.0 MB")
    # Streamed: refused once the cap was passed, never holding the whole expansion.
    assert peak < small_budget + 8 * 1024**2 < ZEROS


def test_ratio_cap_refuses_what_no_export_compresses_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "RATIO_FLOOR", 1024**2)
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(_gzip_bomb())  # ~1000:1
    monkeypatch.setattr(archives, "MAX_RATIO", 200)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "200 times", "decompression bomb")


def test_budget_follows_this_machines_memory() -> None:
    free = archives.available_memory()
    budget = archives.ExpansionBudget.for_this_machine()
    assert 0 < budget.limit <= archives.MAX_EXPANDED_BYTES
    if free is not None:
        assert budget.limit <= free * archives.MEMORY_SHARE


def test_an_export_under_the_cap_still_loads(tmp_path: Path, small_budget: int) -> None:
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(HEADER + rows("u", 2000)))
    assert load_events(path).report.rows_kept == 2000


# --- 9. zip member names are labels ------------------------------------------------------------


def test_every_data_member_is_read_whatever_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [".hidden.csv", "../up.csv", "..\\..\\win.csv", "/abs.csv", "dir/.x/deep.csv"]
    members = {name: HEADER + rows(f"m{i}-", 30) for i, name in enumerate(names)}
    members |= {
        "__MACOSX/._up.csv": b"\x00\x05\x16\x07 resource fork",
        "docs/": b"",
        "README.md": b"# About this export\n",
        "empty.csv": b"",
        "logo.bin": bytes(range(256)) * 4,
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
    }
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # were a member ever extracted, it would land around here
    path = work / "export.zip"
    path.write_bytes(zipped(members))
    table = load_events(path)
    report = table.report
    assert report.rows_read == report.rows_kept == 5 * 30
    assert len(report.sources) == 5
    [note] = [n for n in report.notes if n.startswith("export.zip: skipped")]
    for skipped in (
        "__MACOSX/._up.csv",
        "docs/",
        "README.md",
        "empty.csv",
        "logo.bin",
        ".DS_Store",
    ):
        assert skipped in note
    assert "6 member(s)" in note
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["export.zip", "work"]


def test_member_name_with_a_line_break_stays_one_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.zip"
    path.write_bytes(zipped({"a\nb.csv": HEADER + rows("u", 5), "c\r.bin": bytes(300)}))
    report = load_events(path).report
    assert report.sources == ["odd.zip:a?b.csv"]
    assert all("\n" not in n and "\r" not in n for n in report.notes)


def test_zip_of_only_non_data_members_is_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "docs.zip"
    path.write_bytes(zipped({"README.md": b"hello", "__MACOSX/._x": b"\x00", "img.bin": bytes(64)}))
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "no data files", "README.md")


def test_folder_of_hidden_files_names_them(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with pytest.raises(ImportFailed) as info:
        load_events(tmp_path)
    check_message(info.value, str(tmp_path), "no export files", r"\.DS_Store \(hidden file\)")
