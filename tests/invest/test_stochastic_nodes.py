"""Node projects in the two-stage model (docs/dataset-format.md "Node projects"): a project
that raises a node's loading limit is valued per draw, by Benders and the extensive form alike
(hand-computed on the toy network)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crudeflow.invest import Project
from crudeflow.invest.stochastic import evaluate_portfolio, problem_from_factors, solve_two_stage
from crudeflow.network.model import Network, toy_network


def limited_toy() -> Network:
    """The toy network (A_B 11, B_M 10 at 8 USD/t together, A_M 4 at 20 USD/t, 12 Mt at A,
    600 USD/t at M) with a loading limit of 6 Mt/yr at hub B."""
    net = toy_network()
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=6.0) if n.id == "B" else n for n in net.nodes
    )
    return dataclasses.replace(net, nodes=nodes)


def rail_out() -> np.ndarray:
    """Draw 0: no outage; draw 1: A_M (route 2) closed all year."""
    f = np.ones((2, 3, 12))
    f[1, 2, :] = 0.0
    return f


def berths(capex_musd: float, adds: float = 4.0, modules: int = 1) -> Project:
    # 20-year life at 0%: capex / 20 a year per module
    return Project("BERTHS_B", "Berths at B", "", adds, modules, capex_musd, 0.0, 20, 2025,
                   node="B")  # fmt: skip


def test_two_stage_builds_berths_the_outages_make_worth_it() -> None:
    # netback (USD m a year), via B at 592 USD/t and A_M at 580:
    #   draw 0 without: 6 x 592 + 4 x 580 = 5,872; with (B 10): 10 x 592 + 2 x 580 = 7,080
    #   draw 1 without: 6 x 592 = 3,552;            with:        10 x 592 = 5,920
    # mean gain (1,208 + 2,368) / 2 = 1,788: built at 1,700 a year, not at 1,900
    for cost, built in ((1700.0, 1), (1900.0, 0)):
        prob = problem_from_factors(limited_toy(), (berths(cost * 20),), rail_out(), year=2025,
                                    discount_rate=0.0)  # fmt: skip
        for method in ("benders", "extensive"):
            sol = solve_two_stage(prob, method=method)  # type: ignore[arg-type]
            assert sol.modules == {"BERTHS_B": built}, method
            want = cost - 6500.0 if built else -(5872.0 + 3552.0) / 2
            assert sol.objective_musd_per_yr == pytest.approx(want, abs=1e-6), method


@pytest.mark.parametrize(("cost", "built", "objective"), [(400.0, 2, 800.0 - 5896.0),
                                                          (250.0, 4, 1000.0 - 6500.0)])  # fmt: skip
def test_two_stage_sizes_modular_berths_by_the_mean_marginal_value(
    cost: float, built: int, objective: float
) -> None:
    # 1 Mt/yr modules: the 1st and 2nd take shut-in oil in both draws (592 each); the 3rd and
    # 4th move oil off A_M in draw 0 (12) and take shut-in oil in draw 1 (592): 302 on average;
    # beyond 4, B_M's 10 Mt/yr binds (0). At n = 2: draw 0 8 x 592 + 4 x 580 = 7,056, draw 1
    # 8 x 592 = 4,736, mean 5,896; at n = 4 the mean is 6,500.
    prob = problem_from_factors(limited_toy(), (berths(cost * 20, 1.0, 6),), rail_out(),
                                year=2025, discount_rate=0.0)  # fmt: skip
    for method in ("benders", "extensive"):
        sol = solve_two_stage(prob, method=method)  # type: ignore[arg-type]
        assert sol.modules == {"BERTHS_B": built}, method
        assert sol.objective_musd_per_yr == pytest.approx(objective, abs=1e-6), method


def test_evaluating_a_portfolio_raises_the_node_limit_per_draw() -> None:
    prob = problem_from_factors(limited_toy(), (berths(0.0),), rail_out(), year=2025,
                                discount_rate=0.0)  # fmt: skip
    out = evaluate_portfolio(prob, {"BERTHS_B": 1})
    assert out.netback_musd.tolist() == pytest.approx([7080.0, 5920.0])
    none = evaluate_portfolio(prob, {"BERTHS_B": 0})
    assert none.netback_musd.tolist() == pytest.approx([5872.0, 3552.0])


def test_two_stage_node_project_without_a_limit_is_an_error() -> None:
    free = dataclasses.replace(berths(1.0), node="A")
    with pytest.raises(ValueError, match="no loading limit at node 'A'"):
        problem_from_factors(limited_toy(), (free,), rail_out(), year=2025)


def test_pypsa_export_refuses_loading_limits_rather_than_drop_them() -> None:
    from crudeflow.invest.pypsa_export import pypsa_network

    prob = problem_from_factors(limited_toy(), (berths(1.0),), rail_out(), year=2025)
    with pytest.raises(ValueError, match="node loading limits"):
        pypsa_network(prob, limited_toy())
