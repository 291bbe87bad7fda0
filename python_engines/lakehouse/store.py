"""One engine's namespace in the catalog: read slices, commit a run, recover from a crashed one.

A run commits each data table in one Iceberg transaction (tagged with the run id), then appends
its row to ``runs`` with the snapshot id of every table: that append is the run's commit point.
A run that dies before it leaves tables whose current snapshot is not the one ``runs`` records;
the next run (and ``etlstack history``) sets them back first.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    GreaterThanOrEqual,
    LessThanOrEqual,
)
from pyiceberg.io.pyarrow import ArrowScan, PyArrowFileIO, schema_to_pyarrow
from pyiceberg.manifest import DataFile
from pyiceberg.table import FileScanTask, Table

from python_engines.core.data_files import FileTarget, sink_files
from python_engines.core.errors import is_disk_full
from python_engines.core.schema import conform, conform_frame
from python_engines.lakehouse.catalog import (
    DATA_TABLES,
    RUNS_TABLE,
    ensure_table,
    open_catalog,
    recreate_table,
)
from python_engines.lakehouse.changes import TableChange

RUN_ID_PROPERTY = "etlstack.run-id"
# a table has tens of files: pyiceberg plans the scans Polars reads (polars' own planner is a
# separate package; without this setting every scan warns that it is missing)
os.environ.setdefault("POLARS_ICEBERG_PLANNER", "pyiceberg")


@dataclass(frozen=True)
class RowFilter:
    """One condition on a table's rows, in both forms: for the catalog (which data files may
    hold matching rows) and for the rows of a file."""

    files: BooleanExpression
    rows: pl.Expr


@dataclass
class RunRecord:
    run_id: str
    engine: str
    started_at: datetime
    input_files: list[dict]
    rows_in: int
    rows_clean: int
    rows_rejected: int
    rows_recomputed: int
    sessions_added: int
    sessions_replaced: int
    session_gap_minutes: int
    seconds: dict[str, float] = field(default_factory=dict)


class Store:
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

    # committing ---------------------------------------------------------------------------

    def commit(
        self,
        record: RunRecord,
        appended: dict[str, pl.DataFrame],
        changes: dict[str, TableChange],
        delete_scopes: dict[str, RowFilter] | None = None,
        on_table: Callable[[str], None] | None = None,
        before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None = None,
        files: dict[str, list[str]] | None = None,
        rebuilt: Iterable[str] = (),
    ) -> dict[str, int | None]:
        """``appended``: rows that only grow a table; ``changes``: rows deleted by key and rows
        appended, the deletes limited to ``delete_scopes`` and to the partitions the removed rows
        live in; ``files``: Parquet data files an engine wrote, added as they are; ``rebuilt``:
        tables whose stored files all go (their ``appended`` rows are all they hold). Each table
        is one transaction; the ``runs`` row last. ``before_commit`` (the validation gate) sees
        the written tables first. Whatever fails on the way — a table's write, the gate, the
        ``runs`` row — the tables are set back to the last committed run before the error goes on
        (a killed process, or a disk too full to set them back, leaves that to the next run)."""
        targets = self.file_targets(record.run_id)  # where the appended rows' files go
        try:
            snapshot_ids = self._write(
                record,
                appended,
                changes,
                delete_scopes,
                on_table,
                files or {},
                set(rebuilt),
                targets,
            )
            if before_commit is not None:
                started = time.perf_counter()
                before_commit(record, snapshot_ids)
                record.seconds["validate"] = time.perf_counter() - started
            self._append_run(record, snapshot_ids)
        except Exception as exc:  # an error; a killed process (or Ctrl-C): the next run recovers
            try:
                self.recover()
            except Exception:
                if not is_disk_full(exc):
                    raise
                # setting back writes too: on a full disk the next run does it
            self.discard_files(targets)  # no committed snapshot references them
            raise
        return snapshot_ids

    def _write(
        self,
        record: RunRecord,
        appended: dict[str, pl.DataFrame],
        changes: dict[str, TableChange],
        delete_scopes: dict[str, RowFilter] | None,
        on_table: Callable[[str], None] | None,
        files: dict[str, list[str]],
        rebuilt: set[str],
        targets: dict[str, FileTarget],
    ) -> dict[str, int | None]:
        """Each data table in one transaction; the snapshot ids they end at. First every table's
        new files are written, the tables side by side (``_files``); then the transactions commit
        them one table at a time."""
        started = time.perf_counter()

        def files_of(name: str) -> tuple[list[DataFile], list[str]]:
            if name in rebuilt:
                replaced = [task.file for task in self.tables[name].scan().plan_files()]
                return replaced, self._files(name, appended, {}, None, targets[name])[1]
            return self._files(
                name, appended, changes, (delete_scopes or {}).get(name), targets[name]
            )

        with ThreadPoolExecutor(max_workers=len(self.tables)) as pool:
            written = dict(zip(self.tables, pool.map(files_of, self.tables), strict=True))
        for name, table in self.tables.items():  # a write that failed (a full disk) failed first
            replaced, paths = written[name]
            paths = list(files.get(name, [])) + paths
            if on_table:
                on_table(name)
            if replaced or paths:
                self._commit_files(table, name, record.run_id, replaced, paths)
        snapshot_ids = {name: _snapshot_id(table.refresh()) for name, table in self.tables.items()}
        record.seconds["commit"] = time.perf_counter() - started
        return snapshot_ids

    @staticmethod
    def _commit_files(
        table: Table, name: str, run_id: str, replaced: list[DataFile], paths: list[str]
    ) -> None:
        stamp = DATA_TABLES[name].stamp
        properties = {RUN_ID_PROPERTY: run_id, **(stamp() if stamp else {})}
        with table.transaction() as transaction:
            if replaced:  # their rows that stay are in this run's files
                with transaction.update_snapshot(
                    snapshot_properties=properties
                ).overwrite() as overwrite:
                    for data_file in replaced:
                        overwrite.delete_data_file(data_file)
            if paths:  # written for this run only: no other snapshot can reference them
                transaction.add_files(
                    paths, snapshot_properties=properties, check_duplicate_files=False
                )

    def _files(
        self,
        name: str,
        appended: dict[str, pl.DataFrame],
        changes: dict[str, TableChange],
        scope: RowFilter | None,
        target: FileTarget,
    ) -> tuple[list[DataFile], list[str]]:
        """A table's part of a commit, written under ``target``: the data files it drops and the
        files it adds. Appended rows are written by Polars, one file per partition value, and
        added as they are (pyiceberg's own append splits a table by partition with one Arrow
        filter per value: a large part of a big run's time). Deleting rows rewrites the files
        that hold them the same way (``_without``)."""
        parts = [appended[name]] if name in appended else []
        replaced: list[DataFile] = []
        if name in changes:
            parts.append(changes[name].append)
            deletes = self._deletes(name, changes[name], scope)
            if deletes is not None:
                replaced = self._without(name, deletes, target)
        rows = sum(part.height for part in parts)
        if rows:  # sink_files casts each part to the table's types (no Arrow round trip)
            sink_files(pl.concat([conform_frame(p.lazy(), target.schema) for p in parts]), target)
        # the files this commit wrote (kept rows included)
        return replaced, target.file_uris() if rows or replaced else []

    def _without(self, name: str, deletes: RowFilter, target: FileTarget) -> list[DataFile]:
        """Copy-on-write: the data files that hold rows ``deletes`` matches; the rest of their
        rows are written under ``target`` (one file's at a time). The catalog filter picks the
        files that may hold such rows (partitions, column bounds); each is read in the table's
        current schema (``_file_rows``) and Polars keeps the rest. pyiceberg's own delete did
        the same with its Arrow writer, and one more snapshot: most of the commit of a 10M
        lakehouse's daily load."""
        table = self.tables[name]
        replaced = []
        for number, task in enumerate(table.scan(row_filter=deletes.files).plan_files()):
            rows = _file_rows(table, task, DATA_TABLES[name].schema)
            doomed = rows.select(deletes.rows.fill_null(False)).to_series()
            if not doomed.any():
                continue
            replaced.append(task.file)
            kept = rows.filter(~doomed)
            if kept.height:
                sink_files(kept.lazy(), replace(target, folder=target.folder / f"kept-{number}"))
        return replaced

    @staticmethod
    def _deletes(name: str, change: TableChange, scope: RowFilter | None) -> RowFilter | None:
        """The rows with the change's delete keys, looked for only in the partitions between the
        removed rows' first and last partition value (and within ``scope``)."""
        if change.delete_keys.len() == 0:
            return None
        keys = change.delete_keys
        # the catalog gets the keys' range to pick files by their column bounds: an In of a daily
        # load's keys took pyiceberg far longer to plan the files than the range, and above 200
        # keys it lets every file through anyway
        files: BooleanExpression = And(
            GreaterThanOrEqual(change.key, keys.min()), LessThanOrEqual(change.key, keys.max())
        )
        rows = pl.col(change.key).is_in(keys.implode())
        column = DATA_TABLES[name].partition_column
        if column is not None:
            values = change.removed.get_column(column)
            low, high = values.min(), values.max()
            files = And(
                files,
                GreaterThanOrEqual(column, iso_literal(low)),
                LessThanOrEqual(column, iso_literal(high)),
            )
            rows = rows & pl.col(column).is_between(low, high)
        if scope is not None:
            files, rows = And(scope.files, files), scope.rows & rows
        return RowFilter(files, rows)

    def _append_run(self, record: RunRecord, snapshot_ids: dict[str, int | None]) -> None:
        runs = self.runs()
        row = {
            **asdict(record),
            "sequence": int(runs.get_column("sequence").max()) + 1 if runs.height else 1,
            "finished_at": datetime.now(UTC),
            "input_files": json.dumps(record.input_files),
            "seconds": json.dumps({k: round(v, 3) for k, v in record.seconds.items()}),
            "snapshot_ids": json.dumps(snapshot_ids),
        }
        self.runs_table.append(
            pa.Table.from_pylist([row], schema=RUNS_TABLE.schema),
            snapshot_properties={RUN_ID_PROPERTY: record.run_id},
        )
        self._runs = None


def local_path(location: str) -> Path | None:
    """Where pyiceberg's own files for a location are on this machine (None: not local). A
    location's escapes such as ``%20`` are part of the folder's name: pyiceberg does not decode
    them (Polars, given the URI, would)."""
    scheme, _, path = PyArrowFileIO.parse_location(location)
    return Path(path) if scheme in ("file", "") else None


def _own_path(task: FileScanTask) -> Path | None:
    """Where a data file is for Polars to read it itself: local, and no delete file touches it
    (None: pyiceberg reads it and applies the deletes)."""
    return None if task.delete_files else local_path(task.file.file_path)


def _file_rows(table: Table, task: FileScanTask, schema: pa.Schema) -> pl.DataFrame:
    """A data file's rows in the table's current schema (a column added later reads as null).
    Polars reads a local file that no delete file touches, as every file this project writes:
    faster than pyiceberg's reader on a 10M lakehouse's day file.
    pyiceberg's reader reads the others, and applies their deletes."""
    path = _own_path(task)
    if path is None:
        reader = ArrowScan(table.metadata, table.io, table.schema(), AlwaysTrue())
        return pl.from_arrow(conform(reader.to_table([task]), schema))
    return _parquet_rows([path], schema).collect()


def _read_schema(table: Table, schema: pa.Schema) -> pa.Schema:
    """The columns this version writes, and any the table holds that an older version wrote and
    this one no longer does (``cleansed_events`` held every cleansed column: its rows from then
    are read back with them, ``cleansed_rows.raw_text``). Newer files read those as null."""
    older = [f for f in schema_to_pyarrow(table.schema()) if f.name not in schema.names]
    return pa.schema([*schema, *(pa.field(f.name, f.type) for f in older)])


def _parquet_rows(paths: list[Path], schema: pa.Schema) -> pl.LazyFrame:
    """Data files in a table's current schema: a column added later reads as null, an engine's
    narrower integers and naive UTC timestamps as the table's types."""
    return pl.scan_parquet(
        paths,
        schema=pl.from_arrow(schema.empty_table()).schema,
        missing_columns="insert",
        cast_options=pl.ScanCastOptions(integer_cast="upcast", datetime_cast="convert-timezone"),
    )


def iso_literal(value: date | datetime) -> str:
    """A date or UTC timestamp as an Iceberg expression literal."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return value.isoformat()


def _snapshot_id(table: Table) -> int | None:
    snapshot = table.current_snapshot()
    return snapshot.snapshot_id if snapshot else None
