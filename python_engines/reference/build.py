"""Rebuild ``ipv4_country_ranges.parquet`` reproducibly from Debian's ``tor-geoipdb`` package.

    apt-get download tor-geoipdb && etlstack build-reference --deb tor-geoipdb_*.deb

The package is only unpacked (``dpkg-deb -x``), never installed: it depends on tor.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import polars as pl

from python_engines.core.errors import EtlStackError

GEOIP_MEMBER = Path("usr/share/tor/geoip")
UNKNOWN_COUNTRY = "??"  # tor's code for a range with no country: dropped, so such IPs resolve to ZZ


def parse_geoip(path: Path) -> pl.DataFrame:
    """Parse tor's ``start_int,end_int,CC`` file into sorted, validated ranges."""
    frame = pl.read_csv(
        path,
        comment_prefix="#",
        has_header=False,
        new_columns=["range_start", "range_end", "country_code"],
        schema_overrides={"range_start": pl.Int64, "range_end": pl.Int64, "country_code": pl.Utf8},
    )
    frame = frame.filter(pl.col("country_code") != UNKNOWN_COUNTRY).sort("range_start")
    _check_ranges(frame)
    return frame


def _check_ranges(frame: pl.DataFrame) -> None:
    if frame.filter(pl.col("range_end") < pl.col("range_start")).height:
        raise EtlStackError("reference ranges: a range ends before it starts")
    overlapping = frame.filter(pl.col("range_start") <= pl.col("range_end").shift(1)).height
    if overlapping:
        raise EtlStackError(f"reference ranges: {overlapping} ranges overlap their predecessor")


def build_from_deb(deb: Path, out: Path) -> int:
    """Extract the geoip file from ``deb`` and write the compact Parquet; returns the row count."""
    if not deb.is_file():
        raise EtlStackError(f"no such package file: {deb}")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True, capture_output=True)
        except subprocess.CalledProcessError as exc:  # dpkg-deb says why on its stderr
            said = exc.stderr.decode(errors="replace").strip().splitlines()
            raise EtlStackError(
                f"cannot unpack {deb} with dpkg-deb: {said[0] if said else 'it failed'}"
            ) from exc
        except OSError as exc:  # no dpkg-deb on this machine
            raise EtlStackError(f"cannot unpack {deb} with dpkg-deb: {exc.strerror}") from exc
        frame = parse_geoip(Path(tmp) / GEOIP_MEMBER)
    frame.write_parquet(out, compression="zstd", compression_level=19, statistics=True)
    return frame.height
