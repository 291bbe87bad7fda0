"""A Spark event log read into what a what-if executor model needs: the application's start and end,
the executors' cores, the jobs and their stages (with the stages they wait for) and every task's
launch, finish and metrics. The log is the JSON-lines file Spark writes with
``spark.eventLog.enabled=true``, uncompressed (``spark.eventLog.compress=false``: Spark 4 compresses
with zstd by default). Spark 4 also rolls logs by default: ``spark.eventLog.dir`` then holds a
folder ``eventlog_v2_<app id>`` of ``events_<n>_<app id>`` files; ``read_event_log`` takes either
a single file or that folder. Unknown events and missing keys are tolerated; executors removed
(dynamic allocation) are not tracked. The model built on it follows Sparklens
(github.com/qubole/sparklens): replay the recorded tasks on another executor count."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Task:
    task_id: int
    stage_id: int
    launch_ms: int
    finish_ms: int
    executor_id: str = ""
    failed: bool = False
    killed: bool = False
    run_ms: int = 0  # Executor Run Time
    deserialize_ms: int = 0  # Executor Deserialize Time
    result_serialize_ms: int = 0  # Result Serialization Time
    gc_ms: int = 0  # JVM GC Time
    memory_spilled_bytes: int = 0
    disk_spilled_bytes: int = 0
    shuffle_read_bytes: int = 0  # remote + local
    fetch_wait_ms: int = 0
    shuffle_write_bytes: int = 0
    shuffle_write_ns: int = 0  # Spark records the shuffle write time in nanoseconds
    input_bytes: int = 0
    output_bytes: int = 0

    @property
    def seconds(self) -> float:
        """Slot time: Finish - Launch, so the task's overheads (deserialising, GC, result) count."""
        return max(self.finish_ms - self.launch_ms, 0) / 1000


@dataclass(frozen=True)
class Stage:
    stage_id: int
    name: str = ""
    parents: tuple[int, ...] = ()
    tasks: tuple[Task, ...] = ()  # in task id (launch) order; empty: skipped or never run
    submitted_ms: int | None = None
    completed_ms: int | None = None


@dataclass(frozen=True)
class Job:
    job_id: int
    stage_ids: tuple[int, ...]
    submitted_ms: int
    completed_ms: int | None = None


@dataclass(frozen=True)
class EventLog:
    app_start_ms: int
    app_end_ms: int
    executors: Mapping[str, int] = field(default_factory=dict)  # executor id → total cores
    jobs: tuple[Job, ...] = ()  # in submission order
    stages: Mapping[int, Stage] = field(default_factory=dict)

    @property
    def slots(self) -> int:
        """Task slots the application had: the executors' cores summed (local[N]: N)."""
        return sum(self.executors.values())


def _events(path: Path) -> Iterator[dict]:
    """The events of a log file, or of a rolling log's folder (its files in index order)."""
    if path.is_dir():
        files = sorted(path.glob("events_*"), key=lambda p: int(p.name.split("_")[1]))
    else:
        files = [path]
    for file in files:
        if re.search(r"\.(zstd|lz4|lzf|snappy)(\.inprogress)?$", file.name):
            raise ValueError(f"{file} is compressed: record with spark.eventLog.compress=false")
        with file.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def _task(event: dict) -> Task:
    info = event.get("Task Info", {})
    metrics = event.get("Task Metrics") or {}
    read = metrics.get("Shuffle Read Metrics") or {}
    write = metrics.get("Shuffle Write Metrics") or {}
    return Task(
        task_id=info.get("Task ID", 0),
        stage_id=event.get("Stage ID", -1),
        launch_ms=info.get("Launch Time", 0),
        finish_ms=info.get("Finish Time", 0),
        executor_id=str(info.get("Executor ID", "")),
        failed=bool(info.get("Failed", False)),
        killed=bool(info.get("Killed", False)),
        run_ms=metrics.get("Executor Run Time", 0),
        deserialize_ms=metrics.get("Executor Deserialize Time", 0),
        result_serialize_ms=metrics.get("Result Serialization Time", 0),
        gc_ms=metrics.get("JVM GC Time", 0),
        memory_spilled_bytes=metrics.get("Memory Bytes Spilled", 0),
        disk_spilled_bytes=metrics.get("Disk Bytes Spilled", 0),
        shuffle_read_bytes=read.get("Remote Bytes Read", 0) + read.get("Local Bytes Read", 0),
        fetch_wait_ms=read.get("Fetch Wait Time", 0),
        shuffle_write_bytes=write.get("Shuffle Bytes Written", 0),
        shuffle_write_ns=write.get("Shuffle Write Time", 0),
        input_bytes=(metrics.get("Input Metrics") or {}).get("Bytes Read", 0),
        output_bytes=(metrics.get("Output Metrics") or {}).get("Bytes Written", 0),
    )


