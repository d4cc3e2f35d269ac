"""Atomic file writes: a reader (or a crash) never sees half a file under the target's name.

Everything the app saves (funnel files, autosaves, exports, charts) goes through
`atomic_path`: write to a temporary file beside the target, flush it to disk, then rename it
over the target in one step.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

# New files get the usual permissions for the user's documents (a temp file's are 0600).
_DEFAULT_MODE = 0o644


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends without an error, the
    file written there replaces `target` (keeping the permissions of the file it replaces).
    On an error the temporary file is removed and `target` is left as it was."""
    target = Path(os.path.realpath(target))
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield temp
        _flush(temp)
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = _DEFAULT_MODE & ~_umask()
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(target.parent)


def write_bytes_atomically(target: Path | str, data: bytes) -> None:
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def write_text_atomically(target: Path | str, text: str) -> None:
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8", newline="\n")


def _flush(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on every platform."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
