"""``etlstack validate`` and the run gate's report: Great Expectations over an engine's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from python_engines.cli.options import CatalogUriOption, WarehouseOption
from python_engines.cli.terminal import console, literal, progress_bar
from python_engines.core.errors import EtlStackError
from python_engines.core.settings import PathSettings, ValidationSettings
from python_engines.transpile import ENGINES


def validate(
    engine: Annotated[
        str | None,
        typer.Option(help="polars, spark or duckdb \\[default: every engine in the catalog]."),
    ] = None,
    warehouse: WarehouseOption = None,
    catalog_uri: CatalogUriOption = None,
) -> None:
    """Validate the current snapshots with the Great Expectations suites; write the Data Docs.

    Exits non-zero naming the first failing expectation; warnings (drift) do not fail."""
    from expectations.validation import validate_lake
    from python_engines.engines import check_engine_name
    from python_engines.lakehouse.catalog import has_catalog, open_catalog

    if engine is not None:
        check_engine_name(engine)  # "unknown engine", not "no tables of" a misspelt name
    paths = PathSettings()
    target = warehouse or paths.warehouse
    uri = catalog_uri or paths.catalog_uri
    # no catalog there: nothing to validate (opening one would create it)
    catalog = open_catalog(target, uri) if has_catalog(target, uri) else None
    engines = [
        name
        for name in ([engine] if engine else ENGINES)
        if catalog is not None and catalog.namespace_exists(name)
    ]
    if not engines:
        tables = f"tables of {engine!r}" if engine else "engine's tables"
        raise EtlStackError(f"no {tables} in {target.resolve()}: run `etlstack run` first")
    failures = []
    for name in engines:
        with progress_bar() as progress:
            task = progress.add_task(f"{name}: reading", total=None)
            report = validate_lake(
                catalog,
                name,
                target,
                ValidationSettings(),
                on_step=lambda step, task=task, progress=progress: progress.update(
                    task, description=step
                ),
            )
        print_report(report)
        if report.failed:
            failures.append(report)
    if failures:
        first = failures[0].failed[0]
        count = sum(len(r.failed) for r in failures)
        raise EtlStackError(
            f"{count} expectation(s) failed, first {failures[0].engine}.{first.suite}: "
            f"{first.expectation} (see the Data Docs)"
        )


def print_report(report) -> None:
    console.print(validation_table(report))
    for label, outcomes in (
        ("[red]failed[/red]", report.failed),
        ("[yellow]warning[/yellow]", report.warnings),
    ):
        for outcome in outcomes:
            console.print(
                f"{label} "
                + literal(
                    f"{report.engine}.{outcome.suite}: {outcome.expectation} "
                    f"{'; '.join(outcome.examples)}"
                ),
                highlight=False,
                soft_wrap=True,
            )
    verdict = "[red]failed[/red]" if report.failed else "[green]passed[/green]"
    console.print(
        f"{literal(report.engine)}: {verdict} in {report.seconds:.1f} s; "
        f"Data Docs: {literal(report.docs_index)}",
        highlight=False,
        soft_wrap=True,
    )


def validation_table(report) -> Table:
    rows = ", ".join(f"{t} {n:,}" for t, n in report.rows.items())
    table = Table(title=literal(f"{report.engine}: Great Expectations ({rows} rows)"))
    for column in ("suite", "expectations", "passed", "failed", "warnings", "first failing"):
        table.add_column(
            column, justify="left" if column in ("suite", "first failing") else "right"
        )
    suites: dict[str, list] = {}
    for outcome in report.outcomes:
        suites.setdefault(outcome.suite, []).append(outcome)
    for suite, outcomes in suites.items():
        failed = [o for o in outcomes if not o.success and o.severity != "warning"]
        warned = [o for o in outcomes if not o.success and o.severity == "warning"]
        examples = "\n".join(
            f"{o.expectation}: {', '.join(o.examples) or 'failed'}" for o in failed[:3]
        )
        table.add_row(
            literal(suite),
            str(len(outcomes)),
            str(sum(o.success for o in outcomes)),
            f"[red]{len(failed)}[/red]" if failed else "0",
            f"[yellow]{len(warned)}[/yellow]" if warned else "0",
            literal(examples),
        )
    return table


def gate(warehouse: Path, catalog_uri: str | None, progress=None, task=None):
    """The check ``etlstack run --validate`` hands to the load (see ``expectations.gate``)."""
    from expectations.gate import run_gate

    def step(text: str) -> None:
        if progress is not None:
            progress.update(task, description=text)

    return run_gate(warehouse, catalog_uri, ValidationSettings(), print_report, step)
