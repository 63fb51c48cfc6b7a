"""The HiGHS adapter maps every model status, and only a proven optimum counts as ok."""

from __future__ import annotations

from types import SimpleNamespace

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from crudeflow.solve.highs import (
    HighsSession,
    SolveStatus,
    _mip_gap,
    map_status,
    solve_lp,
    solve_mip,
    status_map,
)

MEMBERS = dict(highspy.HighsModelStatus.__members__)
OK_NAMES = {"kOptimal", "kModelEmpty"}


def test_status_map_covers_every_member() -> None:
    mapping = status_map()
    assert set(mapping) == set(MEMBERS.values())
    assert all(isinstance(v, SolveStatus) for v in mapping.values())


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_each_member_is_mapped(name: str) -> None:
    member = MEMBERS[name]
    status = map_status(member)
    assert status == status_map()[member]
    assert status.ok is (name in OK_NAMES)
    # a real status never falls through to UNKNOWN unless HiGHS itself says 'unknown'
    assert (status is SolveStatus.UNKNOWN) == (name == "kUnknown")


def test_only_optimal_and_empty_are_ok() -> None:
    assert {s for s in SolveStatus if s.ok} == {SolveStatus.OPTIMAL, SolveStatus.EMPTY}
    assert map_status(highspy.HighsModelStatus.kOptimal) is SolveStatus.OPTIMAL
    assert map_status(highspy.HighsModelStatus.kModelEmpty) is SolveStatus.EMPTY


@pytest.mark.parametrize("thing", [object(), None, 7, "kOptimal", SolveStatus.OPTIMAL])
def test_unknown_object_maps_to_unknown(thing: object) -> None:
    status = map_status(thing)
    assert status is SolveStatus.UNKNOWN
    assert not status.ok


def _one_var(c: float, lo: float, hi: float, row_lo: float, row_hi: float) -> SolveStatus:
    return solve_lp(
        np.array([c]),
        sp.csc_array(np.array([[1.0]])),
        np.array([lo]),
        np.array([hi]),
        np.array([row_lo]),
        np.array([row_hi]),
    ).status


def test_feasible_lp_is_optimal() -> None:
    assert _one_var(1.0, 0.0, 5.0, 2.0, np.inf) is SolveStatus.OPTIMAL


def test_infeasible_lp() -> None:
    # 0 <= x <= 1 but x >= 2
    res = solve_lp(
        np.array([1.0]),
        sp.csc_array(np.array([[1.0]])),
        np.array([0.0]),
        np.array([1.0]),
        np.array([2.0]),
        np.array([np.inf]),
    )
    assert res.status is SolveStatus.INFEASIBLE
    assert not res.status.ok
    assert np.isnan(res.objective)
    assert np.isnan(res.x).all()


def test_unbounded_lp() -> None:
    # min -x - y, x, y >= 0, x - y free: no upper limit
    res = solve_lp(
        np.array([-1.0, -1.0]),
        sp.csc_array(np.array([[1.0, -1.0]])),
        np.zeros(2),
        np.full(2, np.inf),
        np.array([-np.inf]),
        np.array([np.inf]),
    )
    assert res.status in (SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED)
    assert not res.status.ok


def test_empty_lp_is_ok() -> None:
    res = solve_lp(
        np.zeros(0), sp.csc_array((0, 0)), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
    )
    assert res.status.ok


# -- every solve path reads a run's status through the one reader ---------------------------
class _StubHighs:
    """Stands in for HiGHS after a run: a given run status and model status, a 1-column answer."""

    def __init__(self, run_status: object, model_status: object) -> None:
        self.run_status, self.model_status = run_status, model_status

    def run(self) -> object:
        return self.run_status

    def getModelStatus(self) -> object:
        return self.model_status

    def getInfo(self) -> SimpleNamespace:
        return SimpleNamespace(
            objective_function_value=2.0,
            primal_solution_status=2,
            mip_gap=0.25,
            mip_dual_bound=1.5,
            mip_node_count=3,
            simplex_iteration_count=4,
        )

    def getSolution(self) -> SimpleNamespace:
        one = [1.0]
        return SimpleNamespace(col_value=one, col_dual=one, row_dual=one, row_value=one)


