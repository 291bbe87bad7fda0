"""The Iceberg catalog and the tables every engine writes: one namespace per engine, one schema.

Embedded default: a SQL catalog in ``<warehouse>/catalog.db`` (sqlite) with the data files under
``<warehouse>``. ``ETLSTACK_CATALOG_URI`` (e.g. ``postgresql+psycopg2://…``) points several users
at one shared catalog instead.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table
from pyiceberg.transforms import DayTransform
from sqlalchemy.exc import IntegrityError, NoSuchModuleError

from python_engines.core.errors import EtlStackError
from python_engines.core.locations import file_uri, lakehouse_folder, sqlite_uri
from python_engines.core.schema import CLEANSED, EVENTS, REJECTED_EVENTS, SESSIONS, UTC_TS
from python_engines.core.security import mask_uri
from python_engines.lakehouse import event_keys, manifest_filter_fix
from python_engines.lakehouse.event_keys import CLEANSED_KEYS, KEYS_TABLE

manifest_filter_fix.apply()  # every table opened here deletes with the race mended

# one row per committed run: the run log (what went in, what came out, the snapshot it made)
RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("sequence", pa.int64()),
        ("engine", pa.string()),
        ("started_at", UTC_TS),
        ("finished_at", UTC_TS),
        ("input_files", pa.string()),  # JSON: [{"path", "sha256"}]
        ("rows_in", pa.int64()),
        ("rows_clean", pa.int64()),  # net rows added to events
        ("rows_rejected", pa.int64()),  # net rows added to rejected_events
        ("rows_recomputed", pa.int64()),  # stored cleansed rows re-read to stitch sessions
        ("sessions_added", pa.int64()),  # net rows added to sessions
        ("sessions_replaced", pa.int64()),  # stored sessions a late or stitching row changed
        ("session_gap_minutes", pa.int64()),
        ("seconds", pa.string()),  # JSON: step → seconds
        ("snapshot_ids", pa.string()),  # JSON: table → snapshot id after this run
    ]
)


@dataclass(frozen=True)
class TableSpec:
    schema: pa.Schema
    identity_partition: str | None = None  # a date column
    day_partition: str | None = None  # a timestamp column, partitioned by its day
    # properties every snapshot of the table records: what made its rows, when that can change
    stamp: Callable[[], dict[str, str]] | None = None

    @property
    def partition_column(self) -> str | None:
        return self.identity_partition or self.day_partition


# data tables in commit order; ``runs`` is written last: it is the run's commit point
DATA_TABLES: dict[str, TableSpec] = {
    "cleansed_events": TableSpec(CLEANSED, day_partition="event_ts"),
    # looked up by incremental runs; its snapshots record which hash made the keys
    KEYS_TABLE: TableSpec(CLEANSED_KEYS, stamp=event_keys.stamp),
    "rejected_events": TableSpec(REJECTED_EVENTS),
    "events": TableSpec(EVENTS, identity_partition="event_date"),
    "sessions": TableSpec(SESSIONS, day_partition="session_start"),
}
RUNS_TABLE = TableSpec(RUNS)


def open_catalog(warehouse: Path, uri: str | None = None) -> Catalog:
    """Open the catalog, creating its tables the first time. Runs that start together on a new
    catalog race to create them; the losers (a duplicate key in PostgreSQL's ``pg_type``, "table
    already exists" in sqlite) open it again and find them made."""
    warehouse = lakehouse_folder(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    retries = 5  # sqlite commits each table's creation alone: a run can lose once per table
    while True:
        try:
            return SqlCatalog(
                "etlstack",
                uri=uri or sqlite_uri(warehouse / "catalog.db"),
                # not as_uri(): pyiceberg does not decode a location's escapes, so the files
                # of "my lake" went to a folder named "my%20lake" beside it
                warehouse=file_uri(warehouse),
            )
        except Exception as exc:  # a bad URI or an unreachable server: one clear line
            if retries and _lost_creation_race(exc):
                retries -= 1
                continue
            raise catalog_error(uri or str(warehouse), exc) from None


def has_catalog(warehouse: Path, uri: str | None = None) -> bool:
    """Whether a catalog is there to read: a server's (``uri``), or the warehouse's own sqlite
    file. Commands that only read check this first, since opening the catalog creates it."""
    warehouse = lakehouse_folder(warehouse)
    if uri is None and warehouse.exists() and not warehouse.is_dir():  # as mkdir would refuse it
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(warehouse))
    return uri is not None or (warehouse / "catalog.db").is_file()


def _lost_creation_race(exc: Exception) -> bool:
    return isinstance(exc, IntegrityError) or "already exists" in str(exc)


def catalog_error(where: str, exc: Exception) -> EtlStackError:
    """ "Cannot open the catalog" in one line; the URI may hold a password: masked, in the
    message too — a URI that does not parse is named, not quoted by its parser ("invalid literal
    for int(): 'hunter2'" is the password read as a port)."""
    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, NoSuchModuleError):  # "Can't load plugin: sqlalchemy.dialects:bogus"
        kind = where.split(":", 1)[0]
        first_line = (
            f"unknown database kind '{kind}' (a SQLAlchemy URI: sqlite:///PATH, "
            "postgresql+psycopg2://USER@HOST/DB)"
        )
    elif "://" in where and not _parses(where):
        first_line = (
            "not a URI SQLAlchemy can read (percent-encode a password: %40 for an at sign, "
            "%3A for a colon, %2F for a slash, %20 for a space)"
        )
    return EtlStackError(
        f"cannot open the Iceberg catalog {mask_uri(where)}: {mask_uri(first_line)}"
    )


def _parses(uri: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        make_url(uri)
    except Exception:  # ValueError (a port that is no number), ArgumentError
        return False
    return True


def ensure_table(catalog: Catalog, namespace: str, name: str, spec: TableSpec) -> Table:
    """Load the table, or create it (with its partitioning) the first time."""
    catalog.create_namespace_if_not_exists(namespace)
    try:
        table = catalog.load_table((namespace, name))
    except NoSuchTableError:
        pass
    else:  # a table made before a column was added (rejected_events.raw_line) gains it
        if set(spec.schema.names) - {f.name for f in table.schema().fields}:
            with table.update_schema() as update:
                update.union_by_name(spec.schema)
            table = catalog.load_table((namespace, name))
        return table
    table = catalog.create_table((namespace, name), schema=spec.schema)
    if spec.identity_partition or spec.day_partition:
        with table.update_spec() as update:
            if spec.identity_partition:
                update.add_identity(spec.identity_partition)
            if spec.day_partition:
                update.add_field(spec.day_partition, DayTransform(), f"{spec.day_partition}_day")
    return catalog.load_table((namespace, name))


def recreate_table(catalog: Catalog, namespace: str, name: str, spec: TableSpec) -> Table:
    catalog.drop_table((namespace, name))
    return ensure_table(catalog, namespace, name, spec)
