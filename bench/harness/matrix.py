"""What a bench run measures: sizes x engines x threads (x cluster workers), and how often."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from python_engines.core.errors import EtlStackError
from python_engines.generator.config import SIZE_ROWS
from python_engines.transpile import ENGINES as SQL_ENGINES

NATIVE = "native-"  # native-<engine>: the hand-written baseline bench/baselines/native_<engine>.py
NATIVE_ENGINES = tuple(f"{NATIVE}{engine}" for engine in SQL_ENGINES)
ENGINES = (*SQL_ENGINES, *NATIVE_ENGINES)


def base_engine(name: str) -> str:
    """The engine a case runs on: ``native-spark`` → ``spark``."""
    return name.removeprefix(NATIVE)


def native_module(name: str) -> str:
    """The module of a hand-written baseline (it has ``run(inputs)``): ``bench.baselines.native_spark``."""
    return f"bench.baselines.native_{base_engine(name)}"


SIZES = {"tiny": 5_000, **{size.value: rows for size, rows in SIZE_ROWS.items()}}


@dataclass(frozen=True)
class Case:
    """One engine configuration; its tries on one input are compared and summarised together."""

    engine: str
    threads: int
    cluster_workers: int | None = None  # Spark on a standalone cluster of K one-core workers

    @property
    def label(self) -> str:
        if self.cluster_workers:
            return f"spark cluster K={self.cluster_workers}"
        return f"{self.engine} x{self.threads}"

    @classmethod
    def of(cls, t: dict) -> Case:
        """The case a try in results.json belongs to."""
        return cls(t["engine"], t["threads"], t.get("cluster_workers"))


class Matrix(BaseModel):
    rows: list[int] = Field(min_length=1)
    engines: list[str] = Field(min_length=1)
    threads: list[int] = Field(min_length=1)
    repeat: int = Field(3, ge=1)
    seed: int = 42
    load: bool = False
    cluster_workers: list[int] = Field(default_factory=list)
    worker_memory: str = "2g"
    spark_master: str | None = None  # an external cluster for the spark cases
    memory_cap_gib: float | None = Field(None, gt=0)  # a try over it is stopped, not timed

    def cases(self, rows: int | None = None) -> list[Case]:
        """The cluster cases run at the largest size only: they are the slowest tries of all,
        and the scaling model is fitted at one size."""
        cases = [Case(e, t) for e in self.engines for t in self.threads]
        if rows is None or rows == max(self.rows):
            cases += [Case("spark", k, k) for k in self.cluster_workers]
        return cases


def parse_ints(text: str, option: str) -> list[int]:
    try:
        values = [int(v.strip().replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        raise EtlStackError(f"{option} {text!r}: give whole numbers separated by commas") from None
    if not values or min(values) < 1:
        raise EtlStackError(f"{option} {text!r}: give positive numbers separated by commas")
    return values


def parse_rows(rows: str | None, size: str | None) -> list[int]:
    if rows and size:
        raise EtlStackError("give --rows or --size, not both")
    if size:
        unknown = [s for s in size.split(",") if s.strip() not in SIZES]
        if unknown:
            raise EtlStackError(f"unknown size {unknown[0]!r}: choose from {', '.join(SIZES)}")
        return [SIZES[s.strip()] for s in size.split(",")]
    return parse_ints(rows or "100000,1000000", "--rows")


def parse_engines(text: str, load: bool = False) -> list[str]:
    engines = [e.strip() for e in text.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        raise EtlStackError(
            f"unknown engine {unknown[0] if unknown else text!r}: "
            f"choose from {', '.join(ENGINES)}"
        )
    native = [e for e in engines if e.startswith("native-")]
    if load and native:
        raise EtlStackError(
            f"--load times the Iceberg load of the SQL path; {native[0]} is a pipeline "
            "baseline only: leave it out or drop --load"
        )
    return engines
