"""bench/reports/index.{md,html}: a row per report with the code and host it came from, the ones
measured at another commit than HEAD marked stale, every value escaped, nothing fetched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import git_in

from bench.harness.machine import describe_machine
from bench.report_builder.report_entries import build_entries, head_commit
from bench.report_builder.reports_index import REPORTS, refresh_after_report, write_index

OLD = "0123456789abcdef0123456789abcdef01234567"
HOSTILE = '<script>alert("cpu")</script> EPYC'


def _report(reports: Path, name: str, commit: str, machine: dict) -> None:
    folder = reports / name
    folder.mkdir(parents=True)
    header = {
        "benchmark": "etlstack-bench",
        "date": "2026-12-01T00:00:00+00:00",
        "machine": machine,
        "git_commit": commit,
        "matrix": {"rows": [1000, 20000], "engines": ["polars", "duckdb"], "threads": [2]},
    }
    (folder / "results.json").write_text(json.dumps({"header": header, "tries": []}))
    (folder / "report.md").write_text("# report\n")
    (folder / "report.html").write_text("<!doctype html><title>report</title>\n")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """Two reports: one measured at HEAD on this host (described in full), one at an old commit
    by a file from before the full description, with a hostile CPU name. → (md, html, HEAD)."""
    head = head_commit()
    assert head, "the tests run in a git checkout"
    reports = tmp_path_factory.mktemp("bench") / "reports"
    _report(reports, "current", head, describe_machine(reports.parent))
    old_machine = {"cpu": HOSTILE, "cores": 2, "memory_gib": 23.5, "python": "3.11.7", "os": "x"}
    _report(reports, "old", OLD, old_machine)
    markdown, page = write_index(reports, head)
    return markdown.read_text(), page.read_text(), head


def _row(markdown: str, name: str) -> str:
    (row,) = [line for line in markdown.splitlines() if line.startswith(f"| [{name}]")]
    return row


def test_the_host_is_described_in_full_in_new_results() -> None:
    machine = describe_machine(Path(__file__).parent)
    assert {"cpu", "cores", "memory_gib", "python", "os"} <= set(machine)  # readers' keys stay
    assert machine["cpu_mhz"] is None or machine["cpu_mhz"] > 0
    assert machine["disk"]["device"] and machine["disk"]["size_gib"] > 0


def test_a_row_per_report_with_its_date_commit_host_engines_and_sizes(index) -> None:
    markdown, _, head = index
    current, old = _row(markdown, "current"), _row(markdown, "old")
    assert "(current/report.html) ([md](current/report.md), [results](current/results.json))" in (
        current
    )
    assert f"`{head[:12]}`" in current and "`0123456789ab`" in old
    assert "2026-12-01 00:00 UTC" in old
    assert "polars, duckdb" in old and "1,000 / 20,000 events" in old
    assert re.search(r"RAM [\d.]+ GiB; disk \S+", current)
    assert "not recorded" not in current.replace("clock not recorded", "")  # a VM may hide it
    assert "clock not recorded" in old and "disk not recorded" in old


def test_only_the_report_from_another_commit_is_marked_stale(index) -> None:
    markdown, page, head = index
    current, old = _row(markdown, "current"), _row(markdown, "old")
    assert current.endswith("| current: from HEAD |")
    assert (
        "**stale**: from commit `0123456789ab`, which this checkout does not have; "
        "regenerate with `etlstack bench " in old
    )
    assert "--rows 1000,20000 --engines polars,duckdb --threads 2" in old
    assert "--out bench/reports/old`" in old
    assert page.count('class="status stale"') == 1 and page.count('class="status current"') == 1
    assert f"Compared with HEAD <code>{head[:12]}</code>" in page


def _commit(repo: Path, path: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(f"{path} at {len(git_in(repo, 'log', '--oneline', '--all'))}\n")
    git_in(repo, "add", path)
    git_in(repo, "commit", "-qm", path)
    return git_in(repo, "rev-parse", "HEAD")


def test_a_report_stays_current_until_the_code_it_measured_changes(tmp_path: Path) -> None:
    """Commits that touch only the report builder, the page checker or the docs leave a report
    current; one that touches the pipeline makes it stale, naming the file."""
    repo = tmp_path / "repo"
    git_in(tmp_path, "init", "-q", str(repo))
    measured = _commit(repo, "python_engines/pipeline.py")
    reports = repo / "bench" / "reports"
    _report(reports, "default", measured, {"cpu": "x", "cores": 2})
    (entry,) = [e for e in build_entries(reports) if e.name == "default"]
    _commit(repo, "bench/report_builder/plots.py")
    _commit(repo, "bench/report_builder/offline_page.py")  # the page checker: never timed
    after_docs = _commit(repo, "docs/benchmarks.md")
    assert entry.status(after_docs, repo) == "current"
    note = "".join(text for text, _ in entry.status_note(after_docs, repo))
    assert note == f"from commit {measured[:12]}; no measured code changed since"
    after_code = _commit(repo, "python_engines/engines/spark.py")
    assert entry.status(after_code, repo) == "stale"
    note = "".join(text for text, _ in entry.status_note(after_code, repo))
    assert "measured code changed since: python_engines/engines/spark.py" in note
    assert entry.status(measured, repo) == "current"


def test_a_hostile_value_is_shown_as_text_never_run(index) -> None:
    markdown, page, _ = index
    assert "<script" not in page and "<script" not in markdown
    assert "&lt;script&gt;alert(&quot;cpu&quot;)&lt;/script&gt; EPYC" in page
    assert '&lt;script&gt;alert("cpu")&lt;/script&gt; EPYC' in markdown


def test_the_page_fetches_nothing_from_outside(index) -> None:
    _, page, _ = index
    assert not re.search(r"https?:|//", re.sub(r"<!--.*?-->", "", page))
    assert re.findall(r"<(?:link|script|img|iframe)\b", page) == []  # only inline CSS
    for address in re.findall(r"""(?:href|src)=["']([^"']*)""", page):
        assert not re.match(r"[a-z]+:|/", address), address  # relative, in the reports folder


def test_a_report_without_results_json_is_read_from_the_file_its_page_names(
    tmp_path: Path,
) -> None:
    """The lakehouse report is a page generated from a bench/results/ file."""
    reports = tmp_path / "bench" / "reports"
    (reports / "lakehouse").mkdir(parents=True)
    source = "bench/results/lakehouse-20261203T162401.json"
    (reports / "lakehouse" / "report.md").write_text(f"# Iceberg loads\n\nfrom `{source}` (…)\n")
    tried = {"bulk": {"rows_in": 9000}, "daily": {"rows_in": 300}}
    result = {
        "benchmark": "lakehouse",
        "date": "2026-12-03T16:24:01+00:00",
        "machine": {"cpu": "Xeon", "cores": 2, "memory_gib": 23.5},
        "git_commit": OLD + "-dirty",
        "cases": [{"engine": "polars", "tries": [tried]}, {"engine": "duckdb", "tries": []}],
    }
    (tmp_path / source).parent.mkdir(parents=True)
    (tmp_path / source).write_text(json.dumps(result))
    markdown = write_index(reports, "f" * 40)[0].read_text()
    row = _row(markdown, "lakehouse")
    assert "[lakehouse](lakehouse/report.md) ([results](../results/" in row
    assert "`0123456789ab-dirty`" in row and "polars, duckdb" in row
    assert "bulk 9,000 rows, daily 300 rows" in row and "regenerate with `make bench-parts`" in row
    assert "OS not recorded; Python not recorded" in row


def test_a_report_outside_bench_reports_leaves_the_index_alone(tmp_path: Path) -> None:
    assert refresh_after_report(tmp_path / "out") == []


@pytest.mark.slow
def test_the_generated_index_renders_in_chromium_with_no_network_and_no_console_error() -> None:
    from bench.report_builder.offline_page import computed_styles

    page = REPORTS / "index.html"
    folders = [p for p in REPORTS.iterdir() if p.is_dir()]
    resources = 'JSON.stringify(performance.getEntriesByType("resource").map(e => e.name))'
    rendered = computed_styles(  # raises on a console error or a failed or refused request
        page,
        [("table", "border-collapse"), (".status .mark", "font-weight")],
        expressions=(resources, "document.querySelectorAll('tbody tr').length"),
    )
    assert rendered.problems == []
    assert rendered.styles["table border-collapse"] == "collapse"  # its own inline stylesheet
    assert rendered.styles[".status .mark font-weight"] == "700"
    assert rendered.values[resources] == "[]"  # no request, failed or not
    assert rendered.values["document.querySelectorAll('tbody tr').length"] == str(len(folders))
