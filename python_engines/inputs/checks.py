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

from python_engines.core.errors import EtlStackError
from python_engines.core.locations import is_plain_path
from python_engines.core.schema import RAW_COLUMNS
from python_engines.inputs.files import InputFile, Inputs

MALFORMED_LINES = pa.schema([("source_file", pa.string()), ("raw_line", pa.string())])
HEADER = ",".join(RAW_COLUMNS)
BOM = codecs.BOM_UTF8
CHUNK = 1 << 22
# a quoted value may hold line breaks, but a quote still open this many lines on was never closed
MAX_RECORD_LINES = 1000
# the longest record (its line, or the lines of a quoted value, line ends included) a file may
# hold: DuckDB reads lines of up to 2,000,000 bytes (its read_csv max_line_size, which costs
# memory or parallel reads raised: duckdb_engine), Polars and Spark longer ones
MAX_RECORD_BYTES = 1 << 20
# Arrow's one-thread parse fails on a record that spans more than two of its blocks: with blocks
# of half the limit, every file with a longer record goes to ``clean_csv``, which refuses it
_ARROW_BLOCK = MAX_RECORD_BYTES // 2
_PARQUET_BATCH_ROWS = 1 << 16
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
        _check_parquet_footer(path, path.as_posix())
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


def engine_path(file: InputFile, private_path: Callable[[], Path]) -> InputFile:
    """``file`` itself when its path is plain, else a link to it at a plain private path."""
    if is_plain_path(file.path):
        return file
    link = private_path()
    link.symlink_to(file.path)
    return replace(file, path=link)


def check_parquet(path: Path, name: str) -> int:
    """The footer (``_check_parquet_footer``), then every page decoded; its rows."""
    rows = _check_parquet_footer(path, name)
    _check_parquet_values(path, name)
    return rows


def _check_parquet_footer(path: Path, name: str) -> int:
    """Readable, and exactly the nine event columns, each once and a string; its rows."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EtlStackError(
            f"{name}: not a readable Parquet file (truncated or damaged: {problem})"
        ) from None
    doubled = [c for c in RAW_COLUMNS if schema.names.count(c) > 1]
    if doubled:  # Polars and DuckDB read one of the two, or fail naming no file
        raise EtlStackError(
            f"{name}: column {doubled[0]} appears {schema.names.count(doubled[0])} times "
            f"(an event file has each of {HEADER} once)"
        )
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


def _check_parquet_values(path: Path, name: str) -> None:
    """Every page decoded and every value valid UTF-8 without a NUL byte. Arrow reads a string
    column without checking its UTF-8 (``validate(full=True)`` does); the engines meet a
    damaged page or a value that is not UTF-8 with an error naming no file (Polars), or load it
    (Spark)."""
    row = 1  # of the file, the first of the batch
    try:
        metadata = pq.read_metadata(path)
        names = metadata.schema.to_arrow_schema().names
        groups = [metadata.row_group(g) for g in range(metadata.num_row_groups)]
        # a dictionary-encoded column is read as its dictionary and indices, checked without
        # building every value (faster on the generator's files than reading the values)
        encoded = [
            c for c in RAW_COLUMNS if all(_indices_only(g.column(names.index(c))) for g in groups)
        ]
        batches = pq.ParquetFile(path, read_dictionary=encoded).iter_batches(
            batch_size=_PARQUET_BATCH_ROWS, columns=RAW_COLUMNS, use_threads=True
        )
        for batch in batches:
            for column in RAW_COLUMNS:
                _check_strings(batch.column(column), name, column, row)
            row += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EtlStackError(
            f"{name}: not a readable Parquet file (a damaged page at row {row} or after: "
            f"{problem})"
        ) from None


def _indices_only(chunk: pq.ColumnChunkMetaData) -> bool:
    """A column chunk whose data pages hold dictionary indices only (up to 3 bytes a value). A
    writer whose dictionary grew too large wrote the rest plain: read as a dictionary, Arrow would
    hash every value (ids, timestamps: slower than reading them plain)."""
    if not chunk.has_dictionary_page or chunk.data_page_offset < chunk.dictionary_page_offset:
        return False
    dictionary = chunk.data_page_offset - chunk.dictionary_page_offset
    return chunk.total_compressed_size - dictionary <= 3 * chunk.num_values


def _check_strings(values: pa.Array, name: str, column: str, first_row: int) -> None:
    try:
        # the offsets and the UTF-8 of every value (a dictionary's: its indices and values)
        values.validate(full=True)
    except pa.ArrowInvalid:
        at = _first_row_where(values, _not_utf8)
        if at is None:
            raise
        raise EtlStackError(
            f"{name}: row {first_row + at}: column {column} holds a value that is not UTF-8 "
            "(event files carry text)"
        ) from None
    texts = values.dictionary if pa.types.is_dictionary(values.type) else values
    if b"\0" in _value_bytes(texts):
        at = _first_row_where(values, lambda v: b"\0" in v)
        if at is None:  # a dictionary value no row takes
            return
        raise EtlStackError(
            f"{name}: row {first_row + at}: column {column} holds a NUL byte (\\0), which no "
            "event value has (binary data or a damaged file?)"
        )


def _value_bytes(values: pa.Array) -> bytes:
    """The bytes of a string array's values, end to end (its data buffer may hold more)."""
    data = values.buffers()[2]
    if data is None:
        return b""
    width = 8 if pa.types.is_large_string(values.type) else 4
    offsets = memoryview(values.buffers()[1])
    first, last = values.offset * width, (values.offset + len(values)) * width
    start = int.from_bytes(offsets[first : first + width], "little")
    end = int.from_bytes(offsets[last : last + width], "little")
    return memoryview(data)[start:end].tobytes()


