"""A real Spark standalone cluster (master + one worker from pyspark's launch classes) starts,
runs a job submitted to its master URL, and is gone after the context manager exits."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from bench.harness.cluster import standalone_cluster
from python_engines.core.process_tree import TreeSampler

pytestmark = pytest.mark.slow  # make test-fast leaves these out (see the Makefile)

JOB = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("cluster-test").getOrCreate()
print("sum", spark.range(1000).selectExpr("sum(id) as s").collect()[0]["s"])
print("master", spark.sparkContext.master)
"""


def test_cluster_of_one_worker_runs_a_job_and_stops_cleanly() -> None:
    with standalone_cluster(workers=1, worker_memory="1g") as cluster:
        pids = [p.pid for p in cluster.processes]
        assert cluster.master_url.startswith("spark://127.0.0.1:")
        assert all(psutil.pid_exists(pid) for pid in pids)
        env = {
            **os.environ,
            "PYSPARK_SUBMIT_ARGS": f"--master {cluster.master_url} --conf spark.cores.max=1 "
            "--conf spark.executor.cores=1 --conf spark.executor.memory=512m pyspark-shell",
            "PYSPARK_PYTHON": sys.executable,
        }
        with TreeSampler(cluster.worker_pids) as executors:
            done = subprocess.run(
                [sys.executable, "-c", JOB], env=env, capture_output=True, text=True, timeout=300
            )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "sum 499500" in done.stdout
        assert f"master {cluster.master_url}" in done.stdout
        assert executors.rss_bytes > 50 * 2**20  # the executor JVM ran under the worker
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in pids
    )
