"""Generator and pipeline together: the pipeline rejects exactly what the generator made bad."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from python_engines.inputs.discover import discover
from python_engines.pipeline.stages import run_pipeline


def test_rejected_rows_are_exactly_the_ones_the_sidecar_expects_rejected(
    small_dataset: tuple[Path, object], sidecar: pl.DataFrame
) -> None:
    out, report = small_dataset
    result = run_pipeline("duckdb", discover(out, "csv"))
    rejected = pl.from_arrow(result.tables["rejected_events"])
    expected = sidecar.filter(pl.col("expected") == "reject")
    assert rejected.height == expected.height
    assert sorted(rejected["event_id"].to_list()) == sorted(expected["event_id"].to_list())
    assert result.rows_in == report.rows
    assert result.tables["events"].num_rows + rejected.height == report.rows


def test_kept_dirty_rows_are_cleaned_not_dropped(
    small_dataset: tuple[Path, object], sidecar: pl.DataFrame
) -> None:
    out, _ = small_dataset
    events = pl.from_arrow(run_pipeline("polars", discover(out)).tables["events"])
    kept = sidecar.filter(pl.col("expected") == "keep")
    joined = kept.join(events, on="event_id", how="left")
    assert joined["user_id"].null_count() == 0  # every kept row is there
    ipv6 = joined.filter(pl.col("kind") == "ipv6")
    assert (ipv6["country_code"] == "ZZ").all()
    noisy = joined.filter(pl.col("kind") == "whitespace_case_noise")
    assert noisy["user_id"].str.contains(r"^u\d{8}$").all()
    assert noisy["device"].is_in(["mobile", "desktop", "tablet"]).all()
    assert (events["country_code"] != "ZZ").mean() > 0.97
