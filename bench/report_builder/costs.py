"""Cost per run and per million events: one memory-optimised VM (the smallest that holds the
engine's modelled peak memory) vs a Spark cluster of K general-purpose VMs (the scale-out model:
a replay of the measured tasks).
Prices: bench/prices.csv, a dated snapshot of published on-demand list prices."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bench.report_builder.analysis import MemoryLine, TimeLine
from bench.spark_model.scale_out import ScaleOutModel

PRICES = Path(__file__).parent.parent / "prices.csv"
USABLE_MEMORY = 0.8  # of a VM's RAM an engine may take (OS, page cache, headroom)
MIN_BILLED_SECONDS = 60  # per-second billing with a one-minute minimum
WORKER_TYPE = "m7i.xlarge"
CLUSTER_SIZES = (2, 4, 8, 16)
ASSUMPTIONS = (
    f"On-demand Linux list prices from bench/prices.csv (a snapshot, see its columns for source "
    f"and date); per-second billing, {MIN_BILLED_SECONDS} s minimum; nothing for storage, "
    "network, idle time or engineers.",
    f"One VM: the cheapest memory-optimised type whose RAM x {USABLE_MEMORY} holds the engine's "
    "fitted peak RSS at that size; its run time is the time fitted on this machine (no credit "
    "for its extra cores: conservative for Polars and DuckDB, which use them).",
    f"Spark cluster: K x {WORKER_TYPE} workers plus one driver of the same type; each worker is "
    "an executor whose vCPUs are task slots of the scale-out model (the measured tasks replayed "
    "on K x vCPU slots, multiplied with the events; see the horizontal-scaling section). A "
    "model, not a measurement beyond the K measured here.",
)


@dataclass(frozen=True)
class Instance:
    name: str
    family: str
    vcpu: int
    memory_gib: float
    usd_per_hour: float


def load_prices(path: Path = PRICES) -> list[Instance]:
    with path.open() as handle:
        return [
            Instance(
                r["instance_type"],
                r["family"],
                int(r["vcpu"]),
                float(r["memory_gib"]),
                float(r["usd_per_hour"]),
            )
            for r in csv.DictReader(handle)
        ]


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


def single_vm(
    label: str, rows: int, time: TimeLine, memory: MemoryLine, prices: list[Instance]
) -> CostPoint | None:
    """None when no memory-optimised VM in the table holds the engine's peak at this size."""
    needed = memory(rows)
    fitting = [
        p
        for p in prices
        if p.family == "memory-optimised" and p.memory_gib * 2**30 * USABLE_MEMORY >= needed
    ]
    if not fitting:
        return None
    vm = min(fitting, key=lambda p: p.usd_per_hour)
    seconds = time(rows)
    return CostPoint(label, rows, vm.name, seconds, run_cost(vm.usd_per_hour, seconds))


def spark_cluster(
    rows: int, workers: int, model: ScaleOutModel, prices: list[Instance]
) -> CostPoint:
    vm = next(p for p in prices if p.name == WORKER_TYPE)
    seconds = model.seconds(workers, rows, cores=vm.vcpu)
    cost = run_cost(vm.usd_per_hour, seconds, machines=workers + 1)
    return CostPoint(f"spark cluster {workers}x (model)", rows, vm.name, seconds, cost)


def largest_vm(prices: list[Instance]) -> Instance:
    return max((p for p in prices if p.family == "memory-optimised"), key=lambda p: p.memory_gib)
