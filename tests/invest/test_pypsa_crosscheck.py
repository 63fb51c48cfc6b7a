"""Cross-check: the two-stage problem exported to PyPSA 1.4's stochastic optimisation
(``n.set_scenarios`` with the draws' weights, ``n.set_risk_preference`` for CVaR) gives the
same portfolio and objective as crudeflow's Benders, to 1e-6 relative, for K = 10 draws:
integer modules (PyPSA's ``p_nom_mod``) and the continuous relaxation on both sides."""

from __future__ import annotations

import dataclasses

import pytest

from crudeflow.invest.projects import Project
from crudeflow.invest.stochastic import (
    RiskPreference,
    TwoStageProblem,
    build_problem,
    solve_two_stage,
)
from crudeflow.montecarlo.outages import Hazard, OutageModel
from crudeflow.network.model import Network, toy_network

pytest.importorskip("pypsa")

from crudeflow.invest.pypsa_export import pypsa_network, pypsa_portfolio


def storm_network() -> tuple[Network, tuple[Project, ...]]:
    """The toy network with storms on its cheap sea leg B_M, 1 Mt of storage at hub B, the
    A_M rail cut to 2 Mt/yr, and two projects: rail modules (0.5 Mt/yr each) and a hub block."""
    net = toy_network()
    storm = Hazard("storm", "event", "route", "B_M", events_per_year=3.0, median_days=20.0,
                   p90_days=60.0, lost_min=0.5, lost_max=1.0)  # fmt: skip
    routes = tuple(dataclasses.replace(r, capacity_mtpa=2.0) if r.id == "A_M" else r
                   for r in net.routes)  # fmt: skip
    nodes = tuple(dataclasses.replace(x, storage_mt=1.0) if x.id == "B" else x for x in net.nodes)
    net = dataclasses.replace(net, routes=routes, nodes=nodes, outages=OutageModel((storm,)))
    projects = (
        Project(id="RAIL", name="rail cars", route="A_M", adds_mtpa=0.5, modules_max=6,
                capex_musd=1800.0, opex_musd_per_yr=5.0, lifetime_years=20, earliest_year=2025),
        Project(id="HUB", name="hub", route="A_B", adds_mtpa=2.0, modules_max=1,
                capex_musd=200.0, opex_musd_per_yr=2.0, lifetime_years=20, earliest_year=2025),
    )  # fmt: skip
    return net, projects


def _check(prob: TwoStageProblem, net: Network, *, integer: bool) -> dict[str, float]:
    ours = solve_two_stage(prob, relax=not integer)
    theirs, objective = pypsa_portfolio(pypsa_network(prob, net, integer=integer), prob)
    assert objective == pytest.approx(ours.objective_musd_per_yr, rel=1e-6)
    for pid, built in ours.modules.items():
        assert theirs[pid] == pytest.approx(built, rel=1e-6, abs=1e-6)
    return {k: float(v) for k, v in ours.modules.items()}


@pytest.mark.parametrize(
    "risk",
    [None, pytest.param(RiskPreference(0.8, 0.5), marks=pytest.mark.slow)],
    ids=["neutral", "cvar"],
)
def test_pypsa_stochastic_optimisation_gives_the_same_portfolio_and_objective(
    risk: RiskPreference | None,
) -> None:
    net, projects = storm_network()
    prob = build_problem(net, projects, year=2025, draws=10, seed=3, risk=risk)
    assert prob.n_distinct == 10
    relaxed = _check(prob, net, integer=False)
    built = _check(prob, net, integer=True)
    # an interior portfolio (not every module, not none): the check is not a corner case
    assert 0 < built["RAIL"] < 6
    assert 0 < relaxed["RAIL"] < 6 and relaxed["RAIL"] != round(relaxed["RAIL"])
