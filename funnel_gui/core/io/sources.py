"""Find what is inside the paths the user picked: decompress by magic bytes, tell formats apart.

A path may be a plain file, a gzip/zstd/bz2 stream, or a zip holding many files
(Amplitude's hourly `.json.gz` files inside one archive); a folder means every
file in it. Each readable piece becomes a `RawSource` with a sniffed format.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import pyarrow as pa

from funnel_gui.core.io.archives import (
    Codec,
    ExpansionBudget,
    decompress,
    skipped_note,
    zip_members,
)
from funnel_gui.core.io.errors import ImportFailed, NotData
from funnel_gui.core.textforms import clip

Format = Literal["csv", "json", "ndjson", "parquet"]

_GZIP, _ZIP, _PARQUET = b"\x1f\x8b", b"PK\x03\x04", b"PAR1"
_ZSTD, _BZ2, _AVRO = b"\x28\xb5\x2f\xfd", b"BZh", b"Obj\x01"
_EMPTY_ZIP = b"PK\x05\x06"
_ZIP_MAGIC = (b"PK\x03\x04", _EMPTY_ZIP)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class RawSource:
    """One readable piece of input: its bytes (or its path, when read in place) and format."""

    name: str
    fmt: Format
    data: bytes | None = None
    path: Path | None = None

    def open(self) -> pa.NativeFile:
        if self.path is not None:
            # Plain reads, not a memory map: the readers stream the file in blocks, and a
            # map would keep every page of an 800 MB CSV resident until the read ends.
            return pa.OSFile(str(self.path))
        assert self.data is not None
        return pa.BufferReader(self.data)

    def head(self, size: int = _SNIFF_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:size]
        assert self.path is not None
        with self.path.open("rb") as fh:
            return fh.read(size)

    def read_all(self) -> bytes:
        """Every byte of the source (not `head(huge)`: `read(n)` allocates n bytes up front)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


def open_sources(paths: Sequence[str | Path], notes: list[str] | None = None) -> list[RawSource]:
    """Expand, decompress and sniff every path; raise `ImportFailed` with a clear reason.

    What was left out (hidden files in a folder, zip members without data) is named in
    `notes`, when given, so the import report can say so.
    """
    if not paths:
        raise ImportFailed("No file was given. Pick one or more export files to open.")
    notes = [] if notes is None else notes
    budget = ExpansionBudget.for_this_machine()
    sources: list[RawSource] = []
    for raw in paths:
        path = Path(raw).expanduser()
        for file in _files_in(path, notes):
            sources.extend(_sources_from_file(file, budget, notes))
    if not sources:
        raise ImportFailed(
            f"Nothing readable was found in {', '.join(str(p) for p in paths)}: "
            "the selection holds no files with data."
        )
    return sources


