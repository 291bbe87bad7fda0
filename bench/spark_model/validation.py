"""The replay checked against what was measured: from each Spark try, predict the wall of the
same size on more slots (1 → 2 threads on ``local[N]``; K = 1 → K = 2 one-core workers of the
standalone cluster) and set the prediction beside the measured median.

Two predictions per pair:

* ``replay`` — Sparklens' assumption: every slot is a core of its own (executors on machines of
  their own). It is what a real cluster of K machines would see.
* ``on this host`` — the replay, but no faster than the host's cores can do the CPU work: the
  tasks' and the work no task does (the JVMs' JIT compilers and garbage collectors, the Python
  driver), measured on the base try as its CPU seconds. The JIT and GC work is done again in
  every executor JVM: a cluster of K one-core workers does K times the base's K=1 work beside
  the tasks. A 2-core host running a driver and two executors is such a case: the replay alone
  cannot see that its slots have no cores of their own.

The error is signed, (predicted - measured) / measured (``ernest.prediction_error``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.spark_model.digest import from_digest
from bench.spark_model.ernest import prediction_error
from bench.spark_model.event_log import EventLog
from bench.spark_model.replay import replay


@dataclass(frozen=True)
class Check:
    rows: int
    base: str  # the measured case predicted from: "1 thread", "K=1"
    target: str  # the measured case predicted: "2 threads", "K=2"
    measured_seconds: float  # the target's median wall
    replay_seconds: float  # Sparklens: each slot a core of its own
    host_seconds: float  # the slots sharing this host's cores with the JIT, GC and driver

    @property
    def replay_error(self) -> float:
        return prediction_error(self.replay_seconds, self.measured_seconds)

    @property
    def host_error(self) -> float:
        return prediction_error(self.host_seconds, self.measured_seconds)


def task_seconds(log: EventLog) -> float:
    return sum(task.seconds for stage in log.stages.values() for task in stage.tasks)


def background_cpu_seconds(try_: dict, log: EventLog) -> float:
    """CPU seconds of work no task did (JIT, GC, the Python driver)."""
    return max(try_["cpu_seconds"] - task_seconds(log), 0.0)


def predict(base: dict, slots: int, executor_jvms: float, host_cores: int) -> tuple[float, float]:
    """The base try's wall predicted on ``slots`` one-core slots: (replay, on this host).
    ``executor_jvms``: how many times the base's JIT and GC work the target does."""
    log = from_digest(base["spark_event_log"])
    plain = outside_seconds(base, log) + replay(log, slots, 1).predicted_seconds
    cpu = base["cpu_seconds"] + background_cpu_seconds(base, log) * (executor_jvms - 1)
    return plain, max(plain, cpu / host_cores)


def spark_tries(tries: list[dict]) -> list[dict]:
    """The Spark tries that finished (a try stopped at a memory cap has no wall)."""
    return [t for t in tries if t.get("engine") == "spark" and t.get("wall_seconds")]


def outside_seconds(try_: dict, log: EventLog) -> float:
    """A try's wall outside its Spark application: Python before and after it."""
    return try_["wall_seconds"] - (log.app_end_ms - log.app_start_ms) / 1000


def checks(tries: list[dict], host_cores: int) -> list[Check]:
    """Every measured pair (1 → 2 threads, K=1 → K=2) of every size, tries of the base case
    predicted one by one, their median set beside the target's median."""
    found = []
    spark = [t for t in spark_tries(tries) if t.get("spark_event_log")]
    pairs = [("threads", 1, 2, "{} thread{}"), ("cluster_workers", 1, 2, "K={}")]
    for rows in sorted({t["rows"] for t in spark}):
        for key, low, high, label in pairs:
            of = [t for t in spark if t["rows"] == rows and (t.get("cluster_workers") or 0) > 0]
            if key == "threads":
                of = [t for t in spark if t["rows"] == rows and not t.get("cluster_workers")]
            base = [t for t in of if t[key] == low]
            target = [t for t in of if t[key] == high]
            if not base or not target:
                continue
            executor_jvms = high / low if key == "cluster_workers" else 1.0
            predicted = [predict(t, high, executor_jvms, host_cores) for t in base]
            found.append(
                Check(
                    rows,
                    label.format(low, "" if low == 1 else "s"),
                    label.format(high, "" if high == 1 else "s"),
                    statistics.median(t["wall_seconds"] for t in target),
                    statistics.median(p[0] for p in predicted),
                    statistics.median(p[1] for p in predicted),
                )
            )
    return found
