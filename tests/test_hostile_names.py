"""A file's name is data, never a pattern: files and folders named with ``* ? [ ] { }`` (and
``:``, spaces, quotes) load each their own rows, from that file, on every engine — nothing lost,
nothing doubled, and each stored row's ``source_file`` is the file it came from."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ENGINE_PARAMS
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.core.schema import RAW_COLUMNS
from python_engines.lakehouse.catalog import open_catalog

# each beside a plain name its pattern would match: a.csv for [ab].csv, xy for x*, qz for q?
HOSTILE = [
    "a",
    "[ab]",
    "xy",
    "x*",
    "qz",
    "q?",
    "b",
    "{b,c}",
    "t:1",
    "sp ace 'q\"",
    "[d]/e",
    "d/e",
    "*/e",
    "user_id=eve/e",  # a hive-style folder: its name is no column value
    "_under",  # a hidden name: skipped in a folder, read when named alone
]


def _rows(stem: str) -> dict[str, list[str]]:
    """Two events whose ids name the file (every file the same count: a file read in another's
    place is not caught by a row count)."""
    tag = f"f{HOSTILE.index(stem)}"
    return {
        "event_id": [f"{tag}#1", f"{tag}#2"],
        "user_id": ["u1", "u1"],
        "session_id": ["s1", "s1"],
        "timestamp": ["2026-10-01 00:00:01", "2026-10-01 00:00:02"],
        "page_url": ["/p/1", "/p/2"],
        "country": ["GB", "GB"],
        "device": ["mobile", "mobile"],
        "ip_address": ["8.8.8.8", "8.8.8.8"],
        "event_type": ["page_view", "page_view"],
    }


def _write(folder: Path, suffix: str) -> dict[str, Path]:
    paths = {}
    for stem in HOSTILE:
        path = folder / f"{stem}.{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.table(_rows(stem))
        if suffix == "parquet":
            pq.write_table(table, path)
        else:
            lines = [",".join(RAW_COLUMNS)]
            lines += [",".join(row[c] for c in RAW_COLUMNS) for row in table.to_pylist()]
            path.write_text("\n".join(lines) + "\n")
        paths[stem] = path
    return paths


def _run(engine: str, source: Path, warehouse: Path) -> None:
    """``etlstack run`` in this process (Spark's session is the test session's)."""
    args = ["run", "--engine", engine, "--input", str(source), "--warehouse", str(warehouse)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output


def _stored(warehouse: Path, engine: str) -> tuple[list[tuple[str, str]], list[dict], list[str]]:
    catalog = open_catalog(warehouse)
    events = catalog.load_table((engine, "cleansed_events")).scan().to_arrow()
    rejected = catalog.load_table((engine, "rejected_events")).scan().to_arrow().to_pylist()
    runs = catalog.load_table((engine, "runs")).scan().to_arrow().to_pylist()
    loaded = [f["path"] for run in runs for f in json.loads(run["input_files"])]
    columns = ("event_id", "user_id", "source_file")
    pairs = sorted(zip(*(events[c].to_pylist() for c in columns), strict=True))
    return pairs, rejected, loaded


def _expected(paths: dict[str, Path]) -> list[tuple[str, str]]:
    return sorted(
        (event_id, "u1", path.resolve().as_posix())
        for stem, path in paths.items()
        for event_id in _rows(stem)["event_id"]
    )


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_every_file_of_a_folder_loads_its_own_rows_whatever_its_name(
    tmp_path: Path, engine: str, suffix: str
) -> None:
    paths = _write(tmp_path / "in [prod]" / "{x}", suffix)
    paths = {stem: path for stem, path in paths.items() if not stem.startswith("_")}
    warehouse = tmp_path / "wh"
    _run(engine, tmp_path / "in [prod]", warehouse)
    pairs, rejected, loaded = _stored(warehouse, engine)
    assert rejected == []  # nothing counted as a duplicate of another file's rows
    assert pairs == _expected(paths)
    assert sorted(loaded) == sorted(p.resolve().as_posix() for p in paths.values())


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_file_named_like_a_pattern_loads_alone_as_itself(tmp_path: Path, engine: str) -> None:
    paths = _write(tmp_path, "csv")
    warehouse = tmp_path / "wh"
    stems = ["[ab]", "_under", "user_id=eve/e"]
    stems += [] if engine == "spark" else ["x*", "q?"]
    for stem in stems:
        _run(engine, paths[stem], warehouse)
    pairs, rejected, _ = _stored(warehouse, engine)
    assert rejected == []
    assert pairs == _expected({s: paths[s] for s in stems})


def test_the_links_a_run_reads_through_are_removed_after_it(tmp_path: Path, monkeypatch) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    paths = _write(tmp_path / "in", "csv")
    _run("polars", paths["[ab]"], tmp_path / "wh")
    assert _stored(tmp_path / "wh", "polars")[0] == _expected({"[ab]": paths["[ab]"]})
    assert list(private.iterdir()) == []


def test_a_temporary_folder_the_engines_would_misread_is_refused(tmp_path: Path, monkeypatch):
    private = tmp_path / "tmp [x]"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    paths = _write(tmp_path / "in", "csv")
    args = ["run", "--engine", "polars", "--input", str(paths["[ab]"])]
    done = CliRunner().invoke(app, [*args, "--warehouse", str(tmp_path / "wh")])
    assert done.exit_code == 1 and done.output.startswith("error: temporary folder "), done.output
    assert "set TMPDIR to a plain folder" in done.output
    assert list(private.iterdir()) == []
