"""Small guards where user input meets SQL or output: identifiers on an allow-list or quoted, and
catalog URIs with their passwords masked before they can be printed."""

from __future__ import annotations

import re

from python_engines.errors import EtlStackError

# an engine namespace, table, stage or column name that may be written into SQL unquoted
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# scheme://user:<password>@host — the password is whatever lies between the first ':' after the
# user and the last '@' before the host (a password may itself hold '@' or ':')
_URI_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^\s/]*@")
# key=value connection strings (libpq, JDBC): password=…, pwd=…
_KEY_PASSWORD = re.compile(r"(?P<key>\b(?:password|passwd|pwd)\s*=\s*)[^\s&;,'\"]+", re.I)
MASK = "***"


def mask_uri(text: str | None) -> str:
    """``text`` with every password of a URI (``postgresql://etl:<password>@db/x`` →
    ``postgresql://etl:***@db/x``) or a ``password=…`` pair replaced by ``***``."""
    if not text:
        return text or ""
    text = _URI_PASSWORD.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    return _KEY_PASSWORD.sub(lambda m: f"{m.group('key')}{MASK}", text)


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
