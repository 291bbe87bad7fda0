"""Spark SQL on a local[N] session (or a cluster via ETLSTACK_SPARK_MASTER), one per process.

Tuned as a Spark engineer would for a small machine: shuffle partitions sized to the cores
(not the default 200), adaptive query execution on, UTC session time zone, no UI, driver memory
from settings. Start-up is measured separately from the stages (``startup_seconds``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa

from python_engines.core.data_files import PARTITION_KEY, FileTarget
from python_engines.core.locations import spark_file_path
from python_engines.core.memory_guard import scratch_folder
from python_engines.core.schema import RAW_COLUMNS
from python_engines.core.settings import EngineSettings
from python_engines.engines.java import ensure_java_home
from python_engines.inputs.files import Inputs

LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")
_SESSION = None
# a kept stage of at most this many rows is broadcast to the joins that read it
BROADCAST_ROWS = 250_000
# name → (identity of the Arrow table, persisted DataFrame, the table: held, so that no other
# table can be given its identity while the entry stands)
_REGISTERED: dict[str, tuple] = {}
# a partitioned write of rows as they come: a file open per partition value in each task (up to
# this many; past it Spark sorts the rest), and no sort planned before the write
CONCURRENT_WRITES = {
    "spark.sql.maxConcurrentOutputFileWriters": "64",
    "spark.sql.optimizer.plannedWrite.enabled": "false",
}


def spark_session(settings: EngineSettings):
    """The process's SparkSession (created once: JVM start-up is seconds)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    ensure_java_home()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    # a cluster's executors start Python workers: this interpreter, not whatever python3 is
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    partitions = settings.spark_shuffle_partitions or 2 * cores_in_use(settings)
    # the block manager's files (local checkpoints: gigabytes) and fetch's Parquet hand-over in a
    # folder of this process, which its exit removes even when the JVM is killed (memory_guard)
    local_dir = scratch_folder("etlstack-spark-local-")
    log4j = f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}"
    builder = SparkSession.builder
    for key, value in cluster_conf(settings).items():
        builder = builder.config(key, value)
    _SESSION = (
        builder.master(settings.spark_master or f"local[{settings.threads}]")
        .appName("etlstack")
        .config("spark.driver.memory", settings.spark_driver_memory)
        .config("spark.local.dir", str(local_dir))
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.adaptive.enabled", "true")
        # the bucketed IP ranges (well under this threshold) are broadcast to every task instead
        # of shuffled
        .config("spark.sql.autoBroadcastJoinThreshold", str(64 * 1024 * 1024))
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC {log4j}")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .getOrCreate()
    )
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def executor_cores(settings: EngineSettings) -> int | None:
    """The cores the settings give a run's executors in all (None: they do not say)."""
    if not settings.spark_executor_instances:
        return None
    return settings.spark_executor_instances * (settings.spark_executor_cores or 1)


def cores_in_use(settings: EngineSettings) -> int:
    """The cores a run's tasks take: local[threads], or a cluster's executors when the settings
    say how many (else the driver's threads stand in for them)."""
    on_cluster = bool(settings.spark_master) and not settings.spark_master.startswith("local")
    return (on_cluster and executor_cores(settings)) or settings.threads


def cluster_conf(settings: EngineSettings) -> dict[str, str]:
    """Executors' memory, cores and number (a cluster), and the event log, from settings."""
    conf = {}
    if settings.spark_executor_memory:
        conf["spark.executor.memory"] = settings.spark_executor_memory
    cores, instances = settings.spark_executor_cores, settings.spark_executor_instances
    if cores:
        conf["spark.executor.cores"] = str(cores)
    if instances:
        conf["spark.executor.instances"] = str(instances)
        # a standalone master starts executors until the run holds spark.cores.max cores
        conf["spark.cores.max"] = str(executor_cores(settings))
    if settings.spark_event_log_dir:
        folder = settings.spark_event_log_dir.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        conf["spark.eventLog.enabled"] = "true"
        conf["spark.eventLog.dir"] = folder.as_uri()
        conf["spark.eventLog.compress"] = "false"  # plain JSON lines for bench.spark_model
    return conf


