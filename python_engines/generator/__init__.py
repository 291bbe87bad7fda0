"""Synthetic e-commerce clickstream: realistic users, sessions and dirty rows, written in daily files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from python_engines.generator import profile
from python_engines.generator.catalogue import build_catalogue
from python_engines.generator.config import GeneratorConfig
from python_engines.generator.dirty import DUPLICATE_SHARE, LATE_ARRIVAL, make_dirty
from python_engines.generator.events import RAW_SCHEMA, UrlTable, expand_sessions, render_raw
from python_engines.generator.population import CountryIpSampler, Population, build_population
from python_engines.generator.sessions import SessionPlan, plan_sessions
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


@dataclass(frozen=True)
class _Run:
    """Everything fixed before the first day is written."""

    config: GeneratorConfig
    start_epoch: int
    urls: UrlTable
    population: Population
    plan: SessionPlan
    duplicates_by_day: np.ndarray
    mutation_rate: float


@dataclass
class _Progress:
    """What one day hands on to the next, and the totals so far."""

    carry: pl.DataFrame  # events arriving on a later day (midnight crossings, late arrivals)
    resent: pl.DataFrame  # duplicate copies re-sent in the next day's file
    sidecars: list[pl.DataFrame] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    mutated_so_far: int = 0
    base_so_far: int = 0


def generate(
    config: GeneratorConfig, on_file: Callable[[str, int], None] | None = None
) -> GenerationReport:
    """Write the whole synthetic clickstream for ``config``; same seed, byte-identical files."""
    prepare_output(config.out)
    run = _plan_run(config)
    progress = _Progress(carry=pl.DataFrame(), resent=pl.DataFrame(schema=RAW_SCHEMA))
    for day in range(config.total_days):
        _write_day(run, progress, day, on_file)
    return _finish(run, progress)


def _plan_run(config: GeneratorConfig) -> _Run:
    """Draw the users and their sessions, and share the duplicates out over the days."""
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
    return _Run(
        config=config,
        start_epoch=start_epoch,
        urls=urls,
        population=population,
        plan=plan,
        duplicates_by_day=_spread(n_duplicates, events_by_day + 1e-9),
        mutation_rate=config.dirty_rate * (1 - DUPLICATE_SHARE),
    )


def _write_day(
    run: _Run,
    progress: _Progress,
    day: int,
    on_file: Callable[[str, int], None] | None,
) -> None:
    """Write one day's file: yesterday's re-sends, today's arrivals, then today's copies."""
    config = run.config
    rng = np.random.default_rng([config.seed, 1, day])
    last = day == config.total_days - 1
    today = _arrivals(run, progress, day, last, rng)
    stem = file_stem(config.start_date + timedelta(days=day), day >= config.days)
    with DayWriter(config.out, stem, config.file_format, RAW_SCHEMA) as writer:
        writer.write(progress.resent)  # yesterday's late re-sends arrive first
        copies = _write_slices(run, progress, today, day, stem, writer, rng)
        same_day, progress.resent = _split_copies(pl.concat(copies), last, rng)
        writer.write(same_day)
    progress.files[stem] = writer.rows
    if on_file:
        on_file(stem, writer.rows)


def _arrivals(
    run: _Run, progress: _Progress, day: int, last: bool, rng: np.random.Generator
) -> pl.DataFrame:
    """The events arriving on ``day``, in arrival order; the rest are carried to later days."""
    lo, hi = run.plan.day_bounds(day)
    events = expand_sessions(run.plan, lo, hi, run.start_epoch, run.urls, run.population, rng)
    carry = progress.carry
    pending = pl.concat([carry, events], how="vertical") if carry.height else events
    arrives = pl.lit(True) if last else pl.col("arrival_day") <= day
    today, progress.carry = pending.filter(arrives), pending.filter(~arrives)
    # an event is late if it arrives after its own day; on the last day everything arrives
    today = today.with_columns(late=pl.col("late") & (pl.col("arrival_day") <= day))
    # arrival order: by time, late arrivals at the end of the day's file
    return today.sort(["late", "ts", "session"], maintain_order=True)


def _write_slices(
    run: _Run,
    progress: _Progress,
    today: pl.DataFrame,
    day: int,
    stem: str,
    writer: DayWriter,
    rng: np.random.Generator,
) -> list[pl.DataFrame]:
    """Render and dirty ``today`` a slice at a time; returns each slice's duplicate copies."""
    slices = list(range(0, today.height, SLICE_ROWS)) or [0]
    sizes = np.array([min(SLICE_ROWS, today.height - lo) for lo in slices], dtype=np.float64)
    duplicates_by_slice = _spread(int(run.duplicates_by_day[day]), sizes + 1e-9)
    copies: list[pl.DataFrame] = []
    for lo, n_dup in zip(slices, duplicates_by_slice, strict=True):
        part = today.slice(lo, SLICE_ROWS)
        raw = render_raw(part, run.urls, rng)
        progress.base_so_far += raw.height
        n_mutated = round(progress.base_so_far * run.mutation_rate) - progress.mutated_so_far
        progress.mutated_so_far += n_mutated
        raw, part_copies, sidecar = make_dirty(raw, n_mutated, int(n_dup), rng)
        writer.write(raw)
        copies.append(part_copies)
        progress.sidecars.append(_sidecar_rows(sidecar, raw, part, stem))
    return copies


def _sidecar_rows(
    sidecar: pl.DataFrame, raw: pl.DataFrame, part: pl.DataFrame, stem: str
) -> pl.DataFrame:
    """A slice's dirty rows plus its late arrivals, tagged with the file they are in."""
    late_ids = raw["event_id"].filter(part["late"])
    late_rows = pl.DataFrame({"event_id": late_ids}).with_columns(
        kind=pl.lit(LATE_ARRIVAL), expected=pl.lit("keep")
    )
    return pl.concat([sidecar, late_rows]).with_columns(file=pl.lit(stem))


def _split_copies(
    day_copies: pl.DataFrame, last: bool, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the day's copies into those sent today and those re-sent tomorrow."""
    same_day = last | (rng.random(day_copies.height) < 0.5)
    return (
        day_copies.filter(pl.Series(same_day, dtype=pl.Boolean)),
        day_copies.filter(pl.Series(~same_day, dtype=pl.Boolean)),
    )


def _finish(run: _Run, progress: _Progress) -> GenerationReport:
    """Write the sidecar, the users and the manifest; return the report."""
    config, files = run.config, progress.files
    sidecar = pl.concat(progress.sidecars)
    write_sidecar(sidecar, config.out)
    write_users(run.population.to_frame(), config.out)
    report = GenerationReport(
        rows=sum(files.values()),
        users=run.population.size,
        sessions=len(run.plan.start),
        files=files,
        dirty_rows=sidecar.filter(pl.col("kind") != LATE_ARRIVAL).height,
    )
    write_manifest(
        {"config": config.model_dump(mode="json", exclude={"out"}), **report.__dict__}, config.out
    )
    return report
