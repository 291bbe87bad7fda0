"""Data quality: the GX suites catch broken tables, `etlstack validate` says which expectation
failed in one line, the run gate commits nothing that fails, and the Data Docs render offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from bench.report_builder.offline_page import computed_styles, screenshot
from expectations.offline_docs import external_asset_references
from expectations.reference import DEVICES, EVENT_TYPES, REJECT_REASONS
from python_engines.cli import app
from python_engines.core.schema import EVENTS, REJECTED_EVENTS
from python_engines.inputs.discover import discover
from python_engines.lakehouse.catalog import open_catalog
from python_engines.lakehouse.load import load
from python_engines.lakehouse.store import Store

runner = CliRunner()
SQL = Path(__file__).parents[1] / "python_engines" / "sql"
SCREENSHOT = Path(__file__).parents[1] / "target" / "data-docs-offline.png"


@pytest.fixture(scope="module")
def lake(small_dataset, tmp_path_factory) -> Path:
    """The small set loaded by Polars: bulk, then the daily files (two runs)."""
    out, _ = small_dataset
    warehouse = tmp_path_factory.mktemp("quality") / "lake"
    load("polars", discover(out / "bulk"), warehouse)
    load("polars", discover(out / "incremental"), warehouse)
    return warehouse


@pytest.fixture
def restore(lake: Path):
    """Each test corrupts the tables with pyiceberg; the committed snapshots come back after."""
    yield open_catalog(lake)
    Store(lake, "polars").recover()


def validate(warehouse: Path):
    return runner.invoke(app, ["validate", "--engine", "polars", "--warehouse", str(warehouse)])


@pytest.mark.slow
def test_a_clean_lakehouse_passes_every_suite_and_says_where_the_docs_are(lake: Path) -> None:
    result = validate(lake)
    assert result.exit_code == 0, result.output
    for suite in ("events", "sessions", "rejected_events", "reconciliation"):
        assert re.search(rf"│ {suite}\s+│\s+\d+ │", result.output), suite
    index = lake.resolve() / "data_docs" / "polars" / "index.html"
    assert index.exists()
    assert str(index) in result.output.replace("\n", "")


def _rewrite_events(catalog, change) -> None:
    table = catalog.load_table(("polars", "events"))
    frame = pl.from_arrow(table.scan().to_arrow()).sort("event_ts", "event_id")
    table.overwrite(change(frame).to_arrow().select(EVENTS.names).cast(EVENTS))


def _null_user(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        user_id=pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise(pl.col("user_id"))
    )


def _duplicate_id(frame: pl.DataFrame) -> pl.DataFrame:
    first = frame.get_column("event_id")[0]
    return frame.with_columns(
        event_id=pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(first)).otherwise("event_id")
    )


def _gap_of_31_minutes(frame: pl.DataFrame) -> pl.DataFrame:
    """The last event of a session of several events moves to 31 minutes after the one before."""
    ordered = frame.sort("session_id", "event_ts").with_row_index("row")
    sizes = ordered.group_by("session_id").len().filter(pl.col("len") >= 3).sort("session_id")
    session = sizes.get_column("session_id")[0]
    rows = ordered.filter(pl.col("session_id") == session)
    last, before = rows.get_column("row")[-1], rows.get_column("event_ts")[-2]
    moved = before + pl.duration(minutes=31)
    return ordered.with_columns(
        event_ts=pl.when(pl.col("row") == last).then(moved).otherwise("event_ts")
    ).drop("row")


def _extra_reject(catalog) -> None:
    row = {name: None for name in REJECTED_EVENTS.names}
    row.update(event_id="smuggled", reason="bad_timestamp", source_file="nowhere.csv")
    table = catalog.load_table(("polars", "rejected_events"))
    table.append(pa.Table.from_pylist([row], schema=REJECTED_EVENTS))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("corrupt", "expectation"),
    [
        (lambda c: _rewrite_events(c, _null_user), "expect_column_values_to_not_be_null(user_id)"),
        (
            lambda c: _rewrite_events(c, _duplicate_id),
            "expect_column_values_to_be_unique(event_id)",
        ),
        (
            lambda c: _rewrite_events(c, _gap_of_31_minutes),
            "expect_column_values_to_be_between(longest_internal_gap_minutes)",
        ),
        (_extra_reject, "expect_column_sum_to_be_between(rows_in)"),
    ],
    ids=["null-user-id", "duplicated-event-id", "31-minute-gap-in-a-session", "rows-in-mismatch"],
)
def test_a_corrupted_table_fails_validation_naming_the_expectation(
    lake: Path, restore, corrupt, expectation: str
) -> None:
    corrupt(restore)
    result = validate(lake)
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error:") and expectation in last, result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_the_gate_commits_a_clean_run_and_shows_drift_warnings(
    small_dataset, tmp_path, monkeypatch
):
    monkeypatch.setenv("ETLSTACK_MAX_REJECTED_SHARE", "0")  # any reject is drift now
    warehouse = tmp_path / "lake"
    args = ["run", "--engine", "polars", "--warehouse", str(warehouse), "--validate"]
    result = runner.invoke(app, [*args, "--input", str(small_dataset[0] / "incremental")])
    assert result.exit_code == 0, result.output
    assert "warning polars.reconciliation: expect_column_values_to_be_between(rejected_share)" in (
        result.output
    )
    assert "committed run" in result.output
    assert Store(warehouse, "polars").runs().height == 1


@pytest.mark.slow
def test_the_gate_keeps_a_failing_run_from_committing(small_dataset, tmp_path, monkeypatch):
    """A file named for 2026-11-03 whose events are from 2099 passes cleansing (valid ISO
    timestamps) but not the suites: nothing of the run is committed."""
    warehouse = tmp_path / "lake"
    load("polars", discover(small_dataset[0] / "incremental"), warehouse)
    store = Store(warehouse, "polars")
    before = {name: t.current_snapshot().snapshot_id for name, t in store.tables.items()}
    odd = tmp_path / "landing" / "2026-11-03.csv"
    odd.parent.mkdir()
    odd.write_text(
        "event_id,user_id,session_id,timestamp,page_url,country,device,ip_address,event_type\n"
        "future-1,u-future,s,2099-01-01 10:00:00,https://shop.example.com/,US,mobile,8.8.8.8,"
        "page_view\n"
    )
    monkeypatch.setenv("ETLSTACK_VALIDATE", "true")
    args = ["run", "--engine", "polars", "--warehouse", str(warehouse), "--input", str(odd)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert "not committed" in last and "expect_column_values_to_be_between(event_ts)" in last
    assert "Traceback" not in result.output
    after = Store(warehouse, "polars")
    assert after.runs().height == 1
    assert {n: t.current_snapshot().snapshot_id for n, t in after.tables.items()} == before
    assert "future-1" not in after.scan("events", columns=["event_id"])["event_id"].to_list()


@pytest.mark.slow
def test_data_docs_reference_nothing_outside_their_folder(lake: Path) -> None:
    assert validate(lake).exit_code == 0
    site = lake.resolve() / "data_docs" / "polars"
    assert external_asset_references(site) == []
    pages = [p.read_text() for p in site.rglob("*.html")]
    assert len(pages) >= 9  # index, 4 suites, 4 validation results
    assert not any(re.search(r"(src|href)=\"https?://[^\"]+\.(js|css)", page) for page in pages)


STYLED = [
    ("nav.navbar", "display"),
    ("nav.navbar", "position"),
    ("nav.navbar", "border-bottom-color"),
    (".fas", "font-family"),
]


@pytest.mark.slow
def test_data_docs_render_styled_in_chromium_with_no_network(lake: Path) -> None:
    assert validate(lake).exit_code == 0
    index = lake.resolve() / "data_docs" / "polars" / "index.html"
    styles = computed_styles(index, STYLED).styles
    assert styles["nav.navbar display"] == "flex"  # Bootstrap's .navbar
    assert styles["nav.navbar position"] == "sticky"  # Bootstrap's .sticky-top
    assert styles["nav.navbar border-bottom-color"] == "rgb(222, 226, 230)"  # .border-bottom
    assert styles[".fas font-family"] == '"Font Awesome 6 Free"'
    shutil.rmtree(SCREENSHOT, ignore_errors=True)
    assert screenshot(index, SCREENSHOT).stat().st_size > 10_000


SCRIPTS_RAN = ("typeof jQuery", "typeof jQuery.fn.modal", "typeof jQuery.fn.bootstrapTable")


@pytest.mark.slow
def test_data_docs_scripts_run_with_no_network_and_a_tab_opens(lake: Path) -> None:
    """jQuery, Bootstrap's plugins (tabs, modals, "Show more info…") and bootstrap-table load
    from the site's copies over file://, and clicking the Expectation Suites tab shows it."""
    assert validate(lake).exit_code == 0
    index = lake.resolve() / "data_docs" / "polars" / "index.html"
    suites = ("#Expectation-Suites", "display")
    before = computed_styles(index, [suites]).styles
    assert before["#Expectation-Suites display"] == "none"
    page = computed_styles(
        index, [suites], expressions=SCRIPTS_RAN, clicks=("#Expectation-Suites-tab",)
    )
    assert page.values == {expression: "function" for expression in SCRIPTS_RAN}
    assert page.styles["#Expectation-Suites display"] == "block"


