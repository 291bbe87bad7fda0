"""results.json → report.md, report.html and plots/*.png in the same folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.harness.machine import short_commit
from bench.harness.results_json import read_results
from bench.report_builder import cost_section, plots, sections
from bench.report_builder.analysis import (
    CaseSummary,
    MemoryLine,
    TimeLine,
    memory_fits,
    summarize_cases,
    time_fits,
)
from bench.report_builder.costs import Instance, largest_vm, load_prices
from bench.report_builder.decision import Decision, decide
from bench.report_builder.document import Document, to_html, to_markdown
from bench.report_builder.flowchart import mermaid, svg
from bench.report_builder.horizontal import horizontal, no_model_reason
from bench.report_builder.verdict import verdict
from bench.spark_model.scale_out import ScaleOutModel, scale_out_model

RANGES = (
    "A threshold read off a fit (the events that fit in a given memory, where two fitted times "
    "cross) carries a range: the fit redone, by the same function, on 2000 bootstrap resamples "
    "of each size's tries (seeded: the same results give the same ranges), and the 2.5-97.5 % "
    "percentiles of the threshold over them — the spread of the tries, not the error of a "
    "straight line beyond the sizes run. A fit through one size, or through sizes of one try "
    "each, has nothing to resample: 'no range', and why."
)
STATISTICS = (
    "Statistics: median, min, max over the tries; the 95 % interval is a percentile "
    "bootstrap of the median (scipy.stats.bootstrap, 2000 resamples); a try above "
    "Q3 + 1.5 IQR or above twice the median is flagged (kept, not dropped). With {tries} "
    "an interval is wide by nature: read it as the spread, not as precision. " + RANGES
)
ONE_TRY = (
    "Statistics: one try per case, so each median is that try's figure and no interval is "
    "shown (one try: no interval); a try is flagged against the others only with two or more. "
    + RANGES
)


@dataclass(frozen=True)
class Run:
    """What the report (and the slides) read from one results.json: the case summaries, their
    fits, the Spark model and the flowchart — computed once, shown by both."""

    header: dict
    tries: list[dict]  # the tries that completed
    stopped: list[dict]  # the tries stopped over the memory cap
    cases: list[CaseSummary]
    times: dict[str, TimeLine]
    memory: dict[str, MemoryLine]
    model: ScaleOutModel | None
    prices: list[Instance]
    big: Instance  # the largest memory-optimised VM
    decision: Decision | None

    @property
    def machine(self) -> dict:
        return self.header["machine"]

    @property
    def no_model(self) -> str | None:
        """Why there is no Spark model (None: no Spark try), for the verdict's model line."""
        return no_model_reason(self.tries)


def analyse(results: dict) -> Run:
    """The figures of a results.json's contents: summaries, fits, model, flowchart."""
    header = results["header"]
    tries = [t for t in results["tries"] if not t.get("over_memory_cap")]
    stopped = [t for t in results["tries"] if t.get("over_memory_cap")]
    cases = summarize_cases(tries)
    times, memory = time_fits(cases), memory_fits(cases)
    machine = header["machine"]
    model = scale_out_model(tries, machine["cores"])
    prices = load_prices()
    big = largest_vm(prices)
    decision = decide(
        cases, memory, machine["memory_gib"], big, model, no_model_reason(tries), prices=prices
    )
    return Run(header, tries, stopped, cases, times, memory, model, prices, big, decision)


def build_document(results: dict, events_per_day: int | None = None) -> Document:
    """The whole report (text, tables, plots, flowchart) from a results.json's contents, the
    verdict first (with the answer for ``events_per_day``, when given)."""
    run = analyse(results)
    header, tries, cases, machine = run.header, run.tries, run.cases, run.machine
    doc = Document(f"etlstack bench — {header['date']}")
    verdict(doc, cases, run.decision, run.model, machine, run.no_model, events_per_day)
    doc.heading("Run")
    for line in run_lines(header):
        doc.paragraph(line)
    sections.verification(doc, tries)
    _median_table(doc, cases)
    _stage_table(doc, cases)
    _native_comparison(doc, cases)
    doc.heading("Crossover points")
    doc.bullets(sections.crossovers(cases, run.times) or ["one size only: no curve to fit"])
    sections.vertical(doc, cases, run.memory, machine["memory_gib"], run.big.memory_gib)
    if header["matrix"].get("memory_cap_gib"):
        sections.memory_cap(doc, tries, run.stopped, header["matrix"]["memory_cap_gib"])
    day = run.decision.day_events if run.decision else None
    horizontal(doc, tries, run.model, machine["cores"], day)
    cost_section.costs(doc, cases, run.times, run.memory, run.model, run.prices, machine["cores"])
    doc.heading("Decision")
    decision_section(doc, run.decision, header["matrix"].get("load"))
    _methodology(doc, header)
    return doc


