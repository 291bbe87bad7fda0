"""An event log kept small enough for results.json: the jobs, the stages that ran tasks with
their parents and each task's launch and finish (ms from the application's start), and each
stage's summary (task time, GC, serde, shuffle, spill: the evidence of where a try's time went,
for a reader of results.json; the report does not show it). ``from_digest`` gives back an
``EventLog`` the replay reads."""

from __future__ import annotations

from pathlib import Path

from bench.spark_model.event_log import EventLog, Job, Stage, Task, read_event_log, stage_summary


def digest(log: EventLog) -> dict:
    start = log.app_start_ms

    def at(ms: int | None) -> int | None:
        return None if ms is None else ms - start

    stages = [s for s in log.stages.values() if s.tasks]
    return {
        "wall_ms": log.app_end_ms - start,
        "executors": dict(log.executors),
        "jobs": [
            [j.job_id, at(j.submitted_ms), at(j.completed_ms), list(j.stage_ids)] for j in log.jobs
        ],
        "stages": [
            {
                "id": s.stage_id,
                "parents": list(s.parents),
                "at": [at(s.submitted_ms), at(s.completed_ms)],
                "tasks": [[at(t.launch_ms), at(t.finish_ms)] for t in s.tasks],
            }
            for s in stages
        ],
        "summary": stage_summary(log),
    }


def from_digest(kept: dict) -> EventLog:
    stages = {}
    for s in kept["stages"]:
        tasks = tuple(
            Task(task_id=n, stage_id=s["id"], launch_ms=launch, finish_ms=finish)
            for n, (launch, finish) in enumerate(s["tasks"])
        )
        submitted, completed = s["at"]
        stages[s["id"]] = Stage(s["id"], "", tuple(s["parents"]), tasks, submitted, completed)
    jobs = tuple(
        Job(j, tuple(ids), submitted, completed) for j, submitted, completed, ids in kept["jobs"]
    )
    return EventLog(0, kept["wall_ms"], dict(kept["executors"]), jobs, stages)


def digest_folder(folder: Path) -> dict | None:
    """The digest of the one application logged in ``folder``; None when nothing was logged."""
    logs = sorted(folder.iterdir()) if folder.is_dir() else []
    return digest(read_event_log(logs[0])) if logs else None
