"""Atomic file writes: a reader (or a crash) never sees half a file under the target's name.

Everything the app saves (funnel files, autosaves, exports, charts) goes through
`atomic_path`: write to a temporary file beside the target, flush it to disk, then rename it
over the target in one step.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

# New files get the usual permissions for the user's documents (a temp file's are 0600).
_DEFAULT_MODE = 0o644
# A temporary file this old was left by a save that was killed (kill -9, power cut); a
# save still running is never this slow.
STALE_TEMP_SECONDS = 15 * 60


class NotRegularFile(OSError):
    """The target exists and is not a regular file (a FIFO, a device, a folder)."""

    def __str__(self) -> str:
        return str(self.strerror)


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends without an error, the
    file written there replaces `target` (keeping the permissions of the file it replaces).
    On an error the temporary file is removed and `target` is left as it was."""
    target = Path(os.path.realpath(target))
    _refuse_non_regular(target)
    _remove_stale_temps(target)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        try:
            yield temp
        except OSError as exc:
            # Name the file the person asked for, not our hidden temporary one.
            if exc.filename is not None and Path(exc.filename) == temp:
                raise OSError(exc.errno, exc.strerror, str(target)) from None
            raise
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


def _refuse_non_regular(target: Path) -> None:
    try:
        mode = target.stat().st_mode
    except OSError:
        return  # not there yet (or unreadable: the write will say so)
    if not stat.S_ISREG(mode):
        raise NotRegularFile(
            0,
            f"{target.name} is not a regular file (a folder, device or pipe); not replaced",
            str(target),
        )


_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.tmp")


def _remove_stale_temps(target: Path) -> None:
    """Remove temporary files that killed saves of `target` left behind."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = _TEMP_NAME.fullmatch(entry.name)
            if match is None or match["name"] != target.name:
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)


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
