"""The session plan: who visits when, on which device and IP, for how many events.

Sessions are planned for the whole period up front (a few numbers per session), then expanded into
events one day at a time, so memory stays bounded by a day's events at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from python_engines.generator import profile
from python_engines.generator.population import (
    COUNTRY_UTC_OFFSET_HOURS,
    CountryIpSampler,
    Population,
)

DAY = 86_400


@dataclass(frozen=True)
class SessionPlan:
    """One entry per true session, sorted by start time."""

    user: np.ndarray  # index into the population
    start: np.ndarray  # UTC epoch seconds
    n_events: np.ndarray
    device: np.ndarray  # index into profile.DEVICES
    ip: np.ndarray  # IPv4 as int64
    day: np.ndarray  # day index (0 = first day of the period) of the start

    def day_bounds(self, day: int) -> tuple[int, int]:
        """The slice of sessions that start on ``day``."""
        lo, hi = np.searchsorted(self.day, [day, day + 1])
        return int(lo), int(hi)


def draw_session_sizes(total_events: int, rng: np.random.Generator) -> np.ndarray:
    """Lognormal session lengths whose sum is exactly ``total_events``."""
    mean = profile.SESSION_EVENTS_MEDIAN * np.exp(profile.SESSION_EVENTS_SIGMA**2 / 2)
    sizes: list[np.ndarray] = []
    drawn = 0
    while drawn < total_events:
        batch = int((total_events - drawn) / mean * 1.1) + 16
        size = np.rint(
            rng.lognormal(
                np.log(profile.SESSION_EVENTS_MEDIAN), profile.SESSION_EVENTS_SIGMA, batch
            )
        )
        size = np.clip(size, 1, profile.SESSION_EVENTS_MAX).astype(np.int64)
        sizes.append(size)
        drawn += int(size.sum())
    all_sizes = np.concatenate(sizes)
    cut = int(np.searchsorted(np.cumsum(all_sizes), total_events))
    all_sizes = all_sizes[: cut + 1]
    all_sizes[-1] -= int(all_sizes.sum()) - total_events
    return all_sizes


def day_weights(start_epoch: int, n_days: int) -> np.ndarray:
    weekday = ((start_epoch // DAY) + 3 + np.arange(n_days)) % 7  # 1970-01-01 was a Thursday
    weights = profile.WEEKDAY_PROFILE[weekday]
    return weights / weights.sum()


def plan_sessions(
    total_events: int,
    start_epoch: int,
    n_days: int,
    population: Population,
    rng: np.random.Generator,
    ips: CountryIpSampler,
) -> SessionPlan:
    sizes = draw_session_sizes(total_events, rng)
    n = len(sizes)
    user = rng.choice(population.size, size=n, p=population.weight).astype(np.int64)
    local_day = rng.choice(n_days, size=n, p=day_weights(start_epoch, n_days))
    hour = rng.choice(24, size=n, p=profile.HOUR_PROFILE / profile.HOUR_PROFILE.sum())
    second_of_hour = rng.integers(0, 3600, size=n)
    offset = COUNTRY_UTC_OFFSET_HOURS[population.country[user]] * 3600
    start = start_epoch + local_day * DAY + hour * 3600 + second_of_hour - offset
    end_epoch = start_epoch + n_days * DAY
    start = np.where(start < start_epoch, start + DAY, start)  # local night before the period
    start = np.where(start >= end_epoch, start - DAY, start)

    device = population.device[user].copy()
    other = rng.random(n) < profile.OTHER_DEVICE_SESSION_RATE
    device[other] = rng.choice(len(profile.DEVICES), size=int(other.sum()), p=profile.DEVICE_SHARES)
    switch_rate = np.array([profile.IP_SWITCH_RATE[d] for d in profile.DEVICES])[device]
    switch = rng.random(n) < switch_rate
    ip = population.home_ip[user].copy()
    ip[switch] = ips.sample(population.country[user[switch]], rng)

    order = np.argsort(start, kind="stable")
    start = start[order]
    return SessionPlan(
        user=user[order],
        start=start,
        n_events=sizes[order],
        device=device[order],
        ip=ip[order],
        day=(start - start_epoch) // DAY,
    )
