"""A pyiceberg race that failed a load's commit, mended here until pyiceberg mends it.

pyiceberg (0.12) decides which manifests a copy-on-write delete touches with one
``_ManifestEvalVisitor`` per partition spec, shared by the threads of its executor
(``_OverwriteFiles._deleted_entries``). ``eval`` stores the manifest's partition summaries on the
shared visitor and the visit reads them back, so a thread that is switched out mid-visit goes on
with another manifest's summaries. It then skips a manifest that does hold the files to delete and
pyiceberg refuses the commit: ``ValidationException: Missing required files to delete``. Seen once
in a 100M Spark load (run 3 of 17, the sessions table), not repeatable on the same files. iceberg-go
had the same race in its manifest evaluator (apache/iceberg-go#954) and fixed it the same way: each
evaluation visits with a copy of its own.
"""

from __future__ import annotations

import copy
import inspect

from pyiceberg.expressions.visitors import ROWS_MIGHT_MATCH, _ManifestEvalVisitor, visit
from pyiceberg.manifest import ManifestFile

# the racy shape: the summaries stored on the (shared) visitor; a pyiceberg whose eval no longer
# does this is left as it is
_RACY = "self.partition_fields = partitions"


def _eval_on_own_copy(self: _ManifestEvalVisitor, manifest: ManifestFile) -> bool:
    if partitions := manifest.partitions:
        visitor = copy.copy(self)  # the bound filter is shared, read only; the summaries are not
        visitor.partition_fields = partitions
        return visit(visitor.partition_filter, visitor)
    return ROWS_MIGHT_MATCH  # no partition information


def apply() -> bool:
    """Idempotent; True when the mended ``eval`` is in place. Evaluators made after this call
    use it (``manifest_evaluator`` hands out the bound method of the moment), so it is applied
    when the catalog module loads, before any table is opened."""
    current = _ManifestEvalVisitor.eval
    if current is not _eval_on_own_copy and _RACY in inspect.getsource(current):
        _ManifestEvalVisitor.eval = _eval_on_own_copy
    return _ManifestEvalVisitor.eval is _eval_on_own_copy
