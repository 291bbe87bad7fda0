"""Options several commands share. Help text is Rich markup: a literal ``[`` is written ``\\[``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EngineOption = Annotated[str, typer.Option(help="polars, spark or duckdb.")]
WarehouseOption = Annotated[
    Path | None, typer.Option(help="Iceberg warehouse folder \\[default: warehouse].")
]
CatalogUriOption = Annotated[
    str | None,
    typer.Option(help="SQL catalog URI \\[default: sqlite at <warehouse>/catalog.db]."),
]
