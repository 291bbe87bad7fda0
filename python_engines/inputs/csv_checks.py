"""A CSV event file checked before any engine reads it: its header, then its body — a UTF-8 scan
plus a one-column, one-thread Arrow parse for a clean file; a file with a problem read again line
by line (``clean_csv``), its malformed lines handed to the SQL as rejects and the engines given a
copy without them. No message shows a line of the file."""

from __future__ import annotations

import codecs
import csv
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from python_engines.core.errors import EtlStackError
from python_engines.core.schema import HEADER, RAW_COLUMNS

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
csv.field_size_limit(sys.maxsize)  # a 400 KB page_url is a value, not an error
# a quote with text right after it: an opening quote (after a comma or a line start), an escaped
# one (after a quote), or text after a closing quote, which Arrow and the engines read apart
_QUOTE_THEN_TEXT = re.compile(rb'"[^,"\r\n]')


def check_header(path: Path, name: str) -> None:
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
