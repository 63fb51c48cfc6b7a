"""HiGHS adapter: the only module that imports ``highspy``.

Arrays in (``c``, sparse ``A``, column and row bounds), a neutral :class:`LPResult` out. Every
``HighsModelStatus`` is mapped to crudeflow's own :class:`SolveStatus`; an unmapped or unknown
status is never taken as optimal. A :class:`HighsSession` keeps the solver and its basis so a
changed problem (new bounds: an outage draw, a requirement relaxed) re-solves warm.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> res = solve_lp(np.array([-1.0, -2.0]), sp.csc_matrix(np.array([[1.0, 1.0]])),
...                np.zeros(2), np.array([3.0, 1.0]), np.array([-np.inf]), np.array([2.0]))
>>> res.status, res.objective, res.x.tolist()
(<SolveStatus.OPTIMAL: 'optimal'>, -3.0, [1.0, 1.0])
"""

from __future__ import annotations

import contextlib
import enum
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crudeflow.errors import SolverError

__all__ = [
    "HighsSession",
    "LPResult",
    "MIPResult",
    "SolveStatus",
    "map_status",
    "solve_lp",
    "solve_mip",
    "status_map",
]

FloatArray = npt.NDArray[np.float64]


class SolveStatus(enum.Enum):
    """Outcome of a solve, independent of the solver library."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    INTERRUPTED = "interrupted"
    MODEL_ERROR = "model_error"
    SOLVER_ERROR = "solver_error"
    MEMORY_LIMIT = "memory_limit"
    EMPTY = "empty"
    NOT_SOLVED = "not_solved"
    UNKNOWN = "unknown"

    @property
    def ok(self) -> bool:
        """True only for a proven optimum (EMPTY counts: nothing to decide)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.EMPTY)


_STATUS_NAMES: dict[str, SolveStatus] = {
    "kNotset": SolveStatus.NOT_SOLVED,
    "kLoadError": SolveStatus.MODEL_ERROR,
    "kModelError": SolveStatus.MODEL_ERROR,
    "kPresolveError": SolveStatus.SOLVER_ERROR,
    "kSolveError": SolveStatus.SOLVER_ERROR,
    "kPostsolveError": SolveStatus.SOLVER_ERROR,
    "kModelEmpty": SolveStatus.EMPTY,
    "kOptimal": SolveStatus.OPTIMAL,
    "kInfeasible": SolveStatus.INFEASIBLE,
    "kUnboundedOrInfeasible": SolveStatus.INFEASIBLE_OR_UNBOUNDED,
    "kUnbounded": SolveStatus.UNBOUNDED,
    "kObjectiveBound": SolveStatus.INTERRUPTED,
    "kObjectiveTarget": SolveStatus.INTERRUPTED,
    "kTimeLimit": SolveStatus.TIME_LIMIT,
    "kIterationLimit": SolveStatus.ITERATION_LIMIT,
    "kUnknown": SolveStatus.UNKNOWN,
    "kSolutionLimit": SolveStatus.INTERRUPTED,
    "kInterrupt": SolveStatus.INTERRUPTED,
    "kMemoryLimit": SolveStatus.MEMORY_LIMIT,
    "kHighsInterrupt": SolveStatus.INTERRUPTED,
}


def _highspy() -> Any:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - highspy is a hard dependency
        raise SolverError("highspy is not installed: pip install highspy") from exc
    return highspy


def status_map() -> dict[Any, SolveStatus]:
    """Every ``highspy.HighsModelStatus`` member and the status crudeflow maps it to.

    Raises
    ------
    SolverError
        When the installed highspy has a status this adapter does not know (so an upgrade
        cannot silently turn a new failure mode into 'optimal').
    """
    members = _highspy().HighsModelStatus.__members__
    unknown = sorted(set(members) - set(_STATUS_NAMES))
    if unknown:
        raise SolverError(f"unmapped HiGHS model status(es): {', '.join(unknown)}")
    return {member: _STATUS_NAMES[name] for name, member in members.items()}


_BY_MEMBER: dict[Any, SolveStatus] = {}  # map_status by member (``.name`` costs ~1 us)


