"""Small guards where user input meets SQL or output: identifiers on an allow-list or quoted, and
catalog URIs with their passwords masked before they can be printed."""

from __future__ import annotations

import re
import unicodedata

from python_engines.core.errors import EtlStackError

# an engine namespace, table, stage or column name that may be written into SQL unquoted
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# the start of a URI: scheme:// (the text after it is searched for a user:password@)
_SCHEME = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://")
_WHITESPACE = re.compile(r"\s")
_USER = re.compile(r"[^\s/@:]*")  # up to the ':' before a password
_PORT = re.compile(r"\d{0,5}(?=[/\s]|$)")  # host:7077 — a port, not a password
# a password masked already: *** then '@', a space, the end, or ': ' (a message goes on)
_MASKED = re.compile(r"\*\*\*(?=@|\s|$|:\s)")
# key=value connection strings (libpq, JDBC): password=…, pwd=… (quoted, a quote may hold spaces)
_KEY_PASSWORD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd)\s*=\s*)(?:'[^']*'|\"[^\"]*\"|[^\s&;,'\"]+)", re.I
)
MASK = "***"


def mask_uri(text: str | None) -> str:
    """``text`` with the password of every URI in it (``postgresql://etl:<password>@db/x`` →
    ``postgresql://etl:***@db/x``) or of a ``password=…`` pair replaced by ``***``. Tolerant of
    malformed URIs: the password is everything from the first ':' after the user to the last '@'
    of the authority (a password may hold '@', ':' or spaces); with no '@' but ``user:secret``
    (``postgresql://u:hunter2``, no host) everything after ``user:`` up to a space is masked,
    unless it is a port (``spark://host:7077``). Text without a password comes back unchanged."""
    if not text:
        return text or ""
    pieces, done = [], 0
    for scheme in _SCHEME.finditer(text):
        if scheme.start() < done:  # inside a password already masked
            continue
        span = _password_span(text, scheme.end())
        if span:
            pieces += [text[done : span[0]], MASK]
            done = span[1]
    text = "".join([*pieces, text[done:]])
    return _KEY_PASSWORD.sub(lambda m: f"{m.group('key')}{MASK}", text)


def mask_uris_in(value: object) -> object:
    """A JSON-like ``value`` (dicts, lists, strings) with ``mask_uri`` applied to every string in
    it, keys too: a results file or report keeps no password of a URI it records."""
    if isinstance(value, str):
        return mask_uri(value)
    if isinstance(value, dict):
        return {mask_uris_in(k): mask_uris_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_uris_in(v) for v in value]
    return value


def _password_span(text: str, start: int) -> tuple[int, int] | None:
    """Where the password of the URI whose authority starts at ``text[start]`` lies, or None.

    The user runs to the first ':' (no space, '/' or '@' in it; none: no password). What follows
    is a port when it is digits up to a '/', a space or the end (``spark://host:7077 failed``).
    Else the password ends at the last '@' before the first space (``u:p@ss:w0rd@host``,
    ``u:pa/ss@host``); with none there, at the first '@' later on the line (``u:se cret@host``);
    with no '@' at all, at the end of the line (``postgresql://u:hunter2``, no host: when unsure,
    mask more)."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    user = _USER.match(text, start, line_end)
    if user is None or user.end() >= line_end or text[user.end()] != ":":
        return None  # no password (``etl@db``, ``sqlite:///a:b``, ``host/x``)
    begin = user.end() + 1
    if text.startswith("[", start) or _PORT.match(text, begin, line_end):
        return None  # ``host:7077``, ``[::1]:5432``
    if _MASKED.match(text, begin, line_end):
        return None  # masked already (``u:***@h``, ``u:***: …`` in a message printed again)
    space = _WHITESPACE.search(text, begin, line_end)
    token_end = space.start() if space else line_end
    at = text.rfind("@", begin, token_end)
    if at < 0:
        at = text.find("@", token_end, line_end)
    return begin, at if at >= 0 else line_end


def check_identifier(name: str, what: str = "identifier") -> str:
    """``name`` if it is a plain SQL identifier (letters, digits, '_'; not starting with a
    digit; at most 63 characters), else a one-line error."""
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise EtlStackError(
            f"{what} {name!r} is not allowed: use letters, digits and '_' (not first), "
            "at most 63 characters"
        )
    return name


def quote_identifier(name: str) -> str:
    """A double-quoted SQL identifier (DuckDB, PostgreSQL, standard SQL) for names that come
    from a catalog rather than from this code: an embedded quote is doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A single-quoted SQL string literal (a path, a file name): an embedded quote is doubled."""
    return "'" + text.replace("'", "''") + "'"


def visible(text: object) -> str:
    """``text`` with its control characters shown as escapes (``\\x1b``, ``\\n``): an escape
    sequence in a value or a file name would make a link, clear the screen or split a line."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in str(text))