def _path_status(path: str, run_status: object, member: object) -> tuple[SolveStatus, bool]:
    """What one solve path reports for a stubbed run: (status, whether it returned values)."""
    s = HighsSession(
        np.ones(1), sp.csc_array(np.ones((1, 1))), np.zeros(1), np.ones(1), np.zeros(1), np.ones(1)
    )
    s._h = _StubHighs(run_status, member)
    if path == "solve":
        res = s.solve()
        return res.status, bool(np.isfinite(res.x).all())
    if path == "solve_primal":
        status, x = s.solve_primal()
        return status, bool(np.isfinite(x).all())
    if path == "solve_with_duals":
        status, _, x, _ = s.solve_with_duals()
        return status, bool(np.isfinite(x).all())
    mip = s.solve_mip()
    assert mip.has_solution is bool(np.isfinite(mip.x).all())
    return mip.status, mip.has_solution


PATHS = ["solve", "solve_primal", "solve_with_duals", "solve_mip"]
STOPS = {"kTimeLimit", "kIterationLimit", "kInterrupt", "kHighsInterrupt", "kSolutionLimit"}
STOPS |= {"kMemoryLimit", "kObjectiveBound", "kObjectiveTarget"}


@pytest.mark.parametrize("name", sorted(MEMBERS))
@pytest.mark.parametrize("path", PATHS)
def test_every_solve_path_maps_every_status_alike(path: str, name: str) -> None:
    status_map()  # fails on a member the adapter does not know
    status, has_values = _path_status(path, highspy.HighsStatus.kOk, MEMBERS[name])
    assert status is map_status(MEMBERS[name])
    # values only at a proven optimum; a MIP also keeps a stop's feasible incumbent
    assert has_values is (name in OK_NAMES or (path == "solve_mip" and name in STOPS))


@pytest.mark.parametrize("path", PATHS)
def test_every_solve_path_turns_a_run_error_into_a_solver_error(path: str) -> None:
    # HiGHS returned kError from run() but left an 'optimal' model status behind
    status, has_values = _path_status(
        path, highspy.HighsStatus.kError, highspy.HighsModelStatus.kOptimal
    )
    assert status is SolveStatus.SOLVER_ERROR and not has_values


@pytest.mark.parametrize(
    ("status", "has_solution", "gap", "expected"),
    [
        (SolveStatus.OPTIMAL, True, 0.01, 0.01),
        (SolveStatus.OPTIMAL, True, float("inf"), 0.0),  # no integer column: HiGHS gives inf
        (SolveStatus.OPTIMAL, True, -1e-12, 0.0),
        (SolveStatus.TIME_LIMIT, True, 0.3, 0.3),
        (SolveStatus.TIME_LIMIT, True, float("inf"), float("inf")),  # never 'proven' at a stop
        (SolveStatus.INFEASIBLE, False, 0.0, float("inf")),
    ],
)
def test_one_mip_gap_rule(
    status: SolveStatus, has_solution: bool, gap: float, expected: float
) -> None:
    assert _mip_gap(status, has_solution, gap) == expected


def test_session_and_module_mip_agree_at_a_time_limit() -> None:
    # a knapsack large enough that a 1e-9 s limit stops branch and bound
    rng = np.random.default_rng(7)
    n = 60
    w = rng.uniform(1, 10, n)
    args = (
        -rng.uniform(1, 10, n), sp.csc_array(w[None, :]), np.zeros(n), np.ones(n),
        np.array([-np.inf]), np.array([w.sum() / 3]),
    )  # fmt: skip
    module = solve_mip(*args, np.ones(n, dtype=np.int32), time_limit=1e-9)
    s = HighsSession(*args, time_limit=1e-9)
    s.set_integer(np.arange(n))
    s.set_option("mip_rel_gap", 1e-6)
    session = s.solve_mip()
    assert session.status is module.status is SolveStatus.TIME_LIMIT
    assert session.has_solution is module.has_solution
    assert session.gap == module.gap
