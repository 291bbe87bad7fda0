"""Real servers the tests start on loopback and stop again: PostgreSQL (an Iceberg catalog several
users share). Spark standalone clusters come from ``bench.harness.cluster``."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.harness.cluster import free_port


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        raise RuntimeError(
            f"{name} not found: install PostgreSQL (.ci/run does: apt-get install postgresql)"
        )
    return str(found)


@contextlib.contextmanager
def postgres_server(password: str | None = None) -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1; yields its SQLAlchemy URI (user ``etl``; with
    ``password``, password authentication on TCP). initdb refuses root: it then runs as the
    postgres user, in a folder that user can reach (pytest's own tmp folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="etlstack-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = functools.partial(subprocess.run, check=True, capture_output=True)
    init = [*as_user, _pg_bin("initdb"), "-D", str(data), "-U", "etl"]
    if password:
        secret = folder / "pwfile"
        secret.write_text(password + "\n")
        if as_user:
            shutil.chown(secret, "postgres")
        init += ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
    else:
        init += ["--auth=trust"]
    run(init)
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    log = str(folder / "server.log")  # the server must not hold our output pipes open
    run([*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"])
    user = f"etl:{password}" if password else "etl"
    try:
        yield f"postgresql+psycopg2://{user}@127.0.0.1:{port}/postgres"
    finally:
        run([*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
