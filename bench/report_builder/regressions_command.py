"""``etlstack bench diff OLD NEW``: the regressions module's verdicts as a table and one line;
exit 1 when a case regressed. numpy and scipy load only when it runs: every ``etlstack``
command imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from python_engines.core.errors import EtlStackError
from python_engines.core.security import visible

if TYPE_CHECKING:
    from bench.report_builder.regressions import Diff

THRESHOLD = 0.10  # regressions.THRESHOLD, spelled here so that importing this stays light
GIB = 2**30  # analysis.GIB
STYLES = {"regression": "bold red", "improvement": "green", "no change": "dim"}


def percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def _figure(measure: str, value: float) -> str:
    if measure == "time":
        return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"
    return f"{value / GIB:.2f} GiB"


def table(result: Diff) -> Table:
    grid = Table("case", "events", "measure", "old", "new", "new / old (95 % CI)", "verdict")
    for case in result.cases:
        label, rows = Text(visible(case.label)), f"{case.rows:,}"
        if case.stopped_in:
            old, new = (
                "stopped at the cap" if s in case.stopped_in else "" for s in ("OLD", "NEW")
            )
            mark = Text(case.verdict, style=STYLES[case.verdict])
            grid.add_row(label, rows, "time", old, new, "", mark)
        for c in case.changes:
            old, new = _figure(c.measure, c.old), _figure(c.measure, c.new)
            change = f"{c.ratio:.2f}x ({c.ci_low:.2f}-{c.ci_high:.2f})"
            grid.add_row(
                label, rows, c.measure, old, new, change, Text(c.verdict, style=STYLES[c.verdict])
            )
    return grid


def summary(result: Diff) -> str:
    """One line: how many cases, by verdict, under which rule, and what was not compared."""
    counts = {v: sum(c.verdict == v for c in result.cases) for v in STYLES}
    line = (
        f"{len(result.cases)} cases compared: {counts['regression']} regressed, "
        f"{counts['improvement']} improved, {counts['no change']} no change (threshold "
        f"{percent(result.threshold)}: a verdict needs the whole 95 % interval of new/old above "
        f"{1 + result.threshold:.2f} or below {1 - result.threshold:.2f})"
    )
    for side, keys in (("OLD", result.only_old), ("NEW", result.only_new)):
        if keys:
            line += f"; only in {side}: " + ", ".join(keys)
    return line


def main(
    old: Annotated[
        Path,
        typer.Argument(metavar="OLD", help="The baseline: a results.json or a folder holding one."),
    ],
    new: Annotated[
        Path,
        typer.Argument(metavar="NEW", help="The run to check: a results.json or a folder."),
    ],
    threshold: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.9,
            help="Smallest change that counts, as a fraction: a case regressed when the whole "
            "95 % interval of new/old lies above 1 + this, improved when below 1 - this.",
        ),
    ] = THRESHOLD,
) -> None:
    """Compare two bench runs case by case; exit 1 when one regressed beyond noise.

    Per case (engine, threads, events): median wall time and peak RSS,
    old and new, new/old with a 95 % bootstrap interval, and a verdict.
    """
    from bench.harness.results_json import read_results
    from bench.report_builder.regressions import case_name, diff_results

    before, after = read_results(old), read_results(new)
    result = diff_results(before, after, threshold)
    out = Console(emoji=False, highlight=False)
    if not out.is_terminal:  # a pipe or a log: wide enough that no cell wraps
        out.width = 120
    out.print(Text(f"old {_run(old, before)} · new {_run(new, after)}"), soft_wrap=True)
    for note in result.caveats:
        out.print(Text(f"note: {visible(note)}", style="yellow"), soft_wrap=True)
    out.print(table(result))
    out.print(Text(summary(result)), soft_wrap=True)
    if regressed := result.regressions:
        names = ", ".join(f"{case_name((c.label, c.rows))} ({c.why})" for c in regressed)
        raise EtlStackError(
            f"{len(regressed)} case(s) regressed beyond +{percent(threshold)}: {names}"
        )


def _run(path: Path, results: dict) -> str:
    from bench.harness.machine import short_commit

    header = results["header"]
    return f"{visible(path)}: {header.get('date', '?')}, git {short_commit(header.get('git_commit', '?'))}"