def read_raw(spark, inputs: Inputs):
    """The input rows as a DataFrame: the raw string columns + ``source_file``."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    if inputs.file_format == "csv":
        schema = StructType([StructField(c, StringType()) for c in RAW_COLUMNS])
        frame = (
            spark.read.option("header", "true")
            .option("quote", '"')
            .option("escape", '"')
            # a quoted value may hold a line break (input_checks keeps such a record whole;
            # line by line, Spark split it in two rows). Each file is then one task.
            .option("multiLine", "true")
            .schema(schema)
            .csv(inputs.paths)
        )
    else:
        frame = spark.read.parquet(*inputs.paths)
    mapping = spark.createDataFrame(
        [(spark_file_path(f.path), f.source_file) for f in inputs.files],
        ["_path", "source_file"],
    )
    frame = frame.select(*RAW_COLUMNS, F.col("_metadata.file_path").alias("_path"))
    return frame.join(F.broadcast(mapping), on="_path").drop("_path")


class SparkEngine:
    name = "spark"
    frames_in_process = False

    # any stage read once is kept as a view: 10M geolocated + sessionized ran faster with
    # geolocated planned into sessionized than with a local checkpoint each
    plans_views = "stages"

    def __init__(self, settings: EngineSettings) -> None:
        started = time.perf_counter()
        self.spark = spark_session(settings)
        self.startup_seconds = time.perf_counter() - started
        self.cached: dict = {}

    def load_raw(self, inputs: Inputs) -> int:
        """Parquet: a view that cleansing reads once (counting its rows decodes no value; a
        copy of every row in the block store cost more than reading the files again). CSV:
        kept, as parsing records that may span lines is the costly part."""
        frame = read_raw(self.spark, inputs)
        if inputs.file_format == "csv":
            return self._keep("raw_events", frame)
        frame.createOrReplaceTempView("raw_events")
        return frame.count()

    def register(self, name: str, table: pa.Table) -> None:
        """Arrow → Spark; a table registered before in this session (the reference) is reused."""
        key = (name, id(table), table.num_rows)
        if _REGISTERED.get(name, (None,))[0] != key:
            if name in _REGISTERED:  # another table under the name: its cached rows go
                _REGISTERED.pop(name)[1].unpersist()
            frame = self.spark.createDataFrame(table).persist()
            frame.count()
            _REGISTERED[name] = (key, frame, table)
        _REGISTERED[name][1].createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str, once: bool = False) -> None:
        """A temp view when one later read takes the rows (Spark plans it into that read): a
        local checkpoint writes every row to the block store and counts them, which only pays
        when several stages read them."""
        if once:
            self.spark.sql(sql).createOrReplaceTempView(name)
        else:
            self._keep(name, self.spark.sql(sql))

    def fetch(self, name: str) -> pa.Table:
        """Spark writes the table as Parquet (from its tasks) and Arrow reads the files:
        ``toArrow()`` collects every batch in the driver's heap first (10M events ran a 6 GB
        driver out of memory)."""
        import pyarrow.parquet as pq

        scratch = self.spark.conf.get("spark.local.dir")  # removed even if the process is killed
        folder = Path(tempfile.mkdtemp(prefix=f"etlstack-spark-{name}-", dir=scratch))
        try:
            self.spark.table(name).write.mode("overwrite").parquet(str(folder / name))
            return pq.read_table(folder / name)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def fetch_frame(self, name: str) -> pl.DataFrame:
        return pl.from_arrow(self.fetch(name))

    def write_parquet(self, sql: str, target: FileTarget, input_order: bool = False) -> None:
        """Written by Spark's tasks, in parallel, one folder per partition value. Spark sorts a
        task's rows by the partition value before a partitioned write; rows in input order (a
        task's few days) are written as they come instead, a file open per day (10M cleansed
        rows: the sort spilled 0.9-1.2 GB; unsorted, the write took 21 s instead of 25 s). Rows
        spread over every day by a shuffle are still sorted: a writer open per day in every task
        was slower (10M events: 22 s instead of 17 s)."""
        from pyspark.sql import functions as F

        frame = self.spark.sql(sql)
        frame = frame.select(
            *(F.col(f.name).cast(_spark_type(f.type)).alias(f.name) for f in target.schema)
        )
        writer = frame.write.mode("overwrite")
        if target.partition_column is not None:
            key = F.col(target.partition_column)
            frame = frame.withColumn(PARTITION_KEY, F.to_date(key) if target.by_day else key)
            writer = frame.write.mode("overwrite").partitionBy(PARTITION_KEY)
        unsorted = input_order and target.partition_column is not None
        with _spark_conf(self.spark, CONCURRENT_WRITES if unsorted else {}):
            writer.parquet(str(target.folder))

    def drop(self, name: str) -> None:
        """Free a stage, or a registered table no later stage reads (the stored rows a run
        re-registers as raw_events): registrations a run keeps (the reference) stay for reuse."""
        if name in self.cached:
            self.cached.pop(name).unpersist()
        if name in _REGISTERED:
            _REGISTERED.pop(name)[1].unpersist()
        self.spark.catalog.dropTempView(name)

    def _keep(self, name: str, frame) -> int:
        """Materialise a stage with its lineage cut (a local checkpoint). A persisted DataFrame
        behind a temp view is not found in the cache when its plan holds CTEs: every later stage
        silently recomputed all earlier ones (a 1M-row run slowed to a crawl; the plans showed
        the whole cleansing chain under rejected_events)."""
        from pyspark import StorageLevel

        frame = frame.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
        rows = frame.count()
        if rows <= BROADCAST_ROWS:
            # a checkpoint's size is unknown to the planner, which then shuffles both sides of a
            # join with it (10M events: every passing row, to meet the ids with copies); cached,
            # its size is known and a small stage is broadcast to the join instead
            frame = frame.cache()
            frame.count()
        frame.createOrReplaceTempView(name)
        replaced = self.cached.get(name)  # a stage made again from itself (cleansed + stored rows)
        self.cached[name] = frame
        if replaced is not None:
            replaced.unpersist()
        return rows

    def close(self) -> None:
        for frame in self.cached.values():
            frame.unpersist()
        self.cached.clear()
        for view in self.spark.catalog.listTables():
            if view.isTemporary and view.name not in _REGISTERED:
                self.spark.catalog.dropTempView(view.name)


@contextmanager
def _spark_conf(spark, conf: dict[str, str]) -> Iterator[None]:
    """Runtime SQL settings (each with a default) for the block, then back to what they were."""
    before = {key: spark.conf.get(key) for key in conf}
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def _spark_type(arrow_type: pa.DataType) -> str:
    """The Spark SQL type an Arrow type is written as (a UTC timestamp: Spark's ``timestamp``)."""
    if pa.types.is_timestamp(arrow_type):
        return "timestamp" if arrow_type.tz else "timestamp_ntz"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return {pa.int64(): "bigint", pa.int32(): "int", pa.bool_(): "boolean", pa.date32(): "date"}[
        arrow_type
    ]
