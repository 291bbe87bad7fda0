"""``etlstack compare``: two engines' Iceberg tables row for row; exit 1 on a difference."""

from __future__ import annotations

from typing import Annotated

import typer

from python_engines.cli.options import CatalogUriOption, WarehouseOption
from python_engines.cli.terminal import console, literal
from python_engines.core.errors import EtlStackError
from python_engines.core.security import visible
from python_engines.core.settings import PathSettings


def _print_rows(title: str, frame) -> None:
    """One line per row, ``column=value`` (wide rows stay readable; nothing is folded)."""
    console.print(f"  {literal(title)}:")
    for row in frame.iter_rows(named=True):
        text = ", ".join(f"{k}={'∅' if v is None else v}" for k, v in row.items())
        console.print(f"    {visible(text)}", soft_wrap=True, markup=False, highlight=False)


def compare(
    engines: Annotated[str, typer.Option(help="Two engines, e.g. polars,spark.")],
    warehouse: WarehouseOption = None,
    catalog_uri: CatalogUriOption = None,
    show: Annotated[int, typer.Option(min=1, help="Differing rows shown per side.")] = 5,
) -> None:
    """Diff two engines' Iceberg tables row for row; print the first differing rows."""
    from python_engines.lakehouse.compare import compare_engines

    names = [e.strip() for e in engines.split(",") if e.strip()]
    if len(names) != 2:
        raise EtlStackError(f"--engines {engines!r}: give exactly two, e.g. polars,spark")
    settings = PathSettings()
    diffs = compare_engines(
        names[0], names[1], warehouse or settings.warehouse, catalog_uri or settings.catalog_uri
    )
    for diff in diffs:
        rows = f"{diff.rows[0]:,} vs {diff.rows[1]:,} rows"
        if diff.equal:
            console.print(f"[green]equal[/green]   {literal(diff.table)}: {rows}")
            continue
        console.print(
            f"[red]differ[/red]  {literal(diff.table)}: {rows}; {diff.only_first.height:,} only "
            f"in {literal(names[0])}, {diff.only_second.height:,} only in {literal(names[1])}"
        )
        for engine, frame in ((names[0], diff.only_first), (names[1], diff.only_second)):
            if frame.height:
                _print_rows(f"first rows only in {engine}", frame.head(show))
    if not all(d.equal for d in diffs):
        raise typer.Exit(1)
