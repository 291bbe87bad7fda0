"""When each data file of a table's current snapshot was written.

The marts are rebuilt incrementally from the rows written since their last build. The lakehouse
writes copy-on-write: a run that changes stored rows deletes them and appends the new version, so
every row a run added or changed sits in a data file that run wrote. A row's ``loaded_at`` is the
commit time of the snapshot that added its file (rows carried into a rewritten file get the
rewrite's time: more is rebuilt, never less).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from pyiceberg.table import Table

FILES_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("file_path", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("snapshot_id", pa.int64()),
    ]
)
LIVE = (0, 1)  # manifest entry status EXISTING, ADDED (2 = DELETED)


def data_files(table_name: str, table: Table, snapshot_id: int | None) -> pa.Table:
    """One row per live data file of a snapshot (None: never committed, no files), with the time
    it was committed."""
    if snapshot_id is None:
        return FILES_SCHEMA.empty_table()
    committed = {
        s.snapshot_id: datetime.fromtimestamp(s.timestamp_ms / 1000, UTC)
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
