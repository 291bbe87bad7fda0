"""``etlstack``: the command line. Each command is a few lines that hand off to a domain module."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from python_engines.cli.options import CatalogUriOption, EngineOption, WarehouseOption
from python_engines.cli.terminal import console, friendly_errors, literal, print_error, progress_bar
from python_engines.cli.validate import validate
from python_engines.core.errors import EtlStackError
from python_engines.core.process_end import run_then_exit_quickly
from python_engines.core.settings import (
    EngineSettings,
    PathSettings,
    PipelineSettings,
    ValidationSettings,
)

app = typer.Typer(
    help="One SQL, three engines (Polars, Spark, DuckDB), one Iceberg lakehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
@friendly_errors
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


@app.command("build-reference")
@friendly_errors
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


@app.command()
@friendly_errors
def run(
    engine: EngineOption,
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help="A CSV or Parquet file, or a folder of them (recursive).",
            readable=False,  # checked by the run itself: one clear line, not a usage box
        ),
    ],
    warehouse: WarehouseOption = None,
    input_format: Annotated[
        str, typer.Option(help="auto (Parquet if the folder has any), csv or parquet.")
    ] = "auto",
    catalog_uri: CatalogUriOption = None,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Split a load of more input rows than this into consecutive runs, by file "
            "(memory). \\[env ETLSTACK_BATCH_ROWS; default 10,000,000]",
        ),
    ] = None,
    validate_run: Annotated[
        bool | None,
        typer.Option(
            "--validate/--no-validate",
            help="Validate the written tables (Great Expectations) before the run commits; a "
            "failing expectation commits nothing. \\[env ETLSTACK_VALIDATE; default off]",
        ),
    ] = None,
) -> None:
    """Cleanse, geolocate and sessionize new input files into the engine's Iceberg tables.

    Files loaded before are skipped; the users the new rows touch are recomputed, so a daily
    file after the bulk gives the same tables as one run over all files."""
    from python_engines.cli.summary import summary_table
    from python_engines.cli.validate import gate
    from python_engines.core.locations import lakehouse_folder
    from python_engines.core.memory_guard import memory_guard
    from python_engines.engines import check_engine_name
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.load import load_in_batches

    settings = PathSettings()
    engine_settings = EngineSettings()
    pipeline = PipelineSettings()  # a bad setting is refused before the warehouse is touched
    check_engine_name(engine)  # before the input files are opened and checked
    inputs = discover(input_path, input_format)
    # refused before anything is written (the run lock, the catalog) if no reader can name it
    target = lakehouse_folder(warehouse or settings.warehouse)

    def summarise(report) -> None:
        if report.restored_tables:
            console.print(
                f"[yellow]restored[/yellow] {', '.join(report.restored_tables)} to the last "
                "committed run (an earlier run stopped before its commit)"
            )
        if report.result is None:
            console.print(
                f"nothing to do: all {len(report.skipped_files)} file(s) were loaded before"
            )
            return
        if report.skipped_files:
            console.print(f"skipped {len(report.skipped_files)} file(s) loaded before")
        listed = {f["path"] for f in report.record.input_files}
        files = tuple(f for f in inputs.files if f.source_file in listed)
        console.print(summary_table(report.result, replace(inputs, files=files), report.record))
        console.print(
            f"committed run {report.record.run_id} to {literal(target)} "
            f"(namespace {engine}: events, sessions, rejected_events, cleansed_events, runs)"
        )

    gated = validate_run if validate_run is not None else ValidationSettings().validate_runs
    guard = memory_guard(engine, engine_settings.memory_limit_gib)  # one line, not an OOM kill
    with progress_bar() as progress, guard as at:
        task = progress.add_task(f"{engine}: starting", total=None)

        def show(step: str) -> None:
            at(step)
            progress.update(task, description=f"{engine}: {step}")

        check = gate(target, catalog_uri or settings.catalog_uri, progress, task) if gated else None
        load_in_batches(
            engine,
            inputs,
            target,
            batch_rows or engine_settings.batch_rows,
            catalog_uri or settings.catalog_uri,
            pipeline=pipeline,
            engine_settings=engine_settings,
            on_step=show,
            on_report=summarise,
            before_commit=check,
        )


@app.command()
@friendly_errors
def history(
    engine: EngineOption,
    warehouse: WarehouseOption = None,
    table: Annotated[str, typer.Option(help="The table whose snapshots to list.")] = "events",
    catalog_uri: CatalogUriOption = None,
) -> None:
    """List the committed runs and a table's snapshots (read one with --snapshot-id in Iceberg)."""
    from python_engines.lakehouse.history import history_tables

    settings = PathSettings()
    for rich_table in history_tables(
        engine, warehouse or settings.warehouse, table, catalog_uri or settings.catalog_uri
    ):
        console.print(rich_table)


