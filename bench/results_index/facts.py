"""What a result file says about itself: the sizes, engines and method of a JSON result, the
engines, trees and commits of an experiment's lines with its script's summary and note, the header
of a text file. Facts only: no measured figure is read out."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from bench.harness.machine import short_commit


def read_json(path: Path) -> dict:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def read_json_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            lines.append(document)
    return lines


def json_facts(document: dict, header: dict) -> list[str]:
    """Sizes, engines and method, as the file states them (no measured figure)."""
    facts = []
    matrix = header.get("matrix")
    if isinstance(matrix, dict):
        facts.append(_listed("rows", [count(n) for n in matrix.get("rows") or []], " / "))
        facts.append(_listed("engines", matrix.get("engines") or []))
        facts.append(_listed("threads", matrix.get("threads") or []))
        facts.append(_counted(matrix.get("repeat"), "round"))
        facts.append("with --load." if matrix.get("load") else "")
        facts.append(_listed("cluster workers", matrix.get("cluster_workers") or []))
        cap = matrix.get("memory_cap_gib")
        facts.append(f"Memory cap {cap} GiB." if cap else "")
    cases = [c for c in document.get("cases") or [] if isinstance(c, dict)]
    engines = [c["engine"] for c in cases if "engine" in c]
    if "engine" in document:
        engines.append(document["engine"])
    facts.append(_listed("engines", engines))
    sizes = [f"{c['size']} ({count(c.get('rows'))} rows)" for c in cases if "size" in c]
    facts.append(_listed("sizes", sizes))
    facts.append(_listed("formats", [c["format"] for c in cases if "format" in c]))
    facts.append(_input(document.get("input"), cases))
    if isinstance(document.get("runs"), list):
        facts.append(_counted(len(document["runs"]), "run"))
    method = document.get("method") or header.get("method")
    if isinstance(method, str) and not isinstance(matrix, dict):
        facts.append(_capitalized(_sentence(method).rstrip(".")) + ".")
    return [fact for fact in facts if fact]


def _input(described: object, cases: list[dict]) -> str:
    if not isinstance(described, dict):
        return ""
    parts = []
    if "rows" in described:
        parts.append(f"{count(described['rows'])} rows")
    if "format" in described:
        parts.append(str(described["format"]))
    for load in ("bulk", "daily"):
        rows = first_try_load(cases, load).get("rows_in")
        if load in described and rows is not None:
            parts.append(f"{load} {count(rows)} rows")
    if not parts:
        return ""
    return f"Input {', '.join(parts)}."


def first_try_load(cases: list[dict], load: str) -> dict:
    """The first try's figures of one load (``bulk`` or ``daily``) in a lakehouse result."""
    for case in cases:
        for attempt in case.get("tries") or []:
            if isinstance(attempt, dict) and isinstance(attempt.get(load), dict):
                return attempt[load]
    return {}


def jsonl_facts(lines: list[dict]) -> list[str]:
    def values(key: str) -> list[str]:
        seen = [line.get(key) for line in lines]
        seen += [
            line["figures"].get(key) for line in lines if isinstance(line.get("figures"), dict)
        ]
        return list(dict.fromkeys(str(v) for v in seen if v is not None))

    rounds = [line["round"] for line in lines if isinstance(line.get("round"), int)]
    trees = [Path(tree).name for tree in values("tree")]
    facts = [
        _counted(len(lines), "try", "tries"),
        _listed("engines", values("engine")),
        _listed("cases", values("case") + values("kind")),
        _listed("trees", list(dict.fromkeys(trees))),
        _counted(max(rounds, default=0), "round"),
    ]
    return [fact for fact in facts if fact]


def commits_of_lines(lines: list[dict]) -> str:
    """``tree commit`` pairs the lines record, in order of appearance."""
    pairs = [
        f"{Path(str(line.get('tree', ''))).name} {line['commit']}".strip()
        for line in lines
        if line.get("commit")
    ]
    return ", ".join(dict.fromkeys(pairs))


def script_of(result: str, scripts: dict[str, str]) -> str | None:
    """The script that wrote a .jsonl: the one of the same stem, else one naming the file."""
    stem = result.removesuffix(".jsonl")
    if f"{stem}.sh" in scripts:
        return f"{stem}.sh"
    return next((name for name, text in scripts.items() if _names(text, result)), None)


