"""``etlstack bench``: engines side by side on generated inputs → results.json and a report.
``etlstack bench report DIR`` rebuilds the report from a results file. The harness is bench/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from python_engines.cli.terminal import console, friendly_errors, literal, progress_bar

bench_app = typer.Typer(
    help="Benchmark the engines (fresh process per try, round-robin, verified outputs) and "
    "write results.json + report.md/report.html. `etlstack bench report DIR` rebuilds a report.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


EventsPerDayOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        envvar="ETLSTACK_EVENTS_PER_DAY",
        help="Your day's events: the verdict says which engine for it, and whether that was "
        "measured, fitted or extrapolated. \\[env ETLSTACK_EVENTS_PER_DAY]",
    ),
]


RowsOption = Annotated[str | None, typer.Option(help="Input sizes in events, e.g. 100000,1000000.")]
SizeOption = Annotated[
    str | None, typer.Option(help="Named sizes instead: tiny, small, medium, large.")
]
EnginesOption = Annotated[
    str,
    typer.Option(
        help="polars, duckdb, spark; native-polars, native-duckdb, native-spark "
        "(hand-written baselines) — comma-separated."
    ),
]
ClusterWorkersOption = Annotated[
    str | None,
    typer.Option(help="Also run Spark on a local standalone cluster of K workers, e.g. 1,2."),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        help="Run the spark cases on this existing master (spark://host:port; results "
        "record it with any password masked) \\[env ETLSTACK_SPARK_MASTER is not read here: "
        "the harness sets it per try]."
    ),
]
MemoryCapOption = Annotated[
    float | None,
    typer.Option(
        help="GiB: stop a try whose process tree goes over it (RSS watchdog); the report "
        "then shows the largest size each case completed under the cap."
    ),
]


@bench_app.callback()
@friendly_errors
def bench(
    ctx: typer.Context,
    rows: RowsOption = None,
    size: SizeOption = None,
    engines: EnginesOption = "polars,duckdb,spark",
    repeat: Annotated[int, typer.Option(min=1, help="Tries per case (rounds).")] = 3,
    threads: Annotated[str, typer.Option(help="Threads/cores per engine, e.g. 1,2.")] = "2",
    cluster_workers: ClusterWorkersOption = None,
    worker_memory: Annotated[str, typer.Option(help="Memory of each cluster worker.")] = "2g",
    spark_master: SparkMasterOption = None,
    out: Annotated[Path, typer.Option(help="Folder for results.json and the report.")] = Path(
        "bench/out"
    ),
    load: Annotated[
        bool, typer.Option(help="Time the whole Iceberg load, not only the pipeline.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Generator seed (inputs cached by rows, seed).")] = 42,
    memory_cap: MemoryCapOption = None,
    report: Annotated[bool, typer.Option(help="Write report.md/report.html after.")] = True,
    events_per_day: EventsPerDayOption = None,
    archive: Annotated[
        bool, typer.Option(help="Also keep a dated copy of results.json in bench/results/.")
    ] = True,
) -> None:
    """Run the benchmark matrix (the default command)."""
    if ctx.invoked_subcommand is not None:
        return
    from bench.harness.machine import RESULTS
    from bench.harness.matrix import Matrix, parse_engines, parse_ints, parse_rows
    from bench.harness.run import run_bench

    matrix = Matrix(
        rows=parse_rows(rows, size),
        engines=parse_engines(engines, load),
        threads=parse_ints(threads, "--threads"),
        repeat=repeat,
        seed=seed,
        load=load,
        cluster_workers=parse_ints(cluster_workers, "--cluster-workers") if cluster_workers else [],
        worker_memory=worker_memory,
        spark_master=spark_master,
        memory_cap_gib=memory_cap,
    )
    with progress_bar() as progress:
        task = progress.add_task("starting", total=None)

        def on_try(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done, total=total)

        path = run_bench(matrix, out, on_try, archive=RESULTS if archive else None)
    console.print(f"[green]verified and measured[/green]: {literal(path)}")
    if report:
        _report(out, events_per_day=events_per_day)


def _report(folder: Path, readme: Path | None = None, events_per_day: int | None = None) -> None:
    from bench.report_builder.build import build_report
    from bench.report_builder.reports_index import refresh_after_report

    written = build_report(folder, readme, events_per_day)
    written += refresh_after_report(folder)  # bench/reports/index.{md,html}, for its folders
    console.print("[green]report[/green]: " + literal(", ".join(str(p) for p in written)))


@bench_app.command("report")
@friendly_errors
def report_command(
    folder: Annotated[Path, typer.Argument(help="A folder with results.json (or the file).")],
    readme: Annotated[
        Path | None,
        typer.Option(help="Also rewrite this README's section between the bench-report markers."),
    ] = None,
    events_per_day: EventsPerDayOption = None,
) -> None:
    """Rebuild report.md and report.html (plots, tables, flowchart) from a results file."""
    _report(folder.parent if folder.is_file() else folder, readme, events_per_day)


def _parts() -> dict[str, object]:
    """The benchmarks of single parts, each a subcommand (they were ``python -m bench.*``)."""
    from bench.parts.batched_load import main as batched_load
    from bench.parts.generator_speed import main as generator_speed
    from bench.parts.iceberg_loads import main as iceberg_loads
    from bench.parts.marts_incremental import main as marts_incremental
    from bench.report_builder.iceberg_loads import main as iceberg_loads_report
    from bench.report_builder.regressions_command import main as diff
    from bench.report_builder.reports_index import main as reports_index
    from bench.report_builder.slides import main as slides
    from bench.results_index.command import main as results_index

    return {
        "lakehouse": iceberg_loads,
        "lakehouse-report": iceberg_loads_report,
        "batched-load": batched_load,
        "marts": marts_incremental,
        "generator": generator_speed,
        "index": results_index,
        "reports-index": reports_index,
        "diff": diff,
        "slides": slides,
    }


for _name, _command in _parts().items():
    bench_app.command(_name)(friendly_errors(_command))
