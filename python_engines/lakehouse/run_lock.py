"""One run at a time per engine namespace: a second ``etlstack run`` on the same namespace waits
(and says so), then loads only what the first one left, or gives up after a timeout.

The lock lives where the catalog lives, so every process that can write the tables sees it:
- a sqlite catalog: an ``fcntl.flock`` on ``<catalog file>.<namespace>.lock`` beside it;
- a PostgreSQL catalog: a session advisory lock (``pg_try_advisory_lock``) on a connection held
  for the whole run.
Both are released by the operating system or the server when the holder dies (a SIGKILL leaves no
stale lock behind; the next run's recovery sets the tables back). Other catalogs fall back to a
file lock in the warehouse folder (one machine only).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from python_engines.core.errors import EtlStackError
from python_engines.core.security import check_identifier, mask_uri, visible
from python_engines.lakehouse.catalog import catalog_error

POLL_SECONDS = 0.5
LOCK_CLASS = 0x45544C53  # "ETLS": the first key of every etlstack advisory lock in PostgreSQL


def _lock_file(warehouse: Path, namespace: str, catalog_uri: str | None) -> Path:
    database = None
    if catalog_uri is None:
        database = warehouse.resolve() / "catalog.db"
    elif catalog_uri.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        name = make_url(catalog_uri).database
        database = Path(name).resolve() if name and name != ":memory:" else None
    if database is None:
        database = warehouse.resolve() / "catalog"
    database.parent.mkdir(parents=True, exist_ok=True)
    return database.with_name(f"{database.name}.{namespace}.lock")


def _is_postgres(catalog_uri: str | None) -> bool:
    return bool(catalog_uri) and catalog_uri.split(":", 1)[0].split("+")[0] in (
        "postgresql",
        "postgres",
    )


class _FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("a+")

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}\n")
        self.handle.flush()
        return True

    def holder(self) -> str:
        with contextlib.suppress(OSError):
            text = self.path.read_text().strip()
            if text:
                return text
        return "pid unknown"

    def release(self) -> None:
        self.handle.close()  # closing the descriptor drops the flock


class _PostgresLock:
    def __init__(self, catalog_uri: str, namespace: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        digest = hashlib.sha256(namespace.encode()).digest()
        self.keys = {"a": LOCK_CLASS, "b": int.from_bytes(digest[:4], "big", signed=True)}
        try:  # a URI that does not parse raises here, its password in the message
            self.engine = create_engine(
                catalog_uri,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",  # no transaction stays open for the run
                connect_args={"application_name": f"etlstack run pid {os.getpid()}"},
            )
            self.connection = self.engine.connect()
        except Exception as exc:
            raise catalog_error(catalog_uri, exc) from None

    def try_acquire(self) -> bool:
        from sqlalchemy import text

        sql = text("select pg_try_advisory_lock(:a, :b)")
        return bool(self.connection.execute(sql, self.keys).scalar())

    def holder(self) -> str:
        from sqlalchemy import text

        sql = text(
            "select a.application_name, a.client_addr from pg_locks l "
            "join pg_stat_activity a on a.pid = l.pid "
            "where l.locktype = 'advisory' and l.granted and l.objsubid = 2 "
            "and l.classid = :a and l.objid = :b "  # advisory locks are per database
            "and l.database = (select oid from pg_database where datname = current_database())"
        )
        unsigned = {"a": self.keys["a"], "b": self.keys["b"] & 0xFFFFFFFF}
        row = self.connection.execute(sql, unsigned).first()
        if row is None:
            return "pid unknown"
        name = (row[0] or "").removeprefix("etlstack run ") or "pid unknown"
        return f"{name} on {row[1]}" if row[1] else name

    def release(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()  # the server drops the session's advisory locks
        self.engine.dispose()


def _open(warehouse: Path, namespace: str, catalog_uri: str | None):
    if _is_postgres(catalog_uri):
        return _PostgresLock(catalog_uri, namespace)
    return _FileLock(_lock_file(warehouse, namespace, catalog_uri))


@contextlib.contextmanager
def namespace_lock(
    warehouse: Path,
    namespace: str,
    catalog_uri: str | None = None,
    timeout_seconds: float = 600.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the namespace's run lock; wait at most ``timeout_seconds`` for another run to end
    (0: refuse at once). ``on_wait`` gets one line when this run has to wait."""
    check_identifier(namespace, "engine namespace")
    where = mask_uri(catalog_uri) if catalog_uri else str(warehouse.resolve())
    lock = _open(warehouse, namespace, catalog_uri)
    try:
        deadline = time.monotonic() + timeout_seconds
        told = False
        while not lock.try_acquire():
            if time.monotonic() >= deadline:
                raise EtlStackError(
                    f"warehouse {where}: another run on namespace {namespace} is still in "
                    f"progress ({lock.holder()}) after {timeout_seconds:g} s; nothing was "
                    "loaded: try again later (ETLSTACK_LOCK_TIMEOUT_SECONDS sets the wait)"
                )
            if not told and on_wait is not None:
                on_wait(
                    f"warehouse {where}: another run on namespace {namespace} is in progress "
                    f"({lock.holder()}), waiting up to {timeout_seconds:g} s…"
                )
            told = True
            time.sleep(POLL_SECONDS)
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def try_namespace_lock(
    warehouse: Path, namespace: str, catalog_uri: str | None = None
) -> Iterator[bool]:
    """The lock if no run holds it, without waiting: True inside when held (a reader that
    would repair the tables — ``etlstack history`` — must not do so under a running load)."""
    check_identifier(namespace, "engine namespace")
    lock = _open(warehouse, namespace, catalog_uri)
    try:
        yield lock.try_acquire()
    finally:
        lock.release()


def _print_wait(message: str) -> None:
    # plain stderr: a progress display (Rich) prints it above itself; no layer above is called
    print(visible(message), file=sys.stderr, flush=True)


@contextlib.contextmanager
def run_lock(warehouse: Path, namespace: str, catalog_uri: str | None = None) -> Iterator[None]:
    """The lock a load holds: it waits ``ETLSTACK_LOCK_TIMEOUT_SECONDS`` at most, and says so on
    stderr."""
    from python_engines.core.settings import PathSettings

    timeout = PathSettings().lock_timeout_seconds
    with namespace_lock(Path(warehouse), namespace, catalog_uri, timeout, on_wait=_print_wait):
        yield
