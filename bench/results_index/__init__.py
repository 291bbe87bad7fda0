"""``bench/results/README.md``: the index of the results archive, built from the files themselves.

One row per result — a run's JSON with its console log and memory samples, an experiment's
``.jsonl`` with the script in ``bench/experiments/`` that wrote it, a text profile — saying what ran
(the kind of run, sizes and engines where the file names them), when, and the commit it measured:
the commit the file records (``git_commit``, a ``commit`` per line, ``git <hash>`` in a text
header), else the commit that added the file to git, marked *added*. Nothing in the index is typed
by hand but the description of each kind of file (``KINDS``); it copies no measured figure.

The files are the ones git sees (tracked, or new and not ignored): an ad-hoc run, which git ignores
(``bench/results/*.json``), joins the archive with ``git add -f``, then the index is rebuilt.

    etlstack bench index            # rewrite bench/results/README.md
    etlstack bench index --check    # exit 1 if it is out of date
"""

from bench.results_index.markdown import render, write_index
from bench.results_index.rows import INDEX, KINDS, RESULTS, Row, build_rows, in_git

__all__ = ["INDEX", "KINDS", "RESULTS", "Row", "build_rows", "in_git", "render", "write_index"]
