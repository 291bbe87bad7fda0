"""Small guards where user input meets SQL or output: identifiers on an allow-list or quoted, and
catalog URIs with their passwords masked before they can be printed."""

from __future__ import annotations

import re

from python_engines.errors import EtlStackError

# an engine namespace, table, stage or column name that may be written into SQL unquoted
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# the start of a URI: scheme:// (the text after it is searched for a user:password@)
_SCHEME = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://")
_WHITESPACE = re.compile(r"\s")
_NOT_IN_A_USER = re.compile(r"[\s/]")
_PORT = re.compile(r"\d{0,5}")  # host:7077 — a port, not a password
_MASKED = re.compile(r"\*\*\*(?!\w)")  # a password masked already (not one like ``***x``)
# key=value connection strings (libpq, JDBC): password=…, pwd=…
_KEY_PASSWORD = re.compile(r"(?P<key>\b(?:password|passwd|pwd)\s*=\s*)[^\s&;,'\"]+", re.I)
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
    The authority ends at the first '/' or the line's end; a password holding '/' is found by
    the last '@' before a space. The user (before the first ':') holds no space and no '/'."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    space = _WHITESPACE.search(text, start, line_end)
    token_end = space.start() if space else line_end
    slash = text.find("/", start, line_end)
    authority_end = line_end if slash < 0 else slash
    at = text.rfind("@", start, authority_end)
    if at < 0:
        at = text.rfind("@", start, token_end)
    colon = text.find(":", start, at if at >= 0 else min(authority_end, token_end))
    if colon < 0 or _NOT_IN_A_USER.search(text, start, colon):
        return None  # no password (``etl@db``, ``sqlite:///a:b``)
    if _MASKED.match(text, colon + 1):
        return None  # masked already (``u:***@h``, ``u:***: …`` in a message printed again)
    if at >= 0:
        return colon + 1, at
    # no '@': ``user:secret`` with no host (masked up to a space), or ``host:port``, ``[::1]``
    if text.startswith("[", start) or _PORT.fullmatch(
        text, colon + 1, min(authority_end, token_end)
    ):
        return None
    return colon + 1, token_end


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
