"""The generated traffic behaves like a shop's: mix, tiers, returning users, sessions, rhythm, IPs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from python_engines.generator import profile
from python_engines.reference import load_ip_ranges

THIRTY_MINUTES = 30 * 60


@pytest.fixture(scope="module")
def gaps(clean_events: pl.DataFrame) -> pl.DataFrame:
    """Each clean event with the gap (seconds) to the same user's previous clean event."""
    return (
        clean_events.sort("user_id", "ts", "event_id")
        .with_columns(
            gap=(pl.col("ts") - pl.col("ts").shift(1)).dt.total_seconds().over("user_id"),
            previous_day=pl.col("ts").shift(1).dt.date().over("user_id"),
        )
        .filter(pl.col("gap").is_not_null())
    )


@pytest.fixture(scope="module")
def users(small_dataset: tuple[Path, object]) -> pl.DataFrame:
    return pl.read_csv(small_dataset[0] / "_users.csv")


def test_event_type_shares_follow_the_shop_mix(clean_events: pl.DataFrame) -> None:
    shares = dict(clean_events["event_type"].value_counts(normalize=True).iter_rows())
    for name, expected in zip(profile.EVENT_TYPES, profile.EVENT_SHARES, strict=True):
        assert shares[name] == pytest.approx(expected, abs=0.006), name


def test_tier_shares_follow_60_25_12_3(users: pl.DataFrame) -> None:
    shares = dict(users["tier"].value_counts(normalize=True).iter_rows())
    assert shares["bronze"] == pytest.approx(0.60, abs=0.03)
    assert shares["silver"] == pytest.approx(0.25, abs=0.03)
    assert shares["gold"] == pytest.approx(0.12, abs=0.02)
    assert shares["platinum"] == pytest.approx(0.03, abs=0.01)


def test_higher_tiers_are_more_active(clean_events: pl.DataFrame, users: pl.DataFrame) -> None:
    per_user = clean_events.group_by("user_id").len()
    activity = dict(
        users.join(per_user, on="user_id", how="left")
        .group_by("tier")
        .agg(pl.col("len").fill_null(0).mean())
        .iter_rows()
    )
    assert activity["bronze"] < activity["silver"] < activity["platinum"]
    assert activity["bronze"] < activity["gold"]
    assert 1.4 < activity["platinum"] / activity["bronze"] < 2.6


def test_users_come_back_in_several_sessions(gaps: pl.DataFrame) -> None:
    breaks = gaps.group_by("user_id").agg((pl.col("gap") > THIRTY_MINUTES).sum().alias("breaks"))
    assert breaks["breaks"].median() >= 3
    assert (breaks["breaks"] >= 1).mean() > 0.9


def test_gaps_inside_sessions_are_seconds_to_minutes(gaps: pl.DataFrame) -> None:
    inside = gaps.filter(pl.col("gap") <= THIRTY_MINUTES)["gap"]
    assert inside.len() > 0.75 * gaps.height
    assert 10 <= inside.median() <= 120
    assert (inside == 0).sum() > 0  # tied timestamps exist
    assert (inside > 10 * 60).sum() > 0  # long reads too


def test_some_sessions_cross_midnight(gaps: pl.DataFrame) -> None:
    crossing = gaps.filter(
        (pl.col("gap") <= THIRTY_MINUTES) & (pl.col("ts").dt.date() != pl.col("previous_day"))
    )
    assert crossing.height >= 20


def test_weekends_are_busier_and_nights_quieter(clean_events: pl.DataFrame) -> None:
    per_day = clean_events.group_by(pl.col("ts").dt.date().alias("day")).len()
    per_day = per_day.with_columns(weekend=pl.col("day").dt.weekday() >= 6)
    weekend = per_day.filter("weekend")["len"].mean()
    weekday = per_day.filter(~pl.col("weekend"))["len"].mean()
    assert weekend > 1.1 * weekday
    per_hour = clean_events.group_by(pl.col("ts").dt.hour()).len()["len"]
    assert per_hour.max() > 2 * per_hour.min()


def test_ips_come_from_real_ranges_of_the_users_home_country(
    clean_events: pl.DataFrame, users: pl.DataFrame
) -> None:
    ranges = load_ip_ranges()
    valid = clean_events.filter(pl.col("ip_address").str.contains(r"^\d+\.\d+\.\d+\.\d+$"))
    octets = valid["ip_address"].str.split(".").list.to_array(4).arr
    ip = sum(octets.get(i).cast(pl.Int64) * 256 ** (3 - i) for i in range(4)).to_numpy()
    at = np.searchsorted(ranges["range_start"].to_numpy(), ip, side="right") - 1
    inside = ip <= ranges["range_end"].to_numpy()[at]
    country = np.where(inside, ranges["country_code"].to_numpy()[at], "ZZ")
    home = valid.join(users, on="user_id", how="left", maintain_order="left")["home_country"]
    assert inside.all()
    assert (country == home.to_numpy()).all()


def test_mobile_users_switch_ips_more_often_than_desktop_users(
    clean_events: pl.DataFrame, users: pl.DataFrame
) -> None:
    ips = clean_events.group_by("user_id").agg(
        pl.col("ip_address").n_unique().alias("ips"), pl.col("session_id").n_unique().alias("s")
    )
    ratio = dict(
        ips.join(users, on="user_id")
        .group_by("usual_device")
        .agg((pl.col("ips") / pl.col("s")).mean())
        .iter_rows()
    )
    assert ratio["mobile"] > 1.5 * ratio["desktop"]


def test_source_session_ids_and_countries_are_unreliable(
    clean_events: pl.DataFrame, users: pl.DataFrame
) -> None:
    joined = clean_events.join(users, on="user_id")
    blank_session = (joined["session_id"] == "").mean()
    wrong_or_blank_country = (joined["country"] != joined["home_country"]).mean()
    assert 0.01 < blank_session < 0.06
    assert 0.04 < wrong_or_blank_country < 0.15


def test_events_follow_a_plausible_order_within_a_session(clean_events: pl.DataFrame) -> None:
    ranked = (
        clean_events.filter(pl.col("session_id") != "")
        .sort("session_id", "ts", "event_id")
        .with_columns(
            position=(pl.int_range(pl.len()) / pl.len()).over("session_id"),
            size=pl.len().over("session_id"),
        )
        .filter(pl.col("size") >= 5)
    )
    mean_position = dict(ranked.group_by("event_type").agg(pl.col("position").mean()).iter_rows())
    order = ["login", "page_view", "add_to_cart", "checkout_start", "purchase", "logout"]
    positions = [mean_position[name] for name in order]
    assert positions == sorted(positions)
