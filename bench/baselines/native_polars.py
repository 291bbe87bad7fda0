"""The same pipeline hand-written with the Polars DataFrame API — a benchmark baseline only.

It exists to measure what the single-SQL design costs Polars users (issue: SQL path at most 1.25x this).
It is a second implementation of the rules in python_engines/sql/, kept out of the product on
purpose; the benchmark (bench/harness/run.py) checks its tables equal the SQL path's before any timing is trusted.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from python_engines.core.schema import OUTPUTS, RAW_COLUMNS, conform
from python_engines.inputs.files import Inputs
from python_engines.reference import load_ip_ranges

WHITESPACE = " \t\r\n"
ISO = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9]([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$"
)
DOTTED = r"^[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}$"
DEVICES = ["mobile", "desktop", "tablet"]
EVENT_TYPES = ["page_view", "product_view", "search", "add_to_cart", "remove_from_cart"]
EVENT_TYPES += ["checkout_start", "purchase", "login", "logout"]
US = 1_000_000


def _trim(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars(WHITESPACE).replace("", None)


def read(inputs: Inputs) -> pl.LazyFrame:
    source = {str(f.path): f.source_file for f in inputs.files}
    if inputs.file_format == "csv":
        scan = pl.scan_csv(inputs.paths, infer_schema=False, include_file_paths="_path")
    else:
        scan = pl.scan_parquet(inputs.paths, include_file_paths="_path")
    return scan.select(
        *RAW_COLUMNS, source_file=pl.col("_path").replace_strict(source, return_dtype=pl.Utf8)
    )


def cleanse(raw: pl.LazyFrame) -> pl.LazyFrame:
    ts = pl.col("ts_text")
    length = ts.str.len_chars()
    has_offset = ts.str.contains(r"[+-][0-9]{2}:[0-9]{2}$")
    local = (
        pl.when(has_offset)
        .then(ts.str.slice(0, length - 6))
        .when(ts.str.ends_with("Z"))
        .then(ts.str.slice(0, length - 1))
        .otherwise(ts)
    )
    sign = pl.when(ts.str.slice(length - 6, 1) == "-").then(-1).otherwise(1)
    offset = pl.when(has_offset).then(
        sign
        * (
            ts.str.slice(length - 5, 2).cast(pl.Int64, strict=False) * 60
            + ts.str.slice(length - 2, 2).cast(pl.Int64, strict=False)
        )
    )
    # chrono checks the calendar (2026-02-29 fails); the ISO shape check keeps out what it would guess.
    parsed = (
        pl.when(ts.str.contains(ISO))
        .then(local.str.replace("T", " ", literal=True))
        .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    )
    frame = raw.select(
        event_id=_trim("event_id"),
        user_id=_trim("user_id"),
        ts_text=_trim("timestamp"),
        page_url=_trim("page_url"),
        device=_trim("device").str.to_lowercase(),
        event_type=_trim("event_type").str.to_lowercase(),
        ip_address=_trim("ip_address"),
        **{f"raw_{c}": pl.col(c).replace("", None) for c in RAW_COLUMNS},
        source_file=pl.col("source_file"),
    )
    return frame.with_columns(
        event_ts=(parsed.cast(pl.Int64) - offset.fill_null(0) * 60 * US).cast(pl.Datetime("us")),
        device=pl.when(pl.col("device").is_in(DEVICES)).then("device").otherwise(pl.lit("unknown")),
        event_type=pl.when(pl.col("event_type").is_in(EVENT_TYPES))
        .then("event_type")
        .otherwise(pl.lit("unknown")),
    ).with_columns(
        reject_reason=pl.when(pl.col("event_id").is_null())
        .then(pl.lit("missing_event_id"))
        .when(pl.col("user_id").is_null())
        .then(pl.lit("missing_user_id"))
        .when(pl.col("ts_text").is_null())
        .then(pl.lit("missing_timestamp"))
        .when(pl.col("event_ts").is_null())
        .then(pl.lit("bad_timestamp"))
    )


def deduplicate(cleansed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows that passed, flagged when their id has copies; the ids with copies, each copy
    ranked). Only ids with copies are sorted; the rest are kept as they are, never copied once
    more. ``is_duplicated`` is one hash pass over the ids (a count over a window joins back)."""
    order = ["event_id", "event_ts", "source_file", "raw_timestamp", "raw_user_id", "raw_page_url"]
    order += ["raw_device", "raw_event_type", "raw_ip_address", "raw_session_id", "raw_country"]
    order += ["raw_event_id"]
    passed = cleansed.lazy().filter(pl.col("reject_reason").is_null())
    flagged = passed.with_columns(copied=pl.col("event_id").is_duplicated()).collect()
    ranked = (
        flagged.filter(pl.col("copied"))
        .sort(order, nulls_last=True)
        .with_columns(event_copy=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("event_id"))
    )
    return flagged, ranked


