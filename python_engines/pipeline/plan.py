"""Which stages an engine keeps as views and when an intermediate table is dropped: planned once
from the stages' readers (``transpile.stage_readers``), the same for every run."""

from __future__ import annotations

from python_engines.core.schema import OUTPUTS
from python_engines.transpile import stage_names, stage_readers


def stages_as_views(outputs_only: bool = False) -> set[str]:
    """The stages an engine that plans views may keep as queries: one later read takes them
    whole, and keeping them holds no other table longer — the next stage reads them, or (an
    output, read when the outputs are fetched or written) every table they read is read again
    by a later stage anyway. ``cleansed`` is also handed out, so it is always stored."""
    names = stage_names()
    readers = stage_readers()
    views = set()
    for position, stage in enumerate(names):
        reads = readers.get(stage, ())
        if stage == "cleansed" or len(reads) + (stage in OUTPUTS) > 1:
            continue
        if stage in OUTPUTS:
            inputs = [t for t, by in readers.items() if stage in by]
            if all(by[-1] != stage for t, by in readers.items() if t in inputs):
                views.add(stage)
        elif not outputs_only and reads == tuple(names[position + 1 : position + 2]):
            views.add(stage)
    return views


def free_after(as_views: set[str], kept: set[str]) -> dict[str, list[str]]:
    """stage → the intermediate tables to drop once it is computed: after every stage that
    reads them is. A view's rows are computed where it is read (an output's: at the end).
    ``kept``: registered tables, never dropped."""
    names = stage_names()
    readers = stage_readers()

    def computed_at(stage: str) -> int:
        if stage not in as_views:
            return names.index(stage)
        if stage in OUTPUTS:
            return len(names)
        return computed_at(readers[stage][0])

    free: dict[str, list[str]] = {}
    for table, by in readers.items():
        at = max(computed_at(s) for s in by)
        if table not in OUTPUTS and table not in kept and at < len(names):
            free.setdefault(names[at], []).append(table)
    return free