@app.command("show-sql")
@friendly_errors
def show_sql(
    engine: EngineOption,
    stage: Annotated[
        str | None, typer.Option(help="One stage \\[default: all, in run order].")
    ] = None,
) -> None:
    """Print exactly the SQL an engine runs, stage by stage (transpiled from the one source)."""
    from python_engines.transpile import stage_names, stage_sql

    parameters = PipelineSettings().sql_parameters()
    for name in [stage] if stage else stage_names():
        sql = stage_sql(name, engine, parameters)
        typer.echo(f"-- stage: {name} ({engine})\n{sql};\n")


app.command()(friendly_errors(validate))  # etlstack validate: python_engines/cli/validate.py


@app.command()
@friendly_errors
def marts(
    target: Annotated[str, typer.Option(help="duckdb (what dbt build does) or spark.")] = "duckdb",
    engine: Annotated[
        str, typer.Option(help="The engine namespace the marts read (dbt var engine).")
    ] = "duckdb",
    warehouse: WarehouseOption = None,
    catalog_uri: CatalogUriOption = None,
    full_refresh: Annotated[
        bool, typer.Option(help="Rebuild the incremental marts whole.")
    ] = False,
) -> None:
    """Build the dbt marts (dbt build) over one engine's Iceberg tables, on DuckDB or Spark."""
    from python_engines.analytics.marts import MartsRequest, run_dbt

    settings = PathSettings()
    request = MartsRequest(
        target,
        engine,
        warehouse or settings.warehouse,
        settings.data_dir,
        catalog_uri or settings.catalog_uri,
        full_refresh,
    )
    run_dbt(request)


@app.command()
@friendly_errors
def query(
    sql: Annotated[
        str, typer.Argument(help="DuckDB SQL, read-only; tables <engine>.<table>, marts.<table>.")
    ],
    warehouse: WarehouseOption = None,
    catalog_uri: CatalogUriOption = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to print.")] = 50,
) -> None:
    """Query the lakehouse (every engine's current snapshot) and the marts, read-only.

    Read-only: runs SELECT (also WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE,
    reading PRAGMAs, PIVOT with an IN list, EXPLAIN of a SELECT) and nothing else.
    COPY, ATTACH, DETACH, INSTALL, LOAD, CREATE, DROP, ALTER, INSERT, UPDATE,
    DELETE, MERGE, SET, RESET, USE, EXPORT/IMPORT DATABASE, CALL, CHECKPOINT and
    table functions that change state (enable_logging, checkpoint, query, ...)
    are refused before any statement runs: one error line, exit code 2.
    Files are read only under the warehouse: read_csv('/etc/...') is refused too.
    Values and column names are printed exactly as they are stored."""
    from rich.console import Console

    from python_engines.analytics.query import QueryRefused, connect, rich_table, run_query

    settings = PathSettings()
    con = connect(
        warehouse or settings.warehouse, catalog_uri or settings.catalog_uri, settings.data_dir
    )
    try:
        result = run_query(con, sql)
    except QueryRefused as exc:  # not a failed query: one that was not run (exit 2)
        print_error(str(exc))
        raise typer.Exit(2) from None
    Console().print(rich_table(result, limit))  # stdout: the result, pipeable


# benchmark and engine comparison: their own modules (bench harness lives in bench/)
from python_engines.cli.bench import bench_app  # noqa: E402
from python_engines.cli.compare import compare  # noqa: E402

app.add_typer(bench_app, name="bench")
app.command()(compare)


def main() -> None:
    """The ``etlstack`` command: the app, then a quick exit (``process_end``)."""
    run_then_exit_quickly(_app_with_one_line_usage_errors)


def _app_with_one_line_usage_errors() -> None:
    """The app, but a usage error (a missing or unknown option, a bad value, an unknown command)
    is one line that names the help to read, not the framework's five-line box."""
    try:
        code = app(standalone_mode=False)  # an exit code: the app's typer.Exit, 0 for --help
    except typer.Abort:
        print_error("stopped")
        sys.exit(1)
    except typer.exceptions.TyperException as exc:  # the framework's usage errors
        context = getattr(exc, "ctx", None)
        where = f" (see {context.command_path} --help)" if context is not None else ""
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print_error(f"{message}{where}")
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
