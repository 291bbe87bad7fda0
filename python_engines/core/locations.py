"""The warehouse folder as every reader names it: the catalog's ``sqlite:///`` URI and ``file://``
location, the engines' paths to the stored files, dbt-spark's ``location '…'``.

These readers do not agree on escapes (pyiceberg does not decode a location's ``%20``, Spark
does; Polars, DuckDB and Spark expand ``* ? [ ] { }`` in a path they read; SQLAlchemy cuts a URI
at ``?`` and ``#``), so no escaping is right for all of them. A warehouse path is instead kept to
characters every one of them reads as themselves, and a path that holds another is refused in
one line before anything is written. Spaces, quotes and letters of any script are kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from python_engines.core.errors import EtlStackError
from python_engines.core.security import visible

# what Spark, Polars and DuckDB expand in a path they read
PATTERN = "*?[]{}"
# a URI's query, fragment and escapes; patterns and their escape; ':' (Hadoop). Quotes are fine:
# SQL gets the path as a literal (``quote_literal``; dbt-spark's ``location`` through
# ``macros/spark_location.sql``). An input file is not refused for these: it is read through a
# plain link (``is_plain_path``, ``inputs/checks``)
UNSAFE = "#%\\:" + PATTERN


def lakehouse_folder(path: Path) -> Path:
    """``path`` resolved, or a one-line error when no reader could name it safely: it holds a
    character of ``UNSAFE`` or a control character (a line break), or it is a link to nothing
    (a run would create the link's target somewhere else)."""
    for part in (path, *path.parents):  # ``link/lake``: the run would create link's target
        if part.is_symlink() and not part.exists():
            raise EtlStackError(
                f"warehouse {visible(path)}: {visible(part)} is a link to nothing "
                f"({visible(os.readlink(part))}): create its target or choose another folder"
            )
    folder = path.resolve()
    text = str(folder)
    bad = sorted({c for c in text if c in UNSAFE or not c.isprintable()})
    if bad:
        shown = " ".join(repr(c)[1:-1] if c.isprintable() else repr(c) for c in bad)
        raise EtlStackError(
            f"warehouse {text!r}: a warehouse path cannot hold {shown} (catalog URIs, engine "
            "paths or SQL would read them otherwise): choose another folder"
        )
    return folder


def file_uri(folder: Path) -> str:
    """The ``file://`` location of a folder of a checked warehouse (``lakehouse_folder``), as
    pyiceberg records it: its own spelling, the path as is, with nothing to escape."""
    return f"file://{folder}"


def sqlite_uri(file: Path) -> str:
    """SQLAlchemy's URI of a sqlite file in a checked warehouse (``lakehouse_folder``)."""
    return f"sqlite:///{file}"


# what a path may hold for every engine to read it as itself (letters and digits of any script)
_PLAIN_PUNCTUATION = frozenset("/._-+=@~")


def is_plain_path(path: Path) -> bool:
    """True when no engine can read ``path`` as anything but itself: letters, digits and
    ``/._-+=@~`` only (``=`` only where hive partitioning is off: DuckDB read ``user_id=eve/``
    as a column), and a file name that does not start with ``_`` or ``.`` (Spark's hidden
    files). Input files that are not plain are read through a plain link (``inputs/checks``)."""
    text = path.as_posix()
    return all(c.isalnum() or c in _PLAIN_PUNCTUATION for c in text) and not path.name.startswith(
        ("_", ".")
    )


# what Java's URI (Hadoop's ``Path.toUri``) escapes in a path: Spark's ``_metadata.file_path``
# reads ``file:/a%20b'%22é/x`` for the file /a b'"é/x (a quote kept, letters of any script too)
_JAVA_ESCAPED = frozenset(' "<>^`|[]{}\\%#?')


def spark_file_path(path: str | Path) -> str:
    """How Spark's ``_metadata.file_path`` spells a local file, given as a path or as the
    catalog names it (``file:///x``)."""
    text = str(path).removeprefix("file://")
    return "file:" + "".join(
        quote(c) if c in _JAVA_ESCAPED or not c.isprintable() else c for c in text
    )
