"""The deterministic investment MILP on tiny networks whose best portfolio is worked out by hand.

The toy network (crudeflow.network.model.toy_network): field A offers 12 Mt; A -> B (11 Mt/yr,
5 USD/t) -> M (10 Mt/yr, 3 USD/t) or A -> M directly (4 Mt/yr, 20 USD/t); M pays 600 USD/t.
Without projects A-B-M carries 10 Mt and A-M 2 Mt: netback 12 x 600 - (10 x 8 + 2 x 20) = 7,080.
Each tonne moved from A-M to A-B-M earns 20 - 8 = 12 USD; A-B (11) caps that at 1 Mt.
Costs use a 0% discount rate and 20-year lives, so a module's annualised cost is capex / 20.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crudeflow.invest import Project, plan_portfolio
from crudeflow.invest.deterministic import TIE_BREAK_MUSD_PER_YR, build_investment_model
from crudeflow.network.model import Market, Network, Route, Supply, toy_network
from crudeflow.solve.highs import SolveStatus
from crudeflow.solve.lp import Periods


def project(pid: str, route: str, adds: float, capex: float, modules: int = 1, **kw) -> Project:
    fields = dict(
        id=pid,
        name=pid.title(),
        route=route,
        adds_mtpa=adds,
        modules_max=modules,
        capex_musd=capex,
        opex_musd_per_yr=0.0,
        lifetime_years=20,
        earliest_year=2026,
    )
    fields.update(kw)
    return Project(**fields)  # type: ignore[arg-type]


BIG = project("BIG", "B_M", 4.0, 100.0)  # 5 USD m a year for 4 Mt/yr
MOD = project("MOD", "B_M", 0.5, 4.0, modules=10)  # 0.2 USD m a year per 0.5 Mt/yr


def toy(*projects: Project) -> Network:
    return dataclasses.replace(toy_network(), projects=projects)


def built(p) -> dict[str, int]:
    return {b.project: b.modules for b in p.builds}


def test_modules_beat_a_block_and_stop_where_the_next_module_earns_less_than_it_costs() -> None:
    # 2 modules (1 Mt/yr, 0.4/yr) reach 11 via B; a third would move nothing (A-B binds at 11)
    p = plan_portfolio(toy(BIG, MOD), requirements=["via B >= 11 Mt/yr"], discount_rate=0.0)
    assert p.status is SolveStatus.OPTIMAL and p.mip_gap == 0.0
    assert built(p) == {"MOD": 2}
    assert p.annualised_cost_musd_per_yr == pytest.approx(0.4)
    assert p.capex_musd == pytest.approx(8.0)
    assert p.capacity_added_mtpa == pytest.approx(1.0)
    assert p.capacity_added_by_route == {"B_M": pytest.approx(1.0)}
    assert p.cost_usd_per_t == pytest.approx(0.4)
    assert p.target_gain_mtpa == pytest.approx(1.0)  # via B: 10 -> 11
    assert p.cost_usd_per_t_moved == pytest.approx(0.4)
    assert p.baseline_netback_musd_per_yr == pytest.approx(7080.0)
    assert p.netback_gain_musd_per_yr == pytest.approx(12.0)
    assert p.net_cost_musd_per_yr == pytest.approx(0.4 - 12.0)
    assert p.shortfalls == ()
    assert [r.achieved for r in p.baseline_shortfalls] == [pytest.approx(10.0)]
    # objective = cost - netback over the (one-year) horizon
    assert p.objective_musd == pytest.approx(0.4 - 7092.0, abs=1e-6)


def test_without_a_requirement_projects_are_built_only_where_they_pay() -> None:
    # the first two modules earn 6 USD m a year each for 0.2; BIG would earn the same 12 for 5
    p = plan_portfolio(toy(BIG, MOD), discount_rate=0.0)
    assert built(p) == {"MOD": 2}
    expensive = project("DEAR", "B_M", 1.0, 400.0)  # 20 a year > 12 earned
    assert built(plan_portfolio(toy(expensive), discount_rate=0.0)) == {}


def test_discount_rate_annualises_capex_with_the_capital_recovery_factor() -> None:
    p = plan_portfolio(toy(BIG), requirements=["via B >= 11 Mt/yr"], discount_rate=0.08)
    crf = 0.08 * 1.08**20 / (1.08**20 - 1)
    assert built(p) == {"BIG": 1}
    assert p.annualised_cost_musd_per_yr == pytest.approx(100.0 * crf)


def test_requires_builds_the_prerequisite_with_the_project() -> None:
    # MOD needs PERMIT (0.5 a year, on A-B, +0.001): MOD x2 + PERMIT = 0.9 < BIG = 5
    permit = project("PERMIT", "A_B", 0.001, 10.0)
    mod = dataclasses.replace(MOD, requires=("PERMIT",))
    p = plan_portfolio(toy(BIG, mod, permit), requirements=["via B >= 11 Mt/yr"], discount_rate=0)
    assert built(p) == {"MOD": 2, "PERMIT": 1}
    assert p.annualised_cost_musd_per_yr == pytest.approx(0.9)


def test_excludes_keeps_two_projects_apart_even_when_both_would_pay() -> None:
    # MOD (at most 1 module) + HALF would reach 11 for 0.5 a year; excluded, BIG (5) is next best
    mod1 = dataclasses.replace(MOD, modules_max=1, excludes=("HALF",))
    half = project("HALF", "B_M", 0.5, 6.0)
    free = plan_portfolio(toy(BIG, dataclasses.replace(mod1, excludes=()), half),
                          requirements=["via B >= 11 Mt/yr"], discount_rate=0)  # fmt: skip
    assert built(free) == {"MOD": 1, "HALF": 1}
    p = plan_portfolio(toy(BIG, mod1, half), requirements=["via B >= 11 Mt/yr"], discount_rate=0)
    assert built(p) == {"BIG": 1}


def test_a_planned_route_is_created_by_its_project() -> None:
    net = toy_network()
    line = Route("A_M2", "A", "M", "pipeline", 9.0, 1.0, ("KZ", "TR"), status="planned")
    net = dataclasses.replace(net.replace_routes([]), routes=(*net.routes, line))
    # the planned route's own 9 Mt/yr is not available: only what the project adds (2 Mt/yr)
    newline = project("NEWLINE", "A_M2", 2.0, 20.0)
    p = plan_portfolio(dataclasses.replace(net, projects=(newline,)), discount_rate=0)
    assert built(p) == {"NEWLINE": 1}
    assert p.plan.routes.loc["A_M2", "flow_mtpa"] == pytest.approx(2.0)
    # 2 Mt moved from A-M (20) to A-M2 (1): +38 USD m a year for 1 a year
    assert p.netback_gain_musd_per_yr == pytest.approx(38.0)


def test_a_target_the_projects_cannot_reach_is_a_shortfall_with_what_binds() -> None:
    p = plan_portfolio(toy(BIG, MOD), requirements=["via B >= 13 Mt/yr"], discount_rate=0)
    assert built(p)  # the most that can be reached is built...
    (short,) = p.shortfalls  # ...and the rest is a shortfall, not an error
    assert short.achieved == pytest.approx(11.0) and short.shortfall == pytest.approx(2.0)
    # A-B and B-M both run full at 11 (a degenerate optimum: either may carry the dual)
    assert p.shortfall_routes and set(p.shortfall_routes) <= {"A_B", "B_M"}
    text = " ".join(p.sentences())
    assert "via B >= 13 Mt/yr cannot be reached with the listed projects: the most is 11" in text


def test_next_project_is_the_cheapest_further_step() -> None:
    p = plan_portfolio(toy(BIG, MOD), requirements=["via B >= 11 Mt/yr"], discount_rate=0)
    nxt = p.next_project
    assert nxt is not None and nxt.project == "MOD"  # 0.2 a year, BIG 5
    assert nxt.annualised_cost_musd_per_yr == pytest.approx(0.2)
    assert nxt.netback_gain_musd_per_yr == pytest.approx(0.0, abs=1e-6)


def test_in_service_by_leaves_late_projects_out() -> None:
    late = dataclasses.replace(MOD, earliest_year=2031)
    p = plan_portfolio(
        toy(BIG, late), requirements=["via B >= 11 Mt/yr"], discount_rate=0, in_service_by=2030
    )
    assert built(p) == {"BIG": 1} and p.left_out == ("MOD",)


def test_capacity_rows_follow_the_documented_formula() -> None:
    net = toy(BIG, MOD)
    m = build_investment_model(net, Periods.monthly(2025), discount_rate=0.0)
    R = m.lp.n_routes
    r = m.lp.route_ids.index("B_M")
    f = Periods.monthly(2025).fraction
    for t in (0, 5, 11):
        row = m.capacity_rows[(t, r)]
        coefs = m.A.toarray()[row]
        assert coefs[m.lp.block("x").start + t * R + r] == 1.0
        assert coefs[m.n_start + 0] == pytest.approx(-4.0 * f[t])
        assert coefs[m.n_start + 1] == pytest.approx(-0.5 * f[t])
        assert m.row_upper[row] == pytest.approx(10.0 * f[t])
    # objective: annualised cost over the horizon (+ the documented tie-break)
    assert m.c[m.n_start] == pytest.approx(5.0 + TIE_BREAK_MUSD_PER_YR)
    assert np.all(m.integrality[m.n_start :] == 1)


def test_portfolio_to_dict_names_figures_by_kind() -> None:
    p = plan_portfolio(toy(BIG, MOD), requirements=["via B >= 11 Mt/yr"], discount_rate=0)
    d = p.to_dict()
    assert d["builds"][0]["capacity_added_mtpa"] == 1.0
    assert d["annualised_cost_musd_per_yr"] == 0.4 and d["capex_musd"] == 8.0
    assert d["no_projects"]["netback_musd_per_yr"] == 7080.0
    assert d["status"] == "optimal" and d["mip_gap"] == 0.0
    assert d["sentences"] == p.sentences()
    money = [k for k in d if "musd" in k or "mtpa" in k or k.endswith("_mt")]
    assert all(k.endswith(("_musd", "_musd_per_yr", "_mtpa", "_mt")) for k in money), money


def test_a_scenario_horizon_of_months_plans_with_projects_in_every_month() -> None:
    from crudeflow.scenario import parse_scenario

    sc = parse_scenario("name: q4\ntitle: q4\nhorizon: {start: 2025-10, end: 2025-12}\n")
    p = plan_portfolio(toy(BIG, MOD), scenario=sc, requirements=["via B >= 11 Mt/yr"],
                       discount_rate=0)  # fmt: skip
    assert built(p) == {"MOD": 2}
    assert p.horizon_years == pytest.approx(92 / 365)
    assert p.annualised_cost_musd == pytest.approx(0.4 * 92 / 365)


def knapsack(n: int = 300) -> tuple[Network, float]:
    """n parallel planned lines A -> M, one block project each (w_i Mt/yr for w_i + 0.05 a
    year), crude worth nothing at M, and a target of half the total: a subset-sum cover, which
    branch and bound cannot close in a fraction of a second."""
    rng = np.random.default_rng(7)
    w = rng.integers(200, 1000, n) / 100
    net = toy_network()
    routes = tuple(
        Route(f"L{i}", "A", "M", "pipeline", 0.0, 0.0, ("KZ", "TR"), status="planned")
        for i in range(n)
    )
    projects = tuple(
        project(f"P{i}", f"L{i}", float(w[i]), float(w[i] * 20 + 1.0)) for i in range(n)
    )
    total = float(w.sum())
    net = dataclasses.replace(
        net,
        routes=routes,
        supply=(Supply("A", 2025, total),),
        markets=(Market("M", "G", -80.0),),
        projects=projects,
    )
    return net, total / 2 + 0.005


def test_a_time_limit_returns_the_best_portfolio_found_with_its_proven_gap() -> None:
    net, target = knapsack()
    p = plan_portfolio(
        net, requirements=[f"via M >= {target:.3f} Mt/yr"], discount_rate=0, time_limit=0.2
    )
    assert p.status is SolveStatus.TIME_LIMIT and not p.optimal
    assert 0.0 < p.mip_gap < 0.05
    assert p.bound_musd <= p.objective_musd
    assert p.builds and p.shortfalls == ()  # the incumbent meets the target
    assert p.to_dict()["mip_gap"] == pytest.approx(p.mip_gap, abs=1e-6)
    assert any("not proven the cheapest" in s for s in p.sentences())


def test_a_time_limit_before_any_portfolio_is_a_solver_error_not_an_empty_portfolio() -> None:
    from crudeflow.errors import SolverError

    net, target = knapsack(50)
    with pytest.raises(SolverError, match="before finding any portfolio"):
        plan_portfolio(
            net, requirements=[f"via M >= {target:.3f} Mt/yr"], discount_rate=0, time_limit=1e-9
        )


def test_solve_mip_reports_an_infeasible_model_without_a_solution() -> None:
    import scipy.sparse as sp

    from crudeflow.solve.highs import solve_mip

    # x integer in [0, 1] and x >= 2: infeasible
    res = solve_mip(
        np.array([1.0]), sp.csc_array(np.ones((1, 1))), np.zeros(1), np.ones(1),
        np.array([2.0]), np.array([np.inf]), np.array([1], dtype=np.int32),
    )  # fmt: skip
    assert res.status is SolveStatus.INFEASIBLE and not res.has_solution
    assert np.isnan(res.x).all() and res.gap == float("inf")


BAN = """name: az-ban
title: AZ ban
horizon: {{year: 2025}}
changes:
  - ban: AZ
    from: 2025-01
{until}    source: "estimate: a ban for the test"
"""


@pytest.mark.parametrize(
    ("until", "reached"),
    [("", 0.0), ("    to: 2025-06\n", 8.0 * 184 / 365)],  # open July-December
    ids=["whole-year", "january-june"],
)
def test_a_scenario_ban_closes_project_capacity_too(until: str, reached: float) -> None:
    from crudeflow.scenario import parse_scenario

    # A-M crosses AZ: 4 Mt/yr, and a project doubling it; the route must carry 6 Mt/yr
    alt = project("ALT", "A_M", 4.0, 20.0)
    sc = parse_scenario(BAN.format(until=until))
    p = plan_portfolio(
        toy(alt), scenario=sc, requirements=["route A_M >= 6 Mt/yr"], discount_rate=0
    )
    (short,) = p.shortfalls
    assert short.achieved == pytest.approx(reached, abs=1e-6)
    assert built(p) == ({} if reached == 0 else {"ALT": 1})
