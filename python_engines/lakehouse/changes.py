"""What a run changes in one table: the stored slice it recomputed vs the engine's new slice.

Rows equal in both are left where they are (no file is rewritten for them). A stored row that is
gone or different is deleted by its key; the new rows with those keys, and the rows that are new,
are appended.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

OCCURRENCE = "__occurrence"


@dataclass
class TableChange:
    key: str
    removed: pl.DataFrame  # the stored rows that are gone or different
    delete_keys: pl.Series  # stored rows with these keys are deleted …
    append: pl.DataFrame  # … and these rows appended
    rows_added: int  # rows that were not stored

    @property
    def rows_removed(self) -> int:
        return self.removed.height

    @property
    def net_rows(self) -> int:
        return self.rows_added - self.rows_removed


def numbered(frame: pl.DataFrame, key: str | None = None) -> pl.DataFrame:
    """Tell identical rows apart (tables are multisets: the same raw line can be rejected twice).
    Identical rows share their ``key``: when no key value is held twice, every row is the first
    of its kind (numbering over all columns cost 4.8 s of a 4.5M-row run's 6.6 s compare)."""
    if key is not None and frame.get_column(key).n_unique() == frame.height:
        return frame.with_columns(pl.lit(0, pl.Int64).alias(OCCURRENCE))
    return frame.with_columns(pl.int_range(pl.len()).over(frame.columns).alias(OCCURRENCE))


def table_change(old: pl.DataFrame, new: pl.DataFrame, key: str) -> TableChange:
    """``old``: every stored row of the recomputed slice; ``new``: the engine's rows for it."""
    new = new.select(old.columns)
    if old.height == 0:  # nothing stored for this slice (a first load): every row is new
        return TableChange(key, old, old.get_column(key).clear(), new, new.height)
    numbered_old, numbered_new = numbered(old, key), numbered(new, key)
    columns = numbered_new.columns
    removed = numbered_old.join(numbered_new, on=columns, how="anti", nulls_equal=True)
    added = numbered_new.join(numbered_old, on=columns, how="anti", nulls_equal=True)
    delete_keys = removed.get_column(key).unique().sort()
    replaced = pl.col(key).is_in(delete_keys.implode())
    append = pl.concat([numbered_new.filter(replaced), added.filter(~replaced)]).drop(OCCURRENCE)
    return TableChange(key, removed.drop(OCCURRENCE), delete_keys, append, added.height)
