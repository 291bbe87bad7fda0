"""A Parquet event file checked before any engine reads it: its footer (the nine event columns,
each once and a string), then every page decoded and every value valid UTF-8 without a NUL
byte (the engines disagree on a damaged page or a value that is not UTF-8: an error naming no
file, or on Spark the bytes loaded as they are)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from python_engines.core.errors import EtlStackError
from python_engines.core.schema import HEADER, RAW_COLUMNS

_PARQUET_BATCH_ROWS = 1 << 16


def check_parquet_footer(path: Path, name: str) -> int:
    """Readable, and exactly the nine event columns, each once and a string; its rows."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        raise EtlStackError(
            f"{name}: not a readable Parquet file (truncated or damaged: {_first_line(exc)})"
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


def check_parquet(path: Path, name: str) -> int:
    """Every page decoded and every value valid UTF-8 without a NUL byte; the file's rows. The
    footer was checked when the files were listed (``check_parquet_footer``). Arrow reads a
    string column without checking its UTF-8 (``validate(full=True)`` does); the engines meet a
    damaged page or a value that is not UTF-8 with an error naming no file (Polars), or load it
    (Spark)."""
    row = 1  # of the file, the first of the batch
    try:
        metadata = pq.read_metadata(path)  # read once: the reader below is given it
        names = metadata.schema.to_arrow_schema().names
        groups = [metadata.row_group(g) for g in range(metadata.num_row_groups)]
        # a dictionary-encoded column is read as its dictionary and indices, checked without
        # building every value (faster on the generator's files than reading the values)
        encoded = [
            c for c in RAW_COLUMNS if all(_indices_only(g.column(names.index(c))) for g in groups)
        ]
        batches = pq.ParquetFile(path, metadata=metadata, read_dictionary=encoded).iter_batches(
            batch_size=_PARQUET_BATCH_ROWS, columns=RAW_COLUMNS, use_threads=True
        )
        for batch in batches:
            for column in RAW_COLUMNS:
                _check_strings(batch.column(column), name, column, row)
            row += batch.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:  # ValueError: a column gone since
        raise EtlStackError(
            f"{name}: not a readable Parquet file (a damaged page at row {row} or after: "
            f"{_first_line(exc)})"
        ) from None
    return metadata.num_rows


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


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
