"""The index's rows: the files git sees in bench/results/, grouped by run, each with its kind,
date, commit and what it measured."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from bench.harness.machine import RESULTS, short_commit
from bench.results_index.facts import (
    commits_of_lines,
    iso_date,
    json_facts,
    jsonl_facts,
    name_date,
    read_json,
    read_json_lines,
    recorded_commit,
    report_of,
    script_facts,
    script_of,
    text_facts,
)

EXPERIMENTS = RESULTS.parent / "experiments"
REPORTS = RESULTS.parent / "reports"
INDEX = "README.md"


@dataclass(frozen=True)
class Kind:
    key: str
    patterns: tuple[str, ...]  # matched against the name of a group's main file
    title: str
    about: str


KINDS = (
    Kind(
        "bench",
        ("bench-*.json",),
        "`etlstack bench` (`bench-*.json`)",
        "A dated copy of the results.json of `etlstack bench --archive`: the engine matrix, each "
        "try a fresh process on generated Parquet input, with the machine, versions and matrix.",
    ),
    Kind(
        "lakehouse",
        ("lakehouse-*.json",),
        "`etlstack bench lakehouse` (`lakehouse-*.json`)",
        "Iceberg loads per engine: the bulk of a generated set into an empty warehouse, then its "
        "first daily file.",
    ),
    Kind(
        "batched-load",
        ("batched-load-*",),
        "`etlstack bench batched-load` (`batched-load-*`)",
        "A large input loaded into one lakehouse as consecutive runs, in one process: stage times "
        "per run and peak RSS. A `.log` is the run's console output, a `-rss.txt` memory samples "
        "(time, RSS) taken beside it.",
    ),
    Kind(
        "generator",
        ("generator-*.json",),
        "`etlstack bench generator` (`generator-*.json`)",
        "Generator throughput: events generated and written per size and file format.",
    ),
    Kind(
        "pipelines",
        ("pipelines-*",),
        "`python -m bench.pipelines`, replaced by `etlstack bench` (`pipelines-*`)",
        "Engines side by side on one generated input before `etlstack bench` existed: stage "
        "times per engine. A `.txt` is console output of such a run.",
    ),
    Kind(
        "experiment",
        ("*.jsonl",),
        "Experiments (`*.jsonl`; their scripts in `bench/experiments/`)",
        "One JSON line per try, appended by a script in `bench/experiments/` (mostly the code "
        "before and after a change, alternating in one session). What: the lines' engines, trees "
        "and rounds, the first sentence of the script, and the script's note on this file.",
    ),
    Kind(
        "text",
        ("*.txt", "*.log"),
        "Other measurements (`*.txt`, `*.log`)",
        "Console output or a profile kept as text. What: its first header line.",
    ),
    Kind(
        "history",
        ("*.md",),
        "Hand-recorded history (`*.md`)",
        "Figures recorded by hand from the files above before reports were generated; each "
        "names its file.",
    ),
    Kind(
        "other",
        ("*",),
        "Not described yet",
        "A file of no kind this index knows: name it like one above, or add its kind to "
        "`bench/results_index/rows.py`.",
    ),
)
MAIN_FIRST = (".json", ".jsonl", ".log", ".txt", ".md")


@dataclass(frozen=True)
class Row:
    kind: str
    files: tuple[str, ...]  # names in the results folder, the main file first
    date: str
    commit: str  # "" when nothing names one
    commit_from: str  # "file": recorded in the file; "added": the commit that added it; ""
    what: str
    script: str | None = None  # a script's name in the experiments folder
    report: str | None = None  # a report folder's name in the reports folder


def build_rows(
    results: Path = RESULTS, experiments: Path = EXPERIMENTS, reports: Path = REPORTS
) -> list[Row]:
    """The index's rows, kind by kind (in ``KINDS`` order), then by date and name."""
    names = archived_files(results)
    added = added_commits(results)
    scripts = {p.name: p.read_text(errors="replace") for p in sorted(experiments.glob("*.sh"))}
    reported = report_sources(reports)
    rows = [_row(results, group, added, scripts, reported) for group in _groups(names).values()]
    order = {kind.key: n for n, kind in enumerate(KINDS)}
    return sorted(rows, key=lambda row: (order[row.kind], row.date, row.files))


# which files -----------------------------------------------------------------------------------


