"""Shared pieces of the CLI: the Typer app, consoles, error handling, dataset option."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from crudeflow.network.model import Network

GLOSSARY = (
    "Netback: what exported crude earns after transport, the market price (Brent plus the "
    "market's differential, in USD per tonne through the grade's barrels per tonne) minus the "
    "tariffs of the routes it takes, summed over the tonnes sold; USD bn/yr is that sum a year, "
    "USD/t is it per tonne exported. "
    "'One more Mt/yr is worth X USD/t for at least N more Mt/yr': one more Mt/yr of capacity "
    "on that binding route would raise netback by X USD per tonne (X USD m a year per Mt/yr), "
    "and that value is certain for the first N extra Mt/yr (it may hold further; beyond that "
    "another limit can take over)."
)

app = typer.Typer(
    name="crudeflow",
    help="Crude-oil export-route planner and disruption simulator (built-in datasets: "
    "'crudeflow datasets').",
    epilog=GLOSSARY,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
network_app = typer.Typer(help="Show, validate and export a network dataset.", no_args_is_help=True)
app.add_typer(network_app, name="network")


def _isatty(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False when it is closed or missing, as with ``>&-``)."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return False


class ReaderGone(Exception):
    """Standard output's reader went away (a broken pipe); :func:`crudeflow.cli.main` stops.

    Not an :class:`OSError`, so that Typer does not turn it into exit status 1, which this
    CLI reserves for bad data.
    """


class _Console(Console):
    """A rich console that lets a broken pipe reach :func:`crudeflow.cli.main` (see above)."""

    def on_broken_pipe(self) -> None:
        raise ReaderGone


# On a terminal rich fits its width; piped into a file or a test, tables get room to breathe.
_WIDTH = None if _isatty(sys.stdout) else 200
console = _Console(highlight=False, soft_wrap=False, width=_WIDTH)
console_err = _Console(stderr=True, highlight=False, width=None if _isatty(sys.stderr) else 200)

EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4

ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an existing file, or write into a folder that is not empty.",
    ),
]


def dataset_path(value: str | Path) -> Path:
    """Parse a ``--dataset`` value: a built-in dataset's name (``iraq``) or a folder.

    A name resolves to the folder shipped in the package; an unknown name is a usage error
    (exit 2) listing the built-in names. Resolution: :func:`crudeflow.network.load.resolve_dataset`.

    >>> dataset_path("kazakhstan").name
    'kazakhstan'
    """
    if isinstance(value, Path):  # an option's default
        return value
    from crudeflow.network.load import UnknownDatasetError, resolve_dataset

    try:
        return resolve_dataset(value)
    except UnknownDatasetError as exc:
        raise typer.BadParameter(str(exc)) from None


def dataset_arg(dataset: Path) -> str:
    """How a command line names ``dataset``: a built-in one by name, another by its path.

    >>> from crudeflow.network.load import default_dataset_path
    >>> dataset_arg(default_dataset_path()), dataset_arg(Path("my/data"))
    ('kazakhstan', 'my/data')
    """
    from crudeflow.network.load import builtin_dataset_path, builtin_datasets

    if dataset.name in builtin_datasets() and dataset == builtin_dataset_path(dataset.name):
        return dataset.name
    return str(dataset)


DatasetOpt = Annotated[
    Path | None,
    typer.Option(
        "--dataset",
        "-d",
        help="A built-in dataset's name (see 'crudeflow datasets': kazakhstan, the default, "
        "iraq) or a dataset folder.",
        show_default=False,
        parser=dataset_path,
    ),
]


STDOUT_NAME = "<standard output>"
"""The ``filename`` of an :class:`OSError` raised by a write to standard output."""


class StdoutGuard:
    """Wraps standard output so a failed write (disk full, closed) names it in the error.

    A closed standard output (``>&-``: ``stream`` is None) fails on the first write.
    A broken pipe stays a :class:`BrokenPipeError` (see :func:`crudeflow.cli.main`).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _fail(self, exc: OSError) -> OSError:
        if isinstance(exc, BrokenPipeError):
            return exc
        return OSError(exc.errno, exc.strerror or str(exc), STDOUT_NAME)

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OSError(9, "it is closed", STDOUT_NAME)
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._fail(exc) from None

    def isatty(self) -> bool:
        return _isatty(self._stream)

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def output_path(value: str | Path) -> Path:
    """Parse an output-path option: an empty one is a usage error (exit 2), not ``.``.

    Used as ``typer.Option(parser=output_path)`` on ``--out``/``--report``; what may be
    written there is checked by :mod:`crudeflow._io`.

    >>> output_path("r.html")
    PosixPath('r.html')
    """
    if isinstance(value, Path):  # an option's default
        return value
    if not value.strip():
        raise typer.BadParameter("an empty path; give a file or folder name")
    return Path(value)


