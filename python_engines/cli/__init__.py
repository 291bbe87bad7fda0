"""``etlstack``: the command line, the one place that composes the application with ``bench``
and ``expectations``."""

from python_engines.cli.app import app, main

__all__ = ["app", "main"]
