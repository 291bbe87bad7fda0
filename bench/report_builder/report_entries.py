"""What each report in bench/reports/ says of itself, for the index (``reports_index``): its
results file (its ``results.json``, or the ``bench/results/`` file its report.md names), the date,
commit and host recorded there, its engines and sizes, and the command that measures it again.
Facts only: no measured figure is read out."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bench.harness.machine import git_commit, short_commit
from bench.results_index.facts import count, first_try_load, iso_date, read_json
from bench.results_index.rows import git_output

REPORTS = Path(__file__).parent.parent / "reports"
MAKEFILE = REPORTS.parent.parent / "Makefile"
NOT_RECORDED = "not recorded"
PAGES = ("report.html", "report.md")
# a report.md without a results.json names the result file it was generated from
NAMED_SOURCE = re.compile(r"`(bench/results/[\w.-]+\.json)`")
REMAKE_LAKEHOUSE = "make bench-parts"  # its `etlstack bench lakehouse` step writes the report
# what a benchmark measures: a report from an older commit still holds while none of these changed
# (the report's own builder, the docs and the tests are not measured)
MEASURED = (
    "python_engines",
    "bench/harness",
    "bench/baselines",
    "bench/parts",
    "pyproject.toml",
    "uv.lock",
)


@dataclass(frozen=True)
class Entry:
    """One report: where it is and what its results file says of itself (text, or "")."""

    name: str
    pages: tuple[str, ...]  # the report's pages that exist, report.html first
    source: str  # its results file, relative to the reports folder; "" when none is found
    date: str
    commit: str  # the header's ``git_commit`` as recorded ("" when absent)
    host: tuple[tuple[str, str], ...]  # (label, value): "not recorded" where the file has none
    engines: str
    sizes: str
    remake: str  # the command that measures it again ("" when unknown)

    def status(self, head: str | None, repo: Path = REPORTS) -> str:
        """``current`` (measured at HEAD, or at a commit whose measured code HEAD still has),
        ``stale``, or ``unchecked`` (no results file or no HEAD to compare)."""
        if not self.source or head is None:
            return "unchecked"
        commit = self.commit.removesuffix("-dirty")
        return (
            "current" if commit == head or measured_changes(commit, head, repo) == () else "stale"
        )

    def status_note(self, head: str | None, repo: Path = REPORTS) -> list[tuple[str, bool]]:
        """Why the status, as (text, is code) pieces: which commit the report came from, what
        measured code changed since, and the command that measures it again."""
        remake = [("; regenerate with ", False), (self.remake, True)] if self.remake else []
        if not self.source:
            return [("no results file found: nothing says which code or host it came from", False)]
        if head is None:
            return [("no git HEAD to compare with", False)]
        if not self.commit:
            return [("its results record no commit", False), *remake]
        dirty = " with uncommitted changes" if self.commit.endswith("-dirty") else ""
        commit = self.commit.removesuffix("-dirty")
        if commit == head:
            return [(f"from HEAD{dirty}", False)]
        since = [("from commit ", False), (short_commit(self.commit), True)]
        changes = measured_changes(commit, head, repo)
        if changes is None:
            return [*since, (", which this checkout does not have", False), *remake]
        if not changes:
            return [*since, (f"{dirty}; no measured code changed since", False)]
        first = (changes[0], True)
        more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
        return [*since, ("; measured code changed since: ", False), first, (more, False), *remake]


def build_entries(reports: Path = REPORTS) -> list[Entry]:
    """Every report folder, by name."""
    folders = sorted(p for p in reports.glob("*") if p.is_dir() and not p.name.startswith("."))
    return [_entry(folder, reports) for folder in folders]


def _entry(folder: Path, reports: Path) -> Entry:
    source = _source(folder, reports.parent.parent)
    document = read_json(source) if source else {}
    header = document.get("header", document)
    if not isinstance(header, dict):
        header = {}
    machine = header.get("machine") if isinstance(header.get("machine"), dict) else {}
    commit = header.get("git_commit")
    engines, sizes = _engines_and_sizes(header, document)
    return Entry(
        name=folder.name,
        pages=tuple(page for page in PAGES if (folder / page).exists()),
        source=os.path.relpath(source, reports) if source else "",
        date=iso_date(header.get("date")) if header.get("date") else "",
        commit=commit if isinstance(commit, str) and commit != "unknown" else "",
        host=host(machine),
        engines=engines,
        sizes=sizes,
        remake=remake_command(folder.name, header) if source else "",
    )


def _source(folder: Path, root: Path) -> Path | None:
    """The folder's results.json, else the result file its Markdown pages name (the lakehouse
    report's is in bench/results/)."""
    if (folder / "results.json").is_file():
        return folder / "results.json"
    for page in sorted(folder.glob("*.md")):
        if named := NAMED_SOURCE.search(page.read_text(errors="replace")):
            return root / named.group(1) if (root / named.group(1)).is_file() else None
    return None


