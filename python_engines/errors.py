"""The one exception type users see: the CLI prints its message on one line and exits non-zero."""

import errno


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
