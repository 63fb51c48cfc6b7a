"""The two-stage (risk-aware) investment model: hand-computed portfolios, Benders against the
extensive form, the seed, and the value of the stochastic solution."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crudeflow.invest.projects import Project
from crudeflow.invest.stochastic import (
    RiskPreference,
    build_problem,
    evaluate_portfolio,
    expected_value_problem,
    paired_difference,
    parse_risk,
    problem_from_factors,
    solve_two_stage,
)
from crudeflow.montecarlo.outages import Hazard, OutageModel
from crudeflow.network.model import (
    Benchmark,
    DatasetMeta,
    Grade,
    Market,
    Network,
    Node,
    Route,
    Supply,
    toy_network,
)

PENALTY_USD_PER_T = 10_000.0


def bypass_network() -> Network:
    """Field A (10 Mt/yr) to market M (8 bbl/t x 75 USD/bbl = 600 USD/t): a cheap route
    (10 USD/t, 10 Mt/yr) and a planned bypass (30 USD/t) that only a project opens."""
    meta = DatasetMeta(name="bp", title="Bypass", producer="KZ", base_year=2025, default_grade="G")
    return Network(
        meta=meta,
        grades={"G": Grade("G", "grade", 8.0, "estimate: test")},
        nodes=(
            Node("A", "Field A", "field", "KZ", 45.0, 50.0),
            Node("M", "Market M", "market", "TR", 40.0, 30.0),
        ),
        routes=(
            Route("CHEAP", "A", "M", "pipeline", 10.0, 10.0, ("KZ", "TR")),
            Route("BYP", "A", "M", "pipeline", 0.0, 30.0, ("KZ", "TR"), status="planned"),
        ),
        supply=(Supply("A", 2025, 10.0),),
        markets=(Market("M", "G", -5.0),),
        benchmarks=(Benchmark(2025, 80.0),),
    )


def bypass(cost_per_yr: float) -> Project:
    """A 10 Mt/yr bypass block whose annualised cost is ``cost_per_yr`` (zero discount rate,
    one-year life: capex/1 + opex)."""
    return Project(
        id="BYPASS", name="Bypass", route="BYP", adds_mtpa=10.0, modules_max=1,
        capex_musd=cost_per_yr, opex_musd_per_yr=0.0, lifetime_years=1, earliest_year=2025,
    )  # fmt: skip


def two_draws() -> np.ndarray:
    """Draw 0: no outage; draw 1: the cheap route closed all year (R=2 routes, 12 months)."""
    f = np.ones((2, 2, 12))
    f[1, 0, :] = 0.0
    return f


def test_risk_aware_builds_the_bypass_a_cheap_route_often_out_makes_worth_it() -> None:
    # By hand (USD m a year): the cheap route earns (600 - 10) x 10 = 5,900 when up; the
    # bypass earns (600 - 30) x 10 = 5,700 when the cheap route is out. Half the years the
    # cheap route is out, so the bypass is worth 0.5 x 5,700 = 2,850 a year on average: built
    # at 2,000, not at 3,000. Planned for a year without outages it is never built.
    for cost, built in ((2000.0, 1), (3000.0, 0)):
        prob = problem_from_factors(bypass_network(), (bypass(cost),), two_draws(), year=2025,
                                    discount_rate=0.0)  # fmt: skip
        sol = solve_two_stage(prob)
        assert sol.modules == {"BYPASS": built}
        expected = -5900.0 / 2 + (cost - 5700.0 / 2 if built else 0.0)
        assert sol.objective_musd_per_yr == pytest.approx(expected, abs=1e-6)
    no_outage = problem_from_factors(bypass_network(), (bypass(2000.0),), np.ones((1, 2, 12)),
                                     year=2025, discount_rate=0.0)  # fmt: skip
    assert solve_two_stage(no_outage).modules == {"BYPASS": 0}


def test_cvar_weight_builds_the_bypass_the_risk_neutral_portfolio_skips() -> None:
    # cost 3,000: risk-neutral skips it (-2,950 without vs -5,800 + 3,000 = -2,800 with).
    # CVaR_0.5 is the worse draw: 0 without the bypass, -5,700 with it. With weight 0.5:
    # without 0.5 x -2,950 + 0.5 x 0 = -1,475; with 3,000 + 0.5 x -5,800 + 0.5 x -5,700 = -2,750.
    prob = problem_from_factors(bypass_network(), (bypass(3000.0),), two_draws(), year=2025,
                                discount_rate=0.0, risk=RiskPreference(0.5, 0.5))  # fmt: skip
    for method in ("benders", "extensive"):
        sol = solve_two_stage(prob, method=method)  # type: ignore[arg-type]
        assert sol.modules == {"BYPASS": 1}
        assert sol.objective_musd_per_yr == pytest.approx(-2750.0, abs=1e-6)
        assert sol.cvar_recourse_musd_per_yr == pytest.approx(-5700.0, abs=1e-6)


def hazard_toy() -> tuple[Network, tuple[Project, ...]]:
    """The toy network with outages on its cheap leg and three projects (modules, a block that
    requires another, an exclusive pair)."""
    net = toy_network()
    storm = Hazard("storm", "event", "route", "B_M", events_per_year=3.0, median_days=20.0,
                   p90_days=60.0, lost_min=0.5, lost_max=1.0)  # fmt: skip
    rail = Hazard("rail", "event", "route", "A_M", events_per_year=1.0, median_days=10.0,
                  p90_days=30.0, lost_min=1.0)  # fmt: skip
    routes = tuple(dataclasses.replace(r, capacity_mtpa=2.0) if r.id == "A_M" else r
                   for r in net.routes)  # fmt: skip
    net = dataclasses.replace(net, routes=routes, outages=OutageModel((storm, rail)))
    base = {"lifetime_years": 20, "earliest_year": 2025}
    projects = (
        Project(id="RAIL", name="rail cars", route="A_M", adds_mtpa=0.5, modules_max=6,
                capex_musd=150.0, opex_musd_per_yr=5.0, **base),  # type: ignore[arg-type]
        Project(id="HUB", name="hub", route="A_B", adds_mtpa=2.0, modules_max=1,
                capex_musd=200.0, opex_musd_per_yr=2.0, **base),  # type: ignore[arg-type]
        Project(id="JETTY", name="jetty", route="B_M", adds_mtpa=2.0, modules_max=1,
                capex_musd=250.0, opex_musd_per_yr=2.0, requires=("HUB",), **base),  # type: ignore[arg-type]
        Project(id="JETTY2", name="other jetty", route="B_M", adds_mtpa=3.0, modules_max=1,
                capex_musd=500.0, opex_musd_per_yr=2.0, excludes=("JETTY",), **base),  # type: ignore[arg-type]
    )  # fmt: skip
    return net, projects


@pytest.mark.parametrize("risk", [None, RiskPreference(0.9, 0.5)])
def test_benders_equals_the_extensive_form_on_small_samples(risk: RiskPreference | None) -> None:
    net, projects = hazard_toy()
    prob = build_problem(net, projects, year=2025, draws=30, seed=3, risk=risk)
    assert prob.n_distinct > 5
    e = solve_two_stage(prob, method="extensive")
    for groups in (None, 4, 1):  # one cut per draw, grouped cuts, a single aggregated cut
        b = solve_two_stage(prob, method="benders", groups=groups)
        assert b.modules == e.modules
        assert b.objective_musd_per_yr == pytest.approx(e.objective_musd_per_yr, rel=1e-9)
    rb = solve_two_stage(prob, method="benders", relax=True)
    re_ = solve_two_stage(prob, method="extensive", relax=True)
    assert rb.objective_musd_per_yr == pytest.approx(re_.objective_musd_per_yr, rel=1e-7)
    assert rb.objective_musd_per_yr <= b.objective_musd_per_yr + 1e-6


def test_requires_and_excludes_hold_in_the_portfolio() -> None:
    net, projects = hazard_toy()
    prob = build_problem(net, projects, year=2025, draws=30, seed=3)
    sol = solve_two_stage(prob)
    if sol.modules["JETTY"]:
        assert sol.modules["HUB"] == 1
    assert not (sol.modules["JETTY"] and sol.modules["JETTY2"])


def test_same_seed_same_portfolio_and_objective() -> None:
    net, projects = hazard_toy()
    a = solve_two_stage(build_problem(net, projects, year=2025, draws=40, seed=11))
    b = solve_two_stage(build_problem(net, projects, year=2025, draws=40, seed=11))
    assert a.modules == b.modules
    assert a.objective_musd_per_yr == b.objective_musd_per_yr
    c = build_problem(net, projects, year=2025, draws=40, seed=12)
    assert not np.array_equal(c.factors, build_problem(net, projects, year=2025, draws=40,
                                                        seed=11).factors)  # fmt: skip


def test_draws_are_the_risk_engines_and_identical_draws_are_merged() -> None:
    from crudeflow.montecarlo.sampling import sample_capacity_factors
    from crudeflow.solve.lp import Periods

    net, projects = hazard_toy()
    prob = build_problem(net, projects, year=2025, draws=50, seed=5)
    raw = sample_capacity_factors(net.outages, net, Periods.monthly(2025), seed=5, draws=50)
    assert np.array_equal(prob.factors[prob.draw_index], raw.factors)
    assert prob.weight.sum() == pytest.approx(1.0)
    assert prob.n_distinct <= prob.n_draws


def test_evaluation_matches_the_in_sample_objective() -> None:
    net, projects = hazard_toy()
    prob = build_problem(net, projects, year=2025, draws=30, seed=3)
    sol = solve_two_stage(prob)
    out = evaluate_portfolio(prob, sol.modules)
    assert float(out.total_musd.mean()) == pytest.approx(sol.objective_musd_per_yr, rel=1e-9)
    assert float(out.netback_musd.mean()) == pytest.approx(
        sol.expected_netback_musd_per_yr, rel=1e-9
    )


def test_value_of_the_stochastic_solution_is_paired_on_fresh_draws() -> None:
    prob = problem_from_factors(bypass_network(), (bypass(2000.0),), two_draws(), year=2025,
                                discount_rate=0.0)  # fmt: skip
    ev = solve_two_stage(expected_value_problem(prob))
    # mean factor 0.5 on the cheap route: 5 Mt through it, 5 through the bypass (worth 2,850)
    assert ev.modules == {"BYPASS": 1}
    det = evaluate_portfolio(prob, {"BYPASS": 0})
    risk = evaluate_portfolio(prob, {"BYPASS": 1})
    d = paired_difference(det.total_musd, risk.total_musd)
    assert d.mean == pytest.approx(850.0)  # -2,950 - (-5,800 + 2,000)


def test_parse_risk_rejects_bad_text() -> None:
    assert parse_risk("cvar:0.95:0.3") == RiskPreference(0.95, 0.3)
    for bad in ("cvar:1.2:0.3", "cvar:0.9:2", "cvar:0.9", "cvar:x:y", "cvar:nan:0.1"):
        with pytest.raises(ValueError, match="risk"):
            parse_risk(bad)


def test_risk_aware_portfolio_beats_the_deterministic_one_on_fresh_draws() -> None:
    # The cheap route is out about a third of the year (6 events a year of ~20 days): the
    # deterministic model, planning a year without outages, builds nothing; at 500 a year the
    # bypass (worth about 5,700 x the share of the year the cheap route is out) is built under
    # risk, and on fresh draws it pays: the value of the stochastic solution is positive.
    from crudeflow.invest.deterministic import plan_portfolio
    from crudeflow.invest.stochastic import risk_aware_portfolio

    out = Hazard("cut", "event", "route", "CHEAP", events_per_year=6.0, median_days=20.0,
                 p90_days=40.0, lost_min=1.0)  # fmt: skip
    net = dataclasses.replace(bypass_network(), projects=(bypass(500.0),),
                              outages=OutageModel((out,)))  # fmt: skip
    det = plan_portfolio(net, discount_rate=0.0)
    assert not det.builds
    r = risk_aware_portfolio(net, deterministic_modules={}, draws=60, seed=1, discount_rate=0.0)
    assert r.solution.modules == {"BYPASS": 1}
    none_, cheapest, risky = r.outcomes
    assert none_.modules == cheapest.modules == {}
    assert risky.expected_exports_mtpa > cheapest.expected_exports_mtpa
    assert r.vss.low > 0
    # no requirement, no storage: the objective's difference is money only
    assert r.vss.mean == pytest.approx(r.money.mean + PENALTY_USD_PER_T * r.shortfall.mean)
    assert r.shortfall.mean == 0
    assert "Planning for the outages is worth" in " ".join(r.sentences())
