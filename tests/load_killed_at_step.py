"""A real process that runs one lakehouse load and SIGKILLs itself at a named step.

    python tests/load_killed_at_step.py <step> <engine> <input> <warehouse>

Steps (the points a machine can die at; the process gets no say, as with a power cut):

- ``after-cleansing``: the engine has cleansed (and re-read the stored rows), nothing written;
- ``in-<table>-transaction``: the table's data and manifest files are written, its commit to
  the catalog never happens;
- ``before-<table>``: the tables before it in commit order are committed, it is not started;
- ``before-runs-row``: every data table is committed, the run's ``runs`` row (its commit point)
  is not written;
- ``in-recovery``: the load starts by setting back a dead run's tables; it dies after the first
  table is set back, before the others.

Only this test helper patches anything (to die at a point no callback reaches); the load itself
is the code users run.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from pyiceberg.table import Table, Transaction

from python_engines.inputs.discover import discover
from python_engines.lakehouse import load as load_module
from python_engines.lakehouse import store as store_module


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at(step: str) -> object:
    """Install the hook for ``step``; return the on_step callback for the load."""
    writing = {"started": False}  # table transactions count once the run writes (not creates)
    if step.startswith("in-") and step.endswith("-transaction"):
        table = step.removeprefix("in-").removesuffix("-transaction")
        commit = Transaction.commit_transaction

        def commit_or_die(self: Transaction) -> Table:
            if writing["started"] and self._table.name()[-1] == table:
                die()
            return commit(self)

        Transaction.commit_transaction = commit_or_die  # type: ignore[method-assign]
    elif step == "before-runs-row":
        store_module.Store._append_run = lambda *args: die()  # type: ignore[method-assign]
    elif step == "in-recovery":
        restores = {"count": 0}

        def counted(restore):
            def restore_or_die(*args, **kwargs):
                restores["count"] += 1
                if restores["count"] == 2:  # the first table is set back, the others not
                    die()
                return restore(*args, **kwargs)

            return restore_or_die

        Table.manage_snapshots = counted(Table.manage_snapshots)  # type: ignore[method-assign]
        store_module.recreate_table = counted(store_module.recreate_table)

    def on_step(name: str) -> None:
        writing["started"] = writing["started"] or name.startswith("write ")
        if (step == "after-cleansing" and name == "copied_ids") or (
            step.startswith("before-") and name == f"write {step.removeprefix('before-')}"
        ):
            die()

    return on_step


def main(step: str, engine: str, input_path: str, warehouse: str) -> None:
    on_step = kill_at(step)
    load_module.load(engine, discover(Path(input_path)), Path(warehouse), on_step=on_step)
    print("finished without dying", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
