"""Which files a run reads: a CSV or Parquet file, or a folder of them (recursively)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from python_engines.errors import EtlStackError

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


def _hidden(path: Path, root: Path) -> bool:
    """Names starting with '_' or '.' are sidecars or metadata, as in Spark and Hive."""
    return any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)


def discover(path: Path, file_format: str = "auto") -> Inputs:
    """The event files under ``path``, each checked cheaply (readable, a CSV's header, a
    Parquet footer) so that a bad one is a clear error before any work starts."""
    from python_engines.input_checks import check_shape  # it reads Inputs from here

    path = path.resolve()
    if not path.exists():
        raise EtlStackError(f"input {path} does not exist")
    if file_format not in ("auto", *FORMATS):
        raise EtlStackError(f"unknown input format {file_format!r}: choose auto, csv or parquet")
    if path.is_file():
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise EtlStackError(f"{path.name}: not a .csv or .parquet file")
        check_shape(path, fmt)
        return Inputs((InputFile(path, path.as_posix()),), fmt)
    found = {
        fmt: sorted(p for p in path.rglob(f"*.{fmt}") if p.is_file() and not _hidden(p, path))
        for fmt in FORMATS
    }
    if file_format == "auto":  # a landing folder may hold both: Parquet is the faster read
        file_format = "parquet" if found["parquet"] else "csv"
    if not found[file_format]:
        raise EtlStackError(f"no .{file_format} files under {path}")
    for file in found[file_format]:
        check_shape(file, file_format)
    files = tuple(InputFile(p, p.as_posix()) for p in found[file_format])
    return Inputs(files, file_format)
