"""The planner against independent references: networkx min-cost flow and max-flow."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crudeflow.network._fleet import pool_mt_by_route
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
from crudeflow.solve.check import plan_violations
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import plan

COUNTRIES = ("KZ", "RU", "AZ", "GE", "TR", "CN")


def reference_netback(network: Network, year: int) -> float:
    """Max netback by networkx's network simplex on an equivalent min-cost-flow problem.

    A super source offers all supply; crude either reaches a market (cost: -price) or goes
    straight to the sink unexported (cost 0). Route arcs cost their tariff. A refinery
    (refineries.csv) drains to the sink up to its demand at the priority price -20,000 USD/t
    (the planning model's shortfall penalty), which is taken out again of the netback.
    """
    supply = network.supply_in(year)
    total = sum(supply.values())
    g = nx.MultiDiGraph()
    g.add_node("SRC", demand=-total)
    g.add_node("SNK", demand=total)
    for node, mt in supply.items():
        g.add_edge("SRC", node, capacity=mt, weight=0.0)
    g.add_edge("SRC", "SNK", capacity=total, weight=0.0)
    for m in network.markets:
        cap = {} if m.max_mtpa is None else {"capacity": m.max_mtpa}
        g.add_edge(m.node, "SNK", weight=-network.price_usd_per_t(m.node, year), **cap)
    fleet_cap = pool_mt_by_route(network.fleet, year)  # single-leg pools: a leg's tankers
    for r in network.routes:
        if network.route_open_in(r.id, year):  # the year's own status and capacity
            cap = min(network.route_capacity_in(r.id, year), fleet_cap.get(r.id, float("inf")))
            g.add_edge(r.from_node, r.to_node, capacity=cap, weight=r.tariff_usd_per_t)
    for node, mt in network.refinery_demand_in(year).items():
        g.add_edge(node, "SNK", key="refinery", capacity=mt, weight=-REFINERY_USD_PER_T)
    cost, flow = nx.network_simplex(g)
    fed = sum(flow[n]["SNK"].get("refinery", 0.0) for n in network.refinery_demand_in(year))
    return -float(cost) - REFINERY_USD_PER_T * fed


REFINERY_USD_PER_T = 20_000.0


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """Random feasible networks: 2-9 nodes, fields, markets, parallel routes allowed."""
    n = draw(st.integers(3, 9))
    n_fields = draw(st.integers(1, max(1, n // 3)))
    n_markets = draw(st.integers(1, max(1, n // 3)))
    kinds = ["field"] * n_fields + ["market"] * n_markets + ["hub"] * (n - n_fields - n_markets)
    nodes = tuple(
        Node(
            f"N{i}",
            f"Node {i}",
            k,
            draw(st.sampled_from(COUNTRIES)),  # type: ignore[arg-type]
            0.0,
            float(i),
        )
        for i, k in enumerate(kinds)
    )
    senders = [x for x in nodes if x.kind != "market"]
    receivers = [x for x in nodes if x.kind != "field"]
    n_routes = draw(st.integers(1, 3 * n))
    routes = []
    for j in range(n_routes):
        a = draw(st.sampled_from(senders))
        b = draw(st.sampled_from([x for x in receivers if x.id != a.id]))
        routes.append(
            Route(
                f"R{j}",
                a.id,
                b.id,
                draw(st.sampled_from(["pipeline", "tanker", "rail"])),
                float(draw(st.integers(0, 50))),
                float(draw(st.integers(0, 80))),
                tuple(sorted({a.country, b.country})),
                status=draw(st.sampled_from(["operating"] * 4 + ["planned"])),
            )
        )
    fields = [x for x in nodes if x.kind == "field"]
    supply = tuple(Supply(f.id, 2025, float(draw(st.integers(0, 60)))) for f in fields)
    markets = tuple(
        Market(
            m.id,
            "G",
            float(draw(st.integers(-40, 10))),
            draw(st.one_of(st.none(), st.integers(0, 80).map(float))),
        )
        for m in nodes
        if m.kind == "market"
    )
    return Network(
        meta=DatasetMeta("rand", "Random", "KZ", 2025, default_grade="G"),
        grades={"G": Grade("G", "g", 7.5, "estimate: test")},
        nodes=nodes,
        routes=tuple(routes),
        supply=supply,
        markets=markets,
        benchmarks=(Benchmark(2025, 70.0),),
    )


def test_toy_matches_network_simplex() -> None:
    net = toy_network()
    assert plan(net).netback_musd == pytest.approx(reference_netback(net, 2025), rel=1e-9)


def test_default_dataset_matches_network_simplex(kz) -> None:
    # a min-cost flow has no priced lower bounds: compare without the minimum commitments
    kz = dataclasses.replace(kz, commitments=())
    for year in kz.years:
        assert all(r.loss_pct == 0 for r in kz.routes), "reference ignores losses"
        p = plan(kz, year=year)
        assert p.netback_musd == pytest.approx(reference_netback(kz, year), rel=1e-6)
        assert plan_violations(kz, p) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_match_network_simplex(net: Network) -> None:
    p = plan(net, year=2025)
    assert plan_violations(net, p) == []
    ref = reference_netback(net, 2025)
    assert p.netback_musd == pytest.approx(ref, rel=1e-6, abs=1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.sampled_from([(), ("RU",), ("AZ", "GE")]))
def test_maxflow_equals_volume_lp(net: Network, avoid: tuple[str, ...]) -> None:
    reqs = [f"avoid {','.join(avoid)}"] if avoid else []
    p = plan(net, year=2025, objective="volume", requirements=reqs, baseline=False)
    b = bypass(net, avoid=avoid, year=2025)
    assert p.exported_mtpa == pytest.approx(b.max_mtpa, rel=1e-6, abs=1e-6)
    assert plan_violations(net, p) == []


@pytest.mark.parametrize("avoid", [(), ("RU",), ("RU", "CN")])
def test_maxflow_equals_volume_lp_on_default(kz, avoid) -> None:
    reqs = [f"avoid {','.join(avoid)}"] if avoid else []
    p = plan(kz, objective="volume", requirements=reqs, baseline=False)
    assert p.exported_mtpa == pytest.approx(bypass(kz, avoid=avoid).max_mtpa, rel=1e-6)


def test_min_cut_capacity_equals_max_flow(kz) -> None:
    b = bypass(kz, avoid=("RU",))
    year = b.year
    # a leg carries at most its tankers' year; the export max-flow runs on what the refinery
    # flow leaves (docs: "Domestic refining")
    fleet_cap = pool_mt_by_route(kz.fleet, year)
    cut = sum(
        min(kz.route(r).capacity_mtpa, fleet_cap.get(r, np.inf)) - b.refinery_flows_mtpa[r]
        for r in b.cut_routes
    )
    cut += sum(kz.supply_in(year)[n] - b.refinery_taken_mtpa[n] for n in b.cut_supply)
    cut += sum(kz.market(m).max_mtpa or 0.0 for m in b.cut_markets)
    assert cut == pytest.approx(b.max_mtpa, rel=1e-9)


def test_duals_predict_objective_change(kz) -> None:
    """Raising a binding route's capacity by a small step changes netback by value x step."""
    base = plan(kz)
    assert base.bottlenecks, "the default plan should have a binding route"
    step = 1e-3
    checked = 0
    for b in base.bottlenecks[:3]:
        r = kz.route(b.route)
        bigger = kz.replace_routes([dataclasses.replace(r, capacity_mtpa=r.capacity_mtpa + step)])
        gain = plan(bigger).netback_musd - base.netback_musd
        # Degenerate vertices make the dual one of several subgradients: the gain can be
        # smaller, never larger.
        assert gain <= b.value_usd_per_t * step + 1e-6
        if gain > 1e-9:
            assert gain == pytest.approx(b.value_usd_per_t * step, rel=1e-4)
            checked += 1
    assert checked >= 1


def test_duals_on_toy() -> None:
    net = toy_network()
    base = plan(net)
    r = net.route("B_M")
    bigger = net.replace_routes([dataclasses.replace(r, capacity_mtpa=10.5)])
    assert plan(bigger).netback_musd - base.netback_musd == pytest.approx(
        base.routes.loc["B_M", "capacity_value_usd_per_t"] * 0.5
    )


def test_monthly_equals_annual_without_storage_or_lags() -> None:
    net = toy_network()
    annual = plan(net)
    monthly = plan(net, monthly=True)
    assert monthly.exported_mtpa == pytest.approx(annual.exported_mtpa)
    assert monthly.netback_musd == pytest.approx(annual.netback_musd)
    assert plan_violations(net, monthly) == []


def test_capacity_factor_scales_route() -> None:
    net = toy_network()
    factor = np.ones(len(net.routes))
    factor[net._route_index["B_M"]] = 0.5
    p = plan(net, capacity_factor=factor)
    assert p.routes.loc["B_M", "flow_mtpa"] == pytest.approx(5.0)
    assert p.shut_in_mtpa == pytest.approx(12 - 5 - 4)


def test_bottleneck_value_holds_over_its_ranging_interval(kz) -> None:
    """The ranged interval is safe: within it, extra capacity earns exactly the dual value."""
    base = plan(kz)
    for b in [b for b in base.bottlenecks if b.kind == "route"][:3]:
        assert b.holds_for_mtpa is not None and b.holds_for_mtpa > 0
        step = min(b.holds_for_mtpa, 5.0) * 0.99
        r = kz.route(b.route)
        bigger = kz.replace_routes([dataclasses.replace(r, capacity_mtpa=r.capacity_mtpa + step)])
        gain = plan(bigger).netback_musd - base.netback_musd
        assert gain == pytest.approx(b.value_usd_per_t * step, rel=1e-6)
