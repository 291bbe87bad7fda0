"""``etlstack bench index [--check]``: rewrite, or check, bench/results/README.md."""

from __future__ import annotations

from typing import Annotated

import typer

from bench.results_index.markdown import COMMAND, render, write_index
from bench.results_index.rows import INDEX, RESULTS, build_rows


def main(
    check: Annotated[
        bool, typer.Option(help="Change nothing; exit 1 if bench/results/README.md is stale.")
    ] = False,
) -> None:
    """Write bench/results/README.md, the index of the results archive, from its files."""
    if check:
        text = render(build_rows())
        current = RESULTS / INDEX
        if not current.exists() or current.read_text() != text:
            typer.echo(f"{current} is out of date: run {COMMAND}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{current} is up to date")
        return
    changed = write_index()
    typer.echo(f"{RESULTS / INDEX}: {'rewritten' if changed else 'unchanged'}")