COLLAPSE = "a[data-toggle=collapse]"
COLLAPSE_TEXT = f"document.querySelector('{COLLAPSE}').textContent.trim()"
COLLAPSE_BODY = f"document.getElementById(document.querySelector('{COLLAPSE}').hash.slice(1))"
COLLAPSED_BODY = f"getComputedStyle({COLLAPSE_BODY}).display"
BODY_SHOWN = f"{COLLAPSE_BODY}.classList.contains('show')"


@pytest.mark.slow
def test_data_docs_show_more_info_opens_on_a_validation_page_with_no_network(lake: Path) -> None:
    """A validation result's "Show more info..." is Bootstrap's collapse: closed when the page
    opens, shown after a click, with no console error or refused request on the way."""
    assert validate(lake).exit_code == 0
    pages = sorted((lake.resolve() / "data_docs" / "polars" / "validations").rglob("*.html"))
    assert len(pages) >= 4  # one per suite
    asked = (COLLAPSE_TEXT, COLLAPSED_BODY, BODY_SHOWN)
    before = computed_styles(pages[0], [], expressions=asked).values
    assert before == {
        COLLAPSE_TEXT: "Show more info...",
        COLLAPSED_BODY: "none",
        BODY_SHOWN: "false",
    }
    after = computed_styles(pages[0], [], expressions=asked, clicks=(COLLAPSE,))
    assert after.problems == [] and after.values[BODY_SHOWN] == "true"
    assert after.values[COLLAPSED_BODY] == "flex"  # shown, as the Bootstrap card it is


