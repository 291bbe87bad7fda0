"""``etlstack history``: the committed runs of an engine's namespace and a table's snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table
from rich.text import Text

from python_engines.core.errors import EtlStackError
from python_engines.engines import check_engine_name
from python_engines.lakehouse.catalog import DATA_TABLES, has_catalog, open_catalog
from python_engines.lakehouse.run_lock import try_namespace_lock
from python_engines.lakehouse.store import RUN_ID_PROPERTY, Store


def history_tables(
    engine: str, warehouse: Path, table_name: str, catalog_uri: str | None = None
) -> list[Table]:
    check_engine_name(engine)  # "unknown engine", not "no runs of" a misspelt name
    if table_name not in DATA_TABLES:
        raise EtlStackError(f"unknown table {table_name!r}: choose {', '.join(DATA_TABLES)}")
    if not has_catalog(warehouse, catalog_uri) or not open_catalog(
        warehouse, catalog_uri
    ).namespace_exists(engine):
        raise EtlStackError(f"no runs of {engine!r} in {warehouse.resolve()}")
    store = Store(warehouse, engine, catalog_uri)
    with try_namespace_lock(warehouse, engine, catalog_uri) as no_run_in_progress:
        if no_run_in_progress:  # never set back the tables of a run that is still writing
            store.recover()

    runs = Table(title=Text(f"{engine}: committed runs (run ids shortened to 8 characters)"))
    for column in ("run", "done (UTC)", "files", "rows in", "events+", "rejects+", "redone"):
        runs.add_column(column, justify="left" if column == "run" else "right", no_wrap=True)
    for run in store.runs().iter_rows(named=True):
        runs.add_row(
            run["run_id"][:8],
            run["finished_at"].strftime("%H:%M:%S"),
            str(len(json.loads(run["input_files"]))),
            f"{run['rows_in']:,}",
            f"{run['rows_clean']:,}",
            f"{run['rows_rejected']:,}",
            f"{run['rows_recomputed']:,}",
        )

    iceberg_table = store.tables[table_name]
    current = iceberg_table.current_snapshot()
    snapshots = Table(
        title=Text(f"{engine}.{table_name}: snapshots (time travel: scan(snapshot_id=…))")
    )
    for column in ("snapshot id", "committed (UTC)", "operation", "run", "current"):
        snapshots.add_column(column, no_wrap=True)
    for snapshot in iceberg_table.snapshots():
        committed = datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC)
        summary = snapshot.summary
        snapshots.add_row(
            str(snapshot.snapshot_id),
            committed.strftime("%m-%d %H:%M:%S"),
            summary.operation.value if summary else "",
            (summary.additional_properties.get(RUN_ID_PROPERTY, "")[:8] if summary else ""),
            "*" if current and snapshot.snapshot_id == current.snapshot_id else "",
        )
    return [runs, snapshots]
