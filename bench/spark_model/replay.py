"""What-if executor count, after Sparklens (github.com/qubole/sparklens, its CompletionEstimator):
replay the tasks an event log recorded on K executors x C cores and read off the wall.

The rules:

* A job replays the stages that ran tasks in the log (a skipped stage, whose shuffle an earlier job
  wrote, is done; a stage listed by several jobs belongs to the first that lists it).
* A stage is ready when its parent stages that ran in the same replay are done.
* List scheduling on K·C slots: the next task goes to the earliest free slot; among the ready
  stages the one whose task can start first, ties to the lower (job, stage) id, as Spark's FIFO
  pool orders task sets; a stage's tasks go in task id order, so the tasks of two ready stages
  interleave.
* A task keeps its recorded slot time, Finish - Launch (deserialising, GC and result hand-over
  included); failed and killed attempts count too: they held a slot.
* Jobs run one after another, as a driver that waits for each action submits them; jobs whose
  recorded intervals overlap (adaptive query execution submits independent query stages as
  concurrent jobs) replay together on one set of slots, as Sparklens groups overlapping jobs.
* Predicted wall = driver seconds (the time no job runs, ``event_log.driver_seconds``) + the sum of
  the groups' makespans. Not replayed: scheduling time inside a job when no task runs
  (``event_log.idle_seconds``), and the cost of more executors (wider shuffles, more GC): the
  model is optimistic for large K, like Sparklens.

``size_factor`` models another data size whose partitions grow with the data (file splits,
``spark.sql.files.maxPartitionBytes``; AQE's coalesced shuffle partitions): each stage of n tasks
and total slot time W becomes m = max(1, round(n · factor)) tasks, the recorded ones in task id
order repeated cyclically to length m, each scaled by factor · W / (their sum) so that the stage's
work is exactly factor · W. A whole factor ≥ 1 thus copies the tasks unchanged (per-task work
constant); a factor < 1 keeps the first m tasks, stretched or shrunk to the smaller total.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from bench.spark_model.event_log import EventLog, Job, job_end_ms
from bench.spark_model.event_log import driver_seconds as recorded_driver_seconds


@dataclass(frozen=True)
class Replay:
    executors: int
    cores: int
    size_factor: float
    driver_seconds: float
    job_seconds: Mapping[int, float]  # job id → its end, from the start of its group
    group_seconds: tuple[float, ...]  # each group of overlapping jobs: its makespan
    predicted_seconds: float  # driver seconds + the groups' makespans


def job_groups(log: EventLog) -> tuple[tuple[Job, ...], ...]:
    """The jobs in submission order, those whose recorded intervals overlap in one group."""
    groups: list[list[Job]] = []
    reach = None
    for job in log.jobs:
        if reach is not None and job.submitted_ms < reach:
            groups[-1].append(job)
            reach = max(reach, job_end_ms(job))
        else:
            groups.append([job])
            reach = job_end_ms(job)
    return tuple(tuple(group) for group in groups)


def scaled_durations(durations: list[float], factor: float) -> list[float]:
    """A stage's task durations at ``factor`` times the data (the rule in the module docstring)."""
    if not durations or factor == 1:
        return list(durations)
    count = max(1, round(len(durations) * factor))
    picked = [durations[i % len(durations)] for i in range(count)]
    total, kept = sum(durations), sum(picked)
    scale = factor * total / kept if kept > 0 else 1.0
    return [d * scale for d in picked]


def _owners(log: EventLog) -> dict[int, int]:
    """Stage id → the first job (in submission order) that lists it, for stages that ran tasks."""
    owners: dict[int, int] = {}
    for job in log.jobs:
        for stage_id in job.stage_ids:
            stage = log.stages.get(stage_id)
            if stage is not None and stage.tasks and stage_id not in owners:
                owners[stage_id] = job.job_id
    return owners


def list_schedule(
    tasks: Mapping[int, list[float]],
    parents: Mapping[int, tuple[int, ...]],
    priority: Mapping[int, tuple],
    slots: int,
) -> dict[int, float]:
    """Each stage's completion time when its tasks (durations, in order) run on ``slots`` slots
    from time 0; a stage waits for its parents among ``tasks``; the rules in the module docstring.
    """
    waiting = {s: {p for p in parents.get(s, ()) if p in tasks and p != s} for s in tasks}
    children = defaultdict(list)
    for stage, needs in waiting.items():
        for parent in needs:
            children[parent].append(stage)
    ready = {s: 0.0 for s, needs in waiting.items() if not needs}
    queue = {s: list(reversed(durations)) for s, durations in tasks.items()}
    free, ends, done = [0.0] * max(slots, 1), defaultdict(float), {}
    while ready:
        slot = free[0]
        stage = min(ready, key=lambda s: (max(slot, ready[s]), priority.get(s, (s,))))
        if queue[stage]:
            end = max(slot, ready[stage]) + queue[stage].pop()
            heapq.heapreplace(free, end)
            ends[stage] = max(ends[stage], end)
        if not queue[stage]:
            done[stage] = max(ends[stage], ready[stage])
            del ready[stage]
            for child in children[stage]:
                waiting[child].discard(stage)
                if not waiting[child]:
                    ready[child] = max(done[p] for p in parents[child] if p in done)
    if len(done) < len(tasks):
        raise ValueError(f"stages wait on each other in a circle: {sorted(set(tasks) - set(done))}")
    return done


def _replay_group(
    log: EventLog, jobs: tuple[Job, ...], owners: dict[int, int], slots: int, factor: float
) -> dict[int, float]:
    """Each job of a group → its end, the group replayed from time 0."""
    members = {job.job_id for job in jobs}
    stages = {s: log.stages[s] for s, owner in owners.items() if owner in members}
    tasks = {s: scaled_durations([t.seconds for t in st.tasks], factor) for s, st in stages.items()}
    parents = {s: stage.parents for s, stage in stages.items()}
    priority = {s: (owners[s], s) for s in stages}
    done = list_schedule(tasks, parents, priority, slots)
    ends: dict[int, float] = {job.job_id: 0.0 for job in jobs}
    for stage_id, end in done.items():
        ends[owners[stage_id]] = max(ends[owners[stage_id]], end)
    return ends


def replay(
    log: EventLog,
    executors: int,
    cores: int = 1,
    size_factor: float = 1.0,
    driver_seconds: float | None = None,
) -> Replay:
    """The log replayed on ``executors`` x ``cores`` slots at ``size_factor`` times the data;
    ``driver_seconds`` defaults to the recorded ones (a caller may scale them for another size)."""
    if executors < 1 or cores < 1 or size_factor <= 0:
        raise ValueError("executors and cores must be ≥ 1 and size_factor > 0")
    driver = recorded_driver_seconds(log) if driver_seconds is None else driver_seconds
    owners = _owners(log)
    job_seconds: dict[int, float] = {}
    group_seconds = []
    for jobs in job_groups(log):
        ends = _replay_group(log, jobs, owners, executors * cores, size_factor)
        job_seconds.update(ends)
        group_seconds.append(max(ends.values(), default=0.0))
    return Replay(
        executors=executors,
        cores=cores,
        size_factor=size_factor,
        driver_seconds=driver,
        job_seconds=job_seconds,
        group_seconds=tuple(group_seconds),
        predicted_seconds=driver + sum(group_seconds),
    )
