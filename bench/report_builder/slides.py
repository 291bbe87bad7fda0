"""``etlstack bench slides DIR``: a short deck from DIR/results.json — the question, the method,
the verdict's figures, memory, cost, Spark's scaling, the flowchart and what was measured or
modelled — as one offline HTML file (``slide_deck``) and a PDF printed by headless Chromium.

Each slide is a ``Document`` (a ``Slide``: with its layout) filled by the report's own functions
over the same ``Run``: no figure is typed here, and a slide shows what the report shows, fewer
of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from bench.harness.results_json import read_results
from bench.report_builder import offline_page, plots
from bench.report_builder.build import (
    Run,
    analyse,
    decision_scope,
    decision_section,
    run_lines,
    statistics,
)
from bench.report_builder.cost_section import (
    cost_kind,
    cost_plot,
    cost_points,
    no_costs,
    priced,
    usd_per_million,
)
from bench.report_builder.costs import (
    ASSUMPTIONS,
    MIN_BILLED_SECONDS,
    CostPoint,
    NoFit,
    price_source,
)
from bench.report_builder.horizontal import (
    NO_SPARK,
    error_summary,
    no_model_reason,
    scaling_plot,
)
from bench.report_builder.sections import (
    MEMORY_FIT,
    VERIFIED,
    crossovers,
    memory_table,
    verification_rows,
)
from bench.report_builder.slide_deck import Slide, to_deck
from bench.report_builder.verdict import measured_sizes, model_line, verdict_lines
from python_engines.core.errors import EtlStackError

QUESTION = "Spark or a single-node Python stack?"
MAX_SLIDES = 12


def build_slides(results: dict, events_per_day: int | None = None) -> list[Slide]:
    """The deck's slides, in order, from a results.json's contents."""
    run = analyse(results)
    return [
        _question(run),
        _method(run),
        _verdict(run, events_per_day),
        _time(run),
        *_memory(run),
        *_cost(run),
        _scaling(run),
        _decision(run),
        _caveats(run),
    ]


def _question(run: Run) -> Slide:
    slide = Slide(QUESTION, layout="cover")
    slide.paragraph(measured_sizes(run.cases, run.machine))
    slide.bullets(run_lines(run.header))
    return slide


def _method(run: Run) -> Slide:
    slide = Slide("Method: verified outputs, fresh processes, medians", layout="text")
    sentences = re.split(r"(?<=\.)\s+", run.header["method"].strip())
    slide.bullets([VERIFIED, *sentences])
    slide.table(
        ["events", "table", "fingerprint", "cases", "verdict"], verification_rows(run.tries)
    )
    slide.paragraph(statistics(run.header))
    return slide


def _verdict(run: Run, events_per_day: int | None) -> Slide:
    slide = Slide("Time: the verdict", layout="text")
    slide.bullets(verdict_lines(run.cases, run.decision, run.model, run.no_model, events_per_day))
    return slide


def _time(run: Run) -> Slide:
    slide = Slide("Time against input size")
    slide.image("time_vs_rows.png", plots.time_vs_rows(run.cases), "time vs rows")
    slide.bullets(crossovers(run.cases, run.times) or ["one size only: no curve to fit"])
    return slide


def _memory(run: Run) -> list[Slide]:
    curve = Slide("Memory: peak RSS against input size", layout="figure")
    curve.image("rss_vs_rows.png", plots.rss_vs_rows(run.cases), "peak RSS vs rows")
    days = Slide("Memory: the largest day each engine takes", layout="text")
    days.table(*memory_table(run.memory, run.machine["memory_gib"], run.big.memory_gib))
    days.paragraph(MEMORY_FIT)
    return [curve, days]


def _cost(run: Run) -> list[Slide]:
    """USD per million events, a setup a row, a size a column (bold: fitted at a measured size,
    the rest extrapolated or the Spark model's; †: billed the minimum; 'does not fit': not
    priced); then the report's plot of them."""
    found, notes = cost_points(run.cases, run.times, run.memory, run.model, run.prices)
    table = Slide("Cost per million events", layout="text")
    sources = [ASSUMPTIONS[0], price_source(run.prices)]
    if not found:
        table.paragraph(no_costs(run.cases, run.model, run.prices))
        table.bullets(sources)
        return [table]
    measured = {c.rows for c in run.cases}
    sizes = sorted({r.rows for r in found})
    cells = {(r.setup, r.rows): r for r in found}
    rows = [
        [setup, *(_cost_cell(cells.get((setup, n)), measured) for n in sizes)]
        for setup in dict.fromkeys(r.setup for r in found)
    ]
    table.table(["USD per million events", *(f"{n:,}" for n in sizes)], rows)
    table.paragraph(
        "Bold: fitted at a measured size; the rest: extrapolated / model. †: billed the "
        f"{MIN_BILLED_SECONDS} s minimum (a minute of the VM, whichever engine). 'does not fit': "
        "no VM, or no cluster worker, holds its share of the fitted peak memory."
    )
    table.bullets([*notes, *sources])
    if not (points := priced(found)):
        return [table]
    curve = Slide("Cost per million events against the day's size", layout="figure")
    curve.image("cost_per_million.png", cost_plot(points, measured), "cost per million")
    return [table, curve]


