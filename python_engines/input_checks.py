"""Each input file checked in Python before any engine reads it, the same for every engine.

A file is refused whole (one-line ``EtlStackError`` naming the file, the line and the problem)
when it cannot be an event file: empty, not UTF-8, a header other than the nine event columns,
a quoted field that never closes, a Parquet file that is damaged or has other columns or types.
A CSV line that splits into more or fewer than nine fields is not refused: it is handed to the
SQL as a ``malformed_lines`` row (its raw text), and ``04_rejected_events.sql`` quarantines it as
``malformed_line``; the engines read a copy of the file without those lines. So every physical
data line is an event, a reject, or part of a refused file, on every engine alike.

The check of a clean CSV is a UTF-8 scan plus a one-column, one-thread Arrow parse (about as
long as Polars' own read of the file; the run reports it as the step ``check``); only a file
with a problem is read again line by line, in Python.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from python_engines.errors import EtlStackError
from python_engines.inputs import InputFile, Inputs
from python_engines.schema import RAW_COLUMNS

MALFORMED_LINES = pa.schema([("source_file", pa.string()), ("raw_line", pa.string())])
HEADER = ",".join(RAW_COLUMNS)
BOM = codecs.BOM_UTF8
CHUNK = 1 << 22
# a quoted value may hold line breaks, but a quote still open this many lines on was never closed
MAX_RECORD_LINES = 1000
csv.field_size_limit(sys.maxsize)  # a 400 KB page_url is a value, not an error
# a quote with text right after it: an opening quote (after a comma or a line start), an escaped
# one (after a quote), or text after a closing quote, which Arrow and the engines read apart
_QUOTE_THEN_TEXT = re.compile(rb'"[^,"\r\n]')


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
        check_parquet(path, path.as_posix())
    else:
        _check_header(path, path.as_posix())


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


# what a path may hold for every engine to read it as itself (letters and digits of any script)
_PLAIN_PUNCTUATION = frozenset("/._-+=@~")


def is_plain_path(path: Path) -> bool:
    """True when no engine can read ``path`` as anything but itself: letters, digits and
    ``/._-+=@~`` only, and a file name that does not start with ``_`` or ``.`` (Spark's hidden
    files)."""
    text = path.as_posix()
    return all(c.isalnum() or c in _PLAIN_PUNCTUATION for c in text) and not path.name.startswith(
        ("_", ".")
    )


def engine_path(file: InputFile, private_path: Callable[[], Path]) -> InputFile:
    """``file`` itself when its path is plain, else a link to it at a plain private path."""
    if is_plain_path(file.path):
        return file
    link = private_path()
    link.symlink_to(file.path)
    return replace(file, path=link)


def check_parquet(path: Path, name: str) -> int:
    """The footer only: readable, and exactly the nine event columns, each a string; its rows."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EtlStackError(
            f"{name}: not a readable Parquet file (truncated or damaged: {problem})"
        ) from None
    missing = [c for c in RAW_COLUMNS if c not in schema.names]
    extra = [c for c in schema.names if c not in RAW_COLUMNS]
    if missing or extra:
        said = [f"missing {', '.join(missing)}" if missing else ""]
        said += [f"unexpected {', '.join(extra)}" if extra else ""]
        raise EtlStackError(
            f"{name}: columns {'; '.join(s for s in said if s)} "
            f"(an event file has exactly {HEADER})"
        )
    for column in RAW_COLUMNS:
        kind = schema.field(column).type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise EtlStackError(
                f"{name}: column {column} is {kind}, not a string "
                "(event files carry every column as text)"
            )
    return metadata.num_rows


def _check_header(path: Path, name: str) -> None:
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)
    if not first:
        raise EtlStackError(f"{name}: empty file (not even a header line)")
    try:
        text = first.removeprefix(BOM).decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise EtlStackError(
            f"{name}: line 1: not UTF-8 text (binary or another encoding)"
        ) from None
    if "\r" in text:
        _refuse_carriage_return(name, 1)
    names = next(csv.reader([text]), [])
    if names != RAW_COLUMNS:
        shown = text if len(text) <= 120 else text[:117] + "..."
        raise EtlStackError(
            f"{name}: line 1: header {shown!r} is not {HEADER!r} "
            "(columns are read by position: same names, same order)"
        )


