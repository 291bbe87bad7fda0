"""The same pipeline hand-written with the PySpark DataFrame API — a benchmark baseline only.

What a Spark engineer would write: the cleansed frame is persisted once because both outputs read
it; the event_ids that passing rows share come from a hash aggregate of the ids alone (a few per
thousand, broadcast), and only their rows are ranked by a window (a window over every row shuffles
and sorts every column to find them); the project's IP ranges bucketed by /16 block are
broadcast for an equi-join plus a between filter, and ``lag``/``lead`` + a running ``max`` over
one (user, time, id) ordering give the sessions. Each output is written as Parquet by the tasks
and read back with pyarrow (as SparkEngine.fetch does); the sessions are aggregated from the
written events (``min_by``/``max_by``), not from a second run of the event chain. No stage is
checkpointed. It reuses the process's SparkSession (python_engines.engines.spark_engine), so the
settings are the SQL path's. It is a second implementation of the rules in python_engines/sql/,
kept out of the product on purpose; the benchmark (bench/harness/run.py) checks its tables equal
the SQL path's before any timing is trusted.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.core.schema import OUTPUTS, RAW_COLUMNS, conform
from python_engines.core.settings import EngineSettings
from python_engines.engines.spark_engine import read_raw, spark_session
from python_engines.inputs.files import Inputs
from python_engines.reference import BUCKET_BITS, bucketed_ip_ranges

WHITESPACE = " \t\r\n"
ISO = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9]([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$"
)
# after the shape check: 'T' only ever separates date and time; 1-6 fraction digits; Z or ±hh:mm
TS_FORMAT = "yyyy-MM-dd HH:mm:ss[.SSSSSS][XXX]"
DOTTED = r"^[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}$"
DEVICES = ["mobile", "desktop", "tablet"]
EVENT_TYPES = ["page_view", "product_view", "search", "add_to_cart", "remove_from_cart"]
EVENT_TYPES += ["checkout_start", "purchase", "login", "logout"]
COPY_ORDER = ["event_ts", "source_file", "raw_timestamp", "raw_user_id", "raw_page_url"]
COPY_ORDER += ["raw_device", "raw_event_type", "raw_ip_address", "raw_session_id", "raw_country"]
COPY_ORDER += ["raw_event_id"]


def start():
    """The process's SparkSession (JVM start-up: timed apart from the pipeline)."""
    return spark_session(EngineSettings())


def cleanse(raw):
    from pyspark.sql import functions as F

    def clean(name: str):
        trimmed = F.trim(F.col(name), F.lit(WHITESPACE))
        return F.when(trimmed != "", trimmed)

    ts = clean("timestamp")
    device = F.lower(clean("device"))
    event_type = F.lower(clean("event_type"))
    parsed = F.when(ts.rlike(ISO), F.try_to_timestamp(F.translate(ts, "T", " "), F.lit(TS_FORMAT)))
    frame = raw.select(
        clean("event_id").alias("event_id"),
        clean("user_id").alias("user_id"),
        ts.alias("ts_text"),
        parsed.alias("event_ts"),
        clean("page_url").alias("page_url"),
        F.when(device.isin(DEVICES), device).otherwise("unknown").alias("device"),
        F.when(event_type.isin(EVENT_TYPES), event_type).otherwise("unknown").alias("event_type"),
        clean("ip_address").alias("ip_address"),
        *[F.when(F.col(c) != "", F.col(c)).alias(f"raw_{c}") for c in RAW_COLUMNS],
        "source_file",
    )
    reason = (
        F.when(F.col("event_id").isNull(), "missing_event_id")
        .when(F.col("user_id").isNull(), "missing_user_id")
        .when(F.col("ts_text").isNull(), "missing_timestamp")
        .when(F.col("event_ts").isNull(), "bad_timestamp")
    )
    return frame.withColumn("reject_reason", reason).drop("ts_text")


def deduplicate(cleansed):
    """The passing rows whose event_id no other passing row has, and the rows of the ids with
    copies ranked within the id: event_copy 1 is kept, 2… are duplicates."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    passed = cleansed.filter(F.col("reject_reason").isNull())
    copied = F.broadcast(passed.groupBy("event_id").count().filter("count > 1").select("event_id"))
    by_id = Window.partitionBy("event_id").orderBy(*[F.col(c).asc_nulls_last() for c in COPY_ORDER])
    ranked = passed.join(copied, "event_id", "left_semi")
    single = passed.join(copied, "event_id", "left_anti")
    return single, ranked.withColumn("event_copy", F.row_number().over(by_id))


def rejected(cleansed, ranked):
    """Cleansing's rejects with their reason, and every copy after the first as a duplicate."""
    from pyspark.sql import functions as F

    def as_rejected(rows, reason):
        return rows.select(
            F.col("raw_event_id").alias("event_id"),
            reason.alias("reason"),
            *[F.col(f"raw_{c}").alias(c) for c in RAW_COLUMNS[1:]],
            "source_file",
            F.lit(None).cast("string").alias("raw_line"),  # no malformed lines in generated Parquet
        )

    bad = cleansed.filter(F.col("reject_reason").isNotNull())
    copies = ranked.filter(F.col("event_copy") > 1)
    return as_rejected(bad, F.col("reject_reason")).unionByName(
        as_rejected(copies, F.lit("duplicate_event_id"))
    )