def _cost_cell(row: CostPoint | NoFit | None, measured: set[int]) -> str:
    if row is None:
        return "-"
    if isinstance(row, NoFit):
        return "does not fit"
    figure = usd_per_million(row) + (" †" if row.minimum_billed else "")
    return f"**{figure}**" if cost_kind(row, measured) == "fitted at a measured size" else figure


def _scaling(run: Run) -> Slide:
    slide = Slide("Scaling out: Spark on more machines")
    if png := scaling_plot(run.tries, run.model):
        slide.image("cluster_scaling.png", png, "Spark horizontal scaling")
    if run.model is not None:
        lines = [model_line(run.model, run.no_model), f"{error_summary(run.model)}."]
    else:
        lines = [no_model_reason(run.tries) or NO_SPARK]
    slide.bullets(lines)
    return slide


def _decision(run: Run) -> Slide:
    slide = Slide("Decision: which engine for which day", layout="figure")
    decision_section(slide, run.decision, run.header["matrix"].get("load"))
    return slide


def _caveats(run: Run) -> Slide:
    slide = Slide("Caveats: measured, fitted, modelled", layout="text")
    slide.bullets(
        [
            f"**Measured** — {measured_sizes(run.cases, run.machine)}",
            f"**Scope** — {decision_scope(run.header['matrix'].get('load'))}",
            f"**Fitted / extrapolated** — {MEMORY_FIT}",
            f"**Modelled** — {model_line(run.model, run.no_model)}",
            f"**Cost** — {ASSUMPTIONS[0]} {ASSUMPTIONS[1]}",
        ]
    )
    return slide


def write_slides(
    folder: Path, events_per_day: int | None = None, pdf: bool = True
) -> tuple[list[Path], str | None]:
    """``folder/slides.html`` (and ``slides.pdf``) from ``folder/results.json``; the files
    written and, when the PDF could not be printed here, why (one line)."""
    results = read_results(folder / "results.json")
    slides = build_slides(results, events_per_day)
    if len(slides) > MAX_SLIDES:
        raise EtlStackError(f"{len(slides)} slides: a deck holds at most {MAX_SLIDES}")
    page = folder / "slides.html"
    page.write_text(to_deck(slides, f"etlstack bench — {results['header']['date']}"))
    if not pdf:
        return [page], None
    out = folder / "slides.pdf"
    try:  # no Chromium, or no way to cut its network off: the deck stands without its PDF
        offline_page.chromium()
        offline_page.offline_command()
    except EtlStackError as exc:
        return [page], f"{out.name} skipped: {exc}"
    offline_page.print_pdf(page, out)
    return [page, out], None


def main(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A report folder with results.json (or the file), e.g. bench/reports/default."
        ),
    ],
    events_per_day: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="ETLSTACK_EVENTS_PER_DAY",
            help="Your day's events: the verdict slide answers for it, as the report does. "
            "\\[env ETLSTACK_EVENTS_PER_DAY]",
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option(help="Also print slides.pdf with headless Chromium, network off.")
    ] = True,
) -> None:
    """Write DIR/slides.html — one offline file, at most 12 slides (question, method, verdict,
    time, memory, cost, scaling, flowchart, caveats), every figure from DIR/results.json; keys
    →/Space/PageDown, ←/PageUp, Home/End; #3 links slide 3 — and DIR/slides.pdf, a page a
    slide (skipped, with a line saying so, when headless Chromium is absent)."""
    folder = folder.parent if folder.is_file() else folder
    written, skipped = write_slides(folder, events_per_day, pdf)
    for path in written:
        typer.echo(f"slides: {path}")
    if skipped:
        typer.echo(skipped)
