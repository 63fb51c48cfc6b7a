"""Sentences about a :class:`~crudeflow.invest.results.Portfolio`, from its figures only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crudeflow.output import fmt
from crudeflow.solve.lp import SHORTFALL_MET_MT

if TYPE_CHECKING:
    from crudeflow.invest.results import Portfolio

__all__ = ["portfolio_sentences"]


def _money(musd: float) -> str:
    """USD m or bn in words: ``USD 212 m``, ``USD 2.5 bn``.

    >>> _money(212.4), _money(2500.0), _money(0.0)
    ('USD 212 m', 'USD 2.5 bn', 'USD 0 m')
    """
    if abs(musd) >= 1000:
        return f"USD {fmt(musd / 1000, 1)} bn"
    return f"USD {fmt(musd, 0)} m"


def _names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> _names(["a"]), _names(["a", "b"]), _names(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _binding_words(p: Portfolio, routes: list[str]) -> str:
    """Routes named by their place when several leave one node ("Sangachal terminal's outlets
    (BTC, ...)"), else by their own names."""
    frame = p.plan.routes
    names = dict(zip(frame.index, frame["name"], strict=True))
    origin = dict(zip(frame.index, frame["from"], strict=True))
    groups: dict[str, list[str]] = {}
    for rid in routes:
        groups.setdefault(origin.get(rid, rid), []).append(rid)
    words = []
    for node, members in groups.items():
        if len(members) > 1:
            place = p.node_names.get(node, node)
            words.append(f"{place}'s outlets ({', '.join(members)})")
        else:
            words.append(names.get(members[0], members[0]))
    return _names(words)


def portfolio_sentences(p: Portfolio) -> list[str]:
    """Plain sentences an adviser could quote: what to build, what it costs, what binds."""
    out: list[str] = []
    reqs = "; ".join(p.requirements) or "no requirement"
    if p.builds:
        parts = [
            (b.name if b.is_block else f"{b.modules} x {b.name}")
            + (" (hypothetical)" if b.hypothetical else "")
            for b in p.builds
        ]
        moved = p.cost_usd_per_t_moved
        per_t = (
            f" ({fmt(moved, 1)} USD per extra tonne a year reaching the target)"
            if moved is not None
            else f" ({fmt(p.cost_usd_per_t, 1)} USD per tonne a year of capacity added)"
            if p.cost_usd_per_t is not None
            else ""
        )
        head = (
            f"Cheapest portfolio for {reqs}"
            if p.requirements
            else "Projects that pay for themselves on these volumes and prices"
        )
        out.append(
            f"{head}: {_names(parts)}, adding "
            f"{fmt(p.capacity_added_mtpa, 1)} Mt/yr of "
            + _kinds_added(p)
            + f" capacity for {_money(p.capex_musd)} of "
            "capital, "
            f"{_money(p.annualised_cost_musd_per_yr)} a year with capital annualised at "
            f"{fmt(p.discount_rate * 100, 0)}%"
            + per_t
            + (
                f"; in service from {p.in_service_year} at the earliest."
                if p.in_service_year
                else "."
            )
        )
        gain = p.netback_gain_musd_per_yr
        net = p.net_cost_musd_per_yr
        out.append(
            f"It adds {_money(gain)} a year of netback over the network without projects, so it "
            + (
                f"costs {_money(net)} a year net."
                if net > 0.5
                else f"pays for itself ({_money(-net)} a year to spare)."
                if net < -0.5
                else "about pays for itself."
            )
        )
    elif p.baseline_shortfalls:
        out.append(f"No listed project helps towards {reqs}.")
    else:
        out.append(
            f"No project is needed for {reqs}: the network as it is meets it"
            if p.requirements
            else "No listed project pays for itself on these volumes and prices."
        )
    for r in p.shortfalls:
        routes = list(p.shortfall_routes) or [b.route for b in p.binding]
        bind = _binding_words(p, routes[:4])
        lead = "cannot be reached with the listed projects" if p.candidates else "cannot be reached"
        out.append(
            f"{r.text} {lead}: the most is {fmt(r.achieved, 1)} Mt/yr "
            f"({fmt(r.shortfall, 1)} Mt/yr short)" + (f"; {bind} bind." if bind else ".")
        )
    if not p.shortfalls and p.binding:
        top = p.binding[0]
        out.append(
            f"Once built, {top.name} binds: each further tonne a year it could carry is worth "
            f"{fmt(top.value_usd_per_t, 1)} USD."
        )
    nxt = p.next_project
    if nxt is not None:
        with_req = (
            f" (with {_names(list(nxt.with_requires_names))})" if nxt.with_requires_names else ""
        )
        what = (
            f"cuts the shortfall by {fmt(nxt.shortfall_reduction_mtpa, 2)} Mt/yr"
            if nxt.shortfall_reduction_mtpa > SHORTFALL_MET_MT
            else f"costs {_money(nxt.net_cost_musd_per_yr)} a year net"
        )
        step = (
            f"{nxt.name}{with_req} (+{fmt(nxt.capacity_added_mtpa, 2)} Mt/yr for "
            f"{_money(nxt.annualised_cost_musd_per_yr)} a year)"
        )
        if p.shortfalls and nxt.shortfall_reduction_mtpa <= SHORTFALL_MET_MT:
            out.append(
                f"No listed project would reduce the shortfall; the cheapest further step is "
                f"{step}."
            )
        else:
            out.append(f"The next project would be {step}: it {what}.")
    if not p.optimal:
        out.append(
            f"The search stopped ({p.status.value}): this portfolio is within "
            f"{fmt(p.mip_gap * 100, 2)}% of the cheapest, not proven the cheapest."
        )
    return out


def _kinds_added(p: Portfolio) -> str:
    """What the portfolio's capacity is: "route", "route and loading", "route and tanker"..."""
    kinds = ["route"]
    if any(b.node for b in p.builds):
        kinds.append("loading")
    if any(b.fleet for b in p.builds):
        kinds.append("tanker")
    return " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 2 else kinds)
