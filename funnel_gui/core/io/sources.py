"""Find what is inside the paths the user picked: decompress by magic bytes, tell formats apart.

A path may be a plain file, a gzip/zstd/bz2 stream, or a zip holding many files
(Amplitude's hourly `.json.gz` files inside one archive); a folder means every
file in it. Each readable piece becomes a `RawSource` with a sniffed format.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa

from funnel_gui.core.io.errors import ImportFailed

Format = Literal["csv", "json", "ndjson", "parquet"]

_GZIP, _ZIP, _PARQUET = b"\x1f\x8b", b"PK\x03\x04", b"PAR1"
_ZSTD, _BZ2, _AVRO = b"\x28\xb5\x2f\xfd", b"BZh", b"Obj\x01"
_EMPTY_ZIP = b"PK\x05\x06"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SNIFF_BYTES = 65536
# Keep decompressed payloads bounded; far above any real single export file here.
_MAX_DECOMPRESSED = 64 * 1024**3


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


def open_sources(paths: Sequence[str | Path]) -> list[RawSource]:
    """Expand, decompress and sniff every path; raise `ImportFailed` with a clear reason."""
    if not paths:
        raise ImportFailed("No file was given. Pick one or more export files to open.")
    sources: list[RawSource] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise ImportFailed(f"The file {path} does not exist. Check the path and try again.")
        files = _files_in(path)
        for file in files:
            sources.extend(_sources_from_file(file))
    if not sources:
        raise ImportFailed(
            f"Nothing readable was found in {', '.join(str(p) for p in paths)}: "
            "the selection holds no files with data."
        )
    return sources


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise ImportFailed(f"The folder {path} is empty: there are no export files in it.")
        return files
    return [path]


def _sources_from_file(path: Path) -> Iterator[RawSource]:
    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise ImportFailed(f"The file {path} cannot be read: {exc.strerror or exc}.") from exc
    if not magic:
        raise ImportFailed(f"The file {path.name} is empty (0 bytes): there is nothing to read.")
    if magic.startswith(_PARQUET):
        yield RawSource(path.name, "parquet", path=path)
    elif magic.startswith((_GZIP, _ZSTD, _BZ2, _ZIP, _EMPTY_ZIP)):
        yield from _unpack(path.name, path.read_bytes())
    else:
        yield _sniff(path.name, path=path, head=_read_head(path))


def _read_head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_SNIFF_BYTES)


def _unpack(name: str, blob: bytes, depth: int = 0) -> Iterator[RawSource]:
    """Recursively open compressed containers; `depth` stops zip bombs of nesting."""
    if depth > 3:
        raise ImportFailed(f"{name} is compressed inside itself too many times to be an export.")
    if blob.startswith((_ZIP, _EMPTY_ZIP)):
        yield from _unzip(name, blob, depth)
        return
    if blob.startswith((_GZIP, _ZSTD, _BZ2)):
        yield from _unpack(name, _decompress(name, blob), depth + 1)
        return
    if not blob:
        raise ImportFailed(f"{name} is empty once decompressed: there is nothing to read.")
    if blob.startswith(_PARQUET):
        yield RawSource(name, "parquet", data=blob)
        return
    yield _sniff(name, data=blob, head=blob[:_SNIFF_BYTES])


def _decompress(name: str, blob: bytes) -> bytes:
    try:
        if blob.startswith(_GZIP):
            return gzip.decompress(blob)
        if blob.startswith(_BZ2):
            return bz2.decompress(blob)
        stream = pa.input_stream(pa.BufferReader(blob), compression="zstd")
        return bytes(stream.read())
    except (EOFError, OSError, zlib.error, ValueError, pa.ArrowException) as exc:
        kind = "gzip" if blob.startswith(_GZIP) else "bz2" if blob.startswith(_BZ2) else "zstd"
        raise ImportFailed(
            f"{name} is a {kind}-compressed file that is cut short or damaged ({exc}). "
            "The download or copy was probably interrupted: fetch the file again."
        ) from exc


def _unzip(name: str, blob: bytes, depth: int) -> Iterator[RawSource]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and not Path(m.filename).name.startswith((".", "__MACOSX"))
            and "__MACOSX/" not in m.filename
        ]
        if not members:
            raise ImportFailed(f"The zip archive {name} holds no files.")
        for member in sorted(members, key=lambda m: m.filename):
            if member.file_size > _MAX_DECOMPRESSED:
                raise ImportFailed(f"{name}: {member.filename} is too large to unpack.")
            data = archive.read(member)
            yield from _unpack(f"{name}:{member.filename}", data, depth + 1)
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise ImportFailed(
            f"{name} is a password-protected zip archive ({exc}). Unzip it yourself "
            "and open the files inside."
        ) from exc
    except NotImplementedError as exc:  # zipfile: a compression method it cannot read
        raise ImportFailed(
            f"{name} is a zip archive packed with a method Funnel Explorer cannot unpack "
            f"({exc}). Unzip it yourself and open the files inside."
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportFailed(
            f"{name} looks like a zip archive but cannot be opened ({exc}). "
            "It may be incomplete: download it again."
        ) from exc


def _sniff(
    name: str, *, head: bytes, path: Path | None = None, data: bytes | None = None
) -> RawSource:
    if head.startswith(_AVRO):
        raise ImportFailed(
            f"{name} is an Avro file, which Funnel Explorer does not read. "
            "Export the same data as Parquet, JSON lines or CSV."
        )
    if head.startswith(_UTF16_BOMS):
        # Excel's "Unicode text" is UTF-16; the readers below want UTF-8.
        raw = data if data is not None else path.read_bytes() if path else b""
        data, path = _from_utf16(name, raw), None
        head = data[:_SNIFF_BYTES]
    text = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
    if _looks_binary(text):
        raise ImportFailed(
            f"{name} is not a text, JSON, Parquet or compressed file: its first bytes look like "
            "binary data. Pick the CSV, JSON or Parquet file your analytics tool exported."
        )
    stripped = text.lstrip()
    if not stripped:
        raise ImportFailed(f"{name} contains only blank space: there is nothing to read.")
    fmt: Format = "csv"
    if stripped.startswith(b"["):
        fmt = "json"
    elif stripped.startswith(b"{"):
        whole = len(head) < _SNIFF_BYTES
        fmt = "ndjson" if _first_line_is_object(stripped, whole_file=whole) else "json"
    return RawSource(name, fmt, data=data, path=path if data is None else None)


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
