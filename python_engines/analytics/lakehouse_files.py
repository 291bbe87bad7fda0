"""When each data file of a table's current snapshot was written.

The marts are rebuilt incrementally from the rows written since their last build. The lakehouse
writes copy-on-write: a run that changes stored rows deletes them and appends the new version, so
every row a run added or changed sits in a data file that run wrote. A row's ``loaded_at`` is the
time the run that added its file committed its last table (rows carried into a rewritten file get
the rewrite's time: more is rebuilt, never less). One time per run, the same in every table: a
run commits its tables one after another, and a mart built from events must not take the same
run's sessions, committed a few milliseconds later, for newer rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from pyiceberg.table import Table
from pyiceberg.table.snapshots import Snapshot

from python_engines.lakehouse.table_files import RUN_ID_PROPERTY

FILES_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("file_path", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("snapshot_id", pa.int64()),
    ]
)
LIVE = (0, 1)  # manifest entry status EXISTING, ADDED (2 = DELETED)


def _run_id(snapshot: Snapshot) -> str | None:
    return snapshot.summary.additional_properties.get(RUN_ID_PROPERTY) if snapshot.summary else None


def run_commit_times(tables: list[Table]) -> dict[str, int]:
    """Each run's last commit (ms since the epoch) over the tables of one namespace."""
    times: dict[str, int] = {}
    for table in tables:
        for snapshot in table.metadata.snapshots:
            if (run_id := _run_id(snapshot)) is not None:
                times[run_id] = max(times.get(run_id, 0), snapshot.timestamp_ms)
    return times


def data_files(
    table_name: str, table: Table, snapshot_id: int | None, run_times: dict[str, int]
) -> pa.Table:
    """One row per live data file of a snapshot (None: never committed, no files), with the time
    the run that wrote it committed (``run_commit_times``; a snapshot of no run: its own time)."""
    if snapshot_id is None:
        return FILES_SCHEMA.empty_table()
    committed = {
        s.snapshot_id: datetime.fromtimestamp(
            run_times.get(_run_id(s) or "", s.timestamp_ms) / 1000, UTC
        )
        for s in table.metadata.snapshots
    }
    entries = table.inspect.entries(snapshot_id=snapshot_id).to_pylist()
    rows = [
        {
            "table_name": table_name,
            "file_path": entry["data_file"]["file_path"],
            "loaded_at": committed.get(entry["snapshot_id"]),
            "snapshot_id": entry["snapshot_id"],
        }
        for entry in entries
        if entry["status"] in LIVE
    ]
    return pa.Table.from_pylist(rows, schema=FILES_SCHEMA)
