"""Build the dbt marts in this process: ``duckdb`` (the default target, as ``dbt build`` does)
or ``spark`` (dbt-spark ``method: session``: the sources must be registered in the same
process's SparkSession before dbt runs, so a bare ``dbt build --target spark`` cannot work)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from python_engines.core.errors import EtlStackError
from python_engines.core.locations import lakehouse_folder
from python_engines.core.security import check_identifier

PROJECT_DIR = Path(__file__).resolve().parents[2]  # dbt_project.yml and profiles.yml
TARGETS = ("duckdb", "spark")
SPARK_MARTS = "marts_spark"  # <warehouse>/marts_spark/<table>: the Spark target's Parquet tables


@dataclass(frozen=True)
class MartsRequest:
    target: str
    engine: str
    warehouse: Path
    data_dir: Path
    catalog_uri: str | None = None
    full_refresh: bool = False
    command: str = "build"
    resource_types: tuple[str, ...] = ()  # build only these (e.g. seed, model); default all


def dbt_args(request: MartsRequest) -> list[str]:
    args = [
        request.command,
        "--target",
        request.target,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--vars",
        json.dumps({"engine": request.engine}),
    ]
    if request.target == "spark":
        # the unit tests' given rows stand in for staging models, which are ephemeral on Spark
        # (dbt needs a relation to read their columns from): they run on the duckdb target
        args += ["--exclude-resource-type", "unit_test"]
    for resource_type in request.resource_types:
        args += ["--resource-type", resource_type]
    return [*args, "--full-refresh"] if request.full_refresh else args


def _point_profiles_at(request: MartsRequest) -> None:
    """profiles.yml reads these (absolute: Spark resolves table locations on its own). The
    catalog URI (it may hold a password) reaches dbt this way only: never on its command line."""
    os.environ["ETLSTACK_WAREHOUSE"] = str(request.warehouse)  # checked by run_dbt
    os.environ["ETLSTACK_DATA_DIR"] = str(request.data_dir.resolve())
    if request.catalog_uri:
        os.environ["ETLSTACK_CATALOG_URI"] = request.catalog_uri


def prepare_spark(request: MartsRequest, engine_settings=None):
    """Start (or reuse) the process's SparkSession and register the sources; the previous
    Spark marts are removed (the session's catalog forgets tables when the process ends, and
    Spark refuses to create a table over a non-empty location)."""
    from python_engines.analytics.spark_sources import register_spark_sources
    from python_engines.core.settings import EngineSettings
    from python_engines.engines.spark_engine import spark_session

    spark = spark_session(engine_settings or EngineSettings())
    register_spark_sources(
        spark, request.warehouse, request.engine, request.catalog_uri, request.data_dir
    )
    shutil.rmtree(request.warehouse / SPARK_MARTS, ignore_errors=True)
    return spark


def run_dbt(request: MartsRequest, engine_settings=None) -> None:
    from dbt.cli.main import dbtRunner

    if request.target not in TARGETS:
        raise EtlStackError(f"unknown target {request.target!r}: choose duckdb or spark")
    check_identifier(request.engine, "engine namespace")  # dbt writes var('engine') into SQL
    # checked once: a path dbt-spark's location '…' could not hold is refused here
    request = replace(request, warehouse=lakehouse_folder(request.warehouse))
    if not (request.warehouse / "catalog.db").exists() and not request.catalog_uri:
        raise EtlStackError(
            f"no lakehouse at {request.warehouse}: run make demo or etlstack run first"
        )
    _point_profiles_at(request)
    if request.target == "spark":
        prepare_spark(request, engine_settings)
    args = dbt_args(request)
    # dbt logs sys.argv as its invocation_command (logs/dbt.log, target/run_results.json): its
    # own arguments then, not this process's (`etlstack marts --catalog-uri <password>`)
    argv, sys.argv = sys.argv, ["dbt", *args]
    try:
        result = dbtRunner().invoke(args)
    finally:
        sys.argv = argv
    if not result.success:
        raise EtlStackError(f"dbt {request.command} --target {request.target} failed (see above)")
