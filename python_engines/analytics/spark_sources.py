"""The dbt sources for the ``spark`` target: one engine namespace's current snapshot files as
Spark global temp views (``global_temp.<table>``), with the same ``loaded_at`` column as the
DuckDB views, and the generator's users. No Iceberg runtime jar is needed (none installs
offline); the lakehouse is copy-on-write, so the current files are the table."""

from __future__ import annotations

from pathlib import Path

from python_engines.analytics.lakehouse_files import data_files, run_commit_times
from python_engines.analytics.lakehouse_views import read_users
from python_engines.core.errors import EtlStackError
from python_engines.core.locations import spark_file_path
from python_engines.lakehouse.catalog import open_catalog
from python_engines.lakehouse.read import committed_snapshots, read_with_spark


def _with_loaded_at(spark, name: str, table, snapshot_id: int | None, run_times: dict[str, int]):
    from pyspark.sql import functions as F

    if snapshot_id is None:  # never committed: no rows
        frame = spark.createDataFrame(table.schema().as_arrow().empty_table())
    else:
        frame = read_with_spark(table, spark, snapshot_id)
    files = data_files(name, table, snapshot_id, run_times).to_pylist()
    if not files:
        return frame.withColumn("loaded_at", F.lit(None).cast("timestamp"))
    mapping = spark.createDataFrame(
        [(spark_file_path(f["file_path"]), f["loaded_at"]) for f in files],
        "_file string, loaded_at timestamp",
    )
    return (
        frame.withColumn("_file", F.col("_metadata.file_path"))
        .join(F.broadcast(mapping), on="_file")
        .drop("_file")
    )


def _users(spark, data_dir: Path):
    return spark.createDataFrame(read_users(data_dir))


def register_spark_sources(
    spark, warehouse: Path, namespace: str, catalog_uri: str | None, data_dir: Path
) -> list[str]:
    """Register ``global_temp.<table>`` for every table of ``namespace`` and ``users``."""
    catalog = open_catalog(warehouse, catalog_uri)
    found = [ns for (ns,) in catalog.list_namespaces()]
    if namespace not in found:
        raise EtlStackError(
            f"no namespace {namespace!r} in the lakehouse at {warehouse} "
            f"(found: {', '.join(found) or 'none'}); load it with etlstack run --engine {namespace}"
        )
    committed = committed_snapshots(catalog, namespace)
    tables = {ident[-1]: catalog.load_table(ident) for ident in catalog.list_tables(namespace)}
    run_times = run_commit_times(list(tables.values()))
    names = []
    for name, table in tables.items():
        frame = _with_loaded_at(spark, name, table, committed.get(name), run_times)
        frame.createOrReplaceGlobalTempView(name)
        names.append(name)
    _users(spark, data_dir).createOrReplaceGlobalTempView("users")
    return sorted(names)
