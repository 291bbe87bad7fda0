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
    of its kind (numbering over all columns was most of a large run's compare)."""
    if key is not None and frame.get_column(key).n_unique() == frame.height:
        return frame.with_columns(pl.lit(0, pl.Int64).alias(OCCURRENCE))
    return frame.with_columns(pl.int_range(pl.len()).over(frame.columns).alias(OCCURRENCE))


def table_change(old: pl.DataFrame, new: pl.DataFrame, key: str) -> TableChange:
    """``old``: every stored row of the recomputed slice; ``new``: the engine's rows for it.

    Equal rows share their key, so only the rows whose key is in both slices are compared column
    by column: a new row whose key nothing stored has is added, and a stored row whose key the
    engine no longer gives is removed (a run's slice is mostly new keys: comparing all of a
    large run's rows column by column was the slower way)."""
    new = new.select(old.columns)
    if old.height == 0:  # nothing stored for this slice (a first load): every row is new
        return TableChange(key, old, old.get_column(key).clear(), new, new.height)
    # the stored keys are few: hashed once, looked up by every new row (and not the other way)
    new_shared = new.get_column(key).is_in(old.get_column(key).implode(), nulls_equal=True)
    shared_keys = new.get_column(key).filter(new_shared)
    old_shared = old.get_column(key).is_in(shared_keys.implode(), nulls_equal=True)
    shared_old = numbered(old.filter(old_shared), key)
    shared_new = numbered(new.filter(new_shared), key)
    columns = shared_new.columns
    changed = shared_old.join(shared_new, on=columns, how="anti", nulls_equal=True)
    added = shared_new.join(shared_old, on=columns, how="anti", nulls_equal=True)
    removed = pl.concat([old.filter(~old_shared), changed.drop(OCCURRENCE)])
    delete_keys = removed.get_column(key).unique().sort()
    replaced = pl.col(key).is_in(delete_keys.implode(), nulls_equal=True)
    append = pl.concat(  # a deleted key's rows all come back; a new key was never deleted
        [
            new.filter(~new_shared),
            shared_new.filter(replaced).drop(OCCURRENCE),
            added.filter(~replaced).drop(OCCURRENCE),
        ]
    )
    rows_added = new.height - shared_new.height + added.height
    return TableChange(key, removed, delete_keys, append, rows_added)
