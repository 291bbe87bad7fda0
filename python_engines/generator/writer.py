"""Where the generated feed goes: DIR/bulk/<date>.<ext>, DIR/incremental/<date>.<ext>, sidecars."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl

from python_engines.core.errors import writing_to
from python_engines.generator.config import FileFormat

# Sidecars start with "_": readers of a folder of events skip them, as Spark and Hive do.
SIDECAR = "_dirty_rows.csv"
USERS = "_users.csv"
MANIFEST = "_generation.json"


def prepare_output(out: Path) -> None:
    """Remove a previous generation's files (only ours) so sizes never mix."""
    for sub in ("bulk", "incremental"):
        shutil.rmtree(out / sub, ignore_errors=True)
    for name in (SIDECAR, USERS, MANIFEST):
        (out / name).unlink(missing_ok=True)
    (out / "bulk").mkdir(parents=True, exist_ok=True)
    (out / "incremental").mkdir(parents=True, exist_ok=True)


def file_stem(day: date, incremental: bool) -> str:
    return f"{'incremental' if incremental else 'bulk'}/{day.isoformat()}"


class DayWriter:
    """One day's file(s). Slices are rendered one at a time (the big transient copies stay
    slice-sized); the day is written once, by Polars' parallel writers, from a no-copy concat."""

    def __init__(self, out: Path, stem: str, file_format: FileFormat, schema: pl.Schema) -> None:
        self.out, self.stem, self.file_format, self.schema = out, stem, file_format, schema
        self.parts: list[pl.DataFrame] = []
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        if not frame.is_empty():
            self.parts.append(frame)
            self.rows += frame.height

    def __enter__(self) -> DayWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return
        day = pl.concat(self.parts) if self.parts else pl.DataFrame(schema=self.schema)
        self.parts.clear()
        for ext in self.file_format.extensions:
            path = self.out / f"{self.stem}.{ext}"
            with writing_to(self.out):
                if ext == "csv":
                    day.write_csv(path)
                else:
                    day.write_parquet(
                        path, compression="zstd", compression_level=1, statistics=True
                    )


def write_sidecar(sidecar: pl.DataFrame, out: Path) -> None:
    sidecar.write_csv(out / SIDECAR)


def write_manifest(manifest: dict, out: Path) -> None:
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")


def write_users(users: pl.DataFrame, out: Path) -> None:
    users.write_csv(out / USERS)
