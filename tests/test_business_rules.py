"""The business rules of DESIGN.md, checked on every engine against the hand-made trap fixture."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from conftest import ENGINE_PARAMS, PARITY_FIXTURE

from python_engines.core.settings import PipelineSettings
from python_engines.inputs.discover import discover
from python_engines.pipeline.stages import run_pipeline

ENGINES = ENGINE_PARAMS  # Spark's cases are slow


def _events(parity_results, engine: str) -> dict[str, dict]:
    frame = pl.from_arrow(parity_results[engine].tables["events"])
    return {row["event_id"]: row for row in frame.to_dicts()}


def _sessions(parity_results, engine: str, user: str) -> list[dict]:
    frame = pl.from_arrow(parity_results[engine].tables["sessions"])
    return frame.filter(pl.col("user_id") == user).sort("session_start").to_dicts()


def _rejected(parity_results, engine: str) -> dict[str, str]:
    frame = pl.from_arrow(parity_results[engine].tables["rejected_events"])
    return {(r["event_id"], Path(r["source_file"]).name): r["reason"] for r in frame.to_dicts()}


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("engine", ENGINES)
def test_gap_of_exactly_30_minutes_continues_the_session(parity_results, engine: str) -> None:
    events = _events(parity_results, engine)
    assert events["gap-a1"]["session_id"] == events["gap-a2"]["session_id"]


@pytest.mark.parametrize("engine", ENGINES)
def test_gap_of_30_minutes_and_one_second_starts_a_new_session(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert events["gap-a2"]["session_id"] != events["gap-a3"]["session_id"]
    assert events["gap-a3"]["session_id"] == events["gap-a4"]["session_id"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_late_event_falls_into_the_session_it_belongs_to(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert events["late-a5"]["session_id"] == events["gap-a3"]["session_id"]
    sessions = _sessions(parity_results, engine, "ua")
    assert [s["event_count"] for s in sessions] == [2, 3, 1]
    assert sessions[1]["converted"] is True and sessions[0]["converted"] is False


@pytest.mark.parametrize("engine", ENGINES)
def test_tied_timestamps_are_ordered_by_event_id(parity_results, engine: str) -> None:
    (session,) = _sessions(parity_results, engine, "ub")
    assert session["entry_page"].endswith("/first")
    assert session["exit_page"].endswith("/third")
    assert session["duration_seconds"] == 0 and session["event_count"] == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_tied_events_that_start_a_later_session_all_belong_to_it(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    first, second = _sessions(parity_results, engine, "uj")
    assert first["event_count"] == 1
    assert second["entry_page"].endswith("/j-first") and second["exit_page"].endswith("/j-second")
    assert second["event_count"] == 2
    assert events["tie-j2"]["session_id"] == events["tie-j1"]["session_id"] == second["session_id"]


@pytest.mark.parametrize("engine", ENGINES)
def test_offsets_are_honoured_and_a_session_crosses_midnight(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert events["mid-c2"]["event_ts"] == _utc(2026, 10, 2, 0, 5)
    assert events["mid-c3"]["event_ts"] == _utc(2026, 10, 2, 0, 20)
    assert events["mid-c4"]["event_ts"] == _utc(2026, 10, 2, 0, 45, 0, 500000)
    assert events["mid-c4"]["event_date"].isoformat() == "2026-10-02"
    (session,) = _sessions(parity_results, engine, "uc")
    assert session["event_count"] == 4
    assert session["duration_seconds"] == 55 * 60
    assert session["session_id"] == "uc-" + str(int(_utc(2026, 10, 1, 23, 50).timestamp() * 1e6))


@pytest.mark.parametrize("engine", ENGINES)
def test_fractions_and_z_are_parsed_to_the_microsecond(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert events["frac-d1"]["event_ts"] == _utc(2026, 10, 1, 8, 0, 0, 123456)
    assert events["frac-d2"]["event_ts"] == _utc(2026, 10, 1, 8, 0, 0, 500000)
    assert events["frac-d3"]["event_ts"] == _utc(2026, 10, 1, 7, 59, 59, 999000)
    assert events["frac-d4"]["event_ts"] == _utc(2026, 10, 1, 8, 0, 1)
    assert events["frac-d5"]["event_ts"] == _utc(2028, 2, 29, 12)
    assert events["ts-padded"]["event_ts"] == _utc(2026, 10, 1, 10)


@pytest.mark.parametrize("engine", ENGINES)
def test_calendar_edges_follow_the_gregorian_calendar(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert (
        _rejected(parity_results, engine)[("cal-g1", "day1.csv")] == "bad_timestamp"
    )  # 1900: no leap
    assert events["cal-g2"]["event_ts"] == _utc(2000, 2, 29, 23, 59, 59)  # 2000: leap
    assert events["cal-g3"]["event_ts"] == _utc(1000, 1, 1)
    assert events["cal-g4"]["event_ts"] == _utc(9999, 12, 31, 23, 59, 59, 999999)
    assert events["cal-g5"]["event_ts"] == _utc(1969, 12, 31, 23, 30)  # before the epoch


@pytest.mark.parametrize("engine", ENGINES)
def test_every_malformed_timestamp_is_rejected_not_guessed(parity_results, engine) -> None:
    rejected = _rejected(parity_results, engine)
    bad = {k[0]: v for k, v in rejected.items() if k[0] and k[0].startswith("ts-")}
    assert bad.pop("ts-empty") == "missing_timestamp"
    assert bad.pop("ts-blank") == "missing_timestamp"
    assert len(bad) == 28
    assert set(bad.values()) == {"bad_timestamp"}


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_without_ids_are_rejected_with_the_first_failing_reason(
    parity_results, engine
) -> None:
    rejected = _rejected(parity_results, engine)
    assert rejected[("user-empty", "day1.csv")] == "missing_user_id"
    assert rejected[("user-blank", "day1.csv")] == "missing_user_id"
    assert rejected[("user-and-ts-bad", "day1.csv")] == "missing_user_id"
    assert (
        sorted(v for k, v in rejected.items() if k[0] in (None, "   ")) == ["missing_event_id"] * 2
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicates_keep_the_earliest_valid_copy(parity_results, engine) -> None:
    events, rejected = _events(parity_results, engine), _rejected(parity_results, engine)
    assert events["dup-g2"]["page_url"].endswith("/early")
    assert rejected[("dup-g2", "day1.csv")] == "duplicate_event_id"
    assert rejected[("dup-g1", "day2.csv")] == "duplicate_event_id"
    assert events["dup-g3"]["page_url"].endswith("/good")
    assert rejected[("dup-g3", "day1.csv")] == "bad_timestamp"
    assert rejected[("norm-6", "day2.csv")] == "duplicate_event_id"  # equal after trimming


@pytest.mark.parametrize("engine", ENGINES)
def test_addresses_that_are_not_ipv4_or_in_no_range_get_zz(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    for name in ["256", "3oct", "5oct", "letters", "empty", "negative", "v6", "bigint"]:
        assert events[f"ip-{name}"]["ip_number"] is None, name
        assert events[f"ip-{name}"]["country_code"] == "ZZ", name
    for name in ["private", "zero", "max"]:
        assert events[f"ip-{name}"]["ip_number"] is not None, name
        assert events[f"ip-{name}"]["country_code"] == "ZZ", name


@pytest.mark.parametrize("engine", ENGINES)
def test_ranges_are_inclusive_at_both_ends(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    assert events["ip-range-start"]["country_code"] == "AU"  # 1.0.0.0, first address of a range
    assert events["ip-range-end"]["country_code"] == "AU"  # 1.0.0.255, its last
    assert events["ip-next-range"]["country_code"] == "CN"  # 1.0.1.0, the next range
    assert events["ip-padded"]["ip_number"] == 134744072  # 8.8.8.8 after trimming
    assert events["ip-zeros"]["country_code"] == "US"  # 008.008.008.008 reads as 8.8.8.8
    assert events["gap-a1"]["country_code"] == "US"
    assert events["tie-b1"]["country_code"] == "AU"  # 1.1.1.1
    assert events["mid-c1"]["country_code"] == "NL"  # 193.0.6.139


@pytest.mark.parametrize("engine", ENGINES)
def test_devices_and_event_types_are_trimmed_lowered_or_unknown(parity_results, engine) -> None:
    events = _events(parity_results, engine)
    seen = [(events[f"norm-{i}"]["device"], events[f"norm-{i}"]["event_type"]) for i in range(1, 6)]
    assert seen == [
        ("mobile", "page_view"),
        ("desktop", "purchase"),
        ("tablet", "unknown"),
        ("unknown", "unknown"),
        ("unknown", "add_to_cart"),
    ]
    assert events["norm-1"]["page_url"] == "https://shop.example.com/a"
    assert events["norm-5"]["page_url"] is None
    assert events["norm-6"]["user_id"] == "ui"


def test_the_session_gap_is_a_setting() -> None:
    wider = run_pipeline(
        "duckdb", discover(PARITY_FIXTURE), PipelineSettings(session_gap_minutes=60)
    )
    ua = pl.from_arrow(wider.tables["sessions"]).filter(pl.col("user_id") == "ua")
    assert ua["event_count"].sort().to_list() == [1, 5]


@pytest.mark.parametrize("engine", ENGINES)
def test_copies_that_differ_only_around_their_id_keep_the_same_one_on_every_engine(
    tmp_path: Path, engine: str
) -> None:
    """The copy order is total over every raw column: two copies equal but for spaces around
    the id are ranked by the raw id too (" e9" before "e9"), not left to the engine."""
    line = "{},u9,s9,2026-10-01 10:00:00,/p,GB,mobile,8.8.8.8,page_view\n"
    header = "event_id,user_id,session_id,timestamp,page_url,country,device,ip_address,event_type\n"
    for name, ids in (("a.csv", ["e9", " e9"]), ("b.csv", [" e9", "e9"])):  # both file orders
        (tmp_path / name).write_text(header + "".join(line.format(i) for i in ids))
        result = run_pipeline(engine, discover(tmp_path / name))
        rejected = result.tables["rejected_events"].to_pylist()
        assert [(r["event_id"], r["reason"]) for r in rejected] == [("e9", "duplicate_event_id")]
        (tmp_path / name).unlink()


def _iso_texts(count: int) -> list[tuple[str, datetime]]:
    """Valid ISO-8601 texts with every kind of rest after the seconds (none, a fraction of 1-6
    digits, z, an offset of either sign, a fraction and a zone), each with the instant Python
    reads from its parts: the oracle the engines' calendar arithmetic must meet."""
    pick = random.Random(20261203)
    texts = []
    for _ in range(count):
        moment = datetime(1970, 1, 1) + timedelta(seconds=pick.randrange(-(10**9), 4 * 10**9))
        digits = pick.choice([0, 0, 1, 2, 3, 6, pick.randint(1, 6)])
        fraction = "".join(pick.choice("0123456789") for _ in range(digits))
        sign, hours, minutes = pick.choice("+-"), pick.randint(0, 14), pick.randint(0, 59)
        zone = pick.choice(["", "Z", f"{sign}{hours:02d}:{minutes:02d}"])
        text = moment.strftime(f"%Y-%m-%d{pick.choice(' T')}%H:%M:%S")
        text += f".{fraction}" * bool(digits) + zone
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
        local = moment.replace(microsecond=int(fraction.ljust(6, "0")))
        tz = timezone(offset) if zone not in ("", "Z") else UTC
        texts.append((text, local.replace(tzinfo=tz).astimezone(UTC)))
    return texts


@pytest.mark.parametrize("engine", ENGINES)
def test_iso_timestamps_with_any_fraction_and_zone_give_the_instant_python_reads(
    engine: str, tmp_path: Path
) -> None:
    texts = _iso_texts(400)
    raw = {c: [""] * len(texts) for c in ("session_id", "country", "device", "event_type")}
    raw |= {"page_url": ["/"] * len(texts), "ip_address": ["8.8.8.8"] * len(texts)}
    frame = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(texts))],
            "user_id": [f"u{i}" for i in range(len(texts))],
            "timestamp": [text for text, _ in texts],
            **raw,
        }
    )
    frame.write_parquet(tmp_path / "day.parquet")
    result = run_pipeline(engine, discover(tmp_path, "parquet"))

    events = pl.from_arrow(result.tables["events"]).select("event_id", "event_ts")
    read = dict(events.iter_rows())
    assert result.tables["rejected_events"].num_rows == 0
    assert [read[f"e{i}"] for i in range(len(texts))] == [instant for _, instant in texts]
