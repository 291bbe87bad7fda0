"""A password in a URI never leaves the process: malformed catalog URIs are masked in what the
CLI prints (stdout and stderr, through the parser's own errors too), in dbt's log and artifacts
after a marts run, and in bench results files and the reports built from them; ad-hoc bench
results are ignored by git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import PARITY_FIXTURE, etlstack, one_error_line

from bench.harness.machine import write_result
from bench.harness.matrix import Matrix
from bench.harness.results_json import ResultsWriter, read_results
from python_engines.core.security import mask_uri

REPO = Path(__file__).parent.parent
# passwords are put into URIs with {…}: test_no_file_in_the_repository_holds_a_password_in_a_uri
# reads every tracked file for a literal one
AT_AND_COLON, SPACE, SLASH = "p@ss:w0rd", "se cret", "pa/ss"

# the malformed URIs (host 127.0.0.1:1: nothing listens there, nothing is looked up),
# each with the part of its password that must never be printed
MALFORMED = [
    ("postgresql+psycopg2://u:hunter2", "hunter2", "postgresql+psycopg2://u:***"),
    (
        f"postgresql+psycopg2://u:{AT_AND_COLON}@127.0.0.1:1/db",
        "w0rd",
        "postgresql+psycopg2://u:***@127.0.0.1:1/db",
    ),
    (
        f"postgresql+psycopg2://u:{SPACE}@127.0.0.1:1/db",
        "cret",
        "postgresql+psycopg2://u:***@127.0.0.1:1/db",
    ),
]


# the masking function -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql+psycopg2://u:hunter2", "postgresql+psycopg2://u:***"),
        (f"postgresql+psycopg2://u:{AT_AND_COLON}@host/db", "postgresql+psycopg2://u:***@host/db"),
        (f"postgresql+psycopg2://u:{SPACE}@host/db", "postgresql+psycopg2://u:***@host/db"),
        (f"spark://u:{'secret'}@host:7077", "spark://u:***@host:7077"),
        (f"postgresql://u:{SLASH}@host/db", "postgresql://u:***@host/db"),
        (f"postgresql://u:{SLASH}", "postgresql://u:***"),
        (
            f"at spark://a:{'one'}@h1:7077 and spark://b:{'two'}@h2:7077 too",
            "at spark://a:***@h1:7077 and spark://b:***@h2:7077 too",
        ),
        (  # a message masked once, then again when printed: the hint after it stays
            "catalog postgresql+psycopg2://u:***: percent-encode '@' as %40",
            "catalog postgresql+psycopg2://u:***: percent-encode '@' as %40",
        ),
        # no password: unchanged
        ("spark://spark-master:7077", "spark://spark-master:7077"),
        ("spark://127.0.0.1:7077/", "spark://127.0.0.1:7077/"),
        ("spark://127.0.0.1:7077 is down", "spark://127.0.0.1:7077 is down"),
        ("postgresql://[::1]:5432/lake", "postgresql://[::1]:5432/lake"),
        ("postgresql+psycopg2://etl@db:5432/lake", "postgresql+psycopg2://etl@db:5432/lake"),
        ("sqlite:////tmp/a:b/catalog.db", "sqlite:////tmp/a:b/catalog.db"),
    ],
)
def test_mask_uri_hides_everything_between_the_user_and_the_last_at_sign_and_nothing_else(
    text: str, masked: str
) -> None:
    assert mask_uri(text) == masked
    assert mask_uri(masked) == masked


# the CLI: stdout and stderr -----------------------------------------------------------------


@pytest.mark.parametrize(("uri", "secret", "masked"), MALFORMED)
@pytest.mark.parametrize(
    "command",
    [
        ["history", "--engine", "duckdb"],
        ["query", "select 1"],
        ["validate"],
        ["run", "--engine", "duckdb", "--input", str(PARITY_FIXTURE / "day1.csv")],
    ],
    ids=["history", "query", "validate", "run"],
)
def test_a_malformed_catalog_uri_is_one_masked_line_on_the_command_line(
    tmp_path: Path, command: list[str], uri: str, secret: str, masked: str
) -> None:
    done = etlstack(*command, "--warehouse", str(tmp_path), "--catalog-uri", uri)
    assert secret not in done.stdout + done.stderr
    line = one_error_line(done)
    assert line.startswith(f"error: cannot open the Iceberg catalog {masked}: "), line


# dbt: logs/dbt.log and target/ ----------------------------------------------------------------


@pytest.mark.slow  # dbt parses the project (a few seconds), then fails to open the catalog
@pytest.mark.parametrize(
    ("uri", "secret", "masked"),
    [
        (
            f"postgresql+psycopg2://etl:{'Hunter2pw'}@127.0.0.1:1/lake",
            "Hunter2pw",
            "postgresql+psycopg2://etl:***@127.0.0.1:1/lake",
        ),
        MALFORMED[1],
    ],
    ids=["well-formed", "malformed"],
)
def test_marts_with_a_password_catalog_keeps_it_out_of_dbt_log_and_artifacts(
    tmp_path: Path, uri: str, secret: str, masked: str
) -> None:
    warehouse = tmp_path / "wh"
    warehouse.mkdir()  # dbt opens <warehouse>/analytics.duckdb, then the plugin the catalog
    logs, target = tmp_path / "logs", tmp_path / "target"
    done = etlstack(
        "marts", "--warehouse", str(warehouse), "--catalog-uri", uri, cwd=tmp_path,
        DBT_LOG_PATH=str(logs), DBT_TARGET_PATH=str(target),
    )  # fmt: skip
    assert done.returncode == 1  # nothing listens at 127.0.0.1:1: the run fails, as it should
    assert secret not in done.stdout + done.stderr
    log = (logs / "dbt.log").read_text()
    assert masked in log  # the run got as far as opening the catalog
    assert secret not in log
    assert "--catalog-uri" not in log  # dbt logs its own arguments, not etlstack's
    for path in target.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


# bench: results.json, bench/results/*.json, reports ----------------------------------------

MASTER = f"spark://u:{'s3cret'}@127.0.0.1:7077"


def test_bench_results_and_their_dated_copy_store_the_spark_master_masked(
    tmp_path: Path,
) -> None:
    matrix = Matrix(rows=[1000], engines=["spark"], threads=[1], spark_master=MASTER)
    writer = ResultsWriter(tmp_path / "out", matrix, archive=tmp_path / "results")
    writer.save([{"engine": "spark", "note": f"ran on {MASTER}"}], [1000])
    copies = list((tmp_path / "results").glob("bench-*.json"))
    assert len(copies) == 1
    for path in [writer.path, *copies]:
        text = path.read_text()
        assert "s3cret" not in text
        results = json.loads(text)
        assert results["header"]["matrix"]["spark_master"] == "spark://u:***@127.0.0.1:7077"
        assert results["tries"][0]["note"] == "ran on spark://u:***@127.0.0.1:7077"


def test_a_dated_bench_result_stores_a_catalog_uri_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.harness.machine.RESULTS", tmp_path)
    path = write_result("lakehouse", ("polars",), catalog_uri=MALFORMED[0][0], master=MASTER)
    text = path.read_text()
    assert "hunter2" not in text and "s3cret" not in text
    assert json.loads(text)["catalog_uri"] == "postgresql+psycopg2://u:***"


def test_a_report_read_from_an_old_unmasked_results_file_sees_no_password(tmp_path: Path) -> None:
    old = {"header": {"matrix": {"spark_master": MASTER}}, "tries": [{"engine": "spark"}]}
    (tmp_path / "results.json").write_text(json.dumps(old))
    results = read_results(tmp_path)
    assert "s3cret" not in json.dumps(results)
    assert results["header"]["matrix"]["spark_master"] == "spark://u:***@127.0.0.1:7077"
    assert results["tries"] == old["tries"]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)


def test_ad_hoc_bench_results_are_ignored_by_git_and_tracked_ones_stay_tracked() -> None:
    for name in ("bench-20990101T000000.json", "lakehouse-20990101T000000.json"):
        assert _git("check-ignore", "-q", f"bench/results/{name}").returncode == 0, name
    reports = _git("ls-files", "bench/reports/*/results.json").stdout.split()
    assert reports  # generated reports' results: not ignored, even were they untracked
    assert _git("check-ignore", "--no-index", *reports).stdout == ""
