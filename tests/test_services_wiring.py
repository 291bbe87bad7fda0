"""The wiring docker-compose.yml uses, outside Docker: ``etlstack run --engine spark`` through a
real Spark standalone master + worker and a real PostgreSQL catalog on loopback, configured only
by ``ETLSTACK_SPARK_MASTER`` and ``ETLSTACK_CATALOG_URI``, writes the same tables as DuckDB."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ETLSTACK, PARITY_FIXTURE
from services import postgres_server

from bench.harness.cluster import standalone_cluster
from python_engines.core.process_tree import TreeSampler
from python_engines.inputs.discover import discover
from python_engines.lakehouse.compare import compare_engines
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

pytestmark = pytest.mark.slow  # a cluster, a database and a Spark driver: ~1 min


def test_a_spark_cluster_and_a_postgresql_catalog_from_the_environment_load_the_tables(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "lake"
    with postgres_server() as catalog_uri, standalone_cluster(1, "1g") as cluster:
        env = {
            **os.environ,
            "ETLSTACK_CATALOG_URI": catalog_uri,
            "ETLSTACK_SPARK_MASTER": cluster.master_url,
            "ETLSTACK_SPARK_DRIVER_MEMORY": "1g",
            "ETLSTACK_SPARK_SHUFFLE_PARTITIONS": "1",  # one executor core: no idle tasks
            "ETLSTACK_WAREHOUSE": str(warehouse),
        }
        command = [ETLSTACK, "run", "--engine", "spark", "--input", str(PARITY_FIXTURE)]
        with TreeSampler(cluster.worker_pids) as executors:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert executors.rss_bytes > 50 * 2**20  # an executor JVM ran under the worker

        assert not (warehouse / "catalog.db").exists()  # the catalog lives in PostgreSQL
        assert Store(warehouse, "spark", catalog_uri).runs().height == 1
        load("duckdb", discover(PARITY_FIXTURE), warehouse, catalog_uri)
        diffs = compare_engines("spark", "duckdb", warehouse, catalog_uri)
        assert [d.table for d in diffs if not d.equal] == []
        assert all(d.rows[0] > 0 for d in diffs if d.table in ("events", "sessions"))
