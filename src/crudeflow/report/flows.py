"""Where each tonne goes: proportional flow tracing from fields through route groups to markets.

A plan gives one flow per route; the report's Sankey needs flows per *path*. Paths are not
unique (two fields feeding one hub can be swapped), so the report uses the standard
*proportional* rule: every node mixes the oil that reaches it and sends it on in proportion
to the flows on its outgoing routes. Tracing follows the routes downstream from each supply
node, so the amounts add up exactly to the plan's route flows and deliveries.

Each traced tonne carries three labels:

* its **field** (the supply node it was exported from);
* its **route group**: the first route on which it leaves the producer country (a route whose
  ``countries`` include any other code), named by the smallest route group of ``dataset.yaml``
  that contains that route, else by the route's own name; oil that never leaves the producer
  country is grouped as ``Domestic``;
* whether it **crossed the watched country or passage** (dataset.yaml ``watch``) anywhere
  on its way.

Flow cycles (circulations that carry no oil from a field to a market) are cancelled first, so
the traced graph is acyclic. Losses on a route shrink the oil it carries in proportion.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> tr = trace(net, plan(net))
>>> [(p.field, p.group, p.market, round(p.amount, 2), p.crosses_watch) for p in tr.paths]
[('A', 'A_B', 'M', 10.0, True), ('A', 'A_M', 'M', 2.0, False)]
>>> exit_group_names(net)
{'A_B': 'A_B', 'B_M': 'B_M', 'A_M': 'A_M'}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from crudeflow.network.model import Network
from crudeflow.solve.plan import Plan
from crudeflow.watch import crosses_watch

__all__ = [
    "DOMESTIC",
    "TracedFlows",
    "TracedPath",
    "border_routes",
    "exit_group_names",
    "exit_routes",
    "pretty_group",
    "trace",
]

DOMESTIC = "Domestic"
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class TracedPath:
    """Oil from one field, through one route group, to one market (delivered, in the
    :attr:`TracedFlows.unit` of its trace)."""

    field: str
    group: str
    market: str
    amount: float
    crosses_watch: bool


@dataclass(frozen=True, slots=True)
class TracedFlows:
    """The result of :func:`trace`: delivered paths plus what was shut in per field."""

    paths: tuple[TracedPath, ...]
    shut_in: Mapping[str, float]
    """Available but not exported, per supply node (in :attr:`unit`)."""
    lost: float
    """Exported minus delivered: transit losses and oil left in storage (in :attr:`unit`)."""
    watch: str
    unit: str = "Mt/yr"
    """``Mt/yr`` (annual rates, the default) or ``Mt`` (totals over the plan's horizon)."""

    def by_group(self) -> dict[str, float]:
        """Delivered amount per route group, largest first."""
        out: dict[str, float] = defaultdict(float)
        for p in self.paths:
            out[p.group] += p.amount
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def watch_share_of_group(self) -> dict[str, float]:
        """Per route group, the share of its delivered oil that crossed the watched country."""
        total: dict[str, float] = defaultdict(float)
        crossed: dict[str, float] = defaultdict(float)
        for p in self.paths:
            total[p.group] += p.amount
            if p.crosses_watch:
                crossed[p.group] += p.amount
        return {g: crossed[g] / t if t > _EPS else 0.0 for g, t in total.items()}


def pretty_group(name: str) -> str:
    """A dataset group id as a display name.

    Examples
    --------
    >>> pretty_group("trans_caspian"), pretty_group("cpc"), pretty_group("atyrau_samara")
    ('Trans-Caspian', 'CPC', 'Atyrau-Samara')
    """
    words = [w for w in name.replace("-", "_").split("_") if w]
    return "-".join(w.upper() if len(w) <= 3 else w.capitalize() for w in words) or name


def exit_routes(network: Network) -> tuple[str, ...]:
    """Ids of routes that leave the producer country (cross any other country).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> exit_routes(toy_network())
    ('A_B', 'B_M', 'A_M')
    """
    producer = network.meta.producer
    return tuple(r.id for r in network.routes if any(c != producer for c in r.countries))


def border_routes(network: Network) -> tuple[str, ...]:
    """Exit routes that start in the producer country: the legs on which oil crosses its border.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> border_routes(toy_network())
    ('A_B', 'A_M')
    """
    producer = network.meta.producer
    return tuple(
        rid
        for rid in exit_routes(network)
        if producer in network.route(rid).countries
        or network.node(network.route(rid).from_node).country == producer
    )


def exit_group_names(network: Network) -> dict[str, str]:
    """Route group name of every exit route (see the module docstring for the rule)."""
    groups = network.meta.groups
    out: dict[str, str] = {}
    for rid in exit_routes(network):
        containing = [(len(ids), i, g) for i, (g, ids) in enumerate(groups.items()) if rid in ids]
        if containing:
            out[rid] = pretty_group(min(containing)[2])
        else:
            route = network.route(rid)
            out[rid] = short_name(route.name) if route.name else rid
    return out


def short_name(name: str) -> str:
    """The part of a long node or route name before its first bracket or comma.

    Examples
    --------
    >>> short_name("Port of Aktau (oil berths 4, 5, 8)"), short_name("Samara, Transneft hub")
    ('Port of Aktau', 'Samara')
    """
    cut = len(name)
    for sep in (" (", ", "):
        i = name.find(sep)
        if 0 < i < cut:
            cut = i
    return name[:cut].strip() or name


_Label = tuple[str, str | None, bool]  # field, exit route (None before the exit), crossed watch


def trace(
    network: Network, plan: Plan, *, watch: str | None = None, totals: bool = False
) -> TracedFlows:
    """Decompose a plan's route flows into field → route group → market paths.

    Parameters
    ----------
    network : Network
        The network the plan was solved on.
    plan : Plan
        The solved plan (annual or monthly; flows over the whole horizon are traced).
    watch : str, optional
        Country code or passage id whose crossing is flagged on each path (default: the
        dataset's ``watch``).
    totals : bool
        Trace the plan's horizon totals (Mt) instead of its annual rates (Mt/yr).

    Returns
    -------
    TracedFlows
        Delivered amounts by (field, group, market, crossed ``watch``), largest first.
    """
    k = "mt" if totals else "mtpa"
    routes = plan.routes
    flow = {str(rid): float(f) for rid, f in routes[f"flow_{k}"].items() if float(f) > _EPS}
    keep = {r.id: 1.0 - r.loss_pct / 100.0 for r in network.routes}
    frm = {r.id: r.from_node for r in network.routes}
    to = {r.id: r.to_node for r in network.routes}
    watch = network.meta.watch if watch is None else watch
    crosses = {r.id: crosses_watch(r, watch) for r in network.routes}
    exits = set(exit_routes(network))
    group_of = exit_group_names(network)

    flow = _cancel_cycles(flow, frm, to)

    supply = {str(n): float(v) for n, v in plan.supply[f"exported_{k}"].items()}
    shut = {str(n): max(float(v), 0.0) for n, v in plan.supply[f"shut_in_{k}"].items()}
    delivered: dict[str, float] = defaultdict(float)
    per = 1.0 if totals else plan.horizon_years  # deliveries are per period, in Mt
    for m, v in zip(plan.deliveries["market"], plan.deliveries["delivered_mt"], strict=True):
        delivered[str(m)] += float(v) / per

    out_routes: dict[str, list[str]] = defaultdict(list)
    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in network.nodes)
    for rid in flow:
        out_routes[frm[rid]].append(rid)
        graph.add_edge(frm[rid], to[rid])

    comp: dict[str, dict[_Label, float]] = defaultdict(lambda: defaultdict(float))
    for node, amount in supply.items():
        if amount > _EPS:
            comp[node][(node, None, False)] += amount
    found: dict[tuple[str, str, str, bool], float] = defaultdict(float)
    for node in nx.topological_sort(graph):
        mix = comp.get(node)
        if not mix:
            continue
        inflow = sum(mix.values())
        outflow = sum(flow[r] for r in out_routes[node]) + delivered.get(node, 0.0)
        through = max(inflow, outflow)
        if through <= _EPS:
            continue
        for (field, exit_route, crossed), amount in mix.items():
            share = amount / through
            d = delivered.get(node, 0.0) * share
            if d > _EPS:
                group = group_of[exit_route] if exit_route is not None else DOMESTIC
                found[(field, group, node, crossed)] += d
            for r in out_routes[node]:
                label = (
                    field,
                    r if exit_route is None and r in exits else exit_route,
                    crossed or crosses[r],
                )
                comp[to[r]][label] += flow[r] * keep[r] * share

    paths = tuple(
        TracedPath(field, group, market, amount, crossed)
        for (field, group, market, crossed), amount in sorted(
            found.items(), key=lambda kv: (-kv[1], kv[0])
        )
        if amount > 1e-6
    )
    lost = max(sum(supply.values()) - sum(p.amount for p in paths), 0.0)
    return TracedFlows(
        paths=paths, shut_in=shut, lost=lost, watch=watch, unit="Mt" if totals else "Mt/yr"
    )


def _cancel_cycles(
    flow: dict[str, float], frm: Mapping[str, str], to: Mapping[str, str]
) -> dict[str, float]:
    """Remove circulations: subtract each directed cycle's smallest flow until none is left."""
    flow = dict(flow)
    for _ in range(len(flow) + 1):
        g = nx.MultiDiGraph()
        for rid in flow:
            g.add_edge(frm[rid], to[rid], key=rid)
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return flow
        ids = [str(edge[2]) for edge in cycle]
        least = min(flow[r] for r in ids)
        for r in ids:
            flow[r] -= least
            if flow[r] <= _EPS:
                del flow[r]
    return flow  # pragma: no cover - each pass removes at least one route
