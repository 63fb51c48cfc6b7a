"""Monthly mechanics: transit lags, storage that opens half full and closes as full."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crudeflow.network.model import toy_network
from crudeflow.solve.check import plan_violations
from crudeflow.solve.lp import STORAGE_START_FILL, PeriodOverrides, Periods
from crudeflow.solve.plan import plan


def with_transit(days: float):
    net = toy_network()
    r = dataclasses.replace(net.route("B_M"), transit_days=days)
    return net.replace_routes([r])


def test_transit_lag_moves_arrivals_into_the_next_month() -> None:
    net = with_transit(15.0)
    p = plan(net, periods=Periods.monthly(2025, start_month=1, months=2))
    assert plan_violations(net, p) == []
    # B_M carries its capacity each month; half of a 30/31-day month's departures arrive next
    # month. A two-month horizon does not wrap: January receives what the base plan had in
    # transit at the end of December, and what leaves late in February is closing in transit.
    jan = p.deliveries[(p.deliveries["period"] == "2025-01")]["delivered_mt"].sum()
    feb = p.deliveries[(p.deliveries["period"] == "2025-02")]["delivered_mt"].sum()
    total = p.flows.groupby("route")["flow_mt"].sum()
    opening = p.states[0].in_transit_mt["B_M"]
    closing = p.states[-1].in_transit_mt["B_M"]
    assert jan + feb == pytest.approx(total["B_M"] + total["A_M"] + opening - closing)
    b_m = p.flows[p.flows["route"] == "B_M"].set_index("period")["flow_mt"]
    share_jan = 15.0 / 31.0
    share_feb = 15.0 / 28.0
    assert closing == pytest.approx(b_m["2025-02"] * share_feb)
    expected_jan_from_bm = b_m["2025-01"] * (1 - share_jan) + opening
    a_m = p.flows[p.flows["route"] == "A_M"].set_index("period")["flow_mt"]
    assert jan == pytest.approx(expected_jan_from_bm + a_m["2025-01"])
    # the base plan's December departures (10 Mt/yr over 31 days) are what is in transit
    assert opening == pytest.approx(10.0 * 31 / 365 * 15.0 / 31.0)


def test_no_lag_in_annual_plans() -> None:
    assert plan(with_transit(15.0)).netback_musd == pytest.approx(plan(toy_network()).netback_musd)


def test_storage_rides_through_an_outage_without_borrowing_from_later() -> None:
    net = toy_network()
    nodes = tuple(dataclasses.replace(n, storage_mt=1.0) if n.id == "B" else n for n in net.nodes)
    net = dataclasses.replace(net, nodes=nodes)
    periods = Periods.monthly(2025, start_month=1, months=3)
    cap = np.tile(np.array([r.capacity_mtpa for r in net.routes]), (3, 1))
    i = net._route_index["B_M"]
    cap[1, i] = 0.0  # B_M shut in February
    p = plan(net, periods=periods, overrides=PeriodOverrides(capacity_mtpa=cap))
    assert plan_violations(net, p) == []
    flows = p.flows.pivot(index="period", columns="route", values="flow_mt")
    # February: B_M is shut, yet A_B keeps some crude flowing into B's tank (at most the free
    # half), to be shipped in March on top of March's own arrivals
    assert 0.1 < flows.loc["2025-02", "A_B"] <= 1.0 - STORAGE_START_FILL + 1e-9
    assert flows.loc["2025-03", "B_M"] > flows.loc["2025-03", "A_B"]
    # the tank must close as full as it opened, so what was stored is shipped in March, not
    # counted twice
    shipped = flows["B_M"].sum()
    arrived = flows["A_B"].sum()
    assert shipped == pytest.approx(arrived, rel=1e-9)


def test_storage_is_ignored_in_annual_plans() -> None:
    net = toy_network()
    nodes = tuple(dataclasses.replace(n, storage_mt=5.0) if n.id == "B" else n for n in net.nodes)
    stored = dataclasses.replace(net, nodes=nodes)
    assert plan(stored).netback_musd == pytest.approx(plan(net).netback_musd)
