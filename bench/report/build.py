"""results.json → report.md, report.html and plots/*.png in the same folder."""

from __future__ import annotations

import itertools
from pathlib import Path

from bench.report import plots
from bench.report.analysis import (
    CaseSummary,
    case_label,
    crossover,
    memory_fits,
    summarize_cases,
    time_fits,
)
from bench.report.costs import (
    ASSUMPTIONS,
    CLUSTER_SIZES,
    CostPoint,
    largest_vm,
    load_prices,
    single_vm,
    spark_cluster,
)
from bench.report.decision import best_local, decide, mermaid, svg
from bench.report.document import Document, to_html, to_markdown
from bench.report.scaling_model import MODEL_WORKERS, fit_amdahl
from bench.results_file import read_results

GIB = 2**30
SCALES_OUT = (
    "What scales out: Spark — the same SQL runs on K workers (measured here on a real standalone "
    "cluster with K = 1 and 2 one-core workers; beyond that the fitted model). What does not: the "
    "Polars and DuckDB paths run on one machine only — more cores and memory on that machine "
    "(vertical), nothing beyond it, except splitting the input by day and running independent "
    "days on different machines (the incremental load then stitches sessions across midnight "
    "in order, one day after the other)."
)
MEMORY_METHOD = (
    "Memory: bytes of peak RSS per event are fitted (least squares, peak = base + per-event x "
    "events) over the sizes run; the largest day an engine takes in X GiB is where that line "
    "reaches 80 % of X. No hard memory cap was applied: this host's cgroup memory hierarchy is "
    "v1 and belongs to the sandbox that runs these sessions (not ours to re-parent processes "
    "into), and RLIMIT_AS is unusable for the JVM and Polars (they reserve far more address "
    "space than they touch), so a cap would fail at start-up, not at the memory the data needs."
)


def _fmt_s(x: float) -> str:
    return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"


def _gib(b: float) -> str:
    return f"{b / GIB:.2f}"


def _events(n: float) -> str:
    return f"{n:,.0f}" if n < 1e12 else "unbounded"


def _median_rows(cases: list[CaseSummary]) -> list[list[object]]:
    rows = []
    for c in cases:
        rows.append(
            [
                c.label,
                f"{c.rows:,}",
                _fmt_s(c.wall.median),
                f"{_fmt_s(c.wall.ci_low)}-{_fmt_s(c.wall.ci_high)}",
                f"{_fmt_s(c.wall.minimum)} to {_fmt_s(c.wall.maximum)}",
                _fmt_s(c.cold_wall) if c.cold_wall is not None else "",
                _fmt_s(c.warm_median_wall) if c.warm_median_wall is not None else "",
                _fmt_s(c.startup_median),
                _gib(c.rss_median),
                f"{c.cpu_percent_median:.0f}",
                f"{c.events_per_second_median:,.0f}",
                ",".join(str(t) for t in c.outlier_tries) or "-",
            ]
        )
    return rows


def _verification(doc: Document, tries: list[dict]) -> None:
    doc.heading("Verified before timed")
    rows = []
    for size in sorted({t["rows"] for t in tries}):
        of_size = [t for t in tries if t["rows"] == size]
        for table in sorted(of_size[0]["output_fingerprint"]):
            prints = {t["output_fingerprint"][table] for t in of_size}
            cases = len({(t["engine"], t["threads"], t.get("cluster_workers")) for t in of_size})
            verdict = "equal" if len(prints) == 1 else "DIFFER"
            rows.append([f"{size:,}", table, next(iter(prints)), cases, verdict])
    doc.paragraph(
        "Every case's output tables were fingerprinted (row count and an order-independent sum "
        "of row hashes) and compared across engines before any time of that size was kept."
    )
    doc.table(["events", "table", "fingerprint", "cases", "verdict"], rows)


def _crossovers(cases: list[CaseSummary], fits: dict) -> list[str]:
    labels = [best_local(cases, e) for e in ("polars", "duckdb", "spark", "native-polars")]
    labels = [label for label in labels if label in fits]
    lines = []
    for a, b in itertools.combinations(labels, 2):
        at = crossover(fits[a], fits[b])
        sizes = [c.rows for c in cases]
        if at is None or not (min(sizes) / 100 <= at <= max(sizes) * 1000):
            faster = a if fits[a](max(sizes)) < fits[b](max(sizes)) else b
            lines.append(f"{a} vs {b}: no crossover near the sizes run; {faster} is faster.")
        else:
            big = a if fits[a](at * 10) < fits[b](at * 10) else b
            lines.append(
                f"{a} vs {b}: the fitted times cross at about {at:,.0f} events; "
                f"above it {big} is faster."
            )
    for label in labels:
        fit = fits[label]
        lines.append(
            f"{label}: {fit.fixed:.2f} s fixed + {fit.per_event * 1e6:.2f} µs per event "
            f"({1 / fit.per_event if fit.per_event else float('inf'):,.0f} events/s at scale)"
        )
    return lines


