"""What the suites validate, read from the engine's Iceberg tables at their current snapshots.

DuckDB reads the tables (``iceberg_scan``, only the columns the suites use) and computes the
query-based columns: a session's longest internal gap and its event count in ``events``
(a window over the events), ``session_end - session_start``, and per run the rows the tables
gained (from the snapshot ids the run log records). Each frame is handed to GX as Arrow-backed
pandas (no copy of the strings)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table

from expectations.reference import LATE_ARRIVAL_ALLOWANCE, MIDNIGHT_CROSSING_ALLOWANCE
from python_engines.core.errors import EtlStackError
from python_engines.lakehouse.read import duckdb_with_iceberg

TABLES = ("events", "sessions", "rejected_events", "runs")
EVENT_COLUMNS = (
    "event_id, user_id, event_ts, event_date, session_id, device, event_type, country_code"
)
SESSIONS_SQL = """
with gaps as (
    select
        session_id,
        epoch_us(event_ts) - lag(epoch_us(event_ts)) over (
            partition by session_id order by event_ts
        ) as gap_us
    from events
),
per_session as (
    select
        session_id,
        count(*) as events_in_events_table,
        max(gap_us) / 60000000.0 as longest_internal_gap_minutes
    from gaps
    group by session_id
)
select
    s.session_id, s.user_id, s.session_start, s.session_end, s.duration_seconds, s.event_count,
    s.country_code, s.device, s.converted,
    (epoch_us(s.session_end) - epoch_us(s.session_start)) // 1000000 as end_minus_start_seconds,
    p.events_in_events_table,
    p.longest_internal_gap_minutes
from iceberg_scan(?) as s
left join per_session as p using (session_id)
"""


@dataclass
class PendingRun:
    """A run whose tables are written but whose ``runs`` row is not (the gate validates it)."""

    run_id: str
    rows_in: int
    rows_clean: int
    rows_rejected: int
    session_gap_minutes: int
    input_files: list[dict]
    snapshot_ids: dict[str, int | None]


@dataclass
class Lake:
    """One engine's tables and what the suites need to know about its runs."""

    engine: str
    tables: dict[str, Table]
    session_gap_minutes: int
    runs: pd.DataFrame  # committed runs (and the pending one) with the rows the tables gained
    first_file_day: date | None = None
    last_file_day: date | None = None
    counts: dict[str, int] = field(default_factory=dict)  # rows read from each table

    @property
    def timestamp_bounds(self) -> tuple[datetime, datetime] | None:
        """Events of the loaded files fall in [first day - late arrivals' allowance, end of the
        last day + midnight crossings' allowance]."""
        if self.first_file_day is None or self.last_file_day is None:
            return None
        low = datetime.combine(self.first_file_day, time(), UTC) - LATE_ARRIVAL_ALLOWANCE
        end = datetime.combine(self.last_file_day, time(), UTC) + timedelta(days=1)
        return low, end + MIDNIGHT_CROSSING_ALLOWANCE - timedelta(microseconds=1)


def open_lake(catalog: Catalog, engine: str, pending: PendingRun | None = None) -> Lake:
    if not catalog.namespace_exists(engine):
        raise EtlStackError(f"no tables of {engine!r} in this catalog: run `etlstack run` first")
    try:
        tables = {name: catalog.load_table((engine, name)) for name in TABLES}
    except NoSuchTableError as exc:
        raise EtlStackError(f"{engine}: {exc}") from None
    runs = _runs_with_gains(tables, pending)
    if runs.empty:
        raise EtlStackError(f"{engine}: no committed run to validate")
    days = _file_days(runs["input_files"])
    return Lake(
        engine=engine,
        tables=tables,
        session_gap_minutes=int(runs["session_gap_minutes"].iloc[-1]),
        runs=runs.drop(columns=["input_files"]),
        first_file_day=min(days) if days else None,
        last_file_day=max(days) if days else None,
    )


def frames(lake: Lake) -> Iterator[tuple[str, pd.DataFrame]]:
    """(table, frame) one at a time, so only one big frame is held while it is validated."""
    con = duckdb_with_iceberg(duckdb.connect())
    con.execute("set TimeZone = 'UTC'")
    events = con.execute(
        f"select {EVENT_COLUMNS} from iceberg_scan(?)", [lake.tables["events"].metadata_location]
    ).to_arrow_table()
    lake.counts["events"] = events.num_rows
    con.register("events", events)
    sessions = con.execute(SESSIONS_SQL, [lake.tables["sessions"].metadata_location])
    sessions = sessions.to_arrow_table()
    con.unregister("events")
    yield "events", _arrow_pandas(events)
    del events
    lake.counts["sessions"] = sessions.num_rows
    yield "sessions", _arrow_pandas(sessions)
    del sessions
    rejected = con.execute(
        "select event_id, reason, source_file from iceberg_scan(?)",
        [lake.tables["rejected_events"].metadata_location],
    ).to_arrow_table()
    lake.counts["rejected_events"] = rejected.num_rows
    yield "rejected_events", _arrow_pandas(rejected)
    del rejected
    yield "reconciliation", lake.runs


def _arrow_pandas(table: pa.Table) -> pd.DataFrame:
    """Strings stay Arrow (no Python objects); timestamps and dates become numpy datetime64:
    GX on Arrow-backed timestamp columns was far slower per expectation than on numpy."""
    return table.to_pandas(types_mapper=_strings_as_arrow, date_as_object=False)


def _strings_as_arrow(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _runs_with_gains(tables: dict[str, Table], pending: PendingRun | None) -> pd.DataFrame:
    """One row per run: what it says went in, and what the tables gained between its snapshots
    and the previous run's (the snapshot summaries' record counts)."""
    runs = tables["runs"].scan().to_arrow().to_pylist()
    runs.sort(key=lambda run: run["sequence"])
    rows = [
        {
            "run_id": run["run_id"],
            "rows_in": run["rows_in"],
            "rows_clean": run["rows_clean"],
            "rows_rejected": run["rows_rejected"],
            "session_gap_minutes": run["session_gap_minutes"],
            "input_files": json.loads(run["input_files"]),
            "snapshot_ids": json.loads(run["snapshot_ids"]),
        }
        for run in runs
    ]
    if pending is not None:
        rows.append(dict(vars(pending)))
    before = {"events": 0, "rejected_events": 0}
    for row in rows:
        ids = row.pop("snapshot_ids")
        now = {name: _records(tables[name], ids.get(name)) for name in before}
        row["events_added"] = now["events"] - before["events"]
        row["rejected_added"] = now["rejected_events"] - before["rejected_events"]
        row["events_plus_rejected_added"] = row["events_added"] + row["rejected_added"]
        row["rejected_share"] = row["rows_rejected"] / row["rows_in"] if row["rows_in"] else 0.0
        before = now
    return pd.DataFrame(rows)


def _records(table: Table, snapshot_id: int | None) -> int:
    if snapshot_id is None:
        return 0
    snapshot = table.snapshot_by_id(snapshot_id)
    if snapshot is None or snapshot.summary is None:
        raise EtlStackError(f"{table.name()}: snapshot {snapshot_id} of the run log is missing")
    return int(snapshot.summary["total-records"] or 0)


def _file_days(listed: pd.Series) -> list[date]:
    """The days the loaded files are named after (the generator's and a landing zone's
    ``YYYY-MM-DD.*``); none when a file is named otherwise (the range check is then left out)."""
    days = []
    for files in listed:
        for file in files:
            try:
                days.append(date.fromisoformat(Path(file["path"]).name.split(".")[0]))
            except ValueError:
                return []
    return days