def script_facts(result: str, text: str) -> list[str]:
    """The first sentence of the script's header comment, and its note on this result."""
    header, notes = _comments(text)
    facts = [f'Script: "{_sentence(header)}"'] if header else []
    note = next((note for note in notes if _names(note, result)), "")
    return facts + ([f'Note: "{note}"'] if note else [])


def _comments(text: str) -> tuple[str, list[str]]:
    """A script's header (its first comment lines, up to an indented line) and its notes:
    indented comment lines that start with a result file, with their continuation lines. File
    lines that reach no ``:`` yet share the note that follows (``a.jsonl and`` / ``b.jsonl: …``)."""
    header: list[str] = []
    notes: list[list[str]] = []
    in_header = True
    for line in text.splitlines()[1:]:
        if not line.startswith("#"):
            break
        body = line[1:]
        indented = body.startswith("  ")
        if in_header and body.strip() and not indented and not _usage(body):
            header.append(body.strip())
            continue
        in_header = False
        if not indented or _usage(body):
            continue
        starts = re.match(r"\s*\S+\.jsonl\b", body) is not None
        if starts and not (notes and not re.search(r":(\s|$)", " ".join(notes[-1]))):
            notes.append([])
        if notes and (starts or notes[-1]):
            notes[-1].append(body.strip())
    return " ".join(header), [" ".join(note) for note in notes]


def _usage(body: str) -> bool:
    return body.strip().startswith("usage:")


def text_facts(path: Path) -> tuple[list[str], str]:
    """A text file: its first header line (``# …``), the ``git <hash>`` it names, how far a
    console log got (``run i/n``), and its exit status (``rc=`` / ``exit=``)."""
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    facts = []
    heading = next((line for line in lines if line.startswith("#")), "")
    if heading:
        facts.append(_sentence(heading.lstrip("#").strip()))
    named = re.search(r"\bgit ([0-9a-f]{7,40}(?:-dirty)?)\b", heading)
    progress = re.findall(r"\brun (\d+)/(\d+)\b", text) if path.suffix == ".log" else []
    if progress:
        done, planned = progress[-1]
        facts.append(f"Log reaches run {done} of {planned}.")
    if lines and not heading:
        engine = _json_lines_engine(lines[0])
        facts.append(f"Engine {engine}." if engine else "")
    status = [m.group(2) for line in lines if (m := re.fullmatch(r"(rc|exit)=(\d+)", line))]
    if status:
        facts.append(f"Exit status {status[-1]}.")
    return [fact for fact in facts if fact], short_commit(named.group(1)) if named else ""


def _json_lines_engine(line: str) -> str:
    try:
        document = json.loads(line)
    except ValueError:
        return ""
    return str(document.get("engine", "")) if isinstance(document, dict) else ""


def report_of(name: str, header: dict, reported: dict[str, list[str]]) -> str | None:
    key = f"{header.get('date')} {header.get('git_commit')}"
    for folder, sources in reported.items():
        if any(source == key or _names(source, name) for source in sources):
            return folder
    return None


def _names(text: str, name: str) -> bool:
    """Whether the text names the file (not just a longer name that ends or starts like it)."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text) is not None


# text ------------------------------------------------------------------------------------------


def recorded_commit(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?", value):
        return short_commit(value)
    return ""


def iso_date(value: object) -> str:
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if stamp.tzinfo is None:
        return f"{stamp:%Y-%m-%d %H:%M}"
    return f"{stamp.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def name_date(name: str) -> str:
    found = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2}))?", name)
    if not found:
        return ""
    year, month, day, hour, minute = found.groups()
    return f"{year}-{month}-{day}" + (f" {hour}:{minute}" if hour else "")


def _sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=\S)", text.strip(), maxsplit=1)[0]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def count(value: object) -> str:
    """A count with thousands separators; anything else as it is."""
    return f"{value:,}" if isinstance(value, int) else str(value)


SINGULAR = {"engines": "engine", "cases": "case", "trees": "tree", "sizes": "size"}


def _counted(number: object, one: str, many: str = "") -> str:
    """``3 rounds.``, ``1 round.``; nothing for no number."""
    if not isinstance(number, int) or number <= 0:
        return ""
    return f"{number} {one if number == 1 else (many or one + 's')}."


def _listed(label: str, values: list, separator: str = ", ") -> str:
    """``Engines polars, duckdb.``; one value: ``Engine polars.``"""
    values = list(dict.fromkeys(str(v) for v in values))
    if not values:
        return ""
    if len(values) == 1 and label in SINGULAR:
        label = SINGULAR[label]
    return f"{_capitalized(label)} {separator.join(values)}."