def report_time() -> datetime.datetime | None:
    """The report's time stamp from ``SOURCE_DATE_EPOCH`` when set (reproducible builds).

    Unset: None, and the report shows the time it was written. Set, two runs give the same
    bytes.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "0"
    >>> report_time().isoformat()
    '1970-01-01T00:00:00+00:00'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.datetime.fromtimestamp(int(value), datetime.UTC)
    except (ValueError, OverflowError, OSError):
        fail(f"SOURCE_DATE_EPOCH={value!r}: expected whole seconds since 1970", EXIT_USAGE)


def json_text(data: object) -> str:
    """``data`` as the CLI prints JSON: indented, and the same bytes on every run.

    Solve timings (``timings_s``) are left out: they change from run to run, and a user
    comparing two outputs must see only differences in the plan (the web API keeps them).

    >>> print(json_text({"a": 1, "timings_s": {"total_s": 0.1}}), end="")
    {
      "a": 1
    }
    """
    from crudeflow.output import dumps

    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "timings_s"}
    return dumps(data) + "\n"


def fail(message: str, code: int) -> NoReturn:
    console_err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn library errors into messages and exit codes; never a traceback for user mistakes."""
    from crudeflow.errors import (
        CrudeflowError,
        DatasetError,
        InfeasiblePlanError,
        OutputPathError,
        RequirementError,
        ScenarioError,
        SolverError,
        UnitError,
    )

    try:
        yield
    except DatasetError as exc:
        console_err.print(
            f"[bold red]error:[/] {len(exc.problems)} problem(s) in dataset {exc.folder}",
            markup=True,
        )
        for p in exc.problems:
            console_err.print(f"  {p}", markup=False)
        sys.exit(EXIT_DATA)
    except (RequirementError, OutputPathError) as exc:  # OutputExistsError too: pass --force
        console_err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_USAGE)
    except (ScenarioError, UnitError) as exc:
        console_err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_DATA)
    except InfeasiblePlanError as exc:
        console_err.print(f"infeasible: {exc}", markup=False)
        sys.exit(EXIT_INFEASIBLE)
    except SolverError as exc:
        console_err.print(f"solver error: {exc}", markup=False)
        sys.exit(EXIT_SOLVER)
    except CrudeflowError as exc:  # any other domain error is about the input, not a crash
        console_err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_DATA)
    except (BrokenPipeError, ReaderGone):
        raise  # the reader went away: main() exits quietly, like other Unix tools
    except OSError as exc:  # writing a file or standard output failed (disk full, denied, ...)
        console_err.print(f"error: {os_error_text(exc)}", markup=False)
        sys.exit(EXIT_DATA)


def os_error_text(exc: OSError) -> str:
    """One line for a failed read or write: the path and the reason, as Unix tools put it.

    :func:`crudeflow.cli.main` names standard output as the file of a failed write to it.

    >>> os_error_text(OSError(28, "No space left on device", "/dev/full"))
    '/dev/full: No space left on device'
    >>> os_error_text(OSError(28, "No space left on device", STDOUT_NAME))
    'cannot write to standard output: No space left on device'
    """
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    if exc.filename == STDOUT_NAME:
        return f"cannot write to standard output: {reason}"
    return f"{exc.filename}: {reason}"


def load(dataset: Path | None) -> Network:
    """Load the dataset named on the command line (or the default one)."""
    from crudeflow.network.load import load_dataset

    return load_dataset(dataset)
