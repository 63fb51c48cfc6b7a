"""A MILP written from docs/dataset-format.md ("Investment planning") alone, with scipy's milp,
reproduces plan_portfolio's objective and modules (annual plans, requirements with shortfall
slacks, modules and blocks, requires, excludes, a planned route created by a project, node
loading limits and projects that raise them)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from crudeflow.invest import Project, plan_portfolio
from crudeflow.network.model import Fleet, Market, Network, Node, Route, Supply, toy_network

EPS = 1e-4  # the doc's tie-break, USD m a year per module
PENALTY = 10_000.0


def crf(i: float, years: int) -> float:
    return 1 / years if i == 0 else i * (1 + i) ** years / ((1 + i) ** years - 1)


def vessel_year_mt(f: Fleet, year: int) -> float:
    """One vessel's Mt over ``year`` from the doc's formula (payload x open days / round trip)."""
    trip = f.distance_nm / (24 * f.speed_knots) + f.distance_nm / (
        24 * (f.ballast_speed_knots or f.speed_knots)
    )
    open_days = (366 if year % 4 == 0 else 365) - sum(f.weather_days)
    return f.deadweight_t * f.cargo_fraction * open_days / (trip + f.port_days) / 1e6


def doc_milp(net: Network, year: int, via: tuple[str, float], rate: float) -> tuple[float, dict]:
    """min sum (A_p + eps) n_p + tariff.x - price.d + 10,000 u for one annual period."""
    routes, projects = net.routes, net.projects
    supply = net.supply_in(year)
    markets = [m.node for m in net.markets]
    R, S, M, P = len(routes), len(supply), len(markets), len(projects)
    pairs = sorted({tuple(sorted((p.id, q))) for p in projects for q in p.excludes})
    bs = sorted({x for pr in pairs for x in pr})
    nvar = R + S + M + 1 + P + len(bs)
    start = {"x": 0, "s": R, "d": R + S, "u": R + S + M, "n": R + S + M + 1, "b": R + S + M + 1 + P}

    def ix(kind: str, k: int) -> int:
        return start[kind] + k

    c = np.zeros(nvar)
    lo, hi = np.zeros(nvar), np.full(nvar, np.inf)
    integ = np.zeros(nvar)
    pid = {p.id: k for k, p in enumerate(projects)}
    for k, r in enumerate(routes):
        c[ix("x", k)] = r.tariff_usd_per_t
        has = [p for p in projects if p.route == r.id]
        cap = r.capacity_mtpa if r.open_in(year) else 0.0
        hi[ix("x", k)] = cap + sum(p.adds_mtpa * p.modules_max for p in has)
    for k, (_node, mt) in enumerate(sorted(supply.items())):
        hi[ix("s", k)] = mt
    for k, m in enumerate(markets):
        c[ix("d", k)] = -net.price_usd_per_t(m, year)
    c[ix("u", 0)] = PENALTY
    for k, p in enumerate(projects):
        c[ix("n", k)] = p.capex_musd * crf(rate, p.lifetime_years) + p.opex_musd_per_yr + EPS
        hi[ix("n", k)] = p.modules_max
        integ[ix("n", k)] = 1
    for j, _ in enumerate(bs):
        hi[ix("b", j)] = 1
        integ[ix("b", j)] = 1
    rows, rlo, rhi = [], [], []

    def row(coefs: dict[int, float], low: float, high: float) -> None:
        a = np.zeros(nvar)
        for i, v in coefs.items():
            a[i] += v
        rows.append(a)
        rlo.append(low)
        rhi.append(high)

    for node in net.nodes:  # conservation
        co: dict[int, float] = {}
        for k, r in enumerate(routes):
            if r.to_node == node.id:
                co[ix("x", k)] = co.get(ix("x", k), 0) + (1 - r.loss_pct / 100)
            if r.from_node == node.id:
                co[ix("x", k)] = co.get(ix("x", k), 0) - 1
        for k, n in enumerate(sorted(supply)):
            if n == node.id:
                co[ix("s", k)] = 1
        for k, m in enumerate(markets):
            if m == node.id:
                co[ix("d", k)] = -1
        row(co, 0, 0)
    target_node, amount = via  # via NODE >= amount: routes leaving it, plus u
    co = {ix("x", k): 1.0 for k, r in enumerate(routes) if r.from_node == target_node}
    co[ix("u", 0)] = 1.0
    row(co, amount, np.inf)
    for k, r in enumerate(routes):  # capacity rows of extended routes
        has = [p for p in projects if p.route == r.id]
        if has:
            cap = r.capacity_mtpa if r.open_in(year) else 0.0
            co = {ix("x", k): 1.0}
            co.update({ix("n", pid[p.id]): -p.adds_mtpa for p in has})
            row(co, -np.inf, cap)
    for node in net.nodes:  # loading limits, raised by node projects ("Node projects")
        if node.throughput_mtpa is None:
            continue
        co = {ix("x", k): 1.0 for k, r in enumerate(routes) if r.from_node == node.id}
        co.update({ix("n", pid[p.id]): -p.adds_mtpa for p in projects if p.node == node.id})
        row(co, -np.inf, node.throughput_mtpa)
    pools: dict[frozenset[str], list[Fleet]] = {}  # "The tanker fleet" and "Fleet projects"
    for f in net.fleet:
        pools.setdefault(frozenset(f.routes), []).append(f)
    for legs, classes in pools.items():
        one = {f.id: vessel_year_mt(f, year) for f in classes}
        co = {ix("x", k): 1.0 for k, r in enumerate(routes) if r.id in legs}
        co.update({ix("n", pid[p.id]): -one[p.fleet] for p in projects if p.fleet in one})
        row(co, -np.inf, sum(f.vessels * one[f.id] for f in classes))
    for p in projects:  # requires
        for q in p.requires:
            row({ix("n", pid[p.id]): 1.0, ix("n", pid[q]): -p.modules_max}, -np.inf, 0)
    for j, b in enumerate(bs):  # excludes
        row({ix("n", pid[b]): 1.0, ix("b", j): -projects[pid[b]].modules_max}, -np.inf, 0)
    for a, b in pairs:
        row({ix("b", bs.index(a)): 1.0, ix("b", bs.index(b)): 1.0}, -np.inf, 1)
    res = milp(
        c,
        constraints=LinearConstraint(np.array(rows), rlo, rhi),
        integrality=integ,
        bounds=Bounds(lo, hi),
        options={"mip_rel_gap": 1e-9},
    )
    assert res.success, res.message
    n = {p.id: round(res.x[ix("n", k)]) for k, p in enumerate(projects)}
    tie = EPS * sum(n.values())
    return float(res.fun) - tie, {k: v for k, v in n.items() if v}


def net_with_projects() -> Network:
    net = toy_network()
    nodes = (*net.nodes, Node("C", "Port C", "port", "GE", 42.0, 41.0))
    routes = (
        dataclasses.replace(net.route("A_B"), loss_pct=0.5),
        net.route("B_M"),
        net.route("A_M"),
        Route("A_C", "A", "C", "pipeline", 0.0, 2.0, ("KZ", "GE"), status="planned"),
        Route("C_M", "C", "M", "tanker", 1.0, 4.0, ("GE", "TR")),
    )
    projects = (
        Project("LOOP", "Loop", "B_M", 3.0, 1, 90.0, 1.0, 30, 2026),
        Project("TUG", "Tugs", "B_M", 0.4, 6, 5.0, 0.2, 20, 2026),
        Project("LINE_AC", "Line A-C", "A_C", 2.5, 1, 60.0, 0.0, 25, 2027, requires=("PORT_C",)),
        Project("PORT_C", "Port C", "C_M", 1.5, 2, 30.0, 0.5, 25, 2027),
        Project("ALT", "Alternative", "A_M", 1.0, 3, 12.0, 0.0, 20, 2026, excludes=("TUG",)),
    )
    return dataclasses.replace(
        net,
        nodes=nodes,
        routes=routes,
        supply=(Supply("A", 2025, 12.0),),
        markets=(Market("M", "G", -5.0),),
        projects=projects,
    )


VIA = [("B", 0.0), ("B", 10.5), ("B", 10.9), ("B", 12.0), ("C", 1.0), ("C", 3.0), ("A", 12.0)]


def assert_plan_portfolio_is_the_doc_milp(
    net: Network, via: tuple[str, float], rate: float
) -> None:
    """plan_portfolio with ``via NODE >= TARGET Mt/yr`` builds what the doc MILP builds, at its
    objective."""
    want_obj, want_n = doc_milp(net, 2025, via, rate)
    node, target = via
    p = plan_portfolio(net, requirements=[f"via {node} >= {target} Mt/yr"], discount_rate=rate)
    assert {b.project: b.modules for b in p.builds} == want_n
    assert p.objective_musd == pytest.approx(want_obj, rel=1e-9, abs=1e-6)


def built_in_some_case(net: Network) -> set[str]:
    """Projects the doc MILP builds in some ``VIA`` case at 8%: a cross-check is not vacuous."""
    built: set[str] = set()
    for via in VIA:
        built |= set(doc_milp(net, 2025, via, 0.08)[1])
    return built


@pytest.mark.parametrize(("via", "rate"), list(itertools.product(VIA, [0.0, 0.08])))
def test_doc_milp_reproduces_plan_portfolio(via: tuple[str, float], rate: float) -> None:
    assert_plan_portfolio_is_the_doc_milp(net_with_projects(), via, rate)


def net_with_node_projects() -> Network:
    """net_with_projects with loading limits at B (8) and C (1), and projects raising them."""
    net = net_with_projects()
    limits = {"B": 8.0, "C": 1.0}
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=limits[n.id]) if n.id in limits else n
        for n in net.nodes
    )
    more = (
        Project("BERTHS_B", "Berths at B", "", 2.5, 1, 40.0, 0.5, 25, 2026, node="B"),
        Project("JETTY_B", "Jetties at B", "", 0.5, 4, 4.0, 0.0, 20, 2026, node="B"),
        Project("BERTHS_C", "Berths at C", "", 1.0, 2, 10.0, 0.0, 25, 2027, node="C",
                requires=("PORT_C",)),
    )  # fmt: skip
    return dataclasses.replace(net, nodes=nodes, projects=(*net.projects, *more))


@pytest.mark.parametrize(("via", "rate"), list(itertools.product(VIA, [0.0, 0.08])))
def test_doc_milp_with_node_projects_reproduces_plan_portfolio(
    via: tuple[str, float], rate: float
) -> None:
    assert_plan_portfolio_is_the_doc_milp(net_with_node_projects(), via, rate)


def test_node_projects_are_built_in_some_doc_milp_case() -> None:
    """The cross-check above is not vacuous: node projects are chosen in some case."""
    built = built_in_some_case(net_with_node_projects())
    assert {"BERTHS_B", "JETTY_B"} & built


def net_with_fleet_projects() -> Network:
    """net_with_projects with two tankers of 3.55 Mt/yr on B_M (under its 10 Mt/yr), an empty
    class on C_M, and projects buying vessels of each."""
    net = net_with_projects()
    winter = (0.0,) * 11 + (10.0,)
    fleet = (
        Fleet("SHIPS", "", ("B_M",), 2, 10_000.0, 10.0, 60.0, 0.5, weather_days=winter),
        Fleet("BIG", "", ("B_M",), 0, 20_000.0, 10.0, 60.0, 0.5, cargo_fraction=0.9),
        Fleet("C_SHIPS", "", ("C_M",), 0, 5_000.0, 12.0, 72.0, 1.0, ballast_speed_knots=18.0),
    )
    more = (
        Project("SHIP", "Tanker", "", 0.0, 3, 30.0, 0.0, 20, 2026, fleet="SHIPS"),
        Project("BIG_SHIP", "Big tanker", "", 0.0, 2, 70.0, 1.0, 20, 2026, fleet="BIG"),
        Project("C_SHIP", "C tanker", "", 0.0, 4, 8.0, 0.0, 20, 2027, fleet="C_SHIPS",
                requires=("PORT_C",)),
    )  # fmt: skip
    more = tuple(
        dataclasses.replace(p, adds_mtpa=next(f for f in fleet if f.id == p.fleet).mtpa_per_vessel)
        for p in more
    )
    return dataclasses.replace(net, fleet=fleet, projects=(*net.projects, *more))


@pytest.mark.parametrize(("via", "rate"), list(itertools.product(VIA, [0.0, 0.08])))
def test_doc_milp_with_fleet_projects_reproduces_plan_portfolio(
    via: tuple[str, float], rate: float
) -> None:
    assert_plan_portfolio_is_the_doc_milp(net_with_fleet_projects(), via, rate)


def test_fleet_projects_are_built_in_some_doc_milp_case() -> None:
    """The cross-check above is not vacuous: vessels are bought in some case."""
    built = built_in_some_case(net_with_fleet_projects())
    assert {"SHIP", "BIG_SHIP"} & built and "C_SHIP" in built
