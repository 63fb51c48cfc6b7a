"""The HiGHS adapter maps every model status, and only a proven optimum counts as ok."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from crudeflow.solve.highs import SolveStatus, map_status, solve_lp, status_map

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
