"""Transpiling the one SQL: golden outputs per engine (sqlglot's validate_all style)."""

from __future__ import annotations

import pytest

from python_engines.core.errors import EtlStackError
from python_engines.transpile import ENGINES, stage_names, stage_sql, transpile

GOLDEN = {
    "select epoch_us(ts) from t": {
        "duckdb": "SELECT EPOCH_US(ts) FROM t",
        "spark": "SELECT UNIX_MICROS(CAST(ts AS TIMESTAMP_LTZ)) FROM t",
        "polars": "SELECT CAST(ts AS BIGINT) FROM t",
    },
    "select make_timestamp(us) from t": {
        "duckdb": "SELECT MAKE_TIMESTAMP(us) FROM t",
        "spark": "SELECT TIMESTAMP_MICROS(us) FROM t",
        "polars": "SELECT CAST(us AS TIMESTAMP) FROM t",
    },
    "select regexp_matches(s, '^[0-9]+$') from t": {
        "duckdb": "SELECT REGEXP_MATCHES(s, '^[0-9]+$') FROM t",
        "spark": "SELECT s RLIKE '^[0-9]+$' FROM t",
        "polars": "SELECT REGEXP_LIKE(s, '^[0-9]+$') FROM t",
    },
    "select try_cast(s as timestamp) from t": {
        "duckdb": "SELECT TRY_CAST(s AS TIMESTAMP) FROM t",
        "spark": "SELECT TRY_CAST(s AS TIMESTAMP_NTZ) FROM t",
        "polars": "SELECT TRY_CAST(s AS TIMESTAMP) FROM t",
    },
    "select a // b from t": {
        "duckdb": "SELECT a // b FROM t",
        "spark": "SELECT a DIV b FROM t",
        "polars": "SELECT a // b FROM t",
    },
    "select regexp_replace(s, '^ +| +$', '', 'g') from t": {
        "duckdb": "SELECT REGEXP_REPLACE(s, '^ +| +$', '', 'g') FROM t",
        "spark": "SELECT REGEXP_REPLACE(s, '^ +| +$', '') FROM t",
        "polars": "SELECT REGEXP_REPLACE(s, '^ +| +$', '', 'g') FROM t",
    },
    "select a from t order by a desc": {
        "duckdb": "SELECT a FROM t ORDER BY a DESC",
        "spark": "SELECT a FROM t ORDER BY a DESC",
        "polars": "SELECT a FROM t ORDER BY a DESC NULLS LAST",
    },
    # a lookup of one row per distinct key is broadcast to Spark's join (rewrites.SPARK_BROADCAST_LOOKUPS)
    "select k.a, l.b from k left join located as l on l.a = k.a": {
        "duckdb": "SELECT k.a, l.b FROM k LEFT JOIN located AS l ON l.a = k.a",
        "spark": "SELECT /*+ BROADCAST(l) */ k.a, l.b FROM k LEFT JOIN located AS l ON l.a = k.a",
        "polars": "SELECT k.a, l.b FROM k LEFT JOIN located AS l ON l.a = k.a",
    },
    "select gap > :minutes * 60 from t": {
        "duckdb": "SELECT gap > 30 * 60 FROM t",
        "spark": "SELECT gap > 30 * 60 FROM t",
        "polars": "SELECT gap > 30 * 60 FROM t",
    },
}


@pytest.mark.parametrize("source", list(GOLDEN))
@pytest.mark.parametrize("engine", ENGINES)
def test_source_sql_transpiles_to_the_golden_output(source: str, engine: str) -> None:
    sql = transpile(source, engine, {"minutes": 30})
    assert " ".join(sql.split()) == GOLDEN[source][engine]


def test_a_descending_order_puts_nulls_where_the_source_does_on_polars() -> None:
    """The source's ``desc`` sorts nulls last (DuckDB); Polars' own ``desc`` sorts them first."""
    import duckdb
    import polars as pl

    rows = pl.DataFrame({"a": [2, None, 3, None, 1]})
    source = "select a from rows order by a desc"
    expected = [a for (a,) in duckdb.sql(source).fetchall()]
    ran = pl.SQLContext(rows=rows).execute(transpile(source, "polars"), eager=True)
    assert ran.get_column("a").to_list() == expected == [3, 2, 1, None, None]


@pytest.mark.parametrize(
    "construct",
    [
        "select md5(s) from t",
        "select sha256(s) from t",
        "select regexp_extract(s, 'a(b)', 1) from t",
        "select epoch(ts) from t",
        "select date_diff('day', a, b) from t",
        "select a << 2 from t",
    ],
)
def test_constructs_polars_lacks_fail_at_transpile_time(construct: str) -> None:
    with pytest.raises(EtlStackError, match=r"polars: .*Polars SQL does not support"):
        transpile(construct, "polars")


def test_a_parameter_without_a_value_is_an_error() -> None:
    with pytest.raises(KeyError, match=":gap"):
        transpile("select x > :gap from t", "duckdb")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_stage_transpiles_for_every_engine(engine: str) -> None:
    for stage in stage_names():
        sql = stage_sql(stage, engine, {"session_gap_minutes": 30})
        assert sql.strip().lower().startswith(("with", "select", "/*"))
        assert ":session_gap_minutes" not in sql


def test_stages_run_in_dependency_order() -> None:
    assert stage_names() == [
        "cleansed",
        "copied_ids",
        "ranked_copies",
        "rejected_events",
        "geolocated",
        "sessionized",
        "events",
        "sessions",
    ]


def test_unknown_engine_and_stage_are_clear_errors() -> None:
    with pytest.raises(EtlStackError, match="unknown engine 'oracle'"):
        transpile("select 1", "oracle")
    with pytest.raises(EtlStackError, match="unknown stage 'nope'"):
        stage_sql("nope", "duckdb", {})


def test_the_reason_of_each_reject_branch_is_read_from_the_sql() -> None:
    """The lakehouse names duplicate rejects by the reason the SQL's ranked_copies branch gives."""
    from python_engines.lakehouse.stored_slice import DUPLICATE_REASON
    from python_engines.transpile import output_values

    assert output_values("rejected_events", "reason") == ["duplicate_event_id", "malformed_line"]
    by_branch = {
        table: output_values("rejected_events", "reason", reading=table)
        for table in ("ranked_copies", "malformed_lines", "cleansed")
    }
    assert by_branch == {
        "ranked_copies": ["duplicate_event_id"],
        "malformed_lines": ["malformed_line"],
        "cleansed": [],  # its reason is the column cleansing gave
    }
    assert DUPLICATE_REASON == "duplicate_event_id"
