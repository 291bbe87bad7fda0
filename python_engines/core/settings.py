"""Configuration from the environment (prefix ``ETLSTACK_``) or a ``.env`` file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

# a longer gap than a day between two events is no session; 0 or less made every event its own
MAX_SESSION_GAP_MINUTES = 24 * 60
# an engine's threads past this many per CPU only contend (1,000 on 2 cores: DuckDB's 1,000
# threads, Spark's local[1000] with 2,000 shuffle partitions)
THREADS_PER_CPU = 4


def cpus() -> int:
    return os.cpu_count() or 2


class PathSettings(BaseSettings):
    """Where data lives. ``ETLSTACK_DATA_DIR``, ``ETLSTACK_WAREHOUSE``, ``ETLSTACK_CATALOG_URI``."""

    model_config = SettingsConfigDict(env_prefix="ETLSTACK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data/raw")
    warehouse: Path = Path("warehouse")
    # the Iceberg SQL catalog: default sqlite at <warehouse>/catalog.db; or a SQLAlchemy URI
    # (postgresql+psycopg2://user@host/db) for a catalog several users share
    catalog_uri: str | None = None
    debug: bool = False  # show tracebacks instead of one-line errors
    # how long a run waits for another run on the same engine namespace (0: refuse at once)
    lock_timeout_seconds: float = Field(default=600.0, ge=0)


class PipelineSettings(BaseSettings):
    """Business-rule parameters. ``ETLSTACK_SESSION_GAP_MINUTES``."""

    # a setting read by its variable's name (validation_alias) is named so in a refusal
    model_config = SettingsConfigDict(
        env_prefix="ETLSTACK_", env_file=".env", extra="ignore", validate_by_name=True
    )

    session_gap_minutes: int = Field(default=30, validation_alias="ETLSTACK_SESSION_GAP_MINUTES")

    @field_validator("session_gap_minutes")
    @classmethod
    def _a_gap_of_minutes(cls, value: int) -> int:
        if not 1 <= value <= MAX_SESSION_GAP_MINUTES:
            raise PydanticCustomError(
                "session_gap",
                "{value} is no session gap: give whole minutes from 1 to {most} (a day)",
                {"value": value, "most": MAX_SESSION_GAP_MINUTES},
            )
        return value

    def sql_parameters(self) -> dict[str, int]:
        return {"session_gap_minutes": self.session_gap_minutes}


class EngineSettings(BaseSettings):
    """How engines run. ``ETLSTACK_THREADS``, ``ETLSTACK_SPARK_DRIVER_MEMORY``, …"""

    model_config = SettingsConfigDict(
        env_prefix="ETLSTACK_", env_file=".env", extra="ignore", validate_by_name=True
    )

    threads: int = Field(default_factory=cpus, validation_alias="ETLSTACK_THREADS")
    spark_driver_memory: str = "6g"
    spark_master: str | None = None  # default local[threads]; a cluster URL for a real cluster
    # on a cluster (spark://…): each executor's memory and cores, and how many executors
    # (standalone: the run takes executor_cores x executor_instances cores at most)
    spark_executor_memory: str | None = None  # Spark's default: 1g
    spark_executor_cores: int | None = Field(default=None, ge=1)
    spark_executor_instances: int | None = Field(default=None, ge=1)
    # Spark's shuffle partitions; default 2 x threads
    spark_shuffle_partitions: int | None = Field(default=None, ge=1)
    # a folder for Spark's event log (jobs, stages, tasks: what bench.spark_model replays)
    spark_event_log_dir: Path | None = None
    # a lakehouse load of more input rows than this is split into consecutive runs (by file):
    # an engine holds a run's input and output in memory (peaks per size: docs/benchmarks.md)
    batch_rows: int = Field(default=10_000_000, ge=1)
    # a run whose processes (the Spark JVM included) hold more than this stops with one line
    # instead of meeting the kernel's OOM killer (python_engines.core.memory_guard); default 90% of RAM
    memory_limit_gib: float | None = Field(default=None, gt=0)

    @field_validator("threads")
    @classmethod
    def _threads_the_machine_has(cls, value: int) -> int:
        most = THREADS_PER_CPU * cpus()
        if not 1 <= value <= most:
            raise PydanticCustomError(
                "threads",
                "{value} threads: give 1 to {most} ({per} per CPU; this machine has {cpus})",
                {"value": value, "most": most, "per": THREADS_PER_CPU, "cpus": cpus()},
            )
        return value


class ValidationSettings(BaseSettings):
    """Data quality (``etlstack validate``, the run gate). ``ETLSTACK_VALIDATE``, …"""

    model_config = SettingsConfigDict(env_prefix="ETLSTACK_", env_file=".env", extra="ignore")

    validate_runs: bool = Field(default=False, validation_alias="ETLSTACK_VALIDATE")
    # drift warnings (not failures): a run's share of rejected rows, events without a country
    max_rejected_share: float = Field(default=0.05, ge=0, le=1)
    max_unknown_country_share: float = Field(default=0.05, ge=0, le=1)
