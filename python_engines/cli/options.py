"""Options several commands share. Help text is Rich markup: a literal ``[`` is written ``\\[``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _folder(text: str) -> Path:
    """A folder option's text as a path; an empty text (an unset shell variable) is refused, not
    read as the current folder."""
    if not text.strip():
        raise typer.BadParameter("give a folder (an empty value would mean the current folder)")
    return Path(text)


EngineOption = Annotated[str, typer.Option(help="polars, spark or duckdb.")]
WarehouseOption = Annotated[
    Path | None,
    typer.Option(help="Iceberg warehouse folder \\[default: warehouse].", parser=_folder),
]
CatalogUriOption = Annotated[
    str | None,
    typer.Option(help="SQL catalog URI \\[default: sqlite at <warehouse>/catalog.db]."),
]
