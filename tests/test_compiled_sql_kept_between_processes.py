"""The compiled SQL is kept on disk between processes: a warm command does not import sqlglot, a
changed stage file is compiled again, and a broken cache only means the work is done again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import python_engines.transpile as transpile_package
from python_engines.transpile import ENGINES, memo, stage_names, stage_sql

# everything a load asks of the package, printed as JSON, and whether sqlglot was imported for it
ASK_ALL = """
import json, sys
from python_engines.transpile import ENGINES, output_values, stage_names, stage_readers, stage_sql
from python_engines.pipeline.cleansed_rows import cleansed_ids, storage_sql
import polars as pl
answers = {
    "sql": {f"{s} {e}": stage_sql(s, e, {"session_gap_minutes": 30})
            for s in stage_names() for e in ENGINES},
    "readers": stage_readers(),
    "reasons": output_values("rejected_events", "reason"),
    "storage": {e: storage_sql(e) for e in ENGINES},
    "ids": cleansed_ids(pl.Series([" a ", "b"])).to_list(),
}
print(json.dumps({"answers": answers, "sqlglot": "sqlglot" in sys.modules}))
"""


def _ask_all(cache_home) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", ASK_ALL],
        env={"XDG_CACHE_HOME": str(cache_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_warm_process_gets_the_same_sql_without_importing_sqlglot(tmp_path) -> None:
    cold = _ask_all(tmp_path)
    assert cold["sqlglot"]  # compiled, and kept
    assert list((tmp_path / "etlstack").glob("sql-*.json"))
    warm = _ask_all(tmp_path)
    assert not warm["sqlglot"]
    assert warm["answers"] == cold["answers"]
    assert warm["answers"]["ids"] == ["a", "b"]


@pytest.fixture
def fresh_memo(tmp_path, monkeypatch):
    """The package reading its stage files from a copy, and its memo under ``tmp_path``."""
    sql_dir = tmp_path / "sql"
    shutil.copytree(transpile_package.SQL_DIR, sql_dir)
    monkeypatch.setattr(transpile_package, "SQL_DIR", sql_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def forget() -> None:  # what one process holds: a new process starts without it
        for cached in (
            memo.fingerprint,
            memo._entries,
            transpile_package.stages,
            transpile_package.stage_readers,
        ):
            cached.cache_clear()
        from python_engines.transpile import compiler

        compiler.parse_stage.cache_clear()

    forget()
    yield sql_dir, forget
    forget()


def test_a_changed_stage_file_is_compiled_again(fresh_memo) -> None:
    sql_dir, forget = fresh_memo
    before = stage_sql("events", "polars", {})
    first = memo.fingerprint()
    stage = next(sql_dir.glob("*_events.sql"))
    stage.write_text(
        stage.read_text().replace("session_id\nfrom", "session_id, 1 as changed\nfrom")
    )
    forget()
    assert memo.fingerprint() != first
    after = stage_sql("events", "polars", {})
    assert "changed" in after and "changed" not in before


def test_a_broken_or_unwritable_cache_only_means_the_work_is_done_again(
    fresh_memo, tmp_path, monkeypatch
) -> None:
    _, forget = fresh_memo
    expected = {e: stage_sql("sessions", e, {}) for e in ENGINES}
    memo._path().write_text("{not json")
    forget()
    assert {e: stage_sql("sessions", e, {}) for e in ENGINES} == expected
    assert json.loads(memo._path().read_text())  # written again, whole
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # no folder can be made under a file
    forget()
    assert {e: stage_sql("sessions", e, {}) for e in ENGINES} == expected
    assert stage_names()[-1] == "sessions"