# what the results file says ---------------------------------------------------------------------


def host(machine: dict) -> tuple[tuple[str, str], ...]:
    """The host as the file describes it; a key an older file lacks reads "not recorded"."""

    def given(key: str, form: str = "{}") -> str:
        value = machine.get(key)
        if value in (None, ""):
            return NOT_RECORDED
        try:
            return form.format(value)
        except (TypeError, ValueError):  # not the number the form expects: shown as it is
            return str(value)

    return (
        ("CPU", given("cpu")),
        ("clock", given("cpu_mhz", "{:,} MHz")),
        ("cores", given("cores")),
        ("RAM", given("memory_gib", "{} GiB")),
        ("disk", disk_text(machine.get("disk"))),
        ("OS", given("os")),
        ("Python", given("python")),
    )


def disk_text(disk: object) -> str:
    """``/dev/vda (ext4 on /), 252.0 GiB, rotational, driver virtio_blk``."""
    if not isinstance(disk, dict) or not disk.get("device"):
        return NOT_RECORDED
    where = " on ".join(str(disk[key]) for key in ("fstype", "mount") if disk.get(key))
    parts = [str(disk["device"]) + (f" ({where})" if where else "")]
    if disk.get("size_gib") is not None:
        parts.append(f"{disk['size_gib']} GiB")
    if isinstance(disk.get("rotational"), bool):
        parts.append("rotational" if disk["rotational"] else "non-rotational")
    parts += [f"{key} {disk[key]}" for key in ("driver", "model") if disk.get(key)]
    return ", ".join(parts)


def _engines_and_sizes(header: dict, document: dict) -> tuple[str, str]:
    """An engine matrix's engines and rows; a lakehouse result's engines and input rows."""
    matrix = header.get("matrix")
    if isinstance(matrix, dict):
        rows = " / ".join(count(n) for n in _listed(matrix.get("rows")))
        return ", ".join(map(str, _listed(matrix.get("engines")))), rows and f"{rows} events"
    cases = [c for c in _listed(document.get("cases")) if isinstance(c, dict)]
    engines = ", ".join(str(c["engine"]) for c in cases if "engine" in c)
    loads = [
        f"{load} {count(first_try_load(cases, load)['rows_in'])} rows"
        for load in ("bulk", "daily")
        if "rows_in" in first_try_load(cases, load)
    ]
    return engines, ", ".join(loads)


def remake_command(name: str, header: dict) -> str:
    """The command that measures the report again: its ``make bench BENCH=<name>`` when the
    Makefile has that matrix, else the engine matrix the header records, as options."""
    if header.get("benchmark") == "lakehouse":
        return REMAKE_LAKEHOUSE
    makefile = MAKEFILE.read_text() if MAKEFILE.exists() else ""
    if re.search(rf"^BENCH_ARGS_{re.escape(name)}\s*:?=", makefile, re.M):
        return f"make bench BENCH={name}"
    matrix = header.get("matrix")
    if not isinstance(matrix, dict):
        return ""

    def listed(key: str) -> str:
        return ",".join(str(v) for v in _listed(matrix.get(key)))

    options = ("rows", "engines", "threads", "cluster_workers")
    words = ["etlstack bench"]
    words += [f"--{key.replace('_', '-')} {listed(key)}" for key in options if listed(key)]
    words.append(f"--repeat {matrix.get('repeat', 3)}")
    if matrix.get("cluster_workers"):
        words.append(f"--worker-memory {matrix.get('worker_memory', '2g')}")
    if matrix.get("memory_cap_gib"):
        words.append(f"--memory-cap {matrix['memory_cap_gib']}")
    if matrix.get("load"):
        words.append("--load")
    if matrix.get("seed", 42) != 42:
        words.append(f"--seed {matrix['seed']}")
    return " ".join([*words, f"--out bench/reports/{name}"])


def _listed(value: object) -> list:
    return value if isinstance(value, list) else []


# git --------------------------------------------------------------------------------------------


def head_commit(folder: Path = REPORTS) -> str | None:
    """The HEAD of ``folder``'s checkout (40 hex digits), or None outside a git checkout."""
    commit = git_commit(folder)
    return None if commit == "unknown" else commit.removesuffix("-dirty")


@functools.cache
def measured_changes(commit: str, head: str, repo: Path = REPORTS) -> tuple[str, ...] | None:
    """The measured files (``MEASURED``) that differ between ``commit`` and ``head`` in
    ``repo``'s checkout; None when git does not know the commit."""
    top = [f":(top){path}" for path in MEASURED]
    changed = git_output(repo, "diff", "--name-only", commit, head, "--", *top)
    return None if changed is None else tuple(changed.split())