def csv_clean_records(path: Path, name: str) -> int | None:
    """The file's records when every record has nine fields, the text is UTF-8 and no line is
    blank; None when the file must be read line by line (``clean_csv``): also when a line holds
    what Arrow and the engines parse differently (a carriage return that ends no line, text after
    a closing quote), so that one parser, ``clean_csv``'s, decides those."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    previous_end = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
            if _needs_a_line_by_line_read(previous_end + chunk):
                return None
            previous_end = chunk[-2:]
    if previous_end.endswith(b"\r"):
        return None  # the file ends in a carriage return alone
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    ragged = []

    def on_invalid_row(row) -> str:
        ragged.append(row)
        return "skip"

    try:
        parsed = pa_csv.read_csv(
            path,
            # one thread: on a busy 2-core machine a threaded parse ran 3x slower (0.56 s against
            # 2.06 s median, 1M rows), and the engine's own read has the cores next
            read_options=pa_csv.ReadOptions(
                column_names=RAW_COLUMNS, skip_rows=1, block_size=CHUNK, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid_row
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.string() for c in RAW_COLUMNS},
                include_columns=["device"],  # one short column: the parse is what counts
            ),
        )
    except pa.ArrowException:
        return None
    return None if ragged else parsed.num_rows


def _needs_a_line_by_line_read(text: bytes) -> bool:
    """A blank line (engines differ on it; ``clean_csv`` drops it), a carriage return that ends
    no line (one at the very end may have its line feed in the next chunk), or text after a
    closing quote. ``text``: a chunk after the previous chunk's last two bytes."""
    if b"\n\n" in text or b"\n\r\n" in text:
        return True
    if text.count(b"\r") != text.count(b"\r\n") + text.endswith(b"\r"):
        return True
    return any(
        text[m.start() - 1 : m.start()] not in (b",", b"\n", b'"')
        for m in _QUOTE_THEN_TEXT.finditer(text, 1)
    )


def clean_csv(path: Path, name: str, copy: Path) -> tuple[int, list[str]]:
    """Write ``copy`` without malformed and blank lines; return its records and the malformed
    lines' text.
    Refuses a file that is not UTF-8 or has a quoted field that never closes."""
    malformed: list[str] = []
    kept = 0
    with path.open("rb") as source, copy.open("wb") as target:
        target.write(source.readline())  # the header, checked already
        record: list[bytes] = []
        first_line = 2
        for number, raw in enumerate(source, start=2):
            if not record:
                first_line = number
                if not raw.rstrip(b"\r\n"):
                    continue  # a blank line is no data line
            ended = raw[:-2] if raw.endswith(b"\r\n") else raw.removesuffix(b"\n")
            if b"\r" in ended:
                _refuse_carriage_return(name, number)
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EtlStackError(
                    f"{name}: line {number}: not UTF-8 (byte "
                    f"0x{raw[exc.start]:02x} at column {exc.start + 1}; latin-1 or binary?) — "
                    "convert the file to UTF-8"
                ) from None
            record.append(raw)
            fields = _fields(b"".join(record))
            if fields is None:  # inside a quoted field: the record goes on (for a while)
                if len(record) >= MAX_RECORD_LINES:
                    _refuse_open_quote(name, first_line)
                continue
            if len(fields) == len(RAW_COLUMNS):
                target.writelines(record)
                kept += 1
            elif len(record) == 1:
                malformed.append(raw.decode("utf-8").rstrip("\r\n"))
            else:
                _refuse_open_quote(name, first_line)
            record = []
        if record:
            _refuse_open_quote(name, first_line)
    return kept, malformed


def _fields(record: bytes) -> list[str] | None:
    """The fields of one CSV record, or None when a quoted field is still open at its end
    (text after a closing quote: no fields, a malformed line)."""
    text = record.decode("utf-8").rstrip("\r\n")
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        return None if "end of data" in str(exc) else []


def _refuse_open_quote(name: str, line: int) -> None:
    raise EtlStackError(
        f"{name}: line {line}: a quoted field opened on this line is not closed "
        "where its record should end (unbalanced quote)"
    )


def _refuse_carriage_return(name: str, line: int) -> None:
    raise EtlStackError(
        f"{name}: line {line}: a carriage return (\\r) that does not end a line (old Mac line "
        "ends, or one inside a value): the engines split such lines differently — end lines "
        "with \\n or \\r\\n and take it out of values"
    )
