"""Each input file checked in Python before any engine reads it, the same for every engine.

A file is refused whole (one-line ``EtlStackError`` naming the file, the line and the problem)
when it cannot be an event file: empty, not UTF-8, a header other than the nine event columns,
a quoted field that never closes, a record over ``MAX_RECORD_BYTES``, a NUL byte in a value, a
Parquet file that is damaged (its footer or any page) or has other, doubled or non-string columns
or a value that is not UTF-8. No message shows a line of the file: a file that is not an event
file may be anything (an input linked to ``/etc/shadow``).
A CSV line that splits into more or fewer than nine fields is not refused: it is handed to the
SQL as a ``malformed_lines`` row (its raw text), and ``04_rejected_events.sql`` quarantines it as
``malformed_line``; the engines read a copy of the file without those lines. So every physical
data line is an event, a reject, or part of a refused file, on every engine alike.

The check of a clean CSV is a UTF-8 scan plus a one-column, one-thread Arrow parse (about as
long as Polars' own read of the file; the run reports it as the step ``check``); only a file
with a problem is read again line by line, in Python. A Parquet file's pages are all decoded
(Arrow, in batches): the engines disagree on a damaged page or a value that is not UTF-8 (an
error naming no file, or on Spark the bytes loaded as they are).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from python_engines.core.errors import EtlStackError
from python_engines.core.locations import is_plain_path
from python_engines.inputs.csv_checks import check_header, clean_csv, csv_clean_records
from python_engines.inputs.files import InputFile, Inputs
from python_engines.inputs.parquet_checks import check_parquet, check_parquet_footer

MALFORMED_LINES = pa.schema([("source_file", pa.string()), ("raw_line", pa.string())])


@dataclass(frozen=True)
class CheckedInputs:
    inputs: Inputs  # what the engines read: a cleaned copy where a file had malformed lines
    malformed: pa.Table  # MALFORMED_LINES: one row per line quarantined as malformed_line
    # the records the engines must read from ``inputs``: an engine that reads another number
    # lost or invented rows (DuckDB read no row of a CRLF file listed after an LF file)
    records: int


def check_readable(path: Path) -> None:
    """Open the file as a run will: a permission problem is a clear error here, not a traceback
    in the middle of a run."""
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise EtlStackError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def check_shape(path: Path, file_format: str) -> None:
    """The cheap checks, when the files are listed: readable, a CSV header, a Parquet footer."""
    check_readable(path)
    if file_format == "parquet":
        check_parquet_footer(path, path.as_posix())
    else:
        check_header(path, path.as_posix())


@contextlib.contextmanager
def checked(inputs: Inputs) -> Iterator[CheckedInputs]:
    """Check every file's body; yield what the engines read. Cleaned copies and aliases live as
    long as the block. The cheap checks (readable, header, Parquet footer) ran when ``discover``
    listed the files (``check_shape``).

    A file's name is data, never a pattern: every engine expands ``* ? [ ] { }`` in the paths it
    is given (a file named ``[ab].csv`` read ``a.csv``'s rows), and Spark misreads ``:`` and
    skips names starting with ``_`` or ``.``. A file whose path is not plain is handed to the
    engines as a link with a plain name (``engine_path``); its rows keep their own
    ``source_file``."""
    workdir: Path | None = None
    files: list[InputFile] = []
    malformed: list[tuple[str, str]] = []
    records = 0

    def private_path() -> Path:
        nonlocal workdir
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="etlstack-inputs-"))
            if not is_plain_path(workdir):
                raise EtlStackError(
                    f"temporary folder {workdir}: its path has characters the engines read as "
                    "patterns; set TMPDIR to a plain folder"
                )
        return workdir / f"{len(files):06d}.{inputs.file_format}"

    try:
        for file in inputs.files:
            if inputs.file_format == "parquet":
                records += check_parquet(file.path, file.source_file)
                files.append(engine_path(file, private_path))
                continue
            clean_records = csv_clean_records(file.path, file.source_file)
            if clean_records is not None:
                records += clean_records
                files.append(engine_path(file, private_path))
                continue
            copy = private_path()
            kept, lines = clean_csv(file.path, file.source_file, copy)
            records += kept
            malformed += [(file.source_file, line) for line in lines]
            files.append(replace(file, path=copy))
        table = pa.table(
            {
                "source_file": [m[0] for m in malformed],
                "raw_line": [m[1] for m in malformed],
            },
            schema=MALFORMED_LINES,
        )
        yield CheckedInputs(replace(inputs, files=tuple(files)), table, records)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def engine_path(file: InputFile, private_path: Callable[[], Path]) -> InputFile:
    """``file`` itself when its path is plain, else a link to it at a plain private path."""
    if is_plain_path(file.path):
        return file
    link = private_path()
    link.symlink_to(file.path)
    return replace(file, path=link)
