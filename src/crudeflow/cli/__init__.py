"""The ``crudeflow`` command line: a thin shell over the library.

Exit codes (pinned by tests):

====  ===========================================================
0     success
1     bad input data: dataset, scenario file, unknown ids or units; a file or the output
      could not be written (disk full, permission denied, standard output closed)
2     bad usage: unknown option, malformed requirement text, an output path that cannot
      be written (a folder, a device) or that exists without ``--force``
3     ``--strict`` and a requirement cannot be met
4     the solver failed
====  ===========================================================

Every failure is one line on standard error, ``error: ...`` (a usage error adds where to look:
``(see 'crudeflow plan --help')``); a dataset's problems follow their count, one per line.

When the reader of standard output goes away (``crudeflow plan | head -1``) the command stops
quietly, as other Unix tools do: it ends by SIGPIPE (shell status 141), with no message.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Annotated

import typer

from crudeflow.cli import datasets as _datasets  # noqa: F401 - registers commands
from crudeflow.cli import fleet as _fleet  # noqa: F401 - registers commands
from crudeflow.cli import invest as _invest  # noqa: F401 - registers commands
from crudeflow.cli import network as _network  # noqa: F401 - registers commands
from crudeflow.cli import plan as _plan  # noqa: F401 - registers commands
from crudeflow.cli import report as _report  # noqa: F401
from crudeflow.cli import risk as _risk  # noqa: F401 - registers commands
from crudeflow.cli import runs as _runs  # noqa: F401 - registers commands
from crudeflow.cli import scenario as _scenario
from crudeflow.cli import sensitivity as _sensitivity  # noqa: F401 - registers commands
from crudeflow.cli import serve as _serve  # noqa: F401
from crudeflow.cli._common import (
    GLOSSARY,
    ReaderGone,
    StdoutGuard,
    app,
    console_err,
    handle_errors,
)

__all__ = ["app", "main"]

# The commands that print netback and "worth X USD/t for at least N more Mt/yr" explain both
# at the end of their --help (the top-level --help too).
for _info in [*app.registered_commands, *_scenario.scenario_app.registered_commands]:
    if _info.name in ("plan", "run", "report"):
        _info.epilog = GLOSSARY


def _version(value: bool) -> None:
    if value:
        from crudeflow import __version__

        print(f"crudeflow {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print crudeflow's version and exit.",
        ),
    ] = False,
) -> None:
    """Crude-oil export-route planner and disruption simulator (built-in datasets: 'crudeflow
    datasets')."""


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null so Python's exit-time flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:  # pragma: no cover - no file descriptor 1 to replace
        pass


def _die_of_sigpipe() -> None:  # pragma: no cover - runs in a subprocess test
    _discard_stdout()
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    sys.exit(0)


def _usage_error(exc: Exception) -> int:
    """Print a command-line usage error as one line (Click draws a box of five); its code."""
    ctx = getattr(exc, "ctx", None)
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `crudeflow`: Typer showed the help
        return code
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    console_err.print(f"error: {message}{hint}", markup=False, soft_wrap=True)
    return code


def main() -> None:
    """Entry point of the ``crudeflow`` console script."""
    if hasattr(signal, "SIGPIPE"):
        # A write to a pipe whose reader left ends the process quietly, as in other Unix
        # tools (Python ignores SIGPIPE and raises BrokenPipeError instead, which Typer turns
        # into exit status 1). ``crudeflow serve`` sets it back: a client that disconnects
        # must not stop the server.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives until exit
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show "—" or "→" (e.g. PYTHONIOENCODING=ascii, a Latin-1
        # locale) gets "?" instead of a UnicodeEncodeError traceback.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
    sys.stdout = StdoutGuard(sys.stdout)
    stdout = sys.stdout
    try:
        with handle_errors():
            try:
                code = app(standalone_mode=False)
            except typer.TyperException as exc:  # unknown option, bad value, ...
                code = _usage_error(exc)
            except typer.Abort:  # pragma: no cover - no prompts today
                code = 1
            stdout.flush()  # a failure here (disk full) is an error, not a silent loss
        sys.exit(code if isinstance(code, int) else 0)
    except (BrokenPipeError, ReaderGone):
        _die_of_sigpipe()
    except SystemExit as exc:
        if exc.code not in (0, None):
            _discard_stdout()  # unwritten output must not fail again at interpreter exit
        raise
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        console_err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