def map_status(status: Any) -> SolveStatus:
    """crudeflow's status for one ``HighsModelStatus`` (UNKNOWN for anything unmapped)."""
    try:
        return _BY_MEMBER[status]
    except (KeyError, TypeError):
        mapped = _STATUS_NAMES.get(getattr(status, "name", ""), SolveStatus.UNKNOWN)
        with contextlib.suppress(TypeError):  # an unhashable status object: not cached
            _BY_MEMBER[status] = mapped
        return mapped


@dataclass(frozen=True)
class LPResult:
    """A solve's outcome. Duals follow HiGHS's convention for a minimisation."""

    status: SolveStatus
    objective: float
    x: FloatArray
    col_dual: FloatArray
    row_dual: FloatArray
    row_value: FloatArray
    iterations: int
    seconds: float
    solver: str


@dataclass(frozen=True)
class MIPResult:
    """A MIP solve's outcome: the best solution found and how far from optimal it may be.

    ``status`` is OPTIMAL (proven within ``mip_rel_gap``) or a stop (TIME_LIMIT, INTERRUPTED,
    ITERATION_LIMIT, MEMORY_LIMIT) that may still carry an incumbent: ``has_solution``
    says whether ``x`` holds one (else NaN). ``gap`` is HiGHS's relative gap
    ``|objective - bound| / |objective|``, never negative: 0 at a proven optimum whose gap
    HiGHS leaves undefined (a model with no integer column), inf without a solution or
    without a finite bound.
    """

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    x: FloatArray
    has_solution: bool
    nodes: int
    seconds: float
    solver: str


_STOPS = frozenset(
    {
        SolveStatus.TIME_LIMIT,
        SolveStatus.ITERATION_LIMIT,
        SolveStatus.INTERRUPTED,
        SolveStatus.MEMORY_LIMIT,
    }
)
"""Statuses where HiGHS stopped early and its incumbent, if any, is a usable solution."""
_SOLUTION_FEASIBLE = 2  # HiGHS's kSolutionStatusFeasible


def _mip_gap(status: SolveStatus, has_solution: bool, gap: float) -> float:
    """The one gap rule of every MIP path (see :class:`MIPResult`).

    >>> inf = float("inf")
    >>> _mip_gap(SolveStatus.OPTIMAL, True, inf), _mip_gap(SolveStatus.TIME_LIMIT, True, -1e-12)
    (0.0, 0.0)
    >>> _mip_gap(SolveStatus.TIME_LIMIT, True, inf), _mip_gap(SolveStatus.INFEASIBLE, False, 0.0)
    (inf, inf)
    """
    if not has_solution:
        return float("inf")
    if not np.isfinite(gap):
        return 0.0 if status.ok else float("inf")
    return max(gap, 0.0)


_CREATED: list[bool] = []
"""Non-empty once this process has created a HiGHS instance (:func:`highs_created`)."""


def highs_created() -> bool:
    """Whether this process has created a HiGHS instance (whose solves may have started
    HiGHS's worker threads: a process forked after that would inherit a thread pool without
    its threads, so it must start its workers fresh).

    Examples
    --------
    >>> isinstance(highs_created(), bool)
    True
    """
    return bool(_CREATED)


def _new_highs(*, threads: int | None, time_limit: float | None) -> Any:
    hp = _highspy()
    if not _CREATED:
        _CREATED.append(True)
    # highspy.Highs() prints a banner on construction; the core class does not. Fall back to
    # the public class (with output off) if a future highspy hides the core one.
    cls = getattr(getattr(hp, "_core", None), "_Highs", None) or hp.Highs
    h = cls()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


