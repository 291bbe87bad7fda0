"""A run into the lakehouse: only files not loaded before, the touched users recomputed, one commit.

Bulk, then each daily file in order, gives exactly the tables of one run over all files: the
engine recomputes deduplication and sessions over the new rows plus the stored rows they can
change (``stitching``), and only the difference to what is stored is written (``changes``).
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
from pyiceberg.expressions import EqualTo

from python_engines.core.data_files import sink_files
from python_engines.core.errors import EtlStackError
from python_engines.core.schema import IDENTIFIED, OUTPUTS
from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.engines import check_engine_name
from python_engines.inputs.files import Inputs
from python_engines.lakehouse.batches import plan_batches
from python_engines.lakehouse.changes import table_change
from python_engines.lakehouse.event_keys import KEYS_TABLE, keyed, keys_of
from python_engines.lakehouse.run_lock import run_lock
from python_engines.lakehouse.stitching import recompute_from_store, rows_from
from python_engines.lakehouse.store import RowFilter, RunRecord, Store
from python_engines.pipeline.cleansed_rows import cleansed_ids, raw_text
from python_engines.pipeline.stages import RunResult, check_nothing_lost, run_pipeline
from python_engines.transpile import output_values

# the reason python_engines/sql/04_rejected_events.sql gives the copies it rejects (its branch
# that reads ranked_copies): the only rejects a later file can change (cleansing rejects depend
# on their own row alone)
(DUPLICATE_REASON,) = output_values("rejected_events", "reason", reading="ranked_copies")
IS_DUPLICATE = RowFilter(EqualTo("reason", DUPLICATE_REASON), pl.col("reason") == DUPLICATE_REASON)
SESSION_SPANS = ["user_id", "session_start", "session_end"]  # what stitching reads of a session


@dataclass
class LoadReport:
    engine: str
    result: RunResult | None  # None: every input file was loaded before
    skipped_files: list[str]
    restored_tables: list[str]
    record: RunRecord | None = None
    snapshot_ids: dict[str, int | None] = field(default_factory=dict)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(inputs: Inputs) -> list[str]:
    """Every input file's sha256, in order, two files at a time (hashlib lets go of the GIL while
    it hashes: one by one, the files of the 10M bulk took longer)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(file_digest, (file.path for file in inputs.files)))


def load(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    catalog_uri: str | None = None,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None = None,
) -> LoadReport:
    """One run, under the namespace's run lock (a second run waits: ``run_lock``)."""
    check_engine_name(engine_name)  # before a namespace or its lock is named after it
    with run_lock(warehouse, engine_name, catalog_uri):
        return _load(
            engine_name,
            inputs,
            warehouse,
            catalog_uri,
            pipeline,
            engine_settings,
            on_step,
            before_commit,
        )


