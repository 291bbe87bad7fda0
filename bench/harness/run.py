"""The bench run: for each size, rounds of every case in turn (round-robin), each try a fresh
process; round 1's fingerprints must agree across cases before any time is kept."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.harness.cluster import Cluster, standalone_cluster
from bench.harness.fingerprint import check_agree
from bench.harness.input_cache import cached_input
from bench.harness.machine import RESULTS
from bench.harness.matrix import Case, Matrix, base_engine
from bench.harness.memory_cap import MemoryWatchdog
from bench.harness.results_json import ResultsWriter
from bench.spark_model.digest import digest_folder
from python_engines.core.errors import EtlStackError
from python_engines.core.process_tree import TreeSampler, cores_available

# (description, try number, tries in all) → the progress display
OnTry = Callable[[str, int, int], None]


def try_environment(case: Case, cluster: Cluster | None, master: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "POLARS_MAX_THREADS": str(case.threads),
        "ETLSTACK_THREADS": str(case.threads),
    }  # SPARK_LOCAL_IP and PYSPARK_PYTHON: the Spark adapter sets them (spark_engine.py)
    env.pop("ETLSTACK_SPARK_MASTER", None)
    if case.cluster_workers and cluster is not None:
        env["ETLSTACK_SPARK_MASTER"] = cluster.master_url
        # K one-core executors, one per worker (the settings etlstack run takes on a cluster)
        env["ETLSTACK_SPARK_EXECUTOR_INSTANCES"] = str(case.cluster_workers)
        env["ETLSTACK_SPARK_EXECUTOR_CORES"] = "1"
        env["ETLSTACK_SPARK_EXECUTOR_MEMORY"] = cluster.worker_memory
    elif base_engine(case.engine) == "spark" and master:
        env["ETLSTACK_SPARK_MASTER"] = master
    return env


def run_try(
    case: Case,
    folder: Path,
    load: bool,
    cluster: Cluster | None,
    master: str | None,
    memory_cap_bytes: int | None = None,
) -> dict:
    """One fresh process; the cluster's executors (not our children) are sampled from outside.
    Under a memory cap a try that goes over it is stopped: ``{"over_memory_cap": True, ...}``."""
    command = [sys.executable, "-m", "bench.harness.measure_once", case.engine, str(folder)]
    command += ["--load"] if load else []
    roots = cluster.worker_pids if (cluster and case.cluster_workers) else []
    env = try_environment(case, cluster, master)
    spark = base_engine(case.engine) == "spark"
    with tempfile.TemporaryDirectory(prefix="bench-spark-events-") as events:
        if spark:  # Spark's own record of jobs, stages and tasks (bench.spark_model)
            env["ETLSTACK_SPARK_EVENT_LOG_DIR"] = events
        figures = _measured(command, env, roots, memory_cap_bytes)
        if spark and "wall_seconds" in figures:
            figures["spark_event_log"] = digest_folder(Path(events))
    if memory_cap_bytes and figures.get("over_memory_cap"):
        return figures
    if figures.pop("returncode") != 0:
        lines = [line for line in figures["stderr"].strip().splitlines() if line.strip()]
        raise EtlStackError(f"{case.label} on {folder.name} failed: {(lines or ['?'])[-1]}")
    return figures


def _measured(command: list[str], env: dict, roots: list[int], memory_cap_bytes: int | None):
    """The try's process run and sampled; its figures, or how it failed or was stopped."""
    started = time.perf_counter()
    with TreeSampler(roots) as executors:
        child = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group: a cap stops it and its JVM
        )
        watchdog = (
            MemoryWatchdog(memory_cap_bytes, child.pid, roots)
            if memory_cap_bytes
            else contextlib.nullcontext()
        )
        with watchdog:
            stdout, stderr = child.communicate()
    wall = time.perf_counter() - started
    if memory_cap_bytes and watchdog.exceeded:
        return {"over_memory_cap": True, "rss_when_stopped": watchdog.highest, "seconds": wall}
    if child.returncode != 0:
        return {"returncode": child.returncode, "stderr": stderr}
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_rss_bytes"] += executors.rss_bytes
    figures["cpu_seconds"] += executors.cpu_seconds
    figures["process_seconds"] = wall  # with interpreter exit and output hashing
    figures["returncode"] = 0
    return figures