def ip_ranges(spark):
    """One row per /16 block a range touches (the project's reference layout): the broadcast side
    of the range lookup."""
    ranges = bucketed_ip_ranges().rename({"bucket": "range_bucket"})
    return spark.createDataFrame(ranges.to_arrow())


def geolocate(spark, single, ranked):
    from pyspark.sql import functions as F

    columns = ["event_id", "user_id", "event_ts", "page_url", "device", "event_type", "ip_address"]
    first = ranked.filter(F.col("event_copy") == 1).select(columns)
    kept = single.select(columns).unionByName(first)
    quad = F.when(F.col("ip_address").rlike(DOTTED), F.split(F.col("ip_address"), r"\."))
    octets = [quad.getItem(i).try_cast("long") for i in range(4)]  # as the SQL's try_cast
    number = F.when(
        (octets[0] <= 255) & (octets[1] <= 255) & (octets[2] <= 255) & (octets[3] <= 255),
        octets[0] * 16777216 + octets[1] * 65536 + octets[2] * 256 + octets[3],
    )
    numbered = kept.withColumn("ip_number", number).withColumn(
        "bucket", F.floor(F.col("ip_number") / (1 << BUCKET_BITS)).cast("long")
    )
    ranges = F.broadcast(ip_ranges(spark))
    found = (numbered.bucket == ranges.range_bucket) & numbered.ip_number.between(
        ranges.range_start, ranges.range_end
    )
    return numbered.join(ranges, found, "left").select(
        *kept.columns, "ip_number", F.coalesce("country_code", F.lit("ZZ")).alias("country_code")
    )


def sessionize(geolocated, gap_minutes: int):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_user = Window.partitionBy("user_id").orderBy("event_ts", "event_id")
    so_far = by_user.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    micros = F.unix_micros("event_ts")
    limit = gap_minutes * 60_000_000
    previous = F.unix_micros(F.lag("event_ts").over(by_user))
    entry = previous.isNull() | (micros - previous > limit)
    start = F.max(F.when(F.col("is_entry"), F.col("event_ts"))).over(so_far)
    return (
        geolocated.withColumn("is_entry", entry)
        .withColumn("session_id", F.concat_ws("-", "user_id", F.unix_micros(start).cast("string")))
        .withColumn("event_date", F.to_date("event_ts"))
        .select(*OUTPUTS["events"].names)
    )


def sessions(events):
    """From the written events: entry and exit are the first and last event by (time, id)."""
    from pyspark.sql import functions as F

    order = F.struct("event_ts", "event_id")
    return (
        events.groupBy("session_id", "user_id")
        .agg(
            F.min("event_ts").alias("session_start"),
            F.max("event_ts").alias("session_end"),
            F.count(F.lit(1)).alias("event_count"),
            F.min_by("page_url", order).alias("entry_page"),
            F.max_by("page_url", order).alias("exit_page"),
            F.min_by("country_code", order).alias("country_code"),
            F.min_by("device", order).alias("device"),
            F.max(F.col("event_type") == "purchase").alias("converted"),
        )
        .withColumn(
            "duration_seconds",
            F.expr("(unix_micros(session_end) - unix_micros(session_start)) div 1000000"),
        )
    )


def run(inputs: Inputs, gap_minutes: int = 30) -> dict[str, pa.Table]:
    spark = start()
    folder = Path(tempfile.mkdtemp(prefix="etlstack-native-spark-"))
    cleansed = None
    try:
        cleansed = cleanse(read_raw(spark, inputs)).persist()  # read by both outputs
        single, ranked = deduplicate(cleansed)
        rejected(cleansed, ranked).write.parquet(str(folder / "rejected_events"))
        kept = geolocate(spark, single, ranked)
        sessionize(kept, gap_minutes).write.parquet(str(folder / "events"))
        cleansed.unpersist()
        sessions(spark.read.parquet(str(folder / "events"))).write.parquet(str(folder / "sessions"))
        return {
            name: conform(pq.read_table(folder / name), schema) for name, schema in OUTPUTS.items()
        }
    finally:
        if cleansed is not None:
            cleansed.unpersist()
        shutil.rmtree(folder, ignore_errors=True)