def run_lines(header: dict) -> list[str]:
    """The machine, versions and bench matrix this run was measured with."""
    machine = header["machine"]
    m = header["matrix"]
    return [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB; "
        f"git {short_commit(header['git_commit'])}; "
        + ", ".join(f"{k} {v}" for k, v in header["versions"].items()),
        f"Matrix: rows {', '.join(f'{r:,}' for r in m['rows'])}; engines {', '.join(m['engines'])};"
        f" threads {', '.join(map(str, m['threads']))}; cluster workers "
        f"{', '.join(map(str, m['cluster_workers'])) or 'none'}; {m['repeat']} tries per case; "
        f"{'whole Iceberg load' if m['load'] else 'pipeline (read → output tables in memory)'}; "
        f"seed {m['seed']}.",
    ]


def _median_table(doc: Document, cases: list[CaseSummary]) -> None:
    """Every case's medians and intervals, with the time and memory plots against rows."""
    doc.heading("Medians with 95 % bootstrap intervals")
    doc.table(
        [
            "case",
            "events",
            "median s",
            "95 % CI",
            "min to max",
            "cold s",
            "warm median s",
            "start-up s",
            "peak RSS GiB",
            "CPU %",
            "events/s",
            "outlier tries",
        ],
        sections.median_rows(cases),
    )
    doc.image("time_vs_rows.png", plots.time_vs_rows(cases), "time vs rows")
    doc.image("rss_vs_rows.png", plots.rss_vs_rows(cases), "peak RSS vs rows")


def _stage_table(doc: Document, cases: list[CaseSummary]) -> None:
    """Per-stage medians at the largest size, with the stage breakdown plot."""
    largest = max(c.rows for c in cases)
    stage_cases = [c for c in cases if c.rows == largest]
    stage_names = list(dict.fromkeys(s for c in stage_cases for s in c.stages))
    doc.heading(f"Stages at {largest:,} events (medians, seconds)")
    doc.table(
        ["stage", *[c.label for c in stage_cases]],
        [
            [s, *[sections.fmt_s(c.stages[s]) if s in c.stages else "" for c in stage_cases]]
            for s in stage_names
        ]
        + [["start-up", *[sections.fmt_s(c.startup_median) for c in stage_cases]]],
    )
    doc.image("stages.png", plots.stage_breakdown(cases), "stage breakdown")


def _native_comparison(doc: Document, cases: list[CaseSummary]) -> None:
    """One SQL against the hand-written baseline per engine, when the run has both."""
    if ratios := sections.native_ratios(cases):
        doc.heading("One SQL vs the hand-written baseline on the same engine (medians)")
        doc.paragraph(
            "native-<engine> is the same rules written by hand in that engine's own API "
            "(bench/native_*.py), checked equal above; the ratio is one-SQL / native wall time "
            "(target: at most 1.25)."
        )
        doc.table(
            ["engine", "events", "one-SQL s", "native s", "ratio", "one-SQL GiB", "native GiB"],
            ratios,
        )


def decision_section(doc: Document, decision: Decision | None, load: bool | None) -> None:
    """The decision flowchart and its notes, or why there is none."""
    if decision is None:
        doc.paragraph("No Polars or DuckDB case: no single-node threshold to compute.")
        return
    doc.paragraph(decision_scope(load))
    doc.flowchart(mermaid(decision), svg(decision))
    doc.bullets(list(decision.notes))


def decision_scope(load: bool | None) -> str:
    """Where the thresholds come from and what was measured: the pipeline or the whole load."""
    scope = (
        "the whole Iceberg load (--load)"
        if load
        else "the pipeline only (read → output tables in memory); the whole Iceberg load "
        "holds more at its peak — run with --load for load thresholds"
    )
    return (
        "Thresholds computed from this run (fitted bytes per event, medians), each with its "
        "range over the fit redone on resamples of the tries (see Methodology); "
        f"re-running the bench re-draws them. What was measured: {scope}."
    )


def _methodology(doc: Document, header: dict) -> None:
    """How the run measured and how its statistics read."""
    doc.heading("Methodology")
    doc.paragraph(header["method"])
    doc.paragraph(statistics(header))


def statistics(header: dict) -> str:
    """How the medians, intervals and flagged tries read, with the run's tries per case."""
    repeat = header["matrix"]["repeat"]
    if repeat < 2:
        return ONE_TRY
    return STATISTICS.format(tries=f"{repeat} tries")


def build_report(
    folder: Path, readme: Path | None = None, events_per_day: int | None = None
) -> list[Path]:
    results = read_results(folder)
    doc = build_document(results, events_per_day)
    if readme is not None:
        from bench.report_builder.readme import fragment, write_readme_section

        write_readme_section(readme, fragment(doc, folder, readme))
    plots_dir = folder / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    for name, png in doc.images.items():
        (plots_dir / name).write_bytes(png)
    markdown, page = folder / "report.md", folder / "report.html"
    markdown.write_text(to_markdown(doc))
    page.write_text(to_html(doc))
    return [markdown, page, plots_dir] + ([readme] if readme else [])