def _kind_of(path: Path) -> int:
    """The file's mode, from `stat` before anything opens it: opening a named pipe
    waits for a writer, and reading a device may never end."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError as exc:
        raise ImportFailed(
            f"The file {path} does not exist. Check the path and try again."
        ) from exc
    except OSError as exc:
        raise ImportFailed(f"The file {path} cannot be read: {exc.strerror or exc}.") from exc


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_special(path: Path, mode: int) -> ImportFailed:
    return ImportFailed(
        f"{path} is {_special_kind(mode)}, not a file: Funnel Explorer opens export files "
        "and folders of them only, since reading from a pipe or device may never end. "
        "Save the data to a file first, then open that."
    )


def _files_in(path: Path, notes: list[str]) -> list[Path]:
    mode = _kind_of(path)
    if stat.S_ISREG(mode):
        return [path]
    if not stat.S_ISDIR(mode):
        raise _refuse_special(path, mode)
    files, skipped = [], []
    for entry in sorted(path.iterdir()):
        try:
            entry_mode = os.stat(entry).st_mode
        except OSError:
            skipped.append(f"{entry.name} (cannot be read)")
            continue
        if entry.name.startswith("."):
            skipped.append(f"{entry.name} (hidden file)")
        elif stat.S_ISDIR(entry_mode):
            skipped.append(f"{entry.name} (folder)")
        elif not stat.S_ISREG(entry_mode):
            skipped.append(f"{entry.name} ({_special_kind(entry_mode)})")
        else:
            files.append(entry)
    if not files and skipped:
        raise ImportFailed(
            f"The folder {path} holds no export files, only {', '.join(skipped[:10])}."
        )
    if not files:
        raise ImportFailed(f"The folder {path} is empty: there are no export files in it.")
    if skipped:
        notes.append(f"folder {path.name}: skipped {', '.join(skipped)}")
    return files


def _sources_from_file(
    path: Path, budget: ExpansionBudget, notes: list[str]
) -> Iterator[RawSource]:
    try:
        fh = _open_regular(path)
    except OSError as exc:
        raise ImportFailed(f"The file {path} cannot be read: {exc.strerror or exc}.") from exc
    with fh:
        magic = fh.read(8)
        if not magic:
            raise ImportFailed(
                f"The file {path.name} is empty (0 bytes): there is nothing to read."
            )
        if magic.startswith(_PARQUET):
            yield RawSource(path.name, "parquet", path=path)
            return
        fh.seek(0)
        size = os.fstat(fh.fileno()).st_size
        if magic.startswith(_ZIP_MAGIC):
            yield from _unzip(path.name, fh, 0, budget, notes)
            return
        codec = _codec(magic)
        if codec is not None:
            # Streamed from disk: the compressed file is never held whole in memory.
            blob = decompress(path.name, codec, fh, size, budget)
            yield from _unpack(path.name, blob, 1, budget, notes)
            return
    yield _sniff(path.name, path=path, head=_read_head(path))


def _open_regular(path: Path) -> BinaryIO:
    """Open for reading without blocking, and make sure it is still a regular file (it
    may have been swapped for a pipe since `stat`)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _refuse_special(path, mode)
    return os.fdopen(fd, "rb")


def _codec(magic: bytes) -> Codec | None:
    if magic.startswith(_GZIP):
        return "gzip"
    if magic.startswith(_BZ2):
        return "bz2"
    if magic.startswith(_ZSTD):
        return "zstd"
    return None


def _read_head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_SNIFF_BYTES)


def _unpack(
    name: str, blob: bytes, depth: int, budget: ExpansionBudget, notes: list[str]
) -> Iterator[RawSource]:
    """Recursively open compressed containers; `depth` stops zip bombs of nesting."""
    if depth > 3:
        raise ImportFailed(f"{name} is compressed inside itself too many times to be an export.")
    if blob.startswith(_ZIP_MAGIC):
        yield from _unzip(name, io.BytesIO(blob), depth, budget, notes)
        return
    codec = _codec(blob)
    if codec is not None:
        expanded = decompress(name, codec, io.BytesIO(blob), len(blob), budget)
        yield from _unpack(name, expanded, depth + 1, budget, notes)
        return
    if not blob:
        raise NotData(f"{name} is empty once decompressed: there is nothing to read.", "empty")
    if blob.startswith(_PARQUET):
        yield RawSource(name, "parquet", data=blob)
        return
    yield _sniff(name, data=blob, head=blob[:_SNIFF_BYTES])


def _unzip(
    name: str, source: BinaryIO, depth: int, budget: ExpansionBudget, notes: list[str]
) -> Iterator[RawSource]:
    skipped: list[tuple[str, str]] = []
    found = 0
    for member, data in zip_members(name, source, budget, skipped):
        try:
            pieces = list(_unpack(f"{name}:{member}", data, depth + 1, budget, notes))
        except NotData as exc:
            # A member that is no data file (a README, an image) is named, not fatal.
            skipped.append((member, exc.reason))
            continue
        found += len(pieces)
        yield from pieces
    if skipped:
        notes.append(skipped_note(name, skipped))
    if not found:
        shown = ", ".join(f"{m} ({reason})" for m, reason in skipped[:10])
        raise NotData(f"The zip archive {name} holds no data files, only {shown}.", "no data")


