"""What to generate: validated options shared by the CLI, the Makefile and the tests."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field


class Size(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


SIZE_ROWS = {Size.small: 100_000, Size.medium: 10_000_000, Size.large: 100_000_000}


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    both = "both"

    @property
    def extensions(self) -> list[str]:
        return ["csv", "parquet"] if self is FileFormat.both else [self.value]


class GeneratorConfig(BaseModel):
    rows: int = Field(
        SIZE_ROWS[Size.small], ge=1, description="events written in all, dirty included"
    )
    days: int = Field(30, ge=1, le=3660, description="days of history in bulk/")
    incremental_days: int = Field(3, ge=0, le=366, description="daily files after the history")
    seed: int = Field(42, ge=0, lt=2**32)
    dirty_rate: float = Field(0.01, ge=0.0, le=0.5)
    start_date: date = date(2026, 10, 1)
    file_format: FileFormat = FileFormat.both
    out: Path = Path("data/raw")

    @property
    def total_days(self) -> int:
        return self.days + self.incremental_days
