"""Layout, sizes and reproducibility of the generated files."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from python_engines.core.schema import RAW_COLUMNS
from python_engines.generator import GeneratorConfig, generate


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    config = GeneratorConfig(rows=5_000, days=4, incremental_days=2, seed=3)
    generate(config.model_copy(update={"out": tmp_path / "a"}))
    generate(config.model_copy(update={"out": tmp_path / "b"}))
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert len(first) == 2 * 6 + 3  # csv + parquet per day, three sidecars
    assert first == second


def test_another_seed_writes_other_events(tmp_path: Path) -> None:
    config = GeneratorConfig(rows=2_000, days=2, incremental_days=0, file_format="parquet")
    generate(config.model_copy(update={"out": tmp_path / "a", "seed": 1}))
    generate(config.model_copy(update={"out": tmp_path / "b", "seed": 2}))
    a = pl.read_parquet(tmp_path / "a" / "bulk" / "*.parquet")
    b = pl.read_parquet(tmp_path / "b" / "bulk" / "*.parquet")
    assert set(a["event_id"]).isdisjoint(set(b["event_id"]))


def test_bulk_holds_the_history_and_incremental_one_file_per_following_day(
    small_dataset: tuple[Path, object],
) -> None:
    out, _ = small_dataset
    bulk = sorted(p.stem for p in (out / "bulk").glob("*.csv"))
    incremental = sorted(p.stem for p in (out / "incremental").glob("*.csv"))
    assert bulk == [date(2026, 10, d).isoformat() for d in range(1, 31)]
    assert incremental == ["2026-10-31", "2026-11-01", "2026-11-02"]
    assert sorted(p.stem for p in (out / "bulk").glob("*.parquet")) == bulk


@pytest.mark.parametrize("rows", [1, 7, 999, 12_345])
def test_exactly_the_requested_number_of_rows_is_written(tmp_path: Path, rows: int) -> None:
    report = generate(
        GeneratorConfig(rows=rows, days=3, incremental_days=1, out=tmp_path, file_format="csv")
    )
    written = sum(pl.read_csv(p, infer_schema=False).height for p in tmp_path.glob("*/*.csv"))
    assert written == rows == report.rows


def test_csv_and_parquet_hold_the_same_raw_string_rows(
    small_dataset: tuple[Path, object],
) -> None:
    out, _ = small_dataset
    for day in ["bulk/2026-10-04", "incremental/2026-11-01"]:
        from_csv = pl.read_csv(out / f"{day}.csv", infer_schema=False, empty_string_is_null=False)
        from_parquet = pl.read_parquet(out / f"{day}.parquet")
        assert from_parquet.columns == RAW_COLUMNS
        assert all(dtype == pl.Utf8 for dtype in from_parquet.dtypes)
        assert from_csv.equals(from_parquet)


def test_the_manifest_records_settings_and_rows_per_file(
    small_dataset: tuple[Path, object], small_events: pl.DataFrame
) -> None:
    import json

    out, report = small_dataset
    manifest = json.loads((out / "_generation.json").read_text())
    assert manifest["config"]["seed"] == 7
    assert sum(manifest["files"].values()) == small_events.height == report.rows
    per_file = dict(small_events.group_by("file").len().iter_rows())
    assert per_file == manifest["files"]
