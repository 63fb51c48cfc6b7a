"""The monthly ledger (Plan.flows, Plan.node_balance, Plan.period_frame): every route and node
balances in every period, with transit lags and storage (issue 8, item 8)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crudeflow.network.model import Network, toy_network
from crudeflow.solve.lp import PeriodOverrides, Periods
from crudeflow.solve.plan import Plan, plan


def lagged_stored() -> Network:
    net = toy_network()
    r = dataclasses.replace(net.route("B_M"), transit_days=15.0)
    net = net.replace_routes([r])
    nodes = tuple(dataclasses.replace(n, storage_mt=1.0) if n.id == "B" else n for n in net.nodes)
    return dataclasses.replace(net, nodes=nodes)


def assert_balanced(p: Plan) -> None:
    f = p.flows
    route = f["in_transit_start_mt"] + f["flow_mt"] - f["arrived_mt"] - f["lost_mt"]
    assert np.allclose(route, f["in_transit_end_mt"], atol=1e-9)
    n = p.node_balance
    node = n["stock_start_mt"] + n["taken_mt"] + n["arrived_mt"] - n["departed_mt"]
    assert np.allclose(node - n["delivered_mt"], n["stock_end_mt"], atol=1e-9)
    for frame, start, end, key in (
        (f, "in_transit_start_mt", "in_transit_end_mt", "route"),
        (n, "stock_start_mt", "stock_end_mt", "node"),
    ):
        starts = frame.pivot(index="period", columns=key, values=start).loc[list(p.periods.labels)]
        ends = frame.pivot(index="period", columns=key, values=end).loc[list(p.periods.labels)]
        assert np.allclose(starts.to_numpy()[1:], ends.to_numpy()[:-1], atol=1e-12)


def test_ledger_balances_with_transit_lags_and_storage() -> None:
    net = lagged_stored()
    cap = np.tile(np.array([r.capacity_mtpa for r in net.routes]), (12, 1))
    cap[1, net._route_index["B_M"]] = 0.0  # B_M shut in February: B's tank fills
    p = plan(net, monthly=True, overrides=PeriodOverrides(capacity_mtpa=cap))
    assert_balanced(p)
    b = p.node_balance[p.node_balance["node"] == "B"].set_index("period")
    assert b.loc["2025-02", "stock_end_mt"] > b.loc["2025-02", "stock_start_mt"]
    bm = p.flows[p.flows["route"] == "B_M"].set_index("period")
    assert bm.loc["2025-01", "in_transit_end_mt"] == pytest.approx(
        bm.loc["2025-01", "flow_mt"] * 15 / 31
    )
    # a calendar year wraps: what is in transit at the start is what is in transit at the end
    assert bm.loc["2025-01", "in_transit_start_mt"] == pytest.approx(
        bm.loc["2025-12", "in_transit_end_mt"]
    )


def test_ledger_of_an_annual_plan_has_no_transit_or_stock() -> None:
    p = plan(lagged_stored())
    assert_balanced(p)
    assert (p.flows["in_transit_end_mt"] == 0).all()
    assert (p.node_balance["stock_end_mt"] == 0).all()


def test_period_frame_is_routes_then_nodes_per_period() -> None:
    p = plan(lagged_stored(), periods=Periods.monthly(2025, start_month=1, months=2))
    f = p.period_frame()
    assert list(f["period"].unique()) == ["2025-01", "2025-02"]
    jan = f[f["period"] == "2025-01"]
    assert list(jan["kind"]) == ["route"] * 3 + ["node"] * 3
    assert set(jan[jan["kind"] == "route"]["id"]) == {"A_B", "A_M", "B_M"}
