"""Invariants every plan must satisfy, checked from its published tables.

:func:`plan_violations` re-derives conservation, capacity and requirement facts from a
:class:`~crudeflow.solve.plan.Plan`'s own tables, so a wrong table (not only a wrong solve) is
caught. Tests run it over every solver path and scenario; users can run it on their networks.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> plan_violations(net, plan(net, requirements=["via B >= 11 Mt/yr"]))
[]
"""

from __future__ import annotations

import numpy as np

from crudeflow.network.model import Network
from crudeflow.solve.plan import Plan

__all__ = ["plan_violations"]


def plan_violations(network: Network, plan: Plan, *, tol: float = 1e-6) -> list[str]:
    """Every broken invariant of ``plan`` on ``network`` (empty when the plan is valid).

    Checked: flows within [0, capacity] in every period; flows leaving a node within its
    loading limit in every period; conservation at every node over the
    horizon (supply taken + arrivals after losses + opening stocks and in-transit = departures
    + deliveries + closing stocks and in-transit, see ``Plan.states``); supply taken within what is available; deliveries within market
    limits; refineries get at most their demand; each requirement either met or reported with
    a shortfall; totals add up (exports = supply taken - refinery deliveries).
    """
    out: list[str] = []
    flows = plan.flows
    scale = max(1.0, float(flows["capacity_mt"].max() if len(flows) else 1.0))
    eps = tol * scale
    bad = flows[(flows["flow_mt"] < -eps) | (flows["flow_mt"] > flows["capacity_mt"] + eps)]
    for row in bad.itertuples():
        out.append(
            f"route {row.route} in {row.period}: flow {row.flow_mt} outside [0, {row.capacity_mt}]"
        )
    frac = dict(zip(plan.periods.labels, plan.periods.fraction, strict=True))
    for n in network.nodes:
        if n.throughput_mtpa is None:
            continue
        leaving = {r.id for r in network.routes if r.from_node == n.id}
        out_t = flows[flows["route"].isin(leaving)].groupby("period", sort=False)["flow_mt"].sum()
        for period, mt in out_t.items():
            if mt > n.throughput_mtpa * frac[str(period)] + eps:
                out.append(f"node {n.id} in {period}: {mt} Mt leave, above its loading limit")
    per_route = flows.groupby("route", sort=False)["flow_mt"].sum()
    balance: dict[str, float] = {n.id: 0.0 for n in network.nodes}
    for r in network.routes:
        f = float(per_route.get(r.id, 0.0))
        balance[r.from_node] -= f
        balance[r.to_node] += f * (1.0 - r.loss_pct / 100.0)
    if plan.states:
        # crude in the network when the horizon opens and when it closes: stocks, and crude in
        # transit (counted at the end of its route, where it arrives)
        route_to = {r.id: r.to_node for r in network.routes}
        opening, closing = plan.states[0], plan.states[-1]
        for rid, mt in opening.in_transit_mt.items():
            balance[route_to[rid]] += mt
        for rid, mt in closing.in_transit_mt.items():
            balance[route_to[rid]] -= mt
        for node, mt in opening.stock_mt.items():
            balance[node] += mt
        for node, mt in closing.stock_mt.items():
            balance[node] -= mt
    for node, took, avail in zip(
        plan.supply.index, plan.supply["exported_mt"], plan.supply["available_mt"], strict=True
    ):
        balance[str(node)] += float(took)
        if took > avail + eps or took < -eps:
            out.append(f"supply at {node}: took {took} of {avail} Mt")
    delivered = plan.deliveries.groupby("market", sort=False)["delivered_mt"].sum()
    for market, mt in delivered.items():
        balance[str(market)] -= float(mt)
        m = network.market(str(market))
        if m.max_mtpa is not None and mt > m.max_mtpa * plan.horizon_years + eps:
            out.append(f"market {market}: took {mt} Mt, above its limit {m.max_mtpa} Mt/yr")
    years_t = np.asarray(plan.periods.years)
    for ref in plan.refinery_status:  # a refinery takes what it is delivered
        balance[ref.node] -= ref.delivered_mtpa * float(
            plan.periods.fraction[years_t == ref.year].sum()
        )
        if ref.delivered_mtpa > ref.demand_mtpa + eps or ref.shortfall_mtpa < 0.0:
            out.append(f"{ref.text}: delivered {ref.delivered_mtpa} Mt/yr")
    for node, b in balance.items():
        if abs(b) > eps:
            out.append(f"node {node}: inflow and outflow differ by {b:.6g} Mt")
    taken = float(plan.supply["exported_mt"].sum())
    if abs(plan.exported_mt - (taken - plan.refinery_delivered_mt)) > eps:
        out.append("exported total does not match the supply table")
    if abs(plan.delivered_mt - float(delivered.sum())) > eps:
        out.append("delivered total does not match the deliveries table")
    for rs in plan.requirement_status:
        if rs.kind == "avoid":
            countries = rs.text.split(None, 1)[1].replace(" ", "").split(",")
            crossing = set(network.routes_crossing(countries))
            carried = float(per_route[per_route.index.isin(crossing)].sum())
            if carried > eps:
                out.append(f"{rs.text}: {carried} Mt still on routes crossing it")
            continue
        if rs.shortfall < -eps:
            out.append(f"{rs.text}: negative shortfall {rs.shortfall}")
        gap = rs.target - rs.achieved if rs.op == ">=" else rs.achieved - rs.target
        if rs.op == "==":
            gap = abs(rs.achieved - rs.target)
        if rs.kind == "share":
            continue  # the shortfall of a share is in Mt, checked by the solver row itself
        if gap > rs.shortfall + max(eps, 1e-6 * abs(rs.target)):
            out.append(f"{rs.text}: misses by {gap:.6g} Mt/yr but reports {rs.shortfall:.6g}")
    if not np.isfinite(plan.netback_musd):
        out.append("netback is not finite")
    return out
