"""What a run reads: its input files, each with the name its rows carry (``source_file``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class InputFile:
    path: Path  # absolute
    # as recorded in rejected_events and the run log: the absolute path, so that a file means the
    # same whether it is read alone (a daily load) or within its folder (a full recompute)
    source_file: str


@dataclass(frozen=True)
class Inputs:
    files: tuple[InputFile, ...]
    file_format: str

    @property
    def paths(self) -> list[str]:
        return [str(f.path) for f in self.files]
