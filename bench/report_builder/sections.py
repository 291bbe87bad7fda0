"""The report's sections, each written into a Document from the case summaries and fits."""

from __future__ import annotations

import itertools

from bench.harness.matrix import ENGINES
from bench.report_builder import plots
from bench.report_builder.analysis import GIB, CaseSummary, case_label, crossover_range
from bench.report_builder.decision import about, best_local, events_in, in_words
from bench.report_builder.document import Document
from bench.report_builder.statistics import Summary

MEMORY_FIT = (
    "Memory: bytes of peak RSS per event are fitted (least squares, peak = base + per-event x "
    "events) over the sizes run; the largest day an engine takes in X GiB is where that line "
    "reaches 80 % of X — an extrapolation."
)
MEMORY_METHOD = MEMORY_FIT + (
    " A measured ceiling needs `--memory-cap GiB` "
    "(`make bench BENCH=memory`): an RSS watchdog, not a kernel limit — this host's cgroup "
    "memory hierarchy (v1) belongs to the sandbox that runs these sessions, and RLIMIT_AS fails "
    "the JVM and Polars at start-up (they reserve far more address space than they touch)."
)


def fmt_s(x: float) -> str:
    return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"


def gib(b: float) -> str:
    return f"{b / GIB:.2f}"


def events(n: float) -> str:
    return f"{n:,.0f}" if n < 1e12 else "unbounded"


NO_INTERVAL = "one try: no interval"


def interval(wall: Summary) -> str:
    """The 95 % bootstrap interval of the median, '1.98-2.37'; one try has none."""
    if wall.n < 2:
        return NO_INTERVAL
    return f"{fmt_s(wall.ci_low)}-{fmt_s(wall.ci_high)}"


def median_rows(cases: list[CaseSummary]) -> list[list[object]]:
    rows = []
    for c in cases:
        rows.append(
            [
                c.label,
                f"{c.rows:,}",
                fmt_s(c.wall.median),
                interval(c.wall),
                f"{fmt_s(c.wall.minimum)} to {fmt_s(c.wall.maximum)}",
                fmt_s(c.cold_wall) if c.cold_wall is not None else "",
                fmt_s(c.warm_median_wall) if c.warm_median_wall is not None else "",
                fmt_s(c.startup_median),
                gib(c.rss_median),
                f"{c.cpu_percent_median:.0f}",
                f"{c.events_per_second_median:,.0f}",
                ",".join(str(t) for t in c.outlier_tries) or "-",
            ]
        )
    return rows


VERIFIED = (
    "Every case's output tables were fingerprinted (row count and an order-independent sum "
    "of row hashes) and compared across engines before any time of that size was kept."
)


def verification(doc: Document, tries: list[dict]) -> None:
    doc.heading("Verified before timed")
    doc.paragraph(VERIFIED)
    doc.table(["events", "table", "fingerprint", "cases", "verdict"], verification_rows(tries))


def verification_rows(tries: list[dict]) -> list[list[object]]:
    """Per size and output table: its fingerprint, the cases compared, equal or DIFFER."""
    rows = []
    for size in sorted({t["rows"] for t in tries}):
        of_size = [t for t in tries if t["rows"] == size]
        for table in sorted(of_size[0]["output_fingerprint"]):
            prints = {t["output_fingerprint"][table] for t in of_size}
            cases = len({(t["engine"], t["threads"], t.get("cluster_workers")) for t in of_size})
            verdict = "equal" if len(prints) == 1 else "DIFFER"
            rows.append([f"{size:,}", table, next(iter(prints)), cases, verdict])
    return rows


def crossovers(cases: list[CaseSummary], fits: dict) -> list[str]:
    labels = [best_local(cases, e) for e in ENGINES]
    labels = [label for label in labels if label in fits]
    lines = []
    for a, b in itertools.combinations(labels, 2):
        crossing = crossover_range(fits[a], fits[b])
        sizes = [c.rows for c in cases]
        at = crossing[0].value if crossing else None
        if at is None or not (min(sizes) / 100 <= at <= max(sizes) * 1000):
            faster = a if fits[a](max(sizes)) < fits[b](max(sizes)) else b
            lines.append(f"{a} vs {b}: no crossover near the sizes run; {faster} is faster.")
        else:
            big = a if fits[a](at * 10) < fits[b](at * 10) else b
            spread, missed = crossing[0].range_words(in_words), crossing[1]
            spread += f"; {missed:.0%} of the refits do not cross" if missed else ""
            lines.append(
                f"{a} vs {b}: the fitted times cross at about {at:,.0f} events ({spread}); "
                f"above it {big} is faster."
            )
    for label in labels:
        fit = fits[label]
        lines.append(
            f"{label}: {fit.fixed:.2f} s fixed + {fit.per_event * 1e6:.2f} µs per event "
            f"({1 / fit.per_event if fit.per_event else float('inf'):,.0f} events/s at scale)"
        )
    return lines


def native_ratios(cases: list[CaseSummary]) -> list[list[object]]:
    """Each engine's one-SQL path against its hand-written baseline (native-<engine>), per size
    and thread count: median walls and their ratio (the target is at most 1.25)."""
    local = {(c.engine, c.threads, c.rows): c for c in cases if not c.cluster_workers}
    rows = []
    for (engine, threads, size), native in sorted(local.items(), key=lambda kv: kv[0][2]):
        sql = local.get((engine.removeprefix("native-"), threads, size))
        if engine.startswith("native-") and sql is not None:
            ratio = sql.wall.median / native.wall.median
            rows.append(
                [
                    f"{sql.engine} x{threads}",
                    f"{size:,}",
                    fmt_s(sql.wall.median),
                    fmt_s(native.wall.median),
                    f"{ratio:.2f}",
                    gib(sql.rss_median),
                    gib(native.rss_median),
                ]
            )
    return rows


def vertical(
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
                    fmt_s(c.wall.median),
                    f"{group[0].wall.median / c.wall.median:.2f}x",
                ]
            )
    doc.table(["engine", "threads", f"median s at {largest:,}", "speed-up vs fewest"], rows)
    if len({c.threads for c in cases if not c.cluster_workers}) > 1:  # no plot of one value
        doc.image("threads_scaling.png", plots.threads_scaling(cases), "threads scaling")
    doc.paragraph(MEMORY_METHOD)
    doc.table(*memory_table(memory, machine_gib, big))


def memory_table(
    memory: dict, machine_gib: float, big: float
) -> tuple[list[str], list[list[object]]]:
    """Headers and rows: each case's fitted bytes per event and the events it takes in this
    machine's memory, in 64 GiB and in the biggest VM's."""
    headers = [
        "case",
        "bytes/event",
        "base GiB",
        f"max events in {machine_gib:.0f} GiB",
        "in 64 GiB",
        f"in {big:.0f} GiB",
    ]
    rows = []
    for label, line in sorted(memory.items()):
        rows.append(
            [
                label,
                f"{line.per_event_bytes:,.0f}",
                gib(line.base_bytes),
                about(events_in(line, machine_gib)),
                about(events_in(line, 64)),
                about(events_in(line, big)),
            ]
        )
    return headers, rows


def memory_cap(doc: Document, tries: list[dict], stopped: list[dict], cap_gib: float) -> None:
    from bench.harness.memory_cap import __doc__ as how

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
                gib(first_over["rss_when_stopped"]) if first_over else "-",
            ]
        )
    doc.table(["case", "largest completed", "stopped at", "RSS when stopped, GiB"], rows)
