"""Bypass capacity: the most crude that can leave while avoiding some countries (max-flow).

The network becomes a flow graph: a source feeds every supply node (capacity: its supply),
every open route not crossing an avoided country is an arc (capacity: Mt/yr), every market
drains to a sink (capacity: its intake limit); a node with a loading limit
(``throughput_mtpa``) sends its routes through one arc of that capacity; a leg served by a
tanker pool (``fleet.csv``) is capped at what the pool carries in the year. The maximum flow is
the exportable volume; the minimum cut names what limits it.

Domestic refineries (``refineries.csv``) are fed first, as in the planning model: a first
max-flow sends crude to the refineries (each drains to the sink up to its demand); the export
max-flow then runs on the residual network that flow leaves (refinery crude may be rerouted but
not reduced), and its minimum cut is the cut of that residual network. Without refineries this
is the plain max-flow. Each route gets its own middle node so parallel routes
between the same two places stay separate arcs. Losses are ignored here (a max-flow is
lossless); the planner's volume LP with losses is the exact answer on lossy networks.

The volume and the cut are unique; the split of that volume over parallel paths is not (any
maximum flow is a right answer). The graph's nodes are integers numbered in the dataset's
order, so the split is the same on every run: networkx keeps its active nodes in sets, and
string labels would make their order, and so the flows printed, depend on ``PYTHONHASHSEED``.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> b = bypass(toy_network(), avoid=("RU",))
>>> b.max_mtpa, b.cut_routes
(4.0, ('A_M',))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from crudeflow.errors import RequirementError, ScenarioError
from crudeflow.ids import did_you_mean
from crudeflow.network._fleet import pool_mt_by_route
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network.model import Network
from crudeflow.solve.lp import SHORTFALL_MET_MT

__all__ = ["Bypass", "bypass"]

_SOURCE = 0
_SINK = 1


@dataclass(frozen=True)
class Bypass:
    """Result of :func:`bypass`."""

    year: int
    avoid: tuple[str, ...]
    max_mtpa: float
    available_mtpa: float
    cut_routes: tuple[str, ...]
    """Routes in the minimum cut: raising any of them raises the bypass volume."""
    cut_supply: tuple[str, ...]
    """Supply nodes in the cut: all their crude already leaves."""
    cut_markets: tuple[str, ...]
    """Markets in the cut: their intake limit binds."""
    flows_mtpa: dict[str, float]
    closed_routes: tuple[str, ...]
    """Routes excluded because they cross an avoided country, list an avoided passage, or
    are not open."""
    cut_nodes: tuple[str, ...] = ()
    """Nodes in the cut: their loading limit (``throughput_mtpa``) binds."""
    capacities_mtpa: dict[str, float] = field(default_factory=dict)
    """Each open route's arc capacity (Mt/yr): its capacity in the year, or what its tankers
    (fleet.csv) carry when that is less."""
    refinery_mtpa: float = 0.0
    """Crude fed to domestic refineries first (Mt/yr; not in ``max_mtpa``)."""
    refinery_shortfall_mtpa: float = 0.0
    """Refinery demand the routes left open cannot feed (Mt/yr)."""
    refinery_flows_mtpa: dict[str, float] = field(default_factory=dict)
    """Per route, the refinery flow the export max-flow starts from (the first max-flow)."""
    refinery_taken_mtpa: dict[str, float] = field(default_factory=dict)
    """Per supply node, the crude that first max-flow takes there (Mt/yr)."""

    @property
    def refinery_met(self) -> bool:
        """True when the routes left open feed every refinery's demand (a shortfall of at
        most ``SHORTFALL_MET_MT``, the plan's rule)."""
        return self.refinery_shortfall_mtpa <= SHORTFALL_MET_MT

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "avoid": list(self.avoid),
            "max_mtpa": self.max_mtpa,
            "available_mtpa": self.available_mtpa,
            "cut_routes": list(self.cut_routes),
            "cut_supply": list(self.cut_supply),
            "cut_markets": list(self.cut_markets),
            "flows_mtpa": self.flows_mtpa,
            "closed_routes": list(self.closed_routes),
            "cut_nodes": list(self.cut_nodes),
            "refinery_mtpa": self.refinery_mtpa,
            "refinery_shortfall_mtpa": self.refinery_shortfall_mtpa,
        }


