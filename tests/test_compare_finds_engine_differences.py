"""`etlstack compare`: two engines' real Iceberg tables row for row; exit 1 on a difference."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
from conftest import PARITY_FIXTURE
from typer.testing import CliRunner

from python_engines.cli import app
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import open_catalog
from python_engines.lakehouse.load import load

runner = CliRunner()


def test_compare_is_equal_then_exits_1_naming_the_changed_row(tmp_path: Path) -> None:
    for engine in ("polars", "duckdb"):
        load(engine, discover(PARITY_FIXTURE), tmp_path)
    args = ["compare", "--engines", "polars,duckdb", "--warehouse", str(tmp_path)]
    same = runner.invoke(app, args)
    assert same.exit_code == 0, same.output
    assert "equal   events" in same.output and "differ" not in same.output

    table = open_catalog(tmp_path).load_table(("duckdb", "events"))
    rows = table.scan().to_arrow()
    first = rows["event_id"][0].as_py()
    changed = pc.if_else(pc.equal(rows["event_id"], first), "xx", rows["device"])
    table.overwrite(rows.set_column(rows.schema.get_field_index("device"), "device", changed))

    different = runner.invoke(app, [*args, "--show", "3"])
    assert different.exit_code == 1
    assert "differ  events" in different.output
    assert "1 only in polars, 1 only in duckdb" in different.output
    assert first in different.output and "xx" in different.output
    assert "equal   sessions" in different.output


def test_compare_needs_two_engines_and_loaded_tables(tmp_path: Path) -> None:
    one = runner.invoke(app, ["compare", "--engines", "polars", "--warehouse", str(tmp_path)])
    assert one.exit_code == 1 and "give exactly two" in one.output
    args = ["compare", "--engines", "polars,spark", "--warehouse", str(tmp_path)]
    nothing_loaded = runner.invoke(app, args)  # an empty folder: no catalog either
    assert nothing_loaded.exit_code == 1 and "no warehouse at" in nothing_loaded.output
    open_catalog(tmp_path)  # a catalog, but neither engine has loaded into it
    none = runner.invoke(app, args)
    assert none.exit_code == 1 and "no table polars.events" in none.output
