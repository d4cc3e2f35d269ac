"""Whether a text source is UTF-8, checked whole and at import, and how to read it if not.

Checked for every text format (CSV and JSON alike) before any reader sees the bytes:
Arrow's JSON reader does not validate UTF-8, so a broken byte would otherwise pass the
import and fail much later, in a message naming no file.
"""

from __future__ import annotations

import re

import pyarrow as pa

from funnel_gui.core.io.sources import RawSource

# A UTF-8 multi-byte character. Windows-1252 text practically never holds one (it would
# take "Ã©"-like pairs), so a file with any is UTF-8 with some bytes broken, not cp1252.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def is_utf8(source: RawSource) -> bool:
    """Whether every byte of the source is UTF-8, checked by Arrow without copying the file.

    The whole file is checked, not just its head: one Windows-1252 byte deep in a file
    would otherwise fail the read (or, inside a malformed row, break Arrow's row handler).
    """
    if source.data is not None:
        return _buffer_is_utf8(pa.py_buffer(source.data))
    assert source.path is not None
    with pa.memory_map(str(source.path)) as mapped:
        return _buffer_is_utf8(mapped.read_buffer())


def _buffer_is_utf8(buf: pa.Buffer) -> bool:
    offsets = pa.array([0, buf.size], pa.int64()).buffers()[1]
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def as_utf8(source: RawSource) -> tuple[RawSource, str | None]:
    """The source as UTF-8, with a note naming the file and line when it was not.

    Text without a single UTF-8 character beyond ASCII is read as Windows-1252 (what
    Excel on Windows writes); UTF-8 with some broken bytes keeps every valid character
    and has each broken byte replaced by U+FFFD, so no row is lost and no id changes
    beyond the broken bytes themselves.
    """
    if is_utf8(source):
        return source, None
    data = source.read_all()
    bad_lines = _lines_not_utf8(data)
    where = f"first on line {bad_lines[0]:,}" if bad_lines else "at the end"
    if _UTF8_MULTIBYTE.search(data) is None:
        text = data.decode("cp1252", errors="replace")
        note = f"{source.name}: not UTF-8 text ({where}); read as Windows-1252 (Western European)"
    else:
        text = data.decode("utf-8", errors="replace")
        note = (
            f"{source.name}: {len(bad_lines):,} line(s) hold bytes that are not UTF-8 "
            f"({where}); each such byte was read as the replacement mark \N{REPLACEMENT CHARACTER}"
        )
    return RawSource(source.name, source.fmt, data=text.encode("utf-8")), note


def _lines_not_utf8(data: bytes) -> list[int]:
    """1-based numbers of the lines holding invalid UTF-8 (only run on a file known to)."""
    bad = []
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
    return bad