def over_cap_record(case: Case, rows: int, number: int, figures: dict, cap: int) -> dict:
    """A try stopped at the memory cap: no times (it did not finish), kept in the list."""
    return {
        "engine": case.engine,
        "rows": rows,
        "repeat": number,
        "threads": case.threads,
        "cluster_workers": case.cluster_workers,
        "over_memory_cap": True,
        "memory_cap_bytes": cap,
        "rss_when_stopped": figures["rss_when_stopped"],
        "seconds_until_stopped": round(figures["seconds"], 3),
    }


def try_record(case: Case, rows: int, number: int, figures: dict) -> dict:
    wall = figures["wall_seconds"]
    return {
        "engine": case.engine,
        "rows": rows,
        "repeat": number,
        "threads": case.threads,
        "wall_seconds": round(wall, 3),
        "startup_seconds": figures["startup_seconds"],
        "stages": figures["stages"],
        "peak_rss_bytes": figures["peak_rss_bytes"],
        "cpu_seconds": round(figures["cpu_seconds"], 3),
        "cpu_percent": round(100 * figures["cpu_seconds"] / (wall * cores_available()), 1),
        "events_per_second": round(rows / wall, 1),
        "output_fingerprint": figures["output_fingerprint"],
        # beside the contract's fields: what tells the cases apart and labels the tries
        "cluster_workers": case.cluster_workers,
        "cold": number == 1,
        "rows_in": figures["rows_in"],
        "process_seconds": round(figures["process_seconds"], 3),
        # Spark's jobs, stages and task timings (bench.spark_model.digest); None elsewhere
        "spark_event_log": figures.get("spark_event_log"),
    }


@contextlib.contextmanager
def maybe_cluster(matrix: Matrix, needed: bool = True) -> Iterator[Cluster | None]:
    if not (needed and matrix.cluster_workers):
        yield None
        return
    with standalone_cluster(max(matrix.cluster_workers), matrix.worker_memory) as cluster:
        yield cluster


def run_bench(
    matrix: Matrix,
    out: Path,
    on_try: OnTry | None = None,
    cache: Path | None = None,
    archive: Path | None = RESULTS,
) -> Path:
    total = sum(len(matrix.cases(rows)) for rows in matrix.rows) * matrix.repeat
    writer = ResultsWriter(out, matrix, archive)
    tries: list[dict] = []
    verified: list[int] = []
    done = 0
    cap = int(matrix.memory_cap_gib * 2**30) if matrix.memory_cap_gib else None
    over_cap: set[Case] = set()  # cases that went over the cap: not tried on larger sizes
    for rows in matrix.rows:
        if on_try:
            on_try(f"{rows:,} rows: generating or reusing input", done, total)
        folder, generated = (
            cached_input(rows, matrix.seed, cache) if cache else cached_input(rows, matrix.seed)
        )
        cases = matrix.cases(rows)
        size_tries: list[dict] = []
        # a cluster only for the size that has cluster cases (idle JVMs are not free)
        with maybe_cluster(matrix, any(c.cluster_workers for c in cases)) as cluster:
            for number in range(1, matrix.repeat + 1):
                for case in cases:
                    done += 1
                    if case in over_cap:
                        continue
                    if on_try:
                        label = f"{rows:,} rows · {case.label} · try {number} of {matrix.repeat}"
                        on_try(label, done - 1, total)
                    figures = run_try(case, folder, matrix.load, cluster, matrix.spark_master, cap)
                    if figures.get("over_memory_cap"):
                        over_cap.add(case)
                        size_tries.append(over_cap_record(case, rows, number, figures, cap))
                        continue
                    record = try_record(case, rows, number, figures)
                    # the one try that read files just written (their pages still cached)
                    record["first_after_generation"] = generated and not size_tries
                    size_tries.append(record)
                if number == 1:  # verified before timed: nothing of this size is kept before
                    finished = [t for t in size_tries if not t.get("over_memory_cap")]
                    check_agree(
                        f"{rows:,} rows",
                        {Case.of(t).label: t["output_fingerprint"] for t in finished},
                    )
                    verified.append(rows)
                writer.save(tries + size_tries, verified)
        tries += size_tries
    if on_try:
        on_try("done", done, total)
    return writer.path