def _first_row_where(values: pa.Array, test: Callable[[bytes], bool]) -> int | None:
    """The index of the first value (as bytes) that passes ``test``; a problem's slow path."""
    if pa.types.is_dictionary(values.type):
        try:
            values = values.dictionary_decode()
        except pa.ArrowException:  # an index out of its dictionary: a damaged page
            return None
    raw = values.view(pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary())
    return next((i for i, v in enumerate(raw.to_pylist()) if v is not None and test(v)), None)


def _not_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _check_header(path: Path, name: str) -> None:
    """The first line, the nine event columns. A refusal never shows the line: the file may not
    be an event file at all (an input linked to ``/etc/shadow``); it says what is missing and
    where the unknown names are."""
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
        raise EtlStackError(
            f"{name}: line 1: the header is not {HEADER!r}: {_header_problem(names)} "
            "(columns are read by position: same names, same order; the line is not shown)"
        )


def _header_problem(names: list[str]) -> str:
    """What is wrong with a header, in the event columns' names and positions only."""
    fields = f"{len(names)} field{'s' if len(names) != 1 else ''}"
    missing = [c for c in RAW_COLUMNS if c not in names]
    unknown = [i for i, n in enumerate(names, start=1) if n not in RAW_COLUMNS]
    if len(missing) == len(RAW_COLUMNS):
        return f"{fields}, none of them an event column"
    said = [fields]
    if missing:
        said.append(f"missing {', '.join(missing)}")
    if unknown:
        shown = ", ".join(map(str, unknown[:5])) + (", ..." if len(unknown) > 5 else "")
        said.append(f"{len(unknown)} other name{'s' if len(unknown) > 1 else ''} (field {shown})")
    doubled = [c for c in RAW_COLUMNS if names.count(c) > 1]
    if doubled:
        said.append(f"{', '.join(doubled)} more than once")
    if not (missing or unknown or doubled):
        said.append("the event columns in another order")
    return "; ".join(said)


def csv_clean_records(path: Path, name: str) -> int | None:
    """The file's records when every record has nine fields, the text is UTF-8 and no line is
    blank; None when the file must be read line by line (``clean_csv``): also when a line holds
    what Arrow and the engines parse differently (a carriage return that ends no line, text after
    a closing quote), so that one parser, ``clean_csv``'s, decides those, or what ``clean_csv``
    refuses (a NUL byte; a record over ``MAX_RECORD_BYTES``, which fails Arrow's parse)."""
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
            # one thread: on a busy 2-core machine a threaded parse ran slower (median of a 1M-row
            # file), and the engine's own read has the cores next
            read_options=pa_csv.ReadOptions(
                column_names=RAW_COLUMNS, skip_rows=1, block_size=_ARROW_BLOCK, use_threads=False
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
    """A blank line (engines differ on it; ``clean_csv`` drops it), a NUL byte, a carriage
    return that ends no line (one at the very end may have its line feed in the next chunk), or
    text after a closing quote. ``text``: a chunk after the previous chunk's last two bytes."""
    if b"\n\n" in text or b"\n\r\n" in text or b"\0" in text:
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
    Refuses a file that is not UTF-8, has a quoted field that never closes, a record over
    ``MAX_RECORD_BYTES`` or a NUL byte."""
    malformed: list[str] = []
    kept = 0
    with path.open("rb") as source, copy.open("wb") as target:
        target.write(source.readline())  # the header, checked already
        record: list[bytes] = []
        first_line = 2
        size = 0
        # a line read in pieces of at most the limit + 1: a longer one is refused at its first
        lines = iter(lambda: source.readline(MAX_RECORD_BYTES + 1), b"")
        for number, raw in enumerate(lines, start=2):
            if not record:
                first_line, size = number, 0
                if not raw.rstrip(b"\r\n"):
                    continue  # a blank line is no data line
            size += len(raw)
            if size > MAX_RECORD_BYTES:
                _refuse_long_record(name, first_line)
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
            if b"\0" in raw:
                column = len(raw[: raw.index(b"\0")].decode("utf-8")) + 1
                raise EtlStackError(
                    f"{name}: line {number}: a NUL byte (\\0) at column {column}, which no event "
                    "value has (binary data, UTF-16 or a damaged file?)"
                )
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


def _refuse_long_record(name: str, line: int) -> None:
    raise EtlStackError(
        f"{name}: line {line}: a record of more than {MAX_RECORD_BYTES:,} bytes (1 MiB), the "
        "longest the engines all read (a value that large is no event's: cut it or drop the line)"
    )


def _refuse_carriage_return(name: str, line: int) -> None:
    raise EtlStackError(
        f"{name}: line {line}: a carriage return (\\r) that does not end a line (old Mac line "
        "ends, or one inside a value): the engines split such lines differently — end lines "
        "with \\n or \\r\\n and take it out of values"
    )
