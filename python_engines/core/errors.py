"""The one exception type users see: the CLI prints its message on one line and exits non-zero."""

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# a device with less than this free after a failed write is full (the write took the rest)
NO_ROOM_BYTES = 1 << 20


class EtlStackError(Exception):
    """An error with a message meant for the user (no traceback)."""


def is_disk_full(exc: BaseException) -> bool:
    """No space left on the device, anywhere in the exception's chain (Python and Arrow raise
    ``OSError`` ENOSPC, sqlite says "database or disk is full")."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if any(
            text in str(seen) for text in ("No space left on device", "database or disk is full")
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def free_bytes(path: Path) -> int:
    """Free space for this user on the device that holds ``path`` (or would: its nearest folder);
    root may also write the blocks a file system reserves for it."""
    while not path.exists() and path != path.parent:
        path = path.parent
    stat = os.statvfs(path)
    return (stat.f_bfree if os.geteuid() == 0 else stat.f_bavail) * stat.f_frsize


@contextmanager
def writing_to(folder: Path) -> Iterator[None]:
    """A write under ``folder`` that fails while its device has no room left failed for want of
    space, whatever the writer said: Polars' Parquet writer reports ENOSPC in the middle of a page
    header as "Invalid thrift: transport error", without the OS error."""
    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc) and _no_room(folder):
            raise OSError(errno.ENOSPC, f"No space left on device: {folder}") from exc
        raise


def _no_room(folder: Path) -> bool:
    try:
        return free_bytes(folder) < NO_ROOM_BYTES
    except OSError:  # the original error says more than this one
        return False
