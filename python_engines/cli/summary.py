"""The end-of-run summary: rows in, clean, rejected by reason, sessions, time per stage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.table import Table

from python_engines.cli.terminal import console, literal
from python_engines.inputs.files import Inputs
from python_engines.lakehouse.store import RunRecord
from python_engines.pipeline.stages import RunResult


def summary_table(result: RunResult, inputs: Inputs, record: RunRecord | None = None) -> Table:
    """What a run read and produced; with a lakehouse ``record``, what it changed there."""
    table = Table(title=f"{result.engine}: {len(inputs.files)} {inputs.file_format} file(s)")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("rows in", f"{result.rows_in:,}")
    if record is not None:
        table.add_row("stored rows recomputed", f"{record.rows_recomputed:,}")
    table.add_row("clean events", f"{result.rows['events']:,}")
    for reason, count in result.rejected_by_reason.items():
        table.add_row(f"rejected: {reason}", f"{count:,}")
    table.add_row("sessions", f"{result.rows['sessions']:,}")
    if record is not None:
        table.add_row("events added (net)", f"{record.rows_clean:,}")
        table.add_row("rejected added (net)", f"{record.rows_rejected:,}")
        table.add_row("sessions added (net)", f"{record.sessions_added:,}")
        table.add_row("sessions replaced", f"{record.sessions_replaced:,}")
    if result.startup_seconds:
        table.add_row("engine start-up", f"{result.startup_seconds:.2f} s")
    for step, seconds in result.seconds.items():
        table.add_row(f"time: {step}", f"{seconds:.2f} s")
    table.add_row("time: total", f"{sum(result.seconds.values()):.2f} s")
    return table


def print_load_report(report, inputs: Inputs, target: Path) -> None:
    """What one run of a load did: tables set back, files skipped, the summary, the commit."""
    if report.restored_tables:
        console.print(
            f"[yellow]restored[/yellow] {', '.join(report.restored_tables)} to the last "
            "committed run (an earlier run stopped before its commit)"
        )
    if report.result is None:
        console.print(f"nothing to do: all {len(report.skipped_files)} file(s) were loaded before")
        return
    if report.skipped_files:
        console.print(f"skipped {len(report.skipped_files)} file(s) loaded before")
    listed = {f["path"] for f in report.record.input_files}
    files = tuple(f for f in inputs.files if f.source_file in listed)
    console.print(summary_table(report.result, replace(inputs, files=files), report.record))
    console.print(
        f"committed run {report.record.run_id} to {literal(target)} (namespace "
        f"{report.engine}: events, sessions, rejected_events, cleansed_events, runs)"
    )
