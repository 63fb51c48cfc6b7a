"""The two-stage model written from docs/dataset-format.md ("Risk-aware investment: the
two-stage model") alone, as one scipy ``milp`` (the deterministic equivalent), reproduces
crudeflow's Benders portfolio and objective: modules and blocks, requires, excludes, a planned
route a project creates, a requirement with its priced shortfall, the CVaR term, and a loading
limit raised by a node project."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from crudeflow.invest.projects import Project
from crudeflow.invest.stochastic import RiskPreference, build_problem, solve_two_stage
from crudeflow.montecarlo.outages import Hazard, OutageModel
from crudeflow.montecarlo.sampling import sample_capacity_factors
from crudeflow.network.model import Network, Route, toy_network
from crudeflow.requirements import parse_requirement
from crudeflow.solve.lp import Periods

EPS = 1e-4
PENALTY = 10_000.0
K = 12


def network() -> Network:
    """The toy network (A -> B -> M, A -> M rail) with storms on B_M, rail stoppages, and a
    planned bypass A -> M that only a project opens."""
    net = toy_network()
    storm = Hazard("storm", "event", "route", "B_M", events_per_year=4.0, median_days=25.0,
                   p90_days=70.0, lost_min=0.6, lost_max=1.0)  # fmt: skip
    rail = Hazard("rail", "event", "route", "A_M", events_per_year=2.0, median_days=10.0,
                  p90_days=40.0, lost_min=1.0)  # fmt: skip
    byp = Route("BYP", "A", "M", "pipeline", 0.0, 12.0, ("KZ", "TR"), status="planned")
    return dataclasses.replace(net, routes=(*net.routes, byp), outages=OutageModel((storm, rail)))


def projects() -> tuple[Project, ...]:
    b = {"lifetime_years": 20, "earliest_year": 2025}
    return (
        Project(id="BYPASS", name="bypass", route="BYP", adds_mtpa=5.0, modules_max=1,
                capex_musd=900.0, opex_musd_per_yr=10.0, excludes=("JETTY",), **b),  # type: ignore[arg-type]
        Project(id="RAIL", name="rail cars", route="A_M", adds_mtpa=0.5, modules_max=6,
                capex_musd=120.0, opex_musd_per_yr=3.0, **b),  # type: ignore[arg-type]
        Project(id="HUB", name="hub", route="A_B", adds_mtpa=3.0, modules_max=1,
                capex_musd=150.0, opex_musd_per_yr=2.0, **b),  # type: ignore[arg-type]
        Project(id="JETTY", name="jetty", route="B_M", adds_mtpa=3.0, modules_max=1,
                capex_musd=250.0, opex_musd_per_yr=2.0, requires=("HUB",), **b),  # type: ignore[arg-type]
    )  # fmt: skip


def crf(i: float, years: int) -> float:
    return i * (1 + i) ** years / ((1 + i) ** years - 1)


def doc_model(
    net: Network, phi: np.ndarray, rate: float, via: tuple[str, float] | None,
    risk: RiskPreference | None, prj: tuple[Project, ...] | None = None,
) -> tuple[float, dict[str, int]]:  # fmt: skip
    """min sum (A+eps) n + (1-w) mean_k Q_k + w (eta + mean_k a_k / (1-alpha)), from the doc."""
    year = 2025
    periods = Periods.monthly(year)
    f = periods.fraction
    T = 12
    routes, nodes = net.routes, [n.id for n in net.nodes]
    prj = projects() if prj is None else prj
    R, P = len(routes), len(prj)
    supply = net.supply_in(year)
    sup_nodes = sorted(supply)
    markets = [m.node for m in net.markets]
    S, M = len(sup_nodes), len(markets)
    w, alpha = (risk.weight, risk.alpha) if risk else (0.0, 0.5)
    per_t = R + S + M
    per_k = T * per_t + 1  # flows, supply, deliveries per month; the requirement slack u
    first = 2 * P + 1  # n, b, eta
    nvar = first + K + K * per_k  # ... a_k, then the draws
    c = np.zeros(nvar)
    lo, hi = np.zeros(nvar), np.full(nvar, np.inf)
    integ = np.zeros(nvar)
    for p, pr in enumerate(prj):
        c[p] = pr.capex_musd * crf(rate, pr.lifetime_years) + pr.opex_musd_per_yr + EPS
        hi[p], integ[p] = pr.modules_max, 1
        hi[P + p], integ[P + p] = 1, 1
    c[2 * P] = w
    lo[2 * P] = -np.inf
    c[first : first + K] = w / (1 - alpha) / K
    rows, rlo, rhi = [], [], []

    def row(entries: dict[int, float], low: float, high: float) -> None:
        v = np.zeros(nvar)
        for j, val in entries.items():
            v[j] += val
        rows.append(v)
        rlo.append(low)
        rhi.append(high)

    ids = {pr.id: p for p, pr in enumerate(prj)}
    for p, pr in enumerate(prj):
        row({P + p: 1.0, p: -1.0}, -np.inf, 0.0)  # b <= n
        row({p: 1.0, P + p: -float(pr.modules_max)}, -np.inf, 0.0)  # n <= max b
        for q in pr.requires:
            row({P + p: 1.0, P + ids[q]: -1.0}, -np.inf, 0.0)
        for q in pr.excludes:
            row({P + p: 1.0, P + ids[q]: 1.0}, -np.inf, 1.0)
    price = [net.price_usd_per_t(m, year) for m in markets]
    for k in range(K):
        base = first + K + k * per_k
        cost: dict[int, float] = {}

        def x(t: int, r: int, base: int = base) -> int:
            return base + t * per_t + r

        for t in range(T):
            for r, route in enumerate(routes):
                cap = route.capacity_mtpa if route.open_in(year) else 0.0
                ent = {x(t, r): 1.0}
                for p, pr in enumerate(prj):
                    if pr.route == route.id:
                        ent[p] = -phi[k, r, t] * pr.adds_mtpa * f[t]
                row(ent, -np.inf, phi[k, r, t] * cap * f[t])
                cost[x(t, r)] = route.tariff_usd_per_t
            for i, node in enumerate(sup_nodes):
                hi[base + t * per_t + R + i] = supply[node] * f[t]
            for j in range(M):
                cost[base + t * per_t + R + S + j] = -price[j]
            for node in nodes:  # conservation
                ent2: dict[int, float] = {}
                for r, route in enumerate(routes):
                    if route.to_node == node:
                        ent2[x(t, r)] = ent2.get(x(t, r), 0.0) + (1 - route.loss_pct / 100)
                    if route.from_node == node:
                        ent2[x(t, r)] = ent2.get(x(t, r), 0.0) - 1.0
                for i, sn in enumerate(sup_nodes):
                    if sn == node:
                        ent2[base + t * per_t + R + i] = 1.0
                for j, mn in enumerate(markets):
                    if mn == node:
                        ent2[base + t * per_t + R + S + j] = -1.0
                row(ent2, 0.0, 0.0)
            for nd in net.nodes:  # loading limits, raised by node projects (factor 1)
                if nd.throughput_mtpa is None:
                    continue
                ent3 = {x(t, r): 1.0 for r, rt in enumerate(routes) if rt.from_node == nd.id}
                for p, pr in enumerate(prj):
                    if pr.node == nd.id:
                        ent3[p] = -pr.adds_mtpa * f[t]
                row(ent3, -np.inf, nd.throughput_mtpa * f[t])
        u = base + T * per_t
        cost[u] = PENALTY
        if via is not None:
            r = [rt.id for rt in routes].index(via[0])
            row({**{x(t, r): 1.0 for t in range(T)}, u: 1.0}, via[1] * f.sum(), np.inf)
        else:
            hi[u] = 0.0
        for j, val in cost.items():
            c[j] += (1 - w) * val / K
        # a_k >= Q_k - eta
        row({first + k: 1.0, 2 * P: 1.0, **{j: -val for j, val in cost.items()}}, 0.0, np.inf)
    res = milp(c, constraints=LinearConstraint(np.array(rows), rlo, rhi),
               integrality=integ, bounds=Bounds(lo, hi),
               options={"mip_rel_gap": 1e-12})  # fmt: skip
    assert res.success, res.message
    n = np.rint(res.x[:P]).astype(int)
    return float(res.fun) - EPS * int(n.sum()), {pr.id: int(n[p]) for p, pr in enumerate(prj)}


@pytest.mark.parametrize(
    ("via", "risk"),
    [(None, None), (("BYP", 3.0), None), (None, RiskPreference(0.8, 0.6))],
    ids=["neutral", "requirement", "cvar"],
)
def test_doc_two_stage_model_reproduces_benders(
    via: tuple[str, float] | None, risk: RiskPreference | None
) -> None:
    net = network()
    reqs = [parse_requirement(f"route {via[0]} >= {via[1]} Mt/yr", network=net)] if via else []
    prob = build_problem(net, projects(), year=2025, draws=K, seed=2, discount_rate=0.08,
                         requirements=reqs, risk=risk)  # fmt: skip
    phi = sample_capacity_factors(net.outages, net, Periods.monthly(2025), seed=2, draws=K).factors
    objective, modules = doc_model(net, phi, 0.08, via, risk)
    ours = solve_two_stage(prob)
    assert ours.modules == modules
    assert ours.objective_musd_per_yr == pytest.approx(objective, rel=1e-7)
    assert sum(modules.values()) > 0  # a portfolio, not the empty corner


def test_doc_two_stage_model_with_a_node_project_reproduces_benders_and_extensive() -> None:
    """Hub B limited to 6 Mt/yr; berths at B (modules of 1.5 Mt/yr) compete with the routes'
    projects."""
    net = network()
    net = dataclasses.replace(
        net,
        nodes=tuple(
            dataclasses.replace(n, throughput_mtpa=6.0) if n.id == "B" else n for n in net.nodes
        ),
    )
    berths = Project(
        id="BERTHS",
        name="berths at B",
        route="",
        node="B",
        adds_mtpa=1.5,
        modules_max=3,
        capex_musd=60.0,
        opex_musd_per_yr=1.0,
        lifetime_years=20,
        earliest_year=2025,
    )
    prj = (*projects(), berths)
    prob = build_problem(net, prj, year=2025, draws=K, seed=2, discount_rate=0.08)
    phi = sample_capacity_factors(net.outages, net, Periods.monthly(2025), seed=2, draws=K).factors
    objective, modules = doc_model(net, phi, 0.08, None, None, prj)
    assert modules["BERTHS"] > 0  # the node project is part of the answer
    for method in ("benders", "extensive"):
        ours = solve_two_stage(prob, method=method)  # type: ignore[arg-type]
        assert ours.modules == modules, method
        assert ours.objective_musd_per_yr == pytest.approx(objective, rel=1e-7), method
