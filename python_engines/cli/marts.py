"""``etlstack marts``: the dbt marts over one engine's Iceberg tables."""

from __future__ import annotations

from typing import Annotated

import typer

from python_engines.cli.options import CatalogUriOption, WarehouseOption
from python_engines.core.settings import (
    PathSettings,
)


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
