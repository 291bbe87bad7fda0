"""Dirty rows: their share, and the sidecar's record of them, agree with the files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from python_engines.generator.dirty import DIRTY_KINDS

CLEAN_TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
CLEAN_USER = r"^u\d{8}$"
DOTTED_QUAD = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
EVENT_TYPES = ["page_view", "product_view", "search", "add_to_cart", "purchase"]
EVENT_TYPES += ["remove_from_cart", "checkout_start", "login", "logout"]


def _well_formed(timestamps: pl.Series) -> pl.Series:
    """The clean spelling and a real calendar instant (chrono alone accepts two-digit years)."""
    parsed = timestamps.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
    return timestamps.str.contains(CLEAN_TIMESTAMP).fill_null(False) & parsed.is_not_null()


def _dirty(sidecar: pl.DataFrame) -> pl.DataFrame:
    return sidecar.filter(pl.col("kind") != "late_arrival")


def test_dirty_share_matches_the_dirty_rate(
    sidecar: pl.DataFrame, small_dataset: tuple[Path, object]
) -> None:
    _, report = small_dataset
    assert _dirty(sidecar).height / report.rows == pytest.approx(0.01, abs=0.0005)
    shares = dict(_dirty(sidecar)["kind"].value_counts(normalize=True).iter_rows())
    assert set(shares) == set(DIRTY_KINDS)
    for kind, (share, _) in DIRTY_KINDS.items():
        assert abs(shares[kind] - share) < 0.04, kind


def test_rows_outside_the_sidecar_are_clean(
    small_events: pl.DataFrame, sidecar: pl.DataFrame
) -> None:
    untouched = small_events.filter(
        ~pl.col("event_id").is_in(_dirty(sidecar)["event_id"].implode())
    )
    assert untouched["timestamp"].str.contains(CLEAN_TIMESTAMP).all()
    assert untouched["user_id"].str.contains(CLEAN_USER).all()
    assert untouched["ip_address"].str.contains(DOTTED_QUAD).all()
    assert untouched["event_type"].is_in(EVENT_TYPES).all()
    assert untouched["device"].is_in(["mobile", "desktop", "tablet"]).all()
    assert untouched["event_id"].is_unique().all()


def test_each_sidecar_row_names_a_row_that_is_dirty_that_way(
    small_events: pl.DataFrame, sidecar: pl.DataFrame
) -> None:
    rows = _dirty(sidecar).join(small_events, on=["event_id", "file"], how="left")
    by_kind = {kind: frame for (kind,), frame in rows.group_by("kind")}
    assert by_kind["blank_user_id"]["user_id"].str.strip_chars().fill_null("").eq("").all()
    for kind in ("garbage_timestamp", "out_of_range_timestamp"):
        assert not _well_formed(by_kind[kind]["timestamp"]).any(), kind
    variants = by_kind["iso_variant_timestamp"]["timestamp"]
    assert variants.str.contains(
        r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
    ).all()
    assert not variants.str.contains(CLEAN_TIMESTAMP).any()
    assert not by_kind["invalid_ipv4"]["ip_address"].fill_null("").str.contains(DOTTED_QUAD).any()
    assert by_kind["ipv6"]["ip_address"].str.contains(":").all()
    noisy = by_kind["whitespace_case_noise"]
    assert (noisy["user_id"] != noisy["user_id"].str.strip_chars()).all()
    assert noisy["user_id"].str.strip_chars().str.contains(CLEAN_USER).all()


def test_duplicates_are_late_resends_of_identical_rows(
    small_events: pl.DataFrame, sidecar: pl.DataFrame
) -> None:
    ids = sidecar.filter(pl.col("kind") == "duplicate")["event_id"]
    copies = small_events.filter(pl.col("event_id").is_in(ids.implode()))
    assert copies.height == 2 * ids.len()
    assert copies.drop("file").unique().height == ids.len()  # same content, twice
    assert small_events.height - small_events["event_id"].n_unique() == ids.len()


def test_expected_outcomes_say_what_a_correct_pipeline_does(sidecar: pl.DataFrame) -> None:
    outcome = dict(sidecar.select("kind", "expected").unique().iter_rows())
    assert outcome["late_arrival"] == "keep"
    assert {k for k, v in outcome.items() if v == "reject"} == {
        "duplicate",
        "blank_user_id",
        "garbage_timestamp",
        "out_of_range_timestamp",
    }


def test_late_arrivals_land_in_the_next_days_file(
    small_events: pl.DataFrame, sidecar: pl.DataFrame
) -> None:
    late = sidecar.filter(pl.col("kind") == "late_arrival")
    assert late.height > 50
    rows = late.join(small_events, on=["event_id", "file"]).filter(
        pl.col("timestamp").str.contains(CLEAN_TIMESTAMP)
    )
    event_day = rows["timestamp"].str.slice(0, 10).str.to_date()
    file_day = rows["file"].str.split("/").list.last().str.to_date()
    assert ((file_day - event_day).dt.total_days() >= 1).all()