def _vertical(
    doc: Document, cases: list[CaseSummary], memory: dict, machine_gib: float, big: float
) -> None:
    doc.heading("Vertical scaling: threads and memory")
    largest = max(c.rows for c in cases)
    rows = []
    for engine in sorted({c.engine for c in cases if not c.cluster_workers}):
        group = sorted(
            (
                c
                for c in cases
                if c.engine == engine and c.rows == largest and not c.cluster_workers
            ),
            key=lambda c: c.threads,
        )
        for c in group:
            rows.append(
                [
                    engine,
                    c.threads,
                    _fmt_s(c.wall.median),
                    f"{group[0].wall.median / c.wall.median:.2f}x",
                ]
            )
    doc.table(["engine", "threads", f"median s at {largest:,}", "speed-up vs fewest"], rows)
    doc.image("threads_scaling.png", plots.threads_scaling(cases), "threads scaling")
    doc.paragraph(MEMORY_METHOD)
    mem_rows = []
    for label, line in sorted(memory.items()):
        mem_rows.append(
            [
                label,
                f"{line.per_event_bytes:,.0f}",
                _gib(line.base_bytes),
                _events(line.events_within(machine_gib * GIB * 0.8)),
                _events(line.events_within(64 * GIB * 0.8)),
                _events(line.events_within(big * GIB * 0.8)),
            ]
        )
    doc.table(
        [
            "case",
            "bytes/event",
            "base GiB",
            f"max events in {machine_gib:.0f} GiB",
            "in 64 GiB",
            f"in {big:.0f} GiB",
        ],
        mem_rows,
    )


def _memory_cap(doc: Document, tries: list[dict], stopped: list[dict], cap_gib: float) -> None:
    from bench.memory_cap import __doc__ as how

    doc.heading(f"Largest size completed under a {cap_gib:g} GiB memory cap")
    doc.paragraph(" ".join((how or "").split()))
    labels = sorted({case_label(t) for t in tries + stopped})
    rows = []
    for label in labels:
        done = [t["rows"] for t in tries if case_label(t) == label]
        over = [t for t in stopped if case_label(t) == label]
        first_over = min(over, key=lambda t: t["rows"]) if over else None
        rows.append(
            [
                label,
                f"{max(done):,}" if done else "none",
                f"{first_over['rows']:,}" if first_over else "-",
                _gib(first_over["rss_when_stopped"]) if first_over else "-",
            ]
        )
    doc.table(["case", "largest completed", "stopped at", "RSS when stopped, GiB"], rows)


def _horizontal(doc: Document, tries: list[dict], model) -> None:
    doc.heading("Horizontal scaling: Spark on a standalone cluster")
    doc.paragraph(SCALES_OUT)
    if model is None:
        doc.paragraph("No Spark tries with two worker counts or thread counts: no model fitted.")
        return
    doc.paragraph(
        f"Fitted on {model.source} at {model.rows:,} events (points: "
        + ", ".join(f"K={k}: {s:.1f} s" for k, s in model.median_points())
        + f"): start-up {model.startup:.1f} s + serial {model.serial:.1f} s + parallel "
        f"{model.parallel:.1f} s / K. Rows for K > 2 are a MODEL (this host has 2 cores)."
    )
    doc.table(
        ["K one-core workers", "seconds", "kind"],
        [
            [k, _fmt_s(model.seconds(k)), "measured fit" if k <= 2 else "model"]
            for k in MODEL_WORKERS
        ],
    )
    doc.image("cluster_scaling.png", plots.cluster_scaling(model), "cluster scaling (model)")


def _costs(doc: Document, cases, times, memory, model, prices) -> None:
    doc.heading("Cost per run and per million events")
    doc.bullets(list(ASSUMPTIONS))
    sizes = sorted({c.rows for c in cases})
    sizes += [n for n in (10_000_000, 100_000_000, 1_000_000_000) if n > sizes[-1]]
    points: list[CostPoint] = []
    missing: list[str] = []
    for engine in ("polars", "duckdb", "spark"):
        label = best_local(cases, engine)
        if label in times and label in memory:
            for n in sizes:
                point = single_vm(f"{label} on one VM", n, times[label], memory[label], prices)
                if point:
                    points.append(point)
                else:
                    missing.append(f"{label}: {n:,} events do not fit in the largest VM")
    if model is not None:
        for k, n in itertools.product(CLUSTER_SIZES, sizes):
            points.append(spark_cluster(n, k, model, prices))
    measured = {c.rows for c in cases}
    doc.table(
        ["setup", "events", "instance", "seconds", "USD/run", "USD per million events", "kind"],
        [
            [
                p.setup,
                f"{p.rows:,}",
                p.instance,
                _fmt_s(p.seconds),
                f"{p.usd_per_run:.4f}",
                f"{p.usd_per_million_events:.5f}",
                (
                    "fitted at a measured size"
                    if p.rows in measured and "model" not in p.setup
                    else "extrapolated / model"
                ),
            ]
            for p in points
        ],
    )
    if missing:
        doc.bullets(missing)
    if points:
        doc.image("cost_per_million.png", plots.cost_per_million(points), "cost per million")


