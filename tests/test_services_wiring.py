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
from bench.spark_model.event_log import read_event_log
from python_engines.core.process_tree import TreeSampler
from python_engines.inputs.discover import discover
from python_engines.lakehouse.compare import compare_engines
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

pytestmark = pytest.mark.slow  # a cluster, a database and a Spark driver: ~1 min


def test_a_spark_cluster_and_a_postgresql_catalog_from_the_environment_load_the_tables(
    tmp_path: Path,
) -> None:
    """Two one-core workers, the executors sized by ETLSTACK_SPARK_EXECUTOR_*: both run tasks
    (Spark's own event log says where each task ran), and the run commits to the catalog."""
    warehouse, events = tmp_path / "lake", tmp_path / "event-log"
    with postgres_server() as catalog_uri, standalone_cluster(2, "1g") as cluster:
        env = {
            **os.environ,
            "ETLSTACK_CATALOG_URI": catalog_uri,
            "ETLSTACK_SPARK_MASTER": cluster.master_url,
            "ETLSTACK_SPARK_DRIVER_MEMORY": "1g",
            "ETLSTACK_SPARK_EXECUTOR_MEMORY": "768m",
            "ETLSTACK_SPARK_EXECUTOR_CORES": "1",
            "ETLSTACK_SPARK_EXECUTOR_INSTANCES": "2",
            "ETLSTACK_SPARK_EVENT_LOG_DIR": str(events),
            "ETLSTACK_WAREHOUSE": str(warehouse),
        }
        command = [ETLSTACK, "run", "--engine", "spark", "--input", str(PARITY_FIXTURE)]
        with TreeSampler(cluster.worker_pids) as executors:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert executors.rss_bytes > 100 * 2**20  # executor JVMs ran under the workers

        log = read_event_log(next(events.iterdir()))
        assert dict(log.executors) == {"0": 1, "1": 1}  # two executors of one core each
        ran_on = {t.executor_id for s in log.stages.values() for t in s.tasks}
        assert ran_on == {"0", "1"}

        assert not (warehouse / "catalog.db").exists()  # the catalog lives in PostgreSQL
        assert Store(warehouse, "spark", catalog_uri).runs().height == 1
        load("duckdb", discover(PARITY_FIXTURE), warehouse, catalog_uri)
        diffs = compare_engines("spark", "duckdb", warehouse, catalog_uri)
        assert [d.table for d in diffs if not d.equal] == []
        assert all(d.rows[0] > 0 for d in diffs if d.table in ("events", "sessions"))
