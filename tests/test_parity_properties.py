"""Property-based parity: random raw rows give the same tables on every engine.

Inputs are written as Parquet (strings arrive byte-exact), so any difference is the SQL's, not a
CSV parser's. Derandomized, so CI sees the same examples on every run.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import ENGINES, sorted_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from python_engines.core.schema import OUTPUTS, RAW_COLUMNS
from python_engines.inputs.discover import discover
from python_engines.pipeline.stages import run_pipeline

pytestmark = pytest.mark.slow  # make test-fast leaves these out (see the Makefile)

NOISE = st.sampled_from(["", " ", "  ", "\t", " \t"])
PLAIN_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12
)


@st.composite
def timestamps(draw) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.one_of(PLAIN_TEXT, st.from_regex(r"[0-9 :T.+\-Z/]{0,28}", fullmatch=True)))
    moment = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)))
    text = moment.strftime(f"%Y-%m-%d{draw(st.sampled_from([' ', 'T', 't']))}%H:%M:%S")
    digits = draw(st.integers(0, 7))
    if digits:
        text += "." + f"{moment.microsecond:06d}{draw(st.integers(0, 9))}"[:digits]
    suffix = draw(
        st.one_of(
            st.sampled_from(["", "", "Z", "z", "+00:00", "-00:00"]),
            st.builds(
                lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
                st.sampled_from("+-"),
                st.integers(0, 15),
                st.integers(0, 59),
            ),
        )
    )
    return draw(NOISE) + text + suffix + draw(NOISE)


IPS = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda n: ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))),
    st.lists(st.integers(0, 999), min_size=3, max_size=5).map(lambda o: ".".join(map(str, o))),
    st.sampled_from(["", "2001:db8::1", "::ffff:1.2.3.4", "a.b.c.d", " 8.8.8.8 ", "1.2.3.-4"]),
    PLAIN_TEXT,
)
WORDS = ["mobile", "desktop", "tablet", "page_view", "purchase", "search", "logout", "bogus"]


def noisy_word() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()]))
    return st.builds(lambda a, w, b: a + w + b, NOISE, word, NOISE) | PLAIN_TEXT


ROWS = st.fixed_dictionaries(
    {
        "event_id": st.sampled_from([f"e{i}" for i in range(25)] + ["", " ", " e1 "]),
        "user_id": st.sampled_from(["u1", "u2", "u3", " u1", "", "  ", "U1"]),
        "session_id": PLAIN_TEXT,
        "timestamp": timestamps(),
        "page_url": st.sampled_from(["/", "/a", "/b", "", " /c "]),
        "country": PLAIN_TEXT,
        "device": noisy_word(),
        "ip_address": IPS,
        "event_type": noisy_word(),
    }
)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(day1=st.lists(ROWS, min_size=1, max_size=40), day2=st.lists(ROWS, max_size=15))
def test_random_inputs_give_identical_tables_on_every_engine(day1, day2) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, rows in (("day1", day1), ("day2", day2)):
            frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in RAW_COLUMNS})
            frame.write_parquet(Path(folder) / f"{name}.parquet")
        inputs = discover(Path(folder), "parquet")
        results = {engine: run_pipeline(engine, inputs) for engine in ENGINES}
    expected = results["duckdb"]
    assert expected.rows_in == len(day1) + len(day2)
    for engine, result in results.items():
        assert result.rows_in == expected.rows_in, engine
        for table in OUTPUTS:
            actual = result.tables[table]
            assert actual.schema == OUTPUTS[table], (engine, table)
            assert sorted_rows(actual) == sorted_rows(expected.tables[table]), (engine, table)
        kept = result.tables["events"].num_rows + result.tables["rejected_events"].num_rows
        assert kept == result.rows_in, engine
