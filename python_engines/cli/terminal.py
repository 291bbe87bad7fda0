"""Terminal output shared by the CLI commands: one console, progress bars, one-line errors."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from python_engines.core.errors import EtlStackError, is_disk_full
from python_engines.core.security import mask_uri, visible
from python_engines.core.settings import PathSettings

# emoji off: ':smile:' in a file name or a value is text, not a picture
console = Console(stderr=True, emoji=False)
# model field → CLI option, where they differ
OPTION_NAMES = {"file_format": "format", "memory_cap_gib": "memory-cap"}


def literal(text: object) -> str:
    """``text`` as Rich markup that prints it as is: a path, a value, a message from data or a
    user is never markup (``[/]`` raised MarkupError, ``[prod]`` vanished, ``[link=…]`` linked)
    and never a terminal control (``visible``)."""
    return escape(visible(text))


def progress_bar() -> Progress:
    """Shown on a terminal only: elsewhere (a log, a pipe) Rich's stopped display left a blank
    line, which made an error that followed two lines."""
    return Progress(
        TextColumn("{task.description}", markup=False),  # a description may hold a file name
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _one_line(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        if field.startswith("ETLSTACK_"):  # a setting read by its variable's name (an alias)
            parts.append(f"{field}: {err['msg']}")
            continue
        where = OPTION_NAMES.get(field, field.replace("_", "-"))
        parts.append(f"--{where}: {err['msg']}")
    return "; ".join(parts)


def friendly_errors(func: Callable[..., None]) -> Callable[..., None]:
    """User errors as one red line and exit code 1 — never a traceback (ETLSTACK_DEBUG=1 shows it)."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except EtlStackError as exc:
            _fail(str(exc))
        except ValidationError as exc:
            _fail(_one_line(exc))
        except Exception as exc:
            if PathSettings().debug:
                raise
            if is_disk_full(exc):  # wherever it happened: an engine's files, a table, the catalog
                _fail(
                    "no space left on the device: free space and run again (a load that stops "
                    "here commits nothing; readers see the last committed run)"
                )
            if isinstance(exc, OSError) and exc.filename:
                _fail(f"{exc.filename}: {os_problem(exc)} (ETLSTACK_DEBUG=1 shows the traceback)")
            _fail(f"{type(exc).__name__}: {exc} (ETLSTACK_DEBUG=1 shows the traceback)")

    return wrapper


# what an operating-system error on a path means to a user (else its own words, lower case)
OS_PROBLEMS = {
    errno.EEXIST: "a file is in the way where a folder is needed",
    errno.ENOTDIR: "part of this path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EROFS: "read-only file system: choose a place that can be written",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or folder",
}


def os_problem(exc: OSError) -> str:
    return OS_PROBLEMS.get(exc.errno, (exc.strerror or str(exc)).lower())


def print_error(message: str) -> None:
    """``error: <message>`` on one line of stderr."""
    # a catalog URI may reach an error message (SQLAlchemy, psycopg2): never print its password
    console.print(
        f"[red]error:[/red] {literal(mask_uri(message))}", highlight=False, soft_wrap=True
    )


def _fail(message: str) -> None:
    print_error(message)
    raise typer.Exit(1)
