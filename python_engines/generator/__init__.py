"""Synthetic e-commerce clickstream: realistic users, sessions and dirty rows, written in daily files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from python_engines.generator import profile
from python_engines.generator.catalogue import build_catalogue
from python_engines.generator.config import GeneratorConfig
from python_engines.generator.dirty import DUPLICATE_SHARE, LATE_ARRIVAL, make_dirty
from python_engines.generator.events import RAW_SCHEMA, UrlTable, expand_sessions, render_raw
from python_engines.generator.population import CountryIpSampler, build_population
from python_engines.generator.sessions import plan_sessions
from python_engines.generator.writer import (
    DayWriter,
    file_stem,
    prepare_output,
    write_manifest,
    write_sidecar,
    write_users,
)

__all__ = ["GenerationReport", "GeneratorConfig", "generate"]

SLICE_ROWS = 500_000  # rows rendered as strings at a time: bounds memory at any size


@dataclass(frozen=True)
class GenerationReport:
    rows: int
    users: int
    sessions: int
    files: dict[str, int]  # stem → rows
    dirty_rows: int


def _spread(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` over buckets in proportion to ``weights``; the parts sum to ``total``."""
    cumulative = np.rint(np.cumsum(weights) / weights.sum() * total).astype(np.int64)
    return np.diff(cumulative, prepend=0)


def generate(
    config: GeneratorConfig, on_file: Callable[[str, int], None] | None = None
) -> GenerationReport:
    out = config.out
    prepare_output(out)
    start = datetime.combine(config.start_date, datetime.min.time(), tzinfo=UTC)
    start_epoch = int(start.timestamp())
    plan_rng = np.random.default_rng([config.seed, 0])
    ips = CountryIpSampler()
    urls = UrlTable(build_catalogue(config.seed))

    n_duplicates = round(config.rows * config.dirty_rate * DUPLICATE_SHARE)
    base_events = config.rows - n_duplicates
    n_users = max(10, config.rows // profile.EVENTS_PER_USER)
    population = build_population(n_users, plan_rng, ips)
    plan = plan_sessions(base_events, start_epoch, config.total_days, population, plan_rng, ips)
    events_by_day = np.bincount(plan.day, weights=plan.n_events, minlength=config.total_days)
    duplicates_by_day = _spread(n_duplicates, events_by_day + 1e-9)
    mutation_rate = config.dirty_rate * (1 - DUPLICATE_SHARE)

    carry = pl.DataFrame()  # events arriving on a later day (midnight crossings, late arrivals)
    resent = pl.DataFrame(schema=RAW_SCHEMA)  # duplicate copies re-sent in the next day's file
    sidecars: list[pl.DataFrame] = []
    files: dict[str, int] = {}
    mutated_so_far = base_so_far = 0
    for day in range(config.total_days):
        rng = np.random.default_rng([config.seed, 1, day])
        lo, hi = plan.day_bounds(day)
        events = expand_sessions(plan, lo, hi, start_epoch, urls, population, rng)
        pending = pl.concat([carry, events], how="vertical") if carry.height else events
        last = day == config.total_days - 1
        arrives = pl.lit(True) if last else pl.col("arrival_day") <= day
        today, carry = pending.filter(arrives), pending.filter(~arrives)
        # an event is late if it arrives after its own day; on the last day everything arrives
        today = today.with_columns(late=pl.col("late") & (pl.col("arrival_day") <= day))

        # arrival order: by time, late arrivals at the end of the day's file
        today = today.sort(["late", "ts", "session"], maintain_order=True)
        stem = file_stem(config.start_date + timedelta(days=day), day >= config.days)
        slices = list(range(0, today.height, SLICE_ROWS)) or [0]
        sizes = np.array([min(SLICE_ROWS, today.height - lo) for lo in slices], dtype=np.float64)
        duplicates_by_slice = _spread(int(duplicates_by_day[day]), sizes + 1e-9)
        copies: list[pl.DataFrame] = []
        with DayWriter(out, stem, config.file_format, RAW_SCHEMA) as writer:
            writer.write(resent)  # yesterday's late re-sends arrive first
            for lo, n_dup in zip(slices, duplicates_by_slice, strict=True):
                part = today.slice(lo, SLICE_ROWS)
                raw = render_raw(part, urls, rng)
                base_so_far += raw.height
                n_mutated = round(base_so_far * mutation_rate) - mutated_so_far
                mutated_so_far += n_mutated
                raw, part_copies, sidecar = make_dirty(raw, n_mutated, int(n_dup), rng)
                writer.write(raw)
                copies.append(part_copies)
                late_ids = raw["event_id"].filter(part["late"])
                late_rows = pl.DataFrame({"event_id": late_ids}).with_columns(
                    kind=pl.lit(LATE_ARRIVAL), expected=pl.lit("keep")
                )
                sidecars.append(pl.concat([sidecar, late_rows]).with_columns(file=pl.lit(stem)))
            day_copies = pl.concat(copies)
            same_day = last | (rng.random(day_copies.height) < 0.5)
            writer.write(day_copies.filter(pl.Series(same_day, dtype=pl.Boolean)))
            resent = day_copies.filter(pl.Series(~same_day, dtype=pl.Boolean))
        files[stem] = writer.rows
        if on_file:
            on_file(stem, writer.rows)

    sidecar = pl.concat(sidecars)
    write_sidecar(sidecar, out)
    write_users(population.to_frame(), out)
    report = GenerationReport(
        rows=sum(files.values()),
        users=population.size,
        sessions=len(plan.start),
        files=files,
        dirty_rows=sidecar.filter(pl.col("kind") != LATE_ARRIVAL).height,
    )
    write_manifest(
        {"config": config.model_dump(mode="json", exclude={"out"}), **report.__dict__}, out
    )
    return report