class HighsSession:
    """One LP held by HiGHS, solvable again after bound changes (warm start from the basis).

    Parameters
    ----------
    c, A, col_lower, col_upper, row_lower, row_upper
        ``min c'x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``;
        ``A`` is any scipy sparse matrix (converted to CSC once).
    time_limit : float, optional
        Seconds before HiGHS stops (status TIME_LIMIT).
    """

    def __init__(
        self,
        c: FloatArray,
        A: sp.spmatrix | sp.sparray,
        col_lower: FloatArray,
        col_upper: FloatArray,
        row_lower: FloatArray,
        row_upper: FloatArray,
        *,
        time_limit: float | None = None,
        threads: int | None = None,
        integrality: npt.NDArray[np.int32] | None = None,
    ) -> None:
        hp = _highspy()
        t0 = time.perf_counter()
        csc = sp.csc_array(A)
        n_row, n_col = csc.shape
        if not (len(c) == len(col_lower) == len(col_upper) == n_col):
            raise SolverError(f"column arrays do not match A's {n_col} columns")
        if not (len(row_lower) == len(row_upper) == n_row):
            raise SolverError(f"row bounds do not match A's {n_row} rows")
        self._h = _new_highs(threads=threads, time_limit=time_limit)
        # The array form of passModel copies each array once in C++; filling a HighsLp's
        # fields from Python copies element by element (about 6x slower at 400k columns).
        status = self._h.passModel(
            n_col,
            n_row,
            int(csc.nnz),
            int(hp.MatrixFormat.kColwise),
            int(hp.ObjSense.kMinimize),
            0.0,
            np.ascontiguousarray(c, dtype=np.float64),
            np.ascontiguousarray(col_lower, dtype=np.float64),
            np.ascontiguousarray(col_upper, dtype=np.float64),
            np.ascontiguousarray(row_lower, dtype=np.float64),
            np.ascontiguousarray(row_upper, dtype=np.float64),
            np.ascontiguousarray(csc.indptr, dtype=np.int32),
            np.ascontiguousarray(csc.indices, dtype=np.int32),
            np.ascontiguousarray(csc.data, dtype=np.float64),
            np.zeros(n_col, dtype=np.int32)
            if integrality is None
            else np.ascontiguousarray(integrality, dtype=np.int32),
        )
        if status == hp.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model (passModel returned an error)")
        self.n_col = n_col
        self._all_cols: npt.NDArray[np.int32] | None = None
        self.n_row = n_row
        self.load_seconds = time.perf_counter() - t0

    def change_col_bounds(self, idx: npt.ArrayLike, lower: FloatArray, upper: FloatArray) -> None:
        """Set new bounds on columns ``idx`` (the basis is kept for the next solve)."""
        ix = np.ascontiguousarray(idx, dtype=np.int32)
        self._h.changeColsBounds(
            len(ix),
            ix,
            np.ascontiguousarray(lower, np.float64),
            np.ascontiguousarray(upper, np.float64),
        )

    def change_row_bounds(self, idx: npt.ArrayLike, lower: FloatArray, upper: FloatArray) -> None:
        """Set new bounds on rows ``idx`` (the basis is kept for the next solve)."""
        ix = np.ascontiguousarray(idx, dtype=np.int32)
        self._h.changeRowsBounds(
            len(ix),
            ix,
            np.ascontiguousarray(lower, np.float64),
            np.ascontiguousarray(upper, np.float64),
        )

    def change_costs(self, idx: npt.ArrayLike, cost: FloatArray) -> None:
        """Set new objective coefficients on columns ``idx``."""
        ix = np.ascontiguousarray(idx, dtype=np.int32)
        self._h.changeColsCost(len(ix), ix, np.ascontiguousarray(cost, np.float64))

    def set_col_bounds(self, lower: FloatArray, upper: FloatArray) -> None:
        """Set the bounds of every column at once (one call into HiGHS; the basis is kept).

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> s = HighsSession(np.array([-1.0]), sp.csc_array(np.ones((1, 1))), np.zeros(1),
        ...                  np.ones(1), np.array([-np.inf]), np.array([np.inf]))
        >>> s.set_col_bounds(np.zeros(1), np.array([2.5]))
        >>> s.solve_primal()[1].tolist()
        [2.5]
        """
        if self._all_cols is None:
            self._all_cols = np.arange(self.n_col, dtype=np.int32)
        self._h.changeColsBounds(
            self.n_col,
            self._all_cols,
            np.ascontiguousarray(lower, np.float64),
            np.ascontiguousarray(upper, np.float64),
        )

    def clear_solver(self) -> None:
        """Forget the basis and every other warm datum: the next solve starts cold, exactly as
        in a new session holding the same model and bounds."""
        self._h.clearSolver()

    def get_basis(self) -> Any:
        """The current basis (an opaque HiGHS object for :meth:`set_basis`)."""
        return self._h.getBasis()

    def set_basis(self, basis: Any) -> None:
        """Start the next solve from ``basis`` and nothing else: the solver's other warm
        data (factorisation, edge weights) is dropped first, so the next solve's path depends
        only on the model, its bounds and ``basis`` (reproducible whatever ran before)."""
        self._h.clearSolver()
        self._h.setBasis(basis)

    def solve_primal(self) -> tuple[SolveStatus, FloatArray]:
        """Run HiGHS warm and return only the status and the column values (NaN unless the
        status is ok): the lean re-solve of a Monte Carlo draw."""
        status = self._run_status()
        if not status.ok:
            return status, np.full(self.n_col, np.nan)
        # fromiter: the same floats as asarray of the list, in about two thirds of the time
        return status, np.fromiter(
            self._h.getSolution().col_value, dtype=np.float64, count=self.n_col
        )

    def bound_ranging(self) -> FloatArray | None:
        """For each column, how high its upper bound can rise before the optimal basis
        changes (HiGHS ranging after a solve); None when HiGHS cannot range this model.
        """
        status, ranging = self._h.getRanging()
        if status == _highspy().HighsStatus.kError or not getattr(ranging, "valid", True):
            return None
        return np.asarray(ranging.col_bound_up.value_, dtype=np.float64)

    # -- used by the two-stage investment model (crudeflow.invest.stochastic) ---------------
    def solve_with_duals(self) -> tuple[SolveStatus, float, FloatArray, FloatArray]:
        """Run HiGHS warm; (status, objective, column values, reduced costs), NaN unless ok."""
        status = self._run_status()
        if not status.ok:
            nan = np.full(self.n_col, np.nan)
            return status, float("nan"), nan, nan
        sol = self._h.getSolution()
        return (
            status,
            float(self._h.getInfo().objective_function_value),
            np.asarray(sol.col_value, dtype=np.float64),
            np.asarray(sol.col_dual, dtype=np.float64),
        )

    def row_duals(self) -> FloatArray:
        """The row duals of the last solve (for a minimisation, <= 0 on a binding ``<=`` row)."""
        return np.asarray(self._h.getSolution().row_dual, dtype=np.float64)

    def set_integer(self, idx: npt.ArrayLike) -> None:
        """Make columns ``idx`` integer (the model becomes a MIP)."""
        ix = np.ascontiguousarray(idx, dtype=np.int32)
        self._h.changeColsIntegrality(len(ix), ix, np.ones(len(ix), dtype=np.uint8))

    def set_option(self, name: str, value: float | int | bool | str) -> None:
        """Set one HiGHS option (e.g. ``mip_rel_gap``)."""
        self._h.setOptionValue(name, value)

    def add_rows(self, A: sp.spmatrix | sp.sparray, lower: FloatArray, upper: FloatArray) -> None:
        """Append the rows ``lower <= A x <= upper`` (``A`` has one column per model column)."""
        csr = sp.csr_array(A)
        self._h.addRows(
            csr.shape[0],
            np.ascontiguousarray(lower, np.float64),
            np.ascontiguousarray(upper, np.float64),
            int(csr.nnz),
            np.ascontiguousarray(csr.indptr[:-1], dtype=np.int32),
            np.ascontiguousarray(csr.indices, dtype=np.int32),
            np.ascontiguousarray(csr.data, dtype=np.float64),
        )
        self.n_row += csr.shape[0]

    def solve_mip(self) -> MIPResult:
        """Run HiGHS on a MIP (see :class:`MIPResult` for what a stop with an incumbent gives).

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> s = HighsSession(np.array([-1.0]), sp.csc_array(np.array([[2.0]])), np.zeros(1),
        ...                  np.array([5.0]), np.array([-np.inf]), np.array([3.0]))
        >>> s.set_integer([0])
        >>> res = s.solve_mip()
        >>> res.status.value, res.objective, res.gap, res.has_solution
        ('optimal', -1.0, 0.0, True)
        """
        t0 = time.perf_counter()
        status = self._run_status()
        seconds = time.perf_counter() - t0
        info = self._h.getInfo()
        has_solution = status.ok or (
            status in _STOPS and int(info.primal_solution_status) == _SOLUTION_FEASIBLE
        )
        if has_solution:
            x = np.asarray(self._h.getSolution().col_value, dtype=np.float64)
            objective = float(info.objective_function_value)
        else:
            x = np.full(self.n_col, np.nan)
            objective = float("nan")
        return MIPResult(
            status=status,
            objective=objective,
            bound=float(info.mip_dual_bound),
            gap=_mip_gap(status, has_solution, float(info.mip_gap)),
            x=x,
            has_solution=has_solution,
            nodes=int(info.mip_node_count),
            seconds=seconds,
            solver=f"HiGHS {_version()} (MIP)",
        )

    def _run_status(self) -> SolveStatus:
        """Run HiGHS and map its model status: the one status reader of every solve path.

        A run that HiGHS itself reports as an error (``HighsStatus.kError``) is never taken as
        optimal, whatever model status it left behind.
        """
        run_status = self._h.run()
        status = map_status(self._h.getModelStatus())
        if status.ok and run_status == _highspy().HighsStatus.kError:
            return SolveStatus.SOLVER_ERROR
        return status

    def solve(self) -> LPResult:
        """Run HiGHS (warm from the last basis when there is one)."""
        t0 = time.perf_counter()
        status = self._run_status()
        seconds = time.perf_counter() - t0
        info = self._h.getInfo()
        if status.ok:
            sol = self._h.getSolution()
            x = np.asarray(sol.col_value, dtype=np.float64)
            col_dual = np.asarray(sol.col_dual, dtype=np.float64)
            row_dual = np.asarray(sol.row_dual, dtype=np.float64)
            row_value = np.asarray(sol.row_value, dtype=np.float64)
            objective = float(info.objective_function_value)
        else:
            x = np.full(self.n_col, np.nan)
            col_dual = np.full(self.n_col, np.nan)
            row_dual = np.full(self.n_row, np.nan)
            row_value = np.full(self.n_row, np.nan)
            objective = float("nan")
        return LPResult(
            status=status,
            objective=objective,
            x=x,
            col_dual=col_dual,
            row_dual=row_dual,
            row_value=row_value,
            iterations=int(info.simplex_iteration_count),
            seconds=seconds,
            solver=f"HiGHS {_version()}",
        )


