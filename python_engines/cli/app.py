"""``etlstack``: the app and its commands, registered in one place; each command module is a few
lines that hand off to a domain module."""

from __future__ import annotations

import sys

import typer

from python_engines.cli.bench import bench_app
from python_engines.cli.compare import compare
from python_engines.cli.generate import build_reference, generate
from python_engines.cli.marts import marts
from python_engines.cli.query import query
from python_engines.cli.run import history, run, show_sql
from python_engines.cli.terminal import friendly_errors, print_error
from python_engines.cli.validate import validate
from python_engines.core.process_end import run_then_exit_quickly

app = typer.Typer(
    help="One SQL, three engines (Polars, Spark, DuckDB), one Iceberg lakehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# every command: its name, its function (errors as one line: friendly_errors); bench is a group
COMMANDS = {
    "generate": generate,
    "build-reference": build_reference,
    "run": run,
    "history": history,
    "show-sql": show_sql,
    "validate": validate,
    "marts": marts,
    "query": query,
    "compare": compare,
}
for name, command in COMMANDS.items():
    app.command(name)(friendly_errors(command))
app.add_typer(bench_app, name="bench")


def main() -> None:
    """The ``etlstack`` command: the app, then a quick exit (``process_end``)."""
    run_then_exit_quickly(_app_with_one_line_usage_errors)


def _app_with_one_line_usage_errors() -> None:
    """The app, but a usage error (a missing or unknown option, a bad value, an unknown command)
    is one line that names the help to read, not the framework's five-line box."""
    try:
        code = app(standalone_mode=False)  # an exit code: the app's typer.Exit, 0 for --help
    except typer.Abort:
        print_error("stopped")
        sys.exit(1)
    except typer.exceptions.TyperException as exc:  # the framework's usage errors
        context = getattr(exc, "ctx", None)
        where = f" (see {context.command_path} --help)" if context is not None else ""
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print_error(f"{message}{where}")
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
