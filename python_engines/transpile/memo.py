"""What the SQL compiles to, kept on disk between processes, as Python keeps bytecode in
``__pycache__``: a command no longer imports sqlglot, parses the stage files and generates each
engine's SQL on every run. That was a noticeable part of every command (of a daily load into a
10M lakehouse too).

Every answer is keyed by a fingerprint of all it depends on: the stage files, this package's
code and sqlglot's version. A changed stage, a code change or an upgrade reads another file.
A missing, unreadable or unwritable cache only means the work is done again.
Where: ``$XDG_CACHE_HOME/etlstack`` (default ``~/.cache/etlstack``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent
STALE_AFTER_SECONDS = 7 * 24 * 3600  # another fingerprint's file, untouched this long, goes


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "etlstack"


@cache
def fingerprint() -> str:
    from python_engines.transpile import SQL_DIR

    digest = hashlib.sha256(f"sqlglot {version('sqlglot')}".encode())
    for path in sorted(SQL_DIR.glob("*.sql")) + sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _path() -> Path:
    return cache_dir() / f"sql-{fingerprint()}.json"


def _read() -> dict:
    try:
        entries = json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


@cache
def _entries() -> dict:
    return _read()


def remembered(key: str, compute: Callable[[], T]) -> T:
    """The answer stored under ``key``, or ``compute()``'s (then stored). Answers are JSON: a
    tuple comes back as a list."""
    entries = _entries()
    if key not in entries:
        entries[key] = compute()
        _write(entries)
    return entries[key]


def _write(entries: dict) -> None:
    """Merged with what another process wrote meanwhile; replaced whole (never half-written)."""
    folder = cache_dir()
    written = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        merged = _read() | entries
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False) as out:
            written = Path(out.name)
            json.dump(merged, out)
        os.replace(written, _path())
        written = None
        _forget_stale(folder)
    except OSError:
        return
    finally:
        if written is not None:
            written.unlink(missing_ok=True)


def _forget_stale(folder: Path) -> None:
    now = time.time()
    for path in folder.glob("sql-*.json"):
        if path != _path() and now - path.stat().st_mtime > STALE_AFTER_SECONDS:
            path.unlink(missing_ok=True)