def git_output(folder: Path, *args: str) -> str | None:
    """``git -C folder args``'s output; None outside a checkout or when git refuses."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", "-C", str(folder), *args],
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def in_git(folder: Path) -> bool:
    return (git_output(folder, "rev-parse", "--is-inside-work-tree") or "").strip() == "true"


def archived_files(results: Path) -> list[str]:
    """The names of the archive's files: in a git checkout those git tracks or would add (what
    it ignores is an ad-hoc run, not archived); elsewhere every file. Never the index itself."""
    if in_git(results):
        listed = (git_output(results, "ls-files") or "") + (
            git_output(results, "ls-files", "--others", "--exclude-standard") or ""
        )
        names = {name for name in listed.splitlines() if "/" not in name}
    else:
        names = {path.name for path in results.iterdir()}
    return sorted(
        name
        for name in names
        if name != INDEX and not name.startswith(".") and (results / name).is_file()
    )


def added_commits(results: Path) -> dict[str, tuple[str, str]]:
    """Per file name: (commit, date) of the latest commit that added it under this name."""
    log = git_output(
        results,
        "log",
        "--diff-filter=A",
        "--no-renames",
        "--relative",
        "--name-only",
        "--format=commit %H %as",
        "--",
        ".",
    )
    added: dict[str, tuple[str, str]] = {}
    commit = ("", "")
    for line in (log or "").splitlines():
        if line.startswith("commit "):
            _, sha, day = line.split()
            commit = (short_commit(sha), day)
        elif line and "/" not in line:
            added.setdefault(line, commit)  # the log runs newest first
    return added


def report_sources(reports: Path) -> dict[str, list[str]]:
    """Per report folder: what names its source — a results.json header (date and commit, as a
    dated copy of it holds them) and the text of its Markdown pages."""
    sources: dict[str, list[str]] = {}
    for folder in sorted(p for p in reports.glob("*") if p.is_dir()):
        keys = [page.read_text(errors="replace") for page in sorted(folder.glob("*.md"))]
        header = read_json(folder / "results.json").get("header")
        if isinstance(header, dict) and header.get("date") and header.get("git_commit"):
            keys.append(f"{header['date']} {header['git_commit']}")
        sources[folder.name] = keys
    return sources


def _groups(names: list[str]) -> dict[str, list[str]]:
    """A run's files share a stem: x.json, x.log and x-rss.txt are one row."""
    groups: dict[str, list[str]] = {}
    for name in names:
        stem, _, extension = name.partition(".")
        if extension == "txt" and stem.endswith("-rss"):
            stem = stem.removesuffix("-rss")
        groups.setdefault(stem, []).append(name)
    for files in groups.values():
        files.sort(key=_main_first)
    return groups


def _main_first(name: str) -> tuple[int, bool, str]:
    extension = "." + name.partition(".")[2]
    rank = MAIN_FIRST.index(extension) if extension in MAIN_FIRST else len(MAIN_FIRST)
    return (rank, "-rss." in name, name)


def kind_of(name: str) -> Kind:
    return next(kind for kind in KINDS if any(fnmatch(name, p) for p in kind.patterns))


# one row ---------------------------------------------------------------------------------------


def _row(
    results: Path,
    files: list[str],
    added: dict[str, tuple[str, str]],
    scripts: dict[str, str],
    reported: dict[str, list[str]],
) -> Row:
    main = files[0]
    path = results / main
    facts: list[str] = []
    commit = ""
    date = ""
    script = report = None
    if main.endswith(".json"):
        document = read_json(path)
        header = document.get("header", document)
        if not isinstance(header, dict):
            header = {}
        facts = json_facts(document, header)
        commit = recorded_commit(header.get("git_commit"))
        date = iso_date(header.get("date"))
        report = report_of(main, header, reported)
    elif main.endswith(".jsonl"):
        lines = read_json_lines(path)
        script = script_of(main, scripts)
        facts = jsonl_facts(lines)
        if script is not None:
            facts += script_facts(main, scripts[script])
        commit = commits_of_lines(lines)
    else:
        facts, commit = text_facts(path)
    for companion in files[1:]:
        if companion.endswith(".log"):
            facts += text_facts(results / companion)[0]
    commit_from = "file" if commit else ""
    if not commit and main in added:
        commit, commit_from = added[main][0], "added"
    date = date or name_date(main) or (f"{added[main][1]} (added)" if main in added else "")
    return Row(
        kind=kind_of(main).key,
        files=tuple(files),
        date=date,
        commit=commit,
        commit_from=commit_from,
        what=" ".join(facts),
        script=script,
        report=report,
    )