def rejected(cleansed: pl.DataFrame, ranked: pl.DataFrame) -> pl.DataFrame:
    columns = {c: pl.col(f"raw_{c}") for c in RAW_COLUMNS}
    bad = cleansed.filter(pl.col("reject_reason").is_not_null()).select(
        reason="reject_reason", **columns, source_file="source_file"
    )
    copies = ranked.filter(pl.col("event_copy") > 1).select(
        reason=pl.lit("duplicate_event_id"), **columns, source_file="source_file"
    )
    # no malformed lines in a benchmark's generated Parquet: raw_line is null on every row
    return pl.concat([bad, copies]).with_columns(raw_line=pl.lit(None, pl.String))


def geolocate(flagged: pl.DataFrame, ranked: pl.DataFrame) -> pl.LazyFrame:
    """Each distinct address is numbered and located once (an as-of join on the sorted numbers),
    and the events take its number and country by a join on the address."""
    columns = ["event_id", "user_id", "event_ts", "page_url", "device", "event_type", "ip_address"]
    kept = pl.concat(
        [
            flagged.lazy().filter(~pl.col("copied")).select(columns),
            ranked.lazy().filter(pl.col("event_copy") == 1).select(columns),
        ]
    )
    quad = pl.when(pl.col("ip_address").str.contains(DOTTED)).then(pl.col("ip_address"))
    octet = [pl.col(f"field_{i}").cast(pl.Int64, strict=False) for i in range(4)]
    valid = pl.all_horizontal(o <= 255 for o in octet)
    number = octet[0] * 16777216 + octet[1] * 65536 + octet[2] * 256 + octet[3]
    addresses = (
        kept.select("ip_address")
        .unique()
        .drop_nulls()
        .with_columns(octets=quad.str.split_exact(".", 3))  # split once: a struct of four
        .unnest("octets")
        .select("ip_address", ip_number=pl.when(valid).then(number))
    )
    located = (
        addresses.filter(pl.col("ip_number").is_not_null())
        .sort("ip_number")
        .join_asof(load_ip_ranges().lazy(), left_on="ip_number", right_on="range_start")
        .filter(pl.col("ip_number") <= pl.col("range_end"))
        .select("ip_address", "country_code")
    )
    return (
        kept.join(addresses.join(located, on="ip_address", how="left"), on="ip_address", how="left")
        .with_columns(pl.col("country_code").fill_null("ZZ"))
        .select(*columns, "ip_number", "country_code")
    )


def sessionize(geolocated: pl.LazyFrame, gap_minutes: int) -> pl.DataFrame:
    order = ["event_ts", "event_id"]
    micros = pl.col("event_ts").cast(pl.Int64)
    limit = gap_minutes * 60 * US
    previous = micros.shift(1).over("user_id", order_by=order)
    following = micros.shift(-1).over("user_id", order_by=order)
    entry = previous.is_null() | (micros - previous > limit)
    exit_ = following.is_null() | (following - micros > limit)
    start = pl.when("is_entry").then("event_ts").forward_fill().over("user_id", order_by=order)
    return (
        geolocated.with_columns(is_entry=entry, is_exit=exit_)
        .with_columns(start=start)
        .with_columns(
            session_id=pl.col("user_id") + "-" + pl.col("start").cast(pl.Int64).cast(pl.Utf8),
            event_ts=pl.col("event_ts").dt.replace_time_zone("UTC"),
            event_date=pl.col("event_ts").dt.date(),
        )
        .collect()
    )


def sessions(events: pl.DataFrame) -> pl.DataFrame:
    micros = pl.col("event_ts").cast(pl.Int64)
    return events.group_by("session_id", "user_id").agg(
        session_start=pl.col("event_ts").min(),
        session_end=pl.col("event_ts").max(),
        duration_seconds=(micros.max() - micros.min()) // US,
        event_count=pl.len().cast(pl.Int64),
        entry_page=pl.col("page_url").get(pl.col("is_entry").arg_max()),
        exit_page=pl.col("page_url").get(pl.col("is_exit").arg_max()),
        country_code=pl.col("country_code").get(pl.col("is_entry").arg_max()),
        device=pl.col("device").get(pl.col("is_entry").arg_max()),
        converted=(pl.col("event_type") == "purchase").any(),
    )


def run(inputs: Inputs, gap_minutes: int = 30) -> dict[str, pa.Table]:
    cleansed = cleanse(read(inputs)).collect()
    flagged, ranked = deduplicate(cleansed)
    events = sessionize(geolocate(flagged, ranked), gap_minutes)
    tables = {
        "events": events,
        "sessions": sessions(events),
        "rejected_events": rejected(cleansed, ranked),
    }
    return {name: conform(tables[name].to_arrow(), schema) for name, schema in OUTPUTS.items()}
