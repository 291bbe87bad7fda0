"""A dbt-duckdb plugin: when dbt opens the DuckDB file, the lakehouse appears as views.

profiles.yml lists it under ``plugins:`` with ``warehouse``, ``catalog_uri`` and ``data_dir``.
The iceberg and avro extensions come from their PyPI wheels (``INSTALL iceberg`` would download).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from python_engines.analytics.lakehouse_views import register_lakehouse


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.warehouse = Path(plugin_config.get("warehouse") or "warehouse")
        self.catalog_uri = plugin_config.get("catalog_uri") or None
        self.data_dir = Path(plugin_config.get("data_dir") or "data/raw")

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_lakehouse(conn, self.warehouse, self.catalog_uri, self.data_dir)