@pytest.mark.slow
def test_a_local_script_with_cdn_attributes_is_refused_over_file_urls(tmp_path: Path) -> None:
    """The control: ``crossorigin`` on a file:// script makes Chromium refuse it, which is why
    the Data Docs' vendored tags lose it."""
    (tmp_path / "x.js").write_text("window.loaded = 'yes';")
    for name, attributes in (("plain", ""), ("cdn", ' crossorigin="anonymous"')):
        page = tmp_path / f"{name}.html"
        page.write_text(f'<html><body><script src="x.js"{attributes}></script></body></html>')
        rendered = computed_styles(page, [], expressions=("window.loaded",), allow_problems=True)
        assert rendered.values["window.loaded"] == ("yes" if name == "plain" else "undefined")
        assert bool(rendered.problems) == (name == "cdn")  # the refusal is seen, and failed on


@pytest.mark.slow
def test_a_page_that_needs_the_network_renders_unstyled_in_the_offline_browser(tmp_path) -> None:
    """The control: the same check on a page linking Bootstrap from its CDN fails offline."""
    page = tmp_path / "cdn.html"
    page.write_text(
        '<html><head><link rel="stylesheet" '
        'href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"></head>'
        '<body><nav class="navbar sticky-top">x</nav></body></html>'
    )
    rendered = computed_styles(page, STYLED[:2], allow_problems=True)
    assert rendered.styles == {"nav.navbar display": "block", "nav.navbar position": "static"}
    assert any("maxcdn.bootstrapcdn.com" in problem for problem in rendered.problems)


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_every_value_the_engines_write_is_in_the_accepted_sets(parity_results, engine) -> None:
    """The sets are read from the SQL's literals; what the engines really write over the trap
    fixture (every reject reason, odd devices and event types cleansed) must fall inside them."""
    tables = parity_results[engine].tables
    written = {
        "device": set(tables["events"]["device"].to_pylist()),
        "event_type": set(tables["events"]["event_type"].to_pylist()),
        "reason": set(tables["rejected_events"]["reason"].to_pylist()),
    }
    assert all(written.values())  # the fixture exercises each column
    assert written["device"] <= set(DEVICES)
    assert written["event_type"] <= set(EVENT_TYPES)
    assert written["reason"] <= set(REJECT_REASONS)


def test_validate_has_help_and_an_empty_warehouse_is_one_line(tmp_path: Path) -> None:
    assert "--engine" in runner.invoke(app, ["validate", "--help"]).output
    result = runner.invoke(app, ["validate", "--warehouse", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no engine's tables in")
    result = validate(tmp_path / "none")
    assert result.output.strip() == (
        f"error: no tables of 'polars' in {tmp_path / 'none'}: run `etlstack run` first"
    )


def test_every_reference_country_code_is_accepted_and_named_in_the_seed() -> None:
    """An address in a registry range outside ISO 3166-1 (EU, AP, …) is valid data: the events
    suite accepts it, and the marts' country seed names it."""
    from expectations.reference import COUNTRY_CODES
    from python_engines.reference import load_ip_ranges

    produced = set(load_ip_ranges()["country_code"].unique().to_list()) | {"ZZ"}
    assert {"EU", "AP"} <= produced  # the case this guards
    assert produced <= set(COUNTRY_CODES)
    seed = pl.read_csv(Path(__file__).parents[1] / "seeds" / "country_codes.csv")
    assert produced <= set(seed["country_code"].to_list())


def test_the_dbt_value_lists_are_the_ones_the_sql_produces() -> None:
    """dbt needs its lists at compile time (one column per event type, one per reject reason):
    they must be exactly the sets the SQL stages write."""
    import yaml

    project = yaml.safe_load((Path(__file__).parents[1] / "dbt_project.yml").read_text())
    assert sorted(project["vars"]["event_types"]) == EVENT_TYPES
    assert sorted(project["vars"]["reject_reasons"]) == sorted(REJECT_REASONS)
    assert sorted(project["vars"]["devices"]) == sorted(DEVICES)
