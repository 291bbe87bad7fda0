"""IPv4 → country reference ranges (IPFire Location database via Debian's tor-geoipdb).

The shipped file ``ipv4_country_ranges.parquet`` has one row per range: ``range_start`` and
``range_end`` (inclusive, IPv4 as a 64-bit integer) and ``country_code`` (ISO 3166-1 alpha-2).
Ranges are sorted and do not overlap. Data: IPFire Project, CC BY-SA 4.0 — see README.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

IP_RANGES_PATH = Path(__file__).with_name("ipv4_country_ranges.parquet")
SOURCE_NOTE = "IPFire Location database export of 2026-06-25 (CC BY-SA 4.0), via Debian tor-geoipdb"


@cache
def load_ip_ranges() -> pl.DataFrame:
    """The reference ranges as a DataFrame (cached: read once per process)."""
    return pl.read_parquet(IP_RANGES_PATH)


BUCKET_BITS = 16  # the range join's equi-join key is the /16 block of the address


@cache
def bucketed_ip_ranges() -> pl.DataFrame:
    """The ranges with one row per /16 block they touch (``bucket``): the range join's build side.

    A physical layout, not a rule: a range spanning several blocks is repeated once per block, so
    ``bucket = ip // 65536 and ip between range_start and range_end`` finds exactly its range.
    """
    return (
        load_ip_ranges()
        .with_columns(
            bucket=pl.int_ranges(
                pl.col("range_start") // (1 << BUCKET_BITS),
                pl.col("range_end") // (1 << BUCKET_BITS) + 1,
                dtype=pl.Int64,
            )
        )
        .explode("bucket")
        .select("bucket", "range_start", "range_end", "country_code")
    )
