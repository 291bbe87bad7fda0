"""Which files a run reads: a CSV or Parquet file, or a folder of them (recursively)."""

from __future__ import annotations

import stat
from pathlib import Path

from python_engines.core.errors import EtlStackError
from python_engines.inputs.checks import check_shape
from python_engines.inputs.files import FORMATS, InputFile, Inputs


def _hidden(path: Path, root: Path) -> bool:
    """Names starting with '_' or '.' are sidecars or metadata, as in Spark and Hive."""
    return any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)


def _kind(path: Path) -> str:
    """'file', 'folder', or a one-line error: a device (``/dev/zero``), a FIFO or a socket is
    never read (it may block or never end), a symlink loop or a dangling link is named."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise EtlStackError(f"input {path} does not exist (or is a link to nothing)") from None
    except OSError as exc:  # ELOOP: a symlink loop; EACCES: a folder on the way is closed
        raise EtlStackError(f"input {path}: {exc.strerror.lower()}") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device", stat.S_ISSOCK: "a socket"}
    kind = next((name for test, name in kinds.items() if test(mode)), "a block device")
    raise EtlStackError(f"input {path} is {kind}, not a file or folder of events")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a symlink loop
        raise EtlStackError(f"input {path}: a symbolic link loop") from None


def discover(path: Path, file_format: str = "auto") -> Inputs:
    """The event files under ``path``, each checked cheaply (readable, a CSV's header, a
    Parquet footer) so that a bad one is a clear error before any work starts."""

    path = _resolved(path)
    kind = _kind(path)
    if file_format not in ("auto", *FORMATS):
        raise EtlStackError(f"unknown input format {file_format!r}: choose auto, csv or parquet")
    if kind == "file":
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise EtlStackError(f"{path.name}: not a .csv or .parquet file")
        if file_format not in ("auto", fmt):  # a file is read as what its name says it is
            raise EtlStackError(f"{path.name}: a .{fmt} file, but --input-format is {file_format}")
        check_shape(path, fmt)
        return Inputs((InputFile(path, path.as_posix()),), fmt)
    # a FIFO, a device or a link loop named like an event file is refused (_kind), not skipped
    found = {
        fmt: sorted(
            p
            for p in path.rglob(f"*.{fmt}")
            if not _hidden(p, path) and _kind(_resolved(p)) == "file"
        )
        for fmt in FORMATS
    }
    auto = file_format == "auto"
    if auto:  # a landing folder may hold both: Parquet is the faster read
        file_format = "parquet" if found["parquet"] else "csv"
    if not found[file_format]:
        wanted = ".csv or .parquet" if auto else f".{file_format}"
        raise EtlStackError(f"no {wanted} files under {path}")
    for file in found[file_format]:
        check_shape(file, file_format)
    files = tuple(InputFile(p, p.as_posix()) for p in found[file_format])
    return Inputs(files, file_format)