def _sniff(
    name: str, *, head: bytes, path: Path | None = None, data: bytes | None = None
) -> RawSource:
    if head.startswith(_AVRO):
        raise NotData(
            f"{name} is an Avro file, which Funnel Explorer does not read. "
            "Export the same data as Parquet, JSON lines or CSV.",
            "Avro, which Funnel Explorer does not read",
        )
    if head.startswith(_UTF16_BOMS):
        # Excel's "Unicode text" is UTF-16; the readers below want UTF-8.
        raw = data if data is not None else path.read_bytes() if path else b""
        data, path = _from_utf16(name, raw), None
        head = data[:_SNIFF_BYTES]
    text = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
    if _looks_binary(text):
        raise NotData(
            f"{name} is not a text, JSON, Parquet or compressed file: its first bytes look like "
            "binary data. Pick the CSV, JSON or Parquet file your analytics tool exported.",
            "binary, not a data file",
        )
    stripped = text.lstrip()
    if not stripped:
        raise NotData(f"{name} contains only blank space: there is nothing to read.", "blank")
    whole = len(head) < _SNIFF_BYTES
    fmt: Format = "csv"
    if stripped.startswith(b"["):
        fmt = "json"
    elif stripped.startswith(b"{"):
        fmt = "ndjson" if _first_line_is_object(stripped, whole_file=whole) else "json"
    elif whole:
        _refuse_json_scalar(name, stripped)
    return RawSource(name, fmt, data=data, path=path if data is None else None)


_SCALAR_KINDS: dict[type, str] = {
    int: "a number",
    float: "a number",
    str: "a piece of text",
    bool: "true or false",
    type(None): "null",
}


def _refuse_json_scalar(name: str, text: bytes) -> None:
    """A whole file that is one JSON value (`42`, `null`, `"x"`) holds no events; said so
    here, since as CSV it would be a header without rows."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return  # not JSON: a CSV after all
    kind = _SCALAR_KINDS.get(type(value), "a single value")
    shown = clip(text.decode("utf-8", "replace").strip(), 40)
    value_text = f" ({shown})" if isinstance(value, int | float | str) else ""
    raise NotData(
        f"{name} is JSON holding {kind}{value_text}, not events: expected JSON objects, "
        "one per line or in an array.",
        f"JSON holding {kind}",
    )


def _from_utf16(name: str, raw: bytes) -> bytes:
    try:
        return raw.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "truncated data":
            # A copy cut one byte short: keep every whole character.
            return raw[: len(raw) - len(raw) % 2].decode("utf-16", errors="replace").encode()
        raise ImportFailed(
            f"{name} starts like UTF-16 text (a byte-order mark) but is not valid UTF-16 "
            f"({exc.reason} at byte {exc.start:,}). It may be damaged or not a text file: "
            "export it again, preferably as UTF-8 CSV."
        ) from exc


def _looks_binary(head: bytes) -> bool:
    sample = head[:4096]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > max(4, len(sample) // 100)


# Keys under which an API response wraps its list of events ({"data": [...]}); GA4's
# per-event "items" list is left out: one GA4 event on one line is NDJSON, not a wrapper.
_ENVELOPE_KEYS = ("data", "events", "results", "rows", "records")


def _first_line_is_object(text: bytes, *, whole_file: bool = False) -> bool:
    """The first line is a JSON object (NDJSON), unless the file is that one line and
    the object only wraps a list of events: `{"data": [{...}, ...]}` written compactly."""
    lines = [line for line in text.split(b"\n") if line.strip()]
    try:
        first = json.loads(lines[0])
    except RecursionError:
        return True  # an object nested too deeply: the JSON-lines reader says so per line
    except ValueError:
        return False
    if not isinstance(first, dict):
        return False
    if whole_file and len(lines) == 1:
        return not any(
            isinstance(first.get(key), list) and all(isinstance(item, dict) for item in first[key])
            for key in _ENVELOPE_KEYS
        )
    return True
