"""The ``crudeflow`` command line: a thin shell over the library.

Exit codes (pinned by tests):

====  ===========================================================
0     success
1     bad input data: dataset, scenario file, unknown ids or units
2     bad usage: unknown option, malformed requirement text
3     ``--strict`` and a requirement cannot be met
4     the solver failed
====  ===========================================================
"""

from __future__ import annotations

import sys

import typer

from crudeflow.cli import network as _network  # noqa: F401 - registers commands
from crudeflow.cli import plan as _plan  # noqa: F401 - registers commands
from crudeflow.cli import report as _report  # noqa: F401
from crudeflow.cli import risk as _risk  # noqa: F401 - registers commands
from crudeflow.cli import scenario as _scenario  # noqa: F401 - registers commands
from crudeflow.cli import serve as _serve  # noqa: F401
from crudeflow.cli._common import app, console_err, handle_errors

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``crudeflow`` console script."""
    try:
        with handle_errors():
            app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        console_err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    typer.run(main)
