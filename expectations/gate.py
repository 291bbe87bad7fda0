"""The run gate: validate what a run wrote before its ``runs`` row commits it.

``Store.commit`` calls the check after the data tables are written; a failing ``critical``
expectation raises, ``Store.commit`` sets the tables back to the last committed run, and nothing
of the run is committed. ``warning`` expectations only show in the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from expectations.frames import PendingRun
from expectations.validation import ValidationReport, validate_lake
from python_engines.core.errors import EtlStackError
from python_engines.core.settings import ValidationSettings
from python_engines.lakehouse.catalog import open_catalog
from python_engines.lakehouse.store import RunRecord


def run_gate(
    warehouse: Path,
    catalog_uri: str | None = None,
    settings: ValidationSettings | None = None,
    on_report: Callable[[ValidationReport], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Callable[[RunRecord, dict[str, int | None]], None]:
    def check(record: RunRecord, snapshot_ids: dict[str, int | None]) -> None:
        pending = PendingRun(
            run_id=record.run_id,
            rows_in=record.rows_in,
            rows_clean=record.rows_clean,
            rows_rejected=record.rows_rejected,
            session_gap_minutes=record.session_gap_minutes,
            input_files=record.input_files,
            snapshot_ids=snapshot_ids,
        )
        catalog = open_catalog(warehouse, catalog_uri)
        report = validate_lake(catalog, record.engine, warehouse, settings, pending, on_step)
        if on_report:
            on_report(report)
        if report.failed:
            first = report.failed[0]
            raise EtlStackError(
                f"{record.engine}: run {record.run_id[:8]} not committed, tables set back to the "
                f"last committed run: {len(report.failed)} expectation(s) failed, first "
                f"{first.suite}: {first.expectation} (Data Docs: {report.docs_index})"
            )

    return check
