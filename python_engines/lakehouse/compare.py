"""Two engines' Iceberg tables row for row: the rows one has and the other has not (as a multiset:
a duplicated row counts twice)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pyiceberg.exceptions import NoSuchTableError

from python_engines.core.errors import EtlStackError
from python_engines.core.schema import OUTPUTS, conform
from python_engines.lakehouse.catalog import DATA_TABLES, has_catalog, open_catalog
from python_engines.lakehouse.changes import OCCURRENCE, numbered
from python_engines.lakehouse.event_keys import KEYS_TABLE

# the public tables first, then what later loads recompute from (not the keys derived from it:
# a warehouse made before them has none yet, and their hash depends on the Polars version)
TABLES = (*OUTPUTS, *(name for name in DATA_TABLES if name not in (*OUTPUTS, KEYS_TABLE)))


@dataclass
class TableDiff:
    table: str
    rows: tuple[int, int]
    only_first: pl.DataFrame  # rows of the first engine the second has not
    only_second: pl.DataFrame

    @property
    def equal(self) -> bool:
        return self.only_first.height == 0 and self.only_second.height == 0


def _read(catalog, engine: str, name: str) -> pl.DataFrame:
    try:
        table = catalog.load_table((engine, name))
    except NoSuchTableError:
        raise EtlStackError(
            f"no table {engine}.{name} in this warehouse: load it with `etlstack run --engine "
            f"{engine}` first"
        ) from None
    return pl.from_arrow(conform(table.scan().to_arrow(), DATA_TABLES[name].schema))


def diff_frames(name: str, first: pl.DataFrame, second: pl.DataFrame) -> TableDiff:
    a, b = numbered(first), numbered(second)
    on = a.columns
    only_a = a.join(b, on=on, how="anti", nulls_equal=True).drop(OCCURRENCE)
    only_b = b.join(a, on=on, how="anti", nulls_equal=True).drop(OCCURRENCE)
    order = first.columns
    return TableDiff(
        name,
        (first.height, second.height),
        only_a.sort(order, nulls_last=True),
        only_b.sort(order, nulls_last=True),
    )


def compare_engines(
    first: str, second: str, warehouse: Path, catalog_uri: str | None = None
) -> list[TableDiff]:
    if not has_catalog(warehouse, catalog_uri):  # opening the catalog would create one
        raise EtlStackError(f"no warehouse at {warehouse}")
    catalog = open_catalog(warehouse, catalog_uri)
    return [
        diff_frames(name, _read(catalog, first, name), _read(catalog, second, name))
        for name in TABLES
    ]