class _Reader:
    """Folds the events, one at a time, into the pieces of an EventLog."""

    def __init__(self) -> None:
        self.app = {"start": 0, "end": 0, "last": 0}
        self.executors: dict[str, int] = {}
        self.jobs: dict[int, dict] = {}
        self.stages: dict[int, dict] = defaultdict(dict)
        self.tasks: dict[int, list[Task]] = defaultdict(list)

    def read(self, event: dict) -> None:
        kind = event.get("Event", "")
        for key in ("Timestamp", "Submission Time", "Completion Time"):
            if isinstance(event.get(key), int):
                self.app["last"] = max(self.app["last"], event[key])
        if kind == "SparkListenerApplicationStart":
            self.app["start"] = event.get("Timestamp", 0)
        elif kind == "SparkListenerApplicationEnd":
            self.app["end"] = event.get("Timestamp", 0)
        elif kind == "SparkListenerExecutorAdded":
            cores = event.get("Executor Info", {}).get("Total Cores", 0)
            self.executors[str(event.get("Executor ID", ""))] = cores
        elif kind == "SparkListenerJobStart":
            self._job_start(event)
        elif kind == "SparkListenerJobEnd" and event.get("Job ID") in self.jobs:
            self.jobs[event["Job ID"]]["completed_ms"] = event.get("Completion Time")
        elif kind in ("SparkListenerStageSubmitted", "SparkListenerStageCompleted"):
            self._stage_info(event.get("Stage Info", {}))
        elif kind == "SparkListenerTaskEnd":
            task = _task(event)
            self.tasks[task.stage_id].append(task)
            self.app["last"] = max(self.app["last"], task.finish_ms)

    def _job_start(self, event: dict) -> None:
        job_id = event.get("Job ID", len(self.jobs))
        stage_ids = tuple(event.get("Stage IDs", ()))
        self.jobs[job_id] = {"job_id": job_id, "stage_ids": stage_ids}
        self.jobs[job_id]["submitted_ms"] = event.get("Submission Time", 0)
        for info in event.get("Stage Infos", ()):
            self._stage_info(info, times=False)

    def _stage_info(self, info: dict, times: bool = True) -> None:
        if "Stage ID" not in info:
            return
        stage = self.stages[info["Stage ID"]]
        stage["name"] = info.get("Stage Name", stage.get("name", ""))
        stage["parents"] = tuple(info.get("Parent IDs", stage.get("parents", ())))
        if times:
            # a retried stage: the first attempt's submission, the last attempt's completion
            stage.setdefault("submitted_ms", info.get("Submission Time"))
            if info.get("Completion Time") is not None:
                stage["completed_ms"] = info["Completion Time"]

    def event_log(self) -> EventLog:
        stages = {
            stage_id: Stage(
                stage_id=stage_id,
                tasks=tuple(sorted(self.tasks.get(stage_id, ()), key=lambda t: t.task_id)),
                **self.stages.get(stage_id, {}),
            )
            for stage_id in sorted(self.stages.keys() | self.tasks.keys())
        }
        jobs = sorted((Job(**fields) for fields in self.jobs.values()), key=_submission_order)
        end = self.app["end"] or self.app["last"]  # no ApplicationEnd: an unfinished log
        return EventLog(self.app["start"], end, dict(self.executors), tuple(jobs), stages)


def _submission_order(job: Job) -> tuple[int, int]:
    return job.submitted_ms, job.job_id


def read_event_log(path: str | Path) -> EventLog:
    """The event log at ``path``: a JSON-lines file or a rolling log's ``eventlog_v2_*`` folder."""
    reader = _Reader()
    for event in _events(Path(path)):
        reader.read(event)
    return reader.event_log()


def _union_ms(intervals: list[tuple[int, int]]) -> int:
    """Length of the union of [start, end) intervals."""
    total, reach = 0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total, reach = total + end - start, end
        elif end > reach:
            total, reach = total + end - reach, end
    return total


def job_end_ms(job: Job) -> int:
    """When the job ended; an unfinished job (no JobEnd) ends at its submission."""
    return job.completed_ms if job.completed_ms is not None else job.submitted_ms


def driver_seconds(log: EventLog) -> float:
    """Application wall minus the union of the jobs' intervals: the time no job runs (driver,
    planning, Python work between actions), counted once however many jobs there are."""
    busy = _union_ms([(job.submitted_ms, job_end_ms(job)) for job in log.jobs])
    return max(log.app_end_ms - log.app_start_ms - busy, 0) / 1000


def idle_seconds(log: EventLog, start_ms: int, end_ms: int) -> float:
    """Time in [start, end) when no task runs: scheduling (job and stage submission, task launch,
    hand-over between stages) that a replay of task durations does not contain."""
    intervals = [
        (max(task.launch_ms, start_ms), min(task.finish_ms, end_ms))
        for stage in log.stages.values()
        for task in stage.tasks
        if task.finish_ms > start_ms and task.launch_ms < end_ms
    ]
    return max(end_ms - start_ms - _union_ms(intervals), 0) / 1000


def short_name(name: str, width: int = 48) -> str:
    """A stage's name without the folders of its call site: ``collect at /x/run.py:22`` →
    ``collect at run.py:22``; cut to ``width`` characters."""
    short = " ".join(word.rsplit("/", 1)[-1] for word in name.split())
    return short if len(short) <= width else short[: width - 1] + "…"


def stage_summary(log: EventLog) -> list[dict]:
    """Per stage that ran tasks: its wall and where its task time went, for a report's table."""
    rows = []
    for stage in log.stages.values():
        tasks = stage.tasks
        if not tasks:
            continue
        wall_ms = (stage.completed_ms or 0) - (stage.submitted_ms or 0)
        rows.append(
            {
                "stage": stage.stage_id,
                "name": short_name(stage.name),
                "tasks": len(tasks),
                "wall_s": max(wall_ms, 0) / 1000,
                "task_s": sum(t.seconds for t in tasks),
                "gc_s": sum(t.gc_ms for t in tasks) / 1000,
                "serde_s": sum(t.deserialize_ms + t.result_serialize_ms for t in tasks) / 1000,
                "shuffle_read_bytes": sum(t.shuffle_read_bytes for t in tasks),
                "shuffle_write_bytes": sum(t.shuffle_write_bytes for t in tasks),
                "spill_bytes": sum(t.disk_spilled_bytes for t in tasks),
                "input_bytes": sum(t.input_bytes for t in tasks),
                "output_bytes": sum(t.output_bytes for t in tasks),
            }
        )
    return rows