def build_document(results: dict) -> Document:
    header = results["header"]
    tries = [t for t in results["tries"] if not t.get("over_memory_cap")]
    stopped = [t for t in results["tries"] if t.get("over_memory_cap")]
    cases = summarize_cases(tries)
    times, memory = time_fits(cases), memory_fits(cases)
    model = fit_amdahl(tries)
    prices = load_prices()
    big = largest_vm(prices)
    machine = header["machine"]
    doc = Document(f"etlstack bench — {header['date']}")
    doc.paragraph(
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB; "
        f"git {header['git_commit'][:12]}; "
        + ", ".join(f"{k} {v}" for k, v in header["versions"].items())
    )
    m = header["matrix"]
    doc.paragraph(
        f"Matrix: rows {', '.join(f'{r:,}' for r in m['rows'])}; engines {', '.join(m['engines'])};"
        f" threads {', '.join(map(str, m['threads']))}; cluster workers "
        f"{', '.join(map(str, m['cluster_workers'])) or 'none'}; {m['repeat']} tries per case; "
        f"{'whole Iceberg load' if m['load'] else 'pipeline (read → output tables in memory)'}; "
        f"seed {m['seed']}."
    )
    _verification(doc, tries)
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
        _median_rows(cases),
    )
    doc.image("time_vs_rows.png", plots.time_vs_rows(cases), "time vs rows")
    doc.image("rss_vs_rows.png", plots.rss_vs_rows(cases), "peak RSS vs rows")
    largest = max(c.rows for c in cases)
    stage_cases = [c for c in cases if c.rows == largest]
    stage_names = list(dict.fromkeys(s for c in stage_cases for s in c.stages))
    doc.heading(f"Stages at {largest:,} events (medians, seconds)")
    doc.table(
        ["stage", *[c.label for c in stage_cases]],
        [
            [s, *[_fmt_s(c.stages[s]) if s in c.stages else "" for c in stage_cases]]
            for s in stage_names
        ]
        + [["start-up", *[_fmt_s(c.startup_median) for c in stage_cases]]],
    )
    doc.image("stages.png", plots.stage_breakdown(cases), "stage breakdown")
    doc.heading("Crossover points")
    doc.bullets(_crossovers(cases, times) or ["one size only: no curve to fit"])
    _vertical(doc, cases, memory, machine["memory_gib"], big.memory_gib)
    if header["matrix"].get("memory_cap_gib"):
        _memory_cap(doc, tries, stopped, header["matrix"]["memory_cap_gib"])
    _horizontal(doc, tries, model)
    _costs(doc, cases, times, memory, model, prices)
    doc.heading("Decision")
    decision = decide(cases, memory, machine["memory_gib"], big, model)
    if decision is None:
        doc.paragraph("No Polars or DuckDB case: no single-node threshold to compute.")
    else:
        doc.paragraph(
            "Thresholds computed from this run (fitted bytes per event, medians); "
            "re-running the bench re-draws them."
        )
        doc.flowchart(mermaid(decision), svg(decision))
        doc.bullets(list(decision.notes))
    doc.heading("Methodology")
    doc.paragraph(header["method"])
    doc.paragraph(
        "Statistics: median, min, max over the tries; the 95 % interval is a percentile "
        "bootstrap of the median (scipy.stats.bootstrap, 2000 resamples); a try above "
        "Q3 + 1.5 IQR or above twice the median is flagged (kept, not dropped). With 3 tries "
        "an interval is wide by nature: read it as the spread, not as precision."
    )
    return doc


def build_report(folder: Path, readme: Path | None = None) -> list[Path]:
    results = read_results(folder)
    doc = build_document(results)
    if readme is not None:
        from bench.report.readme import fragment, write_readme_section

        write_readme_section(readme, fragment(doc, folder, readme))
    plots_dir = folder / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    for name, png in doc.images.items():
        (plots_dir / name).write_bytes(png)
    markdown, page = folder / "report.md", folder / "report.html"
    markdown.write_text(to_markdown(doc))
    page.write_text(to_html(doc))
    return [markdown, page, plots_dir] + ([readme] if readme else [])
