"""``etlstack generate`` and ``build-reference``: the data a run reads, made or rebuilt."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from python_engines.cli.terminal import console, literal, progress_bar
from python_engines.core.errors import EtlStackError
from python_engines.core.settings import (
    PathSettings,
)


def generate(
    size: Annotated[
        str | None, typer.Option(help="Named size: small (100K), medium (10M), large (100M).")
    ] = None,
    rows: Annotated[int | None, typer.Option(help="Events in all (overrides --size).")] = None,
    days: Annotated[int, typer.Option(help="Days of history written to bulk/.")] = 30,
    incremental_days: Annotated[
        int, typer.Option(help="Daily files after the history, in incremental/.")
    ] = 3,
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical files.")] = 42,
    dirty_rate: Annotated[float, typer.Option(help="Share of dirty rows (0..0.5).")] = 0.01,
    start_date: Annotated[
        str, typer.Option(help="First day of the history, YYYY-MM-DD (UTC).")
    ] = "2026-10-01",
    file_format: Annotated[str, typer.Option("--format", help="csv, parquet or both.")] = "both",
    out: Annotated[Path | None, typer.Option(help="Output folder \\[default: data/raw].")] = None,
) -> None:
    """Generate a synthetic clickstream: bulk history plus one file per following day."""
    from python_engines.generator import generate as run_generator
    from python_engines.generator.config import SIZE_ROWS, GeneratorConfig, Size

    if size is not None and size not in Size.__members__:
        raise EtlStackError(f"unknown size {size!r}: choose small, medium or large")
    try:
        first_day = date.fromisoformat(start_date)
    except ValueError:
        raise EtlStackError(f"--start-date {start_date!r} is not a date like 2026-10-01") from None
    config = GeneratorConfig(
        rows=rows if rows is not None else SIZE_ROWS[Size(size or "small")],
        days=days,
        incremental_days=incremental_days,
        seed=seed,
        dirty_rate=dirty_rate,
        start_date=first_day,
        file_format=file_format,
        out=out or PathSettings().data_dir,
    )
    started = datetime.now()
    with progress_bar() as progress:
        task = progress.add_task("generating", total=config.total_days)
        report = run_generator(
            config, on_file=lambda stem, n: progress.update(task, advance=1, description=stem)
        )
    seconds = (datetime.now() - started).total_seconds()
    console.print(
        f"[green]wrote[/green] {report.rows:,} events ({report.dirty_rows:,} dirty) from "
        f"{report.users:,} users in {report.sessions:,} sessions to {literal(config.out)} "
        f"\\[{len(report.files)} days, {config.file_format}] in {seconds:.1f} s "
        f"({report.rows / max(seconds, 1e-9):,.0f} events/s)"
    )


def build_reference(
    deb: Annotated[Path, typer.Option(help="tor-geoipdb .deb (apt-get download tor-geoipdb).")],
    out: Annotated[
        Path | None, typer.Option(help="Output Parquet \\[default: the shipped file].")
    ] = None,
) -> None:
    """Rebuild the IPv4 → country ranges from Debian's tor-geoipdb package."""
    from python_engines.reference import IP_RANGES_PATH
    from python_engines.reference.build import build_from_deb

    target = out or IP_RANGES_PATH
    rows = build_from_deb(deb, target)
    console.print(f"[green]wrote[/green] {rows:,} ranges to {literal(target)}")
