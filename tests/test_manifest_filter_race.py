"""pyiceberg's overwrite (the store's copy-on-write deletes drop the rewritten files with it)
evaluates manifests from several threads with one shared manifest evaluator; a thread switched
out mid-visit went on with another manifest's partition summaries, skipped a manifest holding
the files to delete and failed the commit (``Missing required files to delete``).
python_engines.lakehouse.manifest_filter_fix gives each evaluation its own copy. The switch is
forced here at the exact point it hurts, so the outcome is not left to the scheduler.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date

from pyiceberg.conversions import to_bytes
from pyiceberg.expressions import EqualTo, Or, visitors
from pyiceberg.manifest import ManifestContent, ManifestFile, PartitionFieldSummary
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DateType, NestedField

from python_engines.lakehouse import manifest_filter_fix

SCHEMA = Schema(NestedField(1, "event_date", DateType(), required=False))
SPEC = PartitionSpec(PartitionField(1, 1000, IdentityTransform(), "event_date"))


def manifest_of(day: date) -> ManifestFile:
    """A manifest whose files all hold one day."""
    bound = to_bytes(DateType(), (day - date(1970, 1, 1)).days)
    summary = PartitionFieldSummary.from_args(
        contains_null=False, contains_nan=False, lower_bound=bound, upper_bound=bound
    )
    return ManifestFile.from_args(
        manifest_path=f"{day}.avro",
        manifest_length=0,
        partition_spec_id=0,
        content=ManifestContent.DATA,
        added_snapshot_id=1,
        partitions=[summary],
    )


def test_a_manifest_holding_a_deleted_day_is_found_while_another_thread_evaluates(
    monkeypatch,
) -> None:
    assert manifest_filter_fix.apply()
    # the days of the files to delete: 10-03 and 10-04 (as in the failed run); thread one's
    # manifest holds 10-04, thread two's holds 10-20
    days = Or(EqualTo("event_date", "2026-10-03"), EqualTo("event_date", "2026-10-04"))
    evaluate = visitors.manifest_evaluator(SPEC, SCHEMA, days)  # shared, as in pyiceberg
    paused, resume = threading.Event(), threading.Event()
    read_bound = visitors._from_byte_buffer

    def switch_out_thread_one(field_type, value):  # thread one stops in its first comparison
        if threading.current_thread().name == "one" and not paused.is_set():
            paused.set()
            resume.wait(10)
        return read_bound(field_type, value)

    monkeypatch.setattr(visitors, "_from_byte_buffer", switch_out_thread_one)
    found: dict[str, bool] = {}

    def one() -> None:
        found["one"] = evaluate(manifest_of(date(2026, 10, 4)))

    thread = threading.Thread(target=one, name="one")
    thread.start()
    try:
        assert paused.wait(10)
        found["two"] = evaluate(manifest_of(date(2026, 10, 20)))  # while thread one is paused
    finally:
        resume.set()
        thread.join(10)
    assert not thread.is_alive()
    assert found == {"one": True, "two": False}


def test_the_store_deletes_with_the_mended_evaluator(tmp_path) -> None:
    """Importing the store (every load's delete goes through it) puts the mended eval in place,
    in a fresh interpreter: no test applies it for the store."""
    check = (
        "import python_engines.lakehouse.store\n"
        "from pyiceberg.expressions.visitors import _ManifestEvalVisitor as V\n"
        "from python_engines.lakehouse.manifest_filter_fix import _eval_on_own_copy\n"
        "assert V.eval is _eval_on_own_copy, V.eval\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
