"""Decompress gzip, bz2, zstd and zip without trusting them: streamed, and within a budget.

Everything unpacked for one import stays in memory until it has been read, and a few
megabytes of archive can expand to many gigabytes (a zip bomb, or overlapping zip
members). So expansion runs in chunks, and stops with a clear refusal as soon as the
bytes unpacked so far pass a budget: a share of the memory this machine has free, an
absolute cap, and a compression ratio no real export reaches. Zip members are only ever
read into memory, never written to disk, so their names are labels, never paths.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Literal, Protocol

import pyarrow as pa

from funnel_gui.core.io.errors import ImportFailed, NotData

Codec = Literal["gzip", "bz2", "zstd"]

# Module-level so that tests can lower them (monkeypatch) instead of building huge files.
MAX_EXPANDED_BYTES = 64 * 1024**3  # never more than this, however much memory there is
MEMORY_SHARE = 0.5  # of the memory available when the import starts: the rest is for reading
MAX_RATIO = 1000  # deflate cannot pass ~1032:1; a CSV export compresses 5-50:1
RATIO_FLOOR = 256 * 1024**2  # small payloads may have any ratio (a file of one repeated row)

_CHUNK = 1 << 20

# Members that are not data: folders, macOS and Windows metadata, documents and images.
_METADATA_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".localized"})
_NOT_DATA_SUFFIXES = frozenset(
    {
        ".md", ".rst", ".html", ".htm", ".xml", ".pdf", ".png", ".jpg", ".jpeg", ".gif",
        ".svg", ".yaml", ".yml", ".xlsx", ".xls", ".docx", ".doc", ".pptx", ".odt", ".ods",
        ".sha256", ".md5", ".sig", ".asc",
    }
)  # fmt: skip


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def available_memory() -> int | None:
    """Bytes of memory free for this import: MemAvailable on Linux, else physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:,} bytes"


@dataclass
class ExpansionBudget:
    """How many decompressed bytes one import may still hold."""

    limit: int
    used: int = 0

    @classmethod
    def for_this_machine(cls) -> ExpansionBudget:
        free = available_memory()
        limit = MAX_EXPANDED_BYTES
        if free is not None:
            limit = min(limit, int(free * MEMORY_SHARE))
        return cls(limit)

    def charge(self, name: str, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ImportFailed(
                f"{name} expands to more than {size_text(self.limit)} when decompressed, "
                "more than this computer can hold in memory at once (it may be a "
                "decompression bomb). Unpack it yourself and open fewer files at a time."
            )


def expand(name: str, stream: Readable, packed_size: int, budget: ExpansionBudget) -> bytes:
    """Read a decompressing stream to its end, chunk by chunk, within the budget and ratio."""
    out = io.BytesIO()
    ratio_cap = max(RATIO_FLOOR, MAX_RATIO * packed_size)
    while chunk := stream.read(_CHUNK):
        out.write(chunk)
        budget.charge(name, len(chunk))
        if out.tell() > ratio_cap:
            raise ImportFailed(
                f"{name} expands more than {MAX_RATIO:,} times its compressed size "
                f"({size_text(packed_size)} to over {size_text(ratio_cap)}), which no "
                "export does: it looks like a decompression bomb, so it was not unpacked."
            )
    return out.getvalue()  # BytesIO hands over its buffer without a copy


def decompress(
    name: str, codec: Codec, source: BinaryIO, packed_size: int, budget: ExpansionBudget
) -> bytes:
    """One gzip, bz2 or zstd stream (`source` positioned at its start), fully expanded."""
    try:
        if codec == "gzip":
            with gzip.GzipFile(fileobj=source, mode="rb") as stream:
                return expand(name, stream, packed_size, budget)
        if codec == "bz2":
            with bz2.BZ2File(source, mode="rb") as stream:
                return expand(name, stream, packed_size, budget)
        with pa.input_stream(pa.PythonFile(source, mode="r"), compression="zstd") as zstream:
            return expand(name, zstream, packed_size, budget)
    except (EOFError, OSError, zlib.error, ValueError, pa.ArrowException) as exc:
        raise ImportFailed(
            f"{name} is a {codec}-compressed file that is cut short or damaged ({exc}). "
            "The download or copy was probably interrupted: fetch the file again."
        ) from exc


def label(member_name: str) -> str:
    """A zip member's name fit for a message: control characters (a newline in a name
    would split a one-line message) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in member_name)


def skip_reason(info: zipfile.ZipInfo) -> str | None:
    """Why a member is not read, judged by its entry alone; None for a possible data file."""
    if info.is_dir():
        return "folder"
    # Either separator: archives made on Windows may use backslashes.
    parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
    if "__MACOSX" in parts[:-1] or (parts and parts[-1].startswith("._")):
        return "macOS metadata"
    if not parts:
        return "no name"
    if parts[-1] in _METADATA_NAMES:
        return "system file"
    if PurePosixPath(parts[-1]).suffix.lower() in _NOT_DATA_SUFFIXES:
        return "not a data file"
    if info.file_size == 0:
        return "empty"
    return None


def zip_members(
    name: str, source: BinaryIO, budget: ExpansionBudget, skipped: list[tuple[str, str]]
) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) of every member that may hold data, in name order; the others are
    appended to `skipped` with the reason. Whatever the names say, nothing touches disk."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            if not members:
                raise NotData(f"The zip archive {name} holds no files.", "empty zip")
            readable = []
            for info in members:
                reason = skip_reason(info)
                if reason is None:
                    readable.append(info)
                else:
                    skipped.append((label(info.filename), reason))
            for info in sorted(readable, key=lambda m: m.filename):
                member = label(info.filename)
                with archive.open(info) as stream:
                    data = expand(f"{name}:{member}", stream, info.compress_size, budget)
                yield member, data
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
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ImportFailed(
            f"{name} looks like a zip archive but cannot be opened ({exc}). "
            "It may be incomplete: download it again."
        ) from exc


def skipped_note(name: str, skipped: list[tuple[str, str]], limit: int = 50) -> str:
    """One note naming the members not read and why (the first `limit` of them)."""
    shown = ", ".join(f"{member} ({reason})" for member, reason in skipped[:limit])
    more = f" and {len(skipped) - limit:,} more" if len(skipped) > limit else ""
    return f"{name}: skipped {len(skipped):,} member(s) that hold no data: {shown}{more}"
