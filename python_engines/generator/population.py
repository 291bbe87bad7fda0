"""The user pool: tier, home country, usual device, home IP, activity — one row per user."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from python_engines.generator import profile
from python_engines.reference import load_ip_ranges

COUNTRY_CODES = np.array([c for c, _, _ in profile.COUNTRIES])
COUNTRY_SHARES = np.array([s for _, s, _ in profile.COUNTRIES]) / sum(
    s for _, s, _ in profile.COUNTRIES
)
COUNTRY_UTC_OFFSET_HOURS = np.array([o for _, _, o in profile.COUNTRIES], dtype=np.int64)


class CountryIpSampler:
    """Draws IPv4 addresses (as integers) uniformly from a country's real allocated ranges."""

    def __init__(self) -> None:
        ranges = load_ip_ranges()
        self._cumulative: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        for code in COUNTRY_CODES:
            rows = ranges.filter(ranges["country_code"] == code)
            if rows.is_empty():
                raise ValueError(f"no reference IPv4 ranges for country {code}")
            start = rows["range_start"].to_numpy()
            size = rows["range_end"].to_numpy() - start + 1
            self._starts.append(start)
            self._cumulative.append(np.cumsum(size))

    def sample(self, country_idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ips = np.empty(len(country_idx), dtype=np.int64)
        for c in np.unique(country_idx):
            where = np.flatnonzero(country_idx == c)
            cumulative, start = self._cumulative[c], self._starts[c]
            offset = rng.integers(0, cumulative[-1], size=len(where))
            block = np.searchsorted(cumulative, offset, side="right")
            before = np.where(block > 0, cumulative[np.maximum(block - 1, 0)], 0)
            ips[where] = start[block] + (offset - before)
        return ips


@dataclass(frozen=True)
class Population:
    tier: np.ndarray  # index into profile.TIERS
    country: np.ndarray  # index into COUNTRY_CODES
    device: np.ndarray  # index into profile.DEVICES
    home_ip: np.ndarray  # IPv4 as int64
    weight: np.ndarray  # probability that a session belongs to the user (sums to 1)

    @property
    def size(self) -> int:
        return len(self.tier)

    def to_frame(self) -> pl.DataFrame:
        """The user dimension as the shop's customer table would hold it."""
        return pl.DataFrame(
            {
                "user_id": user_ids(pl.Series(np.arange(self.size))),
                "tier": profile.TIERS[self.tier],
                "home_country": COUNTRY_CODES[self.country],
                "usual_device": profile.DEVICES[self.device],
            }
        )


def user_ids(index: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """The feed's spelling of a user id: ``u`` and eight digits."""
    return "u" + index.cast(pl.Utf8).str.zfill(8)


def build_population(n_users: int, rng: np.random.Generator, ips: CountryIpSampler) -> Population:
    tier = rng.choice(len(profile.TIERS), size=n_users, p=profile.TIER_SHARES).astype(np.int8)
    country = rng.choice(len(COUNTRY_CODES), size=n_users, p=COUNTRY_SHARES).astype(np.int16)
    device = rng.choice(len(profile.DEVICES), size=n_users, p=profile.DEVICE_SHARES).astype(np.int8)
    home_ip = ips.sample(country, rng)
    propensity = profile.TIER_ACTIVITY[tier] * rng.lognormal(
        0.0, profile.USER_PROPENSITY_SIGMA, n_users
    )
    return Population(tier, country, device, home_ip, propensity / propensity.sum())