def bypass(network: Network, *, avoid: Iterable[str] = (), year: int | None = None) -> Bypass:
    """Maximum export (Mt/yr) on routes that do not cross ``avoid``, with the min cut named.

    ``avoid`` holds country codes and passage ids (``HORMUZ``: the routes listing it close).

    Raises
    ------
    RequirementError
        An avoided code is not an ISO 3166-1 alpha-2 country code (as ``plan``'s
        ``avoid XX``: a usage error, exit 2 on the command line).
    ScenarioError
        An avoided code is the producer itself, or there is no supply in ``year``.
    """
    # "RU,AZ" is two codes, as in plan's "avoid RU,AZ"; 3+ characters name a passage
    avoid_t = tuple(dict.fromkeys(c.strip().upper() for a in avoid for c in a.split(",")))
    passage_ids = set(network.passage_ids())
    for c in avoid_t:
        if len(c) != 2:
            if c not in passage_ids:
                raise RequirementError(
                    f"avoid {c}",
                    len("avoid "),
                    "an ISO 3166-1 alpha-2 country code such as RU, or a passage of the "
                    "passages table"
                    + (
                        did_you_mean(c, sorted(passage_ids))
                        or f" ({', '.join(sorted(passage_ids))})"
                    ),
                )
            continue
        if c not in ISO_ALPHA2:
            raise RequirementError(
                f"avoid {c}", len("avoid "), "an ISO 3166-1 alpha-2 country code such as RU"
            )
        if c == network.meta.producer:
            raise ScenarioError(f"avoid {c}: cannot avoid the producer country")
    y = year if year is not None else network.meta.base_year
    supply = network.supply_in(y)
    if not supply:
        raise ScenarioError(f"no supply data for {y} (years with data: {network.years})")
    # Integer node ids in the dataset's order (see the module docstring: determinism).
    ids: dict[tuple[str, str], int] = {}
    labels: dict[int, tuple[str, str]] = {}

    def nid(kind: str, key: str) -> int:
        if (kind, key) not in ids:
            ids[(kind, key)] = len(ids) + 2  # 0 and 1 are the source and the sink
            labels[ids[(kind, key)]] = (kind, key)
        return ids[(kind, key)]

    g: nx.DiGraph = nx.DiGraph()
    g.add_node(_SOURCE)
    g.add_node(_SINK)
    for node, mt in supply.items():
        g.add_edge(_SOURCE, nid("n", node), capacity=mt)
    demand = network.refinery_demand_in(y)
    for node in demand:
        nid("n", node)
    closed = []
    avoided = set(avoid_t)
    # a node's loading limit: its routes leave from an "o" node behind one arc of that size
    start: dict[str, int] = {}
    for n in network.nodes:
        if n.throughput_mtpa is not None:
            start[n.id] = nid("o", n.id)
            g.add_edge(nid("n", n.id), start[n.id], capacity=n.throughput_mtpa)
    fleet_cap = pool_mt_by_route(network.fleet, y)  # a leg carries at most its tankers' year
    capacities: dict[str, float] = {}
    for r in network.routes:
        if (
            not network.route_open_in(r.id, y)
            or avoided.intersection(r.countries)
            or avoided.intersection(r.passages)
        ):
            closed.append(r.id)
            continue
        frm = start.get(r.from_node) or nid("n", r.from_node)
        cap = min(network.route_capacity_in(r.id, y), fleet_cap.get(r.id, float("inf")))
        capacities[r.id] = cap
        g.add_edge(frm, nid("r", r.id), capacity=cap)
        g.add_edge(nid("r", r.id), nid("n", r.to_node))
    # refineries first: each drains to the sink up to its demand; no market does yet
    g1 = g.copy()
    for node, mt in demand.items():
        g1.add_edge(ids[("n", node)], _SINK, capacity=mt)
    fed, flow1 = nx.maximum_flow(g1, _SOURCE, _SINK) if demand else (0.0, {})
    for m in network.markets:
        attrs = {} if m.max_mtpa is None else {"capacity": m.max_mtpa}
        g.add_edge(nid("n", m.node), _SINK, **attrs)
    if demand:
        g = _residual(g, flow1)
    value, flow2 = nx.maximum_flow(g, _SOURCE, _SINK)
    _, (reach, _rest) = nx.minimum_cut(g, _SOURCE, _SINK)

    def net_flow(u: int, v: int) -> float:
        """Phase 1 plus phase 2 on the arc u -> v (phase 2 may push back on phase 1)."""
        f1 = flow1.get(u, {}).get(v, 0.0) if demand else 0.0
        return float(f1 + flow2[u].get(v, 0.0) - flow2.get(v, {}).get(u, 0.0))

    cut_routes, cut_supply, cut_markets, cut_nodes = [], [], [], []
    for u in sorted(reach):
        for v, data in g[u].items():
            if v in reach or "capacity" not in data:
                continue
            if u == _SOURCE:
                cut_supply.append(labels[v][1])
            elif v == _SINK:
                cut_markets.append(labels[u][1])
            elif labels[v][0] == "r":
                cut_routes.append(labels[v][1])
            elif labels[v][0] == "o":
                cut_nodes.append(labels[v][1])

    def tail(r_from: str) -> int:
        return start.get(r_from) or ids[("n", r_from)]

    flows = {
        r.id: net_flow(tail(r.from_node), ids[("r", r.id)])
        for r in network.routes
        if ("r", r.id) in ids
    }
    refinery_flows = {
        r.id: float(flow1.get(tail(r.from_node), {}).get(ids[("r", r.id)], 0.0))
        for r in network.routes
        if ("r", r.id) in ids and demand
    }
    return Bypass(
        year=y,
        avoid=avoid_t,
        max_mtpa=float(value),
        available_mtpa=float(sum(supply.values()) - sum(demand.values())),
        cut_routes=tuple(sorted(cut_routes)),
        cut_supply=tuple(sorted(cut_supply)),
        cut_markets=tuple(sorted(cut_markets)),
        flows_mtpa=flows,
        closed_routes=tuple(closed),
        cut_nodes=tuple(sorted(cut_nodes)),
        capacities_mtpa=capacities,
        refinery_mtpa=float(fed),
        refinery_shortfall_mtpa=max(float(sum(demand.values()) - fed), 0.0),
        refinery_flows_mtpa=refinery_flows,
        refinery_taken_mtpa={
            n: float(flow1[_SOURCE].get(ids[("n", n)], 0.0)) for n in supply if demand
        },
    )


def _residual(g: nx.DiGraph, flow: dict[int, dict[int, float]]) -> nx.DiGraph:
    """The residual network of ``flow`` in ``g``: each arc keeps its capacity less its flow,
    and gains a reverse arc of the flow's size (an arc without ``capacity`` is unbounded)."""
    out: nx.DiGraph = nx.DiGraph()
    out.add_nodes_from(g.nodes)
    for u, v, data in g.edges(data=True):
        f = flow.get(u, {}).get(v, 0.0)
        if "capacity" in data:
            out.add_edge(u, v, capacity=max(data["capacity"] - f, 0.0))
        else:
            out.add_edge(u, v)
        if f > 0.0:
            prev = out.get_edge_data(v, u)
            if prev is None:
                out.add_edge(v, u, capacity=f)
            elif "capacity" in prev:
                prev["capacity"] += f
    return out
