"""One engine's namespace in the catalog: read slices, commit a run, recover from a crashed one.

A run commits each data table in one Iceberg transaction (tagged with the run id), then appends
its row to ``runs`` with the snapshot id of every table: that append is the run's commit point.
A run that dies before it leaves tables whose current snapshot is not the one ``runs`` records;
the next run (and ``etlstack history``) sets them back first.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
from pyiceberg.table import Table

from python_engines.core.data_files import FileTarget
from python_engines.lakehouse.catalog import (
    DATA_TABLES,
    RUNS_TABLE,
    ensure_table,
    open_catalog,
    recreate_table,
)
from python_engines.lakehouse.store_commit import CommitsRuns
from python_engines.lakehouse.table_files import (
    RUN_ID_PROPERTY,
    RowFilter,
    RunRecord,
    _own_path,
    _parquet_rows,
    _read_schema,
    local_path,
)

# the run record and row filter are the store's vocabulary: importable from here
__all__ = ["RUN_ID_PROPERTY", "RowFilter", "RunRecord", "Store"]


class Store(CommitsRuns):
    def __init__(self, warehouse: Path, namespace: str, catalog_uri: str | None = None) -> None:
        self.catalog = open_catalog(warehouse, catalog_uri)
        self.namespace = namespace
        self.tables: dict[str, Table] = {
            name: ensure_table(self.catalog, namespace, name, spec)
            for name, spec in DATA_TABLES.items()
        }
        self.runs_table = ensure_table(self.catalog, namespace, "runs", RUNS_TABLE)
        self._runs: pl.DataFrame | None = None

    # reading ------------------------------------------------------------------------------

    def runs(self) -> pl.DataFrame:
        """The committed runs (read once per Store; a commit adds its own)."""
        if self._runs is None:
            self._runs = pl.from_arrow(self.runs_table.refresh().scan().to_arrow()).sort("sequence")
        return self._runs

    def scan(
        self,
        name: str,
        where: pl.Expr | None = None,
        columns: Iterable[str] | None = None,
        keep: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
    ) -> pl.DataFrame:
        """The rows of the table's current snapshot, read by Polars' own Parquet reader (``where``
        pushed down to it), streamed: only the rows ``keep`` keeps are held (pyiceberg's Arrow
        reader plus a Polars copy per batch was slower on the stored keys of a 10M lakehouse)."""
        rows = self._rows(name)
        if where is not None:
            rows = rows.filter(where)
        if columns:
            rows = rows.select(columns)
        if keep:
            rows = keep(rows)
        return rows.collect(engine="streaming")

    def _rows(self, name: str) -> pl.LazyFrame:
        """The current snapshot's data files, as one lazy scan. Polars reads them itself when
        they are local and no delete file touches them, as every file this project writes (the
        Parquet statistics skip the files and row groups a filter rules out); ``pl.scan_iceberg``
        reads any other table. Through it, every scan cost more (a daily load makes seven)."""
        table = self.tables[name]
        tasks = list(table.scan().plan_files())
        paths = [_own_path(task) for task in tasks]
        if None in paths:
            return pl.scan_iceberg(table)
        schema = _read_schema(table, DATA_TABLES[name].schema)
        return _parquet_rows(paths, schema) if paths else pl.from_arrow(schema.empty_table()).lazy()

    def is_empty(self, name: str) -> bool:
        return self.row_count(name) == 0

    def row_count(self, name: str) -> int:
        snapshot = self.tables[name].current_snapshot()
        return 0 if snapshot is None else int(snapshot.summary["total-records"] or 0)

    def stamped_as_now(self, name: str) -> bool:
        """The table's current snapshot records what its spec's ``stamp`` gives today."""
        snapshot = self.tables[name].current_snapshot()
        recorded = snapshot.summary.additional_properties if snapshot else {}
        stamp = DATA_TABLES[name].stamp
        return all(recorded.get(k) == v for k, v in (stamp() if stamp else {}).items())

    def loaded_files(self) -> dict[str, str]:
        """path → sha256 of every file a committed run has read."""
        loaded: dict[str, str] = {}
        for listed in self.runs().get_column("input_files").to_list():
            loaded.update({f["path"]: f["sha256"] for f in json.loads(listed)})
        return loaded

    def session_gap_minutes(self) -> int | None:
        runs = self.runs()
        return int(runs.get_column("session_gap_minutes")[-1]) if runs.height else None

    def has_runs(self) -> bool:
        return self.runs().height > 0

    def file_targets(self, run_id: str) -> dict[str, FileTarget]:
        """Per data table, a folder of its own data location where an engine writes the run's
        files (committed as they are, or removed with ``discard_files`` if the run fails)."""
        targets = {}
        for name, table in self.tables.items():
            spec = DATA_TABLES[name]
            location = f"{table.location().rstrip('/')}/data/run-{run_id}"
            folder = local_path(location)
            assert folder is not None, location  # a warehouse is a local folder (open_catalog)
            targets[name] = FileTarget(
                folder,
                spec.schema,
                spec.partition_column,
                by_day=spec.day_partition is not None,
                location=location,
            )
        return targets

    @staticmethod
    def discard_files(targets: dict[str, FileTarget]) -> None:
        for target in targets.values():
            shutil.rmtree(target.folder, ignore_errors=True)

    # recovering ---------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Set every data table back to the snapshot the last committed run recorded."""
        runs = self.runs()
        recorded = json.loads(runs.get_column("snapshot_ids")[-1]) if runs.height else {}
        restored = []
        for name, table in self.tables.items():
            current = table.refresh().current_snapshot()
            expected = recorded.get(name)
            if (current.snapshot_id if current else None) == expected:
                continue
            if expected is None:  # nothing of this table was ever committed by a run
                self.tables[name] = recreate_table(
                    self.catalog, self.namespace, name, DATA_TABLES[name]
                )
            else:
                table.manage_snapshots().set_current_snapshot(snapshot_id=expected).commit()
            restored.append(name)
        return restored
