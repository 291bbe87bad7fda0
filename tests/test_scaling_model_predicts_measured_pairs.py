"""The scaling model's validation: a try's event log kept in results.json (the digest) replays
as the log itself does, and the predictions of a measured pair (1 → 2 threads, K=1 → K=2) are
the hand-computed ones, their errors set against the measured wall."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ONE_STAGE_DIGEST

from bench.spark_model.digest import digest, from_digest
from bench.spark_model.event_log import read_event_log
from bench.spark_model.replay import replay
from bench.spark_model.validation import checks

RECORDED = Path(__file__).parent / "fixtures" / "spark_event_log_small.jsonl"


def _try(threads: int, workers: int | None, wall: float, cpu: float, log: dict | None) -> dict:
    return {
        "engine": "spark",
        "rows": 1000,
        "threads": threads,
        "cluster_workers": workers,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "spark_event_log": log,
    }


@pytest.mark.parametrize("slots", [1, 2, 4])
def test_a_digest_replays_as_the_recorded_log(slots: int) -> None:
    log = read_event_log(RECORDED)
    kept = from_digest(digest(log))
    assert replay(kept, slots).predicted_seconds == pytest.approx(
        replay(log, slots).predicted_seconds, abs=1e-9
    )
    assert kept.slots == log.slots


def test_two_threads_predicted_from_one_by_replay_and_by_the_hosts_cpu() -> None:
    # base: 11 s wall (1 s of Python outside the application), 12 CPU seconds of which 4 in tasks.
    # 2 slots: replay = 1 + 6 + 2 = 9 s; the same JVM does the same 12 CPU s on 2 cores: >= 6 s
    tries = [
        _try(1, None, 11.0, 12.0, ONE_STAGE_DIGEST),
        _try(2, None, 10.0, 12.0, ONE_STAGE_DIGEST),
    ]
    (check,) = checks(tries, host_cores=2)
    assert (check.base, check.target) == ("1 thread", "2 threads")
    assert check.replay_seconds == pytest.approx(9.0)
    assert check.host_seconds == pytest.approx(9.0)
    assert check.replay_error == pytest.approx(-0.1)


def test_a_second_worker_repeats_the_jvm_work_the_host_must_fit_on_its_cores() -> None:
    # K=1 -> K=2: the replay still says 9 s; the 8 CPU s outside tasks are done again by the
    # second executor JVM: 12 + 8 = 20 CPU s on 2 cores take >= 10 s, the measured wall
    tries = [_try(1, 1, 11.0, 12.0, ONE_STAGE_DIGEST), _try(1, 2, 10.0, 30.0, ONE_STAGE_DIGEST)]
    (check,) = checks(tries, host_cores=2)
    assert (check.base, check.target) == ("K=1", "K=2")
    assert check.replay_seconds == pytest.approx(9.0)
    assert check.host_seconds == pytest.approx(10.0)
    assert check.host_error == pytest.approx(0.0)


def test_a_pair_with_one_side_unmeasured_is_not_checked() -> None:
    assert checks([_try(1, None, 11.0, 12.0, ONE_STAGE_DIGEST)], host_cores=2) == []
    assert checks([_try(1, None, 11.0, 12.0, None), _try(2, None, 9, 9, None)], 2) == []
