"""A run into the lakehouse: only files not loaded before, the touched users recomputed, one commit.

Bulk, then each daily file in order, gives exactly the tables of one run over all files: the
engine recomputes deduplication and sessions over the new rows plus the stored rows they can
change (``stitching``), and only the difference to what is stored is written (``changes``).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from python_engines.core.data_files import sink_files
from python_engines.core.errors import EtlStackError
from python_engines.core.settings import EngineSettings, PipelineSettings
from python_engines.engines import check_engine_name
from python_engines.inputs.files import Inputs
from python_engines.lakehouse.changes import TableChange, table_change
from python_engines.lakehouse.event_keys import KEYS_TABLE, keyed
from python_engines.lakehouse.run_lock import run_lock
from python_engines.lakehouse.store import RunRecord, Store
from python_engines.lakehouse.stored_slice import (
    IS_DUPLICATE,
    StoredSlice,
    stored_outputs,
    stored_rows,
)
from python_engines.pipeline.computation import PASSING_TABLE, computation
from python_engines.pipeline.stages import RunResult, check_nothing_lost, result_of


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
        return load_unlocked(
            engine_name,
            inputs,
            warehouse,
            catalog_uri,
            pipeline,
            engine_settings,
            on_step,
            before_commit,
        )


def load_unlocked(
    engine_name: str,
    inputs: Inputs,
    warehouse: Path,
    catalog_uri: str | None,
    pipeline: PipelineSettings | None,
    engine_settings: EngineSettings | None,
    on_step: Callable[[str], None] | None,
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None,
) -> LoadReport:
    """One run, the lock already held: plan (which files; set back a run that stopped) →
    compute → compare → commit."""
    started_at = datetime.now(UTC)  # the run log's start: opening the catalog included
    store = Store(warehouse, engine_name, catalog_uri)
    pipeline = pipeline or PipelineSettings()
    run = _Run(
        engine_name,
        *_plan(store, engine_name, inputs, pipeline),
        pipeline,
        started_at,
        engine_settings,
        on_step,
        before_commit,
    )
    if not run.inputs.files:
        return LoadReport(engine_name, None, run.skipped, run.restored)
    if not store.has_runs():  # a first load: every row the engine outputs is new
        return _first_load(store, run)
    return _incremental_load(store, run)


@dataclass
class _Run:
    """A planned run: its new files (``inputs``), what it skips and set back, its settings."""

    engine: str
    inputs: Inputs
    listed: list[dict]  # the new files with their digests, as the run log records them
    skipped: list[str]
    restored: list[str]
    pipeline: PipelineSettings
    started_at: datetime
    engine_settings: EngineSettings | None
    on_step: Callable[[str], None] | None
    before_commit: Callable[[RunRecord, dict[str, int | None]], None] | None

    def computation(self):
        return computation(
            self.engine, self.inputs, self.pipeline, self.engine_settings, self.on_step
        )

    def record(self, result: RunResult, run_id: str | None = None, **figures: int) -> RunRecord:
        return RunRecord(
            run_id=run_id or str(uuid.uuid4()),
            engine=self.engine,
            started_at=self.started_at,
            input_files=self.listed,
            rows_in=result.rows_in,
            rows_recomputed=result.rows_reloaded,
            session_gap_minutes=self.pipeline.session_gap_minutes,
            seconds=result.seconds,
            **figures,
        )

    def on_table(self) -> Callable[[str], None] | None:
        on_step = self.on_step
        return (lambda name: on_step(f"write {name}")) if on_step else None


def _plan(
    store: Store, engine_name: str, inputs: Inputs, pipeline: PipelineSettings
) -> tuple[Inputs, list[dict], list[str], list[str]]:
    """Set back a run that stopped before its commit; the files not loaded before, with their
    digests, the ones skipped and the tables set back (a file loaded before with other content
    is refused)."""
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
    return replace(inputs, files=tuple(fresh)), listed, skipped, restored


def _incremental_load(store: Store, run: _Run) -> LoadReport:
    """The engine recomputes the new rows with the stored rows they can change; only the
    difference to what is stored is written."""
    found = StoredSlice()
    with run.computation() as engine:
        engine.read()
        engine.until_cleansed()

        def reload() -> tuple[pl.DataFrame, pl.DataFrame, int]:
            passing = engine.passing()
            keys = keyed(passing)  # the lookup's and the keys table's: made once
            gap = run.pipeline.session_gap_minutes
            return passing, keys, engine.add_stored(stored_rows(store, keys, gap, found))

        cleansed, new_keys, reloaded = engine.timed("reload", reload)
        engine.after_cleansed()
        frames = engine.fetch_frames()
        result = result_of(engine, frames=frames, cleansed=cleansed, rows_reloaded=reloaded)
    check_nothing_lost(result)  # within the recomputed slice
    change = _compare(store, result, found, run)
    record = run.record(
        result,
        rows_clean=change.events.net_rows,
        rows_rejected=change.net_rejected,
        sessions_added=change.sessions.net_rows,
        sessions_replaced=change.sessions.rows_removed,
    )
    rebuilt = found.rebuilt_keys
    snapshot_ids = store.commit(
        record,
        appended={
            "cleansed_events": result.cleansed,  # as stored (cleansed_rows.storage_sql)
            KEYS_TABLE: new_keys if rebuilt is None else pl.concat([rebuilt, new_keys]),
            "rejected_events": change.cleansing_rejects,
        },
        changes={
            "rejected_events": change.duplicates,
            "events": change.events,
            "sessions": change.sessions,
        },
        delete_scopes={"rejected_events": IS_DUPLICATE},
        rebuilt=() if rebuilt is None else (KEYS_TABLE,),
        on_table=run.on_table(),
        before_commit=run.before_commit,  # the validation gate (etlstack run --validate)
    )
    return LoadReport(run.engine, result, run.skipped, run.restored, record, snapshot_ids)


@dataclass
class _Changes:
    """What each table gains and loses against the stored rows the run's outputs replace."""

    events: TableChange
    sessions: TableChange
    duplicates: TableChange  # rejected_events' duplicate rejects, the only ones a run replaces
    cleansing_rejects: pl.DataFrame  # appended as they are
    net_rejected: int