@cache
def _version() -> str:
    hp = _highspy()
    try:
        from importlib.metadata import version

        return version("highspy")
    except Exception:  # pragma: no cover
        return str(getattr(hp, "__version__", "?"))


def solve_lp(
    c: FloatArray,
    A: sp.spmatrix | sp.sparray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    *,
    time_limit: float | None = None,
) -> LPResult:
    """Solve ``min c'x`` subject to row and column bounds once (see :class:`HighsSession`)."""
    session = HighsSession(c, A, col_lower, col_upper, row_lower, row_upper, time_limit=time_limit)
    return session.solve()


def solve_mip(
    c: FloatArray,
    A: sp.spmatrix | sp.sparray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    integrality: npt.NDArray[np.int32],
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-6,
) -> MIPResult:
    """Solve ``min c'x`` with the columns where ``integrality == 1`` integer (branch and bound).

    At a time limit the incumbent (if any) is returned with its proven gap, never silently:
    the status says it is not optimal.

    Examples
    --------
    >>> res = solve_mip(np.array([-1.0, -1.0]), sp.csc_array(np.array([[2.0, 2.0]])),
    ...                 np.zeros(2), np.array([5.0, 5.0]), np.array([-np.inf]), np.array([3.0]),
    ...                 np.array([1, 1], dtype=np.int32))
    >>> res.status.value, res.objective, res.has_solution
    ('optimal', -1.0, True)
    """
    session = HighsSession(
        c,
        A,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        time_limit=time_limit,
        integrality=integrality,
    )
    session.set_option("mip_rel_gap", float(mip_rel_gap))
    return session.solve_mip()
