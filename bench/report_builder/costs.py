"""Cost per run and per million events: one memory-optimised VM (the smallest that holds the
engine's modelled peak memory) vs a Spark cluster of N general-purpose VMs (the scale-out model:
a replay of the measured tasks), each checked for memory the same way.
Prices: bench/prices.csv, a dated snapshot of published on-demand list prices."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from bench.report_builder.analysis import GIB, MemoryLine, TimeLine
from bench.spark_model.scale_out import ScaleOutModel

PRICES = Path(__file__).parent.parent / "prices.csv"
USABLE_MEMORY = 0.8  # of a VM's RAM an engine may take (OS, page cache, headroom)
MIN_BILLED_SECONDS = 60  # per-second billing with a one-minute minimum
WORKER_TYPE = "m7i.xlarge"
CLUSTER_SIZES = (2, 4, 8, 16)
ASSUMPTIONS = (
    f"On-demand Linux list prices from bench/prices.csv (a snapshot; its source and date under "
    f"the table); per-second billing, {MIN_BILLED_SECONDS} s minimum; nothing for storage, "
    "network, idle time or engineers.",
    f"One VM: the cheapest memory-optimised type whose RAM x {USABLE_MEMORY} holds the engine's "
    "fitted peak RSS at that size; its run time is the time fitted on this machine (no credit "
    "for its extra cores: conservative for Polars and DuckDB, which use them).",
    f"Spark cluster, N x {WORKER_TYPE} (C cores): N worker VMs, one executor each with a task "
    "slot per vCPU, C = N x vCPUs in all, plus one driver VM of the same type (billed, its "
    "cores not counted); its seconds are the scale-out model's at K = C one-core executors "
    "(the horizontal-scaling section's K: the measured tasks replayed on C slots, multiplied "
    "with the events). A model, not a measurement beyond the K measured here.",
    f"Memory, the same check for both: a cluster row is priced only when each worker holds its "
    "share of Spark's fitted peak RSS (the fit the one-VM spark rows use): the events split "
    "evenly over the N workers plus the fitted base on each, base + bytes per event x events / "
    f"N ≤ {USABLE_MEMORY} x the worker's RAM; otherwise 'does not fit', as a one-VM row when no "
    "VM holds the peak. Conservative: Spark may spill to disk, which this does not credit.",
)


@dataclass(frozen=True)
class Instance:
    name: str
    family: str
    vcpu: int
    memory_gib: float
    usd_per_hour: float
    provider: str = ""
    region: str = ""
    source: str = ""
    looked_up: str = ""


def load_prices(path: Path = PRICES) -> list[Instance]:
    with path.open() as handle:
        return [
            Instance(
                r["instance_type"],
                r["family"],
                int(r["vcpu"]),
                float(r["memory_gib"]),
                float(r["usd_per_hour"]),
                r["provider"],
                r["region"],
                r["source"],
                r["looked_up"],
            )
            for r in csv.DictReader(handle)
        ]


def price_source(prices: list[Instance]) -> str:
    """One line: the price table's provider, region, source and when it was looked up (each
    field's distinct values when the rows disagree). The source's scheme is left off: a page
    that names an https:// address reads as one that fetches it (the offline checks)."""

    def values(field: str) -> str:
        found = (getattr(p, field).removeprefix("https://") for p in prices)
        return " / ".join(dict.fromkeys(found)) or "-"

    return (
        f"Prices (bench/prices.csv): {values('provider')}, {values('region')}, "
        f"{values('source')}; looked up: {values('looked_up')}."
    )


def minimum_note(rows: list[CostPoint | NoFit]) -> str | None:
    """One sentence on the priced rows billed the minimum (None: no such row)."""
    priced = [r for r in rows if isinstance(r, CostPoint)]
    short = [r for r in priced if r.minimum_billed]
    if not short:
        return None
    return (
        f"'{MIN_BILLED_SECONDS} s minimum': {len(short)} of the {len(priced)} priced rows run "
        f"shorter than the billing minimum and are billed {MIN_BILLED_SECONDS} s, so their cost "
        "is a minute of the VM's price whichever engine runs: they compare VM prices, not engines."
    )


