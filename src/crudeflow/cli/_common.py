"""Shared pieces of the CLI: the Typer app, consoles, error handling, dataset option."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from crudeflow.network.model import Network

app = typer.Typer(
    name="crudeflow",
    help="Crude-oil export-route planner and disruption simulator (Kazakhstan dataset built in).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
network_app = typer.Typer(help="Show, validate and export a network dataset.", no_args_is_help=True)
app.add_typer(network_app, name="network")

# On a terminal rich fits its width; piped into a file or a test, tables get room to breathe.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=False, width=_WIDTH)
console_err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 200)

EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4

DatasetOpt = Annotated[
    Path | None,
    typer.Option(
        "--dataset",
        "-d",
        help="Dataset folder (default: the built-in Kazakhstan data).",
        show_default=False,
    ),
]


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
    except RequirementError as exc:
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


def load(dataset: Path | None) -> Network:
    """Load the dataset named on the command line (or the default one)."""
    from crudeflow.network.load import load_dataset

    return load_dataset(dataset)