def _compare(store: Store, result: RunResult, found: StoredSlice, run: _Run) -> _Changes:
    """The run's outputs against the stored rows they replace: what each table gains and loses."""
    started = time.perf_counter()
    if run.on_step:
        run.on_step("compare with stored")
    new = result.frames
    old = stored_outputs(store, found)
    events = table_change(old["events"], new["events"], "event_id")
    sessions = table_change(old["sessions"], new["sessions"], "session_id")
    duplicates = table_change(
        old["rejected_events"], new["rejected_events"].filter(IS_DUPLICATE.rows), "event_id"
    )
    cleansing_rejects = new["rejected_events"].filter(~IS_DUPLICATE.rows)
    net_rejected = duplicates.net_rows + cleansing_rejects.height
    if events.net_rows + net_rejected != result.rows_in:  # and in what the tables gain
        raise EtlStackError(
            f"{run.engine}: {result.rows_in:,} rows in but the tables would grow by "
            f"{events.net_rows:,} events + {net_rejected:,} rejected — nothing was written"
        )
    result.seconds["compare"] = time.perf_counter() - started
    return _Changes(events, sessions, duplicates, cleansing_rejects, net_rejected)


def _first_load(store: Store, run: _Run) -> LoadReport:
    """Nothing is stored, so nothing is recomputed or compared: the engine writes every table's
    Parquet data files itself (in parallel, into a folder of this run) and the store commits
    them as they are. If the run fails before its ``runs`` row, the files are removed."""
    run_id = str(uuid.uuid4())
    targets = store.file_targets(run_id)
    try:
        with run.computation() as engine:
            engine.read()
            engine.until_cleansed()
            passing = targets[PASSING_TABLE]
            engine.timed(f"parquet {PASSING_TABLE}", lambda: engine.write_passing(passing))
            engine.timed(
                "keys",
                lambda: sink_files(keyed(engine.passing_keys(passing)), targets[KEYS_TABLE]),
            )
            engine.after_cleansed()
            engine.write_outputs(targets)
            result = result_of(engine)
        check_nothing_lost(result)
        record = run.record(
            result,
            run_id,
            rows_clean=result.rows["events"],
            rows_rejected=result.rows["rejected_events"],
            sessions_added=result.rows["sessions"],
            sessions_replaced=0,
        )
        snapshot_ids = store.commit(
            record,
            appended={},
            changes={},
            on_table=run.on_table(),
            before_commit=run.before_commit,
            files={name: target.file_uris() for name, target in targets.items()},
        )
    except Exception:  # killed or interrupted: the files stay (unreferenced), like a SIGKILL's
        store.discard_files(targets)
        raise
    return LoadReport(run.engine, result, run.skipped, run.restored, record, snapshot_ids)
