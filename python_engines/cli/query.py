"""``etlstack query``: read-only SQL over the lakehouse and the marts."""

from __future__ import annotations

from typing import Annotated

import typer

from python_engines.cli.options import CatalogUriOption, WarehouseOption
from python_engines.cli.terminal import print_error
from python_engines.core.settings import (
    PathSettings,
)


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
