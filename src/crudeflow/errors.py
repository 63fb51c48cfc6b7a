"""One exception tree for crudeflow.

::

    CrudeflowError
    ├── DatasetError          bad dataset files: carries every Problem (file, line, field)
    ├── ScenarioError         bad scenario file or requirement text
    │   └── RequirementError  a requirement that does not parse (points at the bad token)
    ├── UnitError             a quantity in a unit crudeflow cannot convert
    ├── OutputPathError       an output path crudeflow will not write (a folder, a device, ...)
    │   └── OutputExistsError the output exists and ``force`` was not given
    ├── OptimisationError     the optimiser could not give a plan
    │   ├── InfeasiblePlanError  --strict: a requirement or supply could not be met
    │   └── SolverError          HiGHS failed or returned a status we do not trust
    └── StoreError            the runs store file: missing, not a store, locked, unknown run

User mistakes (DatasetError, ScenarioError, UnitError, StoreError) end the CLI with exit code 1
and a message, never a traceback; bad command-line usage (including an OutputPathError) exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CrudeflowError",
    "DatasetError",
    "InfeasiblePlanError",
    "OptimisationError",
    "OutputExistsError",
    "OutputPathError",
    "Problem",
    "RequirementError",
    "ScenarioError",
    "SolverError",
    "StoreError",
    "UnitError",
]


class CrudeflowError(Exception):
    """Base class of every error crudeflow raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    Parameters
    ----------
    file : str
        File name within the dataset or scenario folder (``routes.csv``).
    line : int or None
        1-based line number in that file (the header is line 1), or None for the whole file.
    field : str
        Column or key that holds the bad value ('' when the problem is the whole row or file).
    value : str
        The offending value as written.
    expected : str
        What was expected instead, in words.

    Examples
    --------
    >>> str(Problem("routes.csv", 4, "capacity_mtpa", "-3", "a number >= 0"))
    "routes.csv:4: capacity_mtpa = '-3': expected a number >= 0"
    """

    file: str
    line: int | None
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field} = {self.value!r}" if self.field else repr(self.value)
        return f"{where}: {what}: expected {self.expected}"


class DatasetError(CrudeflowError):
    """A dataset folder has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], *, folder: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.folder = folder
        head = f"{len(self.problems)} problem(s) in dataset {folder}".rstrip()
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class ScenarioError(CrudeflowError):
    """A scenario (file or text) is malformed or refers to things the network lacks."""


class RequirementError(ScenarioError):
    """A requirement string does not parse; the message points at the bad token."""

    def __init__(self, text: str, position: int, expected: str) -> None:
        self.text = text
        self.position = position
        self.expected = expected
        pointer = " " * position + "^"
        super().__init__(
            f"cannot read requirement {text!r} at column {position + 1}: expected {expected}\n"
            f"  {text}\n  {pointer}"
        )


class UnitError(CrudeflowError):
    """A quantity has a unit crudeflow cannot convert (e.g. '20 Mt' where a rate is needed)."""


class OutputPathError(CrudeflowError):
    """An output path that cannot take the file or folder asked for; ``path`` names it."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class OutputExistsError(OutputPathError):
    """The output file exists, or the output folder is not empty, and ``force`` was not given."""


class OptimisationError(CrudeflowError):
    """The optimiser did not produce a plan that can be trusted."""


class InfeasiblePlanError(OptimisationError):
    """In strict mode: a requirement or supply could not be met. ``shortfalls`` names them."""

    def __init__(self, message: str, shortfalls: tuple[str, ...] = ()) -> None:
        self.shortfalls = shortfalls
        super().__init__(message)


class SolverError(OptimisationError):
    """HiGHS failed, or ended with a status crudeflow does not accept as optimal."""


class StoreError(CrudeflowError):
    """The runs store cannot be used: missing, not a store, locked, or an unknown run id.

    The message names the file; for an unknown run id it suggests the closest stored ids.
    """