def _load(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    catalog_uri: str | None,
    pipeline: PipelineSettings | None,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None,
) -> LoadReport:
    started_at = datetime.now(UTC)
    pipeline = pipeline or PipelineSettings()
    store = Store(warehouse, engine_name, catalog_uri)
    restored = store.recover()
    stored_gap = store.session_gap_minutes()
    if stored_gap is not None and stored_gap != pipeline.session_gap_minutes:
        raise EtlStackError(
            f"{engine_name}: the tables were sessionized with a {stored_gap}-minute gap, this run "
            f"uses {pipeline.session_gap_minutes}: use a new warehouse to change it"
        )

    loaded = store.loaded_files()
    fresh, skipped, listed = [], [], []
    for file, digest in zip(inputs.files, file_digests(inputs), strict=True):
        if file.source_file not in loaded:
            fresh.append(file)
            listed.append({"path": file.source_file, "sha256": digest})
        elif loaded[file.source_file] == digest:
            skipped.append(file.source_file)
        else:
            raise EtlStackError(
                f"{file.source_file} was loaded before with other content: a changed file is "
                "not reloaded (give corrections a new file name)"
            )
    if not fresh:
        return LoadReport(engine_name, None, skipped, restored)

    if not store.has_runs():  # a first load: every row the engine outputs is new
        return _first_load(
            store,
            engine_name,
            replace(inputs, files=tuple(fresh)),
            listed,
            started_at,
            pipeline,
            engine_settings,
            on_step,
            before_commit,
            skipped,
            restored,
        )
    stitched: dict[str, pl.DataFrame] = {}

    def reload_stored(passing: pl.DataFrame) -> pa.Table | None:
        if store.is_empty("cleansed_events"):
            return None
        # read once: their ids are the stored ids held more than once, and the ones among the
        # recomputed rows are the stored slice the new duplicate rejects replace
        duplicates = store.scan("rejected_events", IS_DUPLICATE.rows)
        if _keys_current(store):
            read_keys = functools.partial(store.scan, KEYS_TABLE)
        else:  # made by another Polars version, or before the table was (event_keys)
            stored_keys = keyed(store.scan("cleansed_events", columns=IDENTIFIED))
            stitched["rebuilt_keys"] = stored_keys
            read_keys = functools.partial(_kept, stored_keys)
        start = recompute_from_store(
            keyed(passing),
            lambda keep: read_keys(keep=keep),
            lambda low: store.scan("sessions", pl.col("session_end") >= low, SESSION_SPANS),
            pipeline.session_gap_minutes * 60_000_000,
            # a duplicate reject keeps its raw id; its copies are stored under the cleansed one
            keys_with_copies=keys_of(cleansed_ids(duplicates.get_column("event_id"))),
        )
        rows = raw_text(store.scan("cleansed_events", keep=_rows_from(start)))
        stitched["start"] = start
        stitched["duplicates"] = duplicates.join(
            rows.select("event_id").unique(), on="event_id", how="semi"
        )
        return rows.to_arrow()  # the engine cleanses them again

    result = run_pipeline(
        engine_name,
        replace(inputs, files=tuple(fresh)),
        pipeline,
        engine_settings,
        on_step,
        reload_stored=reload_stored,
        frames=True,
    )

    check_nothing_lost(result)  # within the recomputed slice
    started = time.perf_counter()
    if on_step:
        on_step("compare with stored")
    new = result.frames
    old = _stored_slices(store, stitched)
    events = table_change(old["events"], new["events"], "event_id")
    sessions = table_change(old["sessions"], new["sessions"], "session_id")
    duplicates = table_change(
        old["rejected_events"], new["rejected_events"].filter(IS_DUPLICATE.rows), "event_id"
    )
    cleansing_rejects = new["rejected_events"].filter(~IS_DUPLICATE.rows)
    net_rejected = duplicates.net_rows + cleansing_rejects.height
    if events.net_rows + net_rejected != result.rows_in:  # and in what the tables gain
        raise EtlStackError(
            f"{engine_name}: {result.rows_in:,} rows in but the tables would grow by "
            f"{events.net_rows:,} events + {net_rejected:,} rejected — nothing was written"
        )
    result.seconds["compare"] = time.perf_counter() - started

    record = RunRecord(
        run_id=str(uuid.uuid4()),
        engine=engine_name,
        started_at=started_at,
        input_files=listed,
        rows_in=result.rows_in,
        rows_clean=events.net_rows,
        rows_rejected=net_rejected,
        rows_recomputed=result.rows_reloaded,
        sessions_added=sessions.net_rows,
        sessions_replaced=sessions.rows_removed,
        session_gap_minutes=pipeline.session_gap_minutes,
        seconds=result.seconds,
    )
    new_keys = keyed(result.cleansed)
    rebuilt_keys = stitched.get("rebuilt_keys")
    snapshot_ids = store.commit(
        record,
        appended={
            "cleansed_events": result.cleansed,  # as stored (cleansed_rows.storage_sql)
            KEYS_TABLE: new_keys if rebuilt_keys is None else pl.concat([rebuilt_keys, new_keys]),
            "rejected_events": cleansing_rejects,
        },
        changes={"rejected_events": duplicates, "events": events, "sessions": sessions},
        delete_scopes={"rejected_events": IS_DUPLICATE},
        rebuilt=() if rebuilt_keys is None else (KEYS_TABLE,),
        on_table=(lambda name: on_step(f"write {name}")) if on_step else None,
        before_commit=before_commit,  # the validation gate (etlstack run --validate)
    )
    return LoadReport(engine_name, result, skipped, restored, record, snapshot_ids)