def run_cost(usd_per_hour: float, seconds: float, machines: int = 1) -> float:
    return machines * usd_per_hour * max(seconds, MIN_BILLED_SECONDS) / 3600


@dataclass(frozen=True)
class CostPoint:
    setup: str
    rows: int
    instance: str
    seconds: float
    usd_per_run: float

    @property
    def usd_per_million_events(self) -> float:
        return self.usd_per_run / (self.rows / 1e6)

    @property
    def minimum_billed(self) -> bool:
        """Shorter than the billing minimum: billed MIN_BILLED_SECONDS, whatever the engine."""
        return self.seconds < MIN_BILLED_SECONDS


@dataclass(frozen=True)
class NoFit:
    """A setup that cannot hold the data at this size: shown, not priced."""

    setup: str
    rows: int
    why: str  # e.g. "needs 52.5 GiB a worker; m7i.xlarge 12.8 usable"


def single_vm(
    label: str, rows: int, time: TimeLine, memory: MemoryLine, prices: list[Instance]
) -> CostPoint | NoFit:
    """A NoFit when no memory-optimised VM in the table holds the engine's peak at this size."""
    needed = memory(rows)
    fitting = [p for p in prices if p.family == "memory-optimised" and usable_bytes(p) >= needed]
    if not fitting:
        big = largest_vm(prices)
        usable = usable_bytes(big)
        why = f"needs {needed / GIB:,.1f} GiB; {big.name}, the largest, {usable / GIB:,.1f} usable"
        return NoFit(label, rows, why)
    vm = min(fitting, key=lambda p: p.usd_per_hour)
    seconds = time(rows)
    return CostPoint(label, rows, vm.name, seconds, run_cost(vm.usd_per_hour, seconds))


def cluster_setup(workers: int, prices: list[Instance]) -> str:
    """The one name of a cluster: its machines and its cores (= the model's K one-core
    executors)."""
    vm = worker_type(prices)
    return f"spark cluster, {workers} x {vm.name} ({workers * vm.vcpu} cores), model"


def worker_type(prices: list[Instance]) -> Instance:
    return next(p for p in prices if p.name == WORKER_TYPE)


def bytes_per_worker(memory: MemoryLine, rows: int, workers: int) -> float:
    """Spark's fitted peak split evenly over the workers, each with the fitted base."""
    return memory.base_bytes + memory.per_event_bytes * rows / workers


def usable_bytes(vm: Instance) -> float:
    """What an engine may take of a VM's RAM (USABLE_MEMORY of it)."""
    return vm.memory_gib * GIB * USABLE_MEMORY


def workers_to_hold(memory: MemoryLine, rows: int, vm: Instance, at_least: int) -> int | None:
    """The fewest workers (``at_least`` or more) each of which holds its share of Spark's
    fitted peak at ``rows`` events, the check ``spark_cluster`` makes; None when the fitted
    base alone exceeds a worker."""
    spare = usable_bytes(vm) - memory.base_bytes
    if spare <= 0:
        return None
    return max(at_least, math.ceil(memory.per_event_bytes * rows / spare))


def spark_cluster(
    rows: int, workers: int, model: ScaleOutModel, memory: MemoryLine, prices: list[Instance]
) -> CostPoint | NoFit:
    """A NoFit when a worker's share of Spark's peak (``memory``: the fit of the one-VM spark
    rows) exceeds USABLE_MEMORY of its RAM; else the modelled run priced, driver VM included."""
    vm = worker_type(prices)
    setup = cluster_setup(workers, prices)
    needed, usable = bytes_per_worker(memory, rows, workers), usable_bytes(vm)
    if needed > usable:
        why = f"needs {needed / GIB:,.1f} GiB a worker; {vm.name} {usable / GIB:.1f} usable"
        return NoFit(setup, rows, why)
    seconds = model.seconds(workers, rows, cores=vm.vcpu)
    cost = run_cost(vm.usd_per_hour, seconds, machines=workers + 1)
    machines = f"{workers + 1} x {vm.name} ({workers} workers + driver)"
    return CostPoint(setup, rows, machines, seconds, cost)


def largest_vm(prices: list[Instance]) -> Instance:
    return max((p for p in prices if p.family == "memory-optimised"), key=lambda p: p.memory_gib)
