"""The one exception type users see: the CLI prints its message on one line and exits non-zero."""


class EtlStackError(Exception):
    """An error with a message meant for the user (no traceback)."""
