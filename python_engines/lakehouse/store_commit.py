"""Committing a run (the writing half of ``Store``): each data table in one Iceberg transaction
tagged with the run id, then the run's row in ``runs``, the commit point."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
from pyiceberg.expressions import (
    And,
    BooleanExpression,
    GreaterThanOrEqual,
    LessThanOrEqual,
)
from pyiceberg.manifest import DataFile
from pyiceberg.table import Table

from python_engines.core.data_files import FileTarget, sink_files
from python_engines.core.errors import is_disk_full
from python_engines.core.schema import conform_frame
from python_engines.lakehouse.catalog import (
    DATA_TABLES,
    RUNS_TABLE,
)
from python_engines.lakehouse.changes import TableChange
from python_engines.lakehouse.table_files import (
    RUN_ID_PROPERTY,
    RowFilter,
    RunRecord,
    _file_rows,
    _snapshot_id,
    iso_literal,
)


class CommitsRuns:
    """The writing half of ``Store``, mixed into it: it uses the store's ``catalog``,
    ``namespace``, ``tables`` and ``runs_table``, and its ``runs()``, ``recover()``,
    ``file_targets()`` and ``discard_files()``."""

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
