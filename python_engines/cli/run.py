"""``etlstack run``, ``history`` and ``show-sql``: loads into the lakehouse, what they committed,
and the SQL each engine runs."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from python_engines.cli.options import CatalogUriOption, EngineOption, WarehouseOption
from python_engines.cli.terminal import console, progress_bar
from python_engines.core.settings import (
    EngineSettings,
    PathSettings,
    PipelineSettings,
    ValidationSettings,
)


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
    from python_engines.cli.summary import print_load_report
    from python_engines.cli.validate import gate
    from python_engines.core.locations import lakehouse_folder
    from python_engines.core.memory_guard import memory_guard
    from python_engines.engines import check_engine_name
    from python_engines.inputs.discover import discover
    from python_engines.lakehouse.batches import load_in_batches

    settings = PathSettings()
    engine_settings = EngineSettings()
    pipeline = PipelineSettings()  # a bad setting is refused before the warehouse is touched
    check_engine_name(engine)  # before the input files are opened and checked
    inputs = discover(input_path, input_format)
    # refused before anything is written (the run lock, the catalog) if no reader can name it
    target = lakehouse_folder(warehouse or settings.warehouse)

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
            on_report=functools.partial(print_load_report, inputs=inputs, target=target),
            before_commit=check,
        )


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