def _first_load(
    store: Store,
    engine_name: str,
    inputs: Inputs,
    listed: list[dict],
    started_at: datetime,
    pipeline: PipelineSettings,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None,
    skipped: list[str],
    restored: list[str],
) -> LoadReport:
    """Nothing is stored, so nothing is recomputed or compared: the engine writes every table's
    Parquet data files itself (in parallel, into a folder of this run) and the store commits
    them as they are. If the run fails before its ``runs`` row, the files are removed."""
    run_id = str(uuid.uuid4())
    targets = store.file_targets(run_id)
    try:
        result = run_pipeline(
            engine_name,
            inputs,
            pipeline,
            engine_settings,
            on_step,
            write_to=targets,
            hand_out_keys=lambda rows: sink_files(keyed(rows), targets[KEYS_TABLE]),
        )
        check_nothing_lost(result)
        record = RunRecord(
            run_id=run_id,
            engine=engine_name,
            started_at=started_at,
            input_files=listed,
            rows_in=result.rows_in,
            rows_clean=result.rows["events"],
            rows_rejected=result.rows["rejected_events"],
            rows_recomputed=0,
            sessions_added=result.rows["sessions"],
            sessions_replaced=0,
            session_gap_minutes=pipeline.session_gap_minutes,
            seconds=result.seconds,
        )
        snapshot_ids = store.commit(
            record,
            appended={},
            changes={},
            on_table=(lambda name: on_step(f"write {name}")) if on_step else None,
            before_commit=before_commit,
            files={name: target.file_uris() for name, target in targets.items()},
        )
    except Exception:  # killed or interrupted: the files stay (unreferenced), like a SIGKILL's
        store.discard_files(targets)
        raise
    return LoadReport(engine_name, result, skipped, restored, record, snapshot_ids)


def load_in_batches(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    batch_rows: int,
    catalog_uri: str | None = None,
    pipeline: PipelineSettings | None = None,
    engine_settings: EngineSettings | None = None,
    on_step: Callable[[str], None] | None = None,
    on_report: Callable[[LoadReport], None] | None = None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None = None,
) -> list[LoadReport]:
    """The new files as consecutive runs of at most about ``batch_rows`` input rows each (one run
    when they fit). The files loaded before go with the first run, which checks their digests.
    ``on_report`` sees each run's report with its tables; when there are several runs, the
    returned reports keep only their figures (``RunResult.release``). One lock for all runs."""
    check_engine_name(engine_name)
    with run_lock(warehouse, engine_name, catalog_uri):
        return _load_batches(
            engine_name,
            inputs,
            warehouse,
            batch_rows,
            catalog_uri,
            pipeline,
            engine_settings,
            on_step,
            on_report,
            before_commit,
        )


def _load_batches(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    batch_rows: int,
    catalog_uri: str | None,
    pipeline: PipelineSettings | None,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    on_report: Callable[[LoadReport], None] | None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None,
) -> list[LoadReport]:
    loaded = Store(warehouse, engine_name, catalog_uri).loaded_files()
    seen = tuple(f for f in inputs.files if f.source_file in loaded)
    fresh = [f for f in inputs.files if f.source_file not in loaded]
    batches = plan_batches(fresh, inputs.file_format, batch_rows) if fresh else [()]
    reports = []
    for number, batch in enumerate(batches, start=1):
        step = on_step
        if on_step and len(batches) > 1:
            step = functools.partial(_in_batch, on_step, f"run {number}/{len(batches)}")
        files = seen + batch if number == 1 else batch
        batch_inputs = replace(inputs, files=files)
        report = _load(
            engine_name,
            batch_inputs,
            warehouse,
            catalog_uri,
            pipeline,
            engine_settings,
            step,
            before_commit,
        )
        if on_report:
            on_report(report)
        if report.result is not None and len(batches) > 1:
            report.result.release()
        reports.append(report)
    return reports


def _in_batch(on_step: Callable[[str], None], batch: str, step: str) -> None:
    on_step(f"{batch}: {step}")


def _stored_slices(store: Store, stitched: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The stored rows of the tables the engine recomputed: what its output replaces."""
    if "start" not in stitched:  # nothing stored yet
        return {name: pl.from_arrow(schema.empty_table()) for name, schema in OUTPUTS.items()}
    start = stitched["start"]
    return {
        "events": store.scan("events", keep=_rows_from(start)),
        "sessions": store.scan("sessions", keep=_rows_from(start, ts="session_start")),
        "rejected_events": stitched["duplicates"],
    }


def _keys_current(store: Store) -> bool:
    """``cleansed_keys`` holds a key, made by this Polars version, for every stored cleansed row
    (else a run rebuilds it: ``event_keys``)."""
    rows = store.row_count(KEYS_TABLE)
    return rows == store.row_count("cleansed_events") and (
        rows == 0 or store.stamped_as_now(KEYS_TABLE)
    )


def _kept(rows: pl.DataFrame, keep: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
    return keep(rows.lazy()).collect()


def _rows_from(start: pl.DataFrame, ts: str = "event_ts") -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    """A scan filter: the rows of the users in ``start`` from their ``from_ts`` on. Its bound on
    ``ts`` reaches the Iceberg metadata and the Parquet statistics, so only the files and row
    groups from the earliest ``from_ts`` on are read (one late copy of an old event makes that
    early; the scan then reads far back, but keeps only these rows)."""
    return functools.partial(rows_from, start=start, ts=ts)
