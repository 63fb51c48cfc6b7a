"""Bypass capacity: the most crude that can leave while avoiding some countries (max-flow).

The network becomes a flow graph: a source feeds every supply node (capacity: its supply),
every open route not crossing an avoided country is an arc (capacity: Mt/yr), every market
drains to a sink (capacity: its intake limit). The maximum flow is the exportable volume; the
minimum cut names what limits it. Each route gets its own middle node so parallel routes
between the same two places stay separate arcs. Losses are ignored here (a max-flow is
lossless); the planner's volume LP with losses is the exact answer on lossy networks.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> b = bypass(toy_network(), avoid=("RU",))
>>> b.max_mtpa, b.cut_routes
(4.0, ('A_M',))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from crudeflow.errors import ScenarioError
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network.model import Network

__all__ = ["Bypass", "bypass"]

_SOURCE = ("__source__",)
_SINK = ("__sink__",)


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
    """Routes excluded because they cross an avoided country (or are not open)."""

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
        }


def bypass(network: Network, *, avoid: Iterable[str] = (), year: int | None = None) -> Bypass:
    """Maximum export (Mt/yr) on routes that do not cross ``avoid``, with the min cut named.

    Raises
    ------
    ScenarioError
        An avoided code is not an ISO country code, or is the producer itself.
    """
    avoid_t = tuple(dict.fromkeys(c.upper() for c in avoid))
    for c in avoid_t:
        if c not in ISO_ALPHA2:
            raise ScenarioError(f"avoid {c}: not an ISO 3166-1 alpha-2 country code")
        if c == network.meta.producer:
            raise ScenarioError(f"avoid {c}: cannot avoid the producer country")
    y = year if year is not None else network.meta.base_year
    supply = network.supply_in(y)
    if not supply:
        raise ScenarioError(f"no supply data for {y} (years with data: {network.years})")
    g: nx.DiGraph = nx.DiGraph()
    g.add_node(_SOURCE)
    g.add_node(_SINK)
    for node, mt in supply.items():
        g.add_edge(_SOURCE, ("n", node), capacity=mt)
    for m in network.markets:
        attrs = {} if m.max_mtpa is None else {"capacity": m.max_mtpa}
        g.add_edge(("n", m.node), _SINK, **attrs)
    closed = []
    for r in network.routes:
        if not r.open_in(y) or set(avoid_t) & set(r.countries):
            closed.append(r.id)
            continue
        g.add_edge(("n", r.from_node), ("r", r.id), capacity=r.capacity_mtpa)
        g.add_edge(("r", r.id), ("n", r.to_node))
    value, flow = nx.maximum_flow(g, _SOURCE, _SINK)
    _, (reach, _rest) = nx.minimum_cut(g, _SOURCE, _SINK)
    cut_routes, cut_supply, cut_markets = [], [], []
    for u in reach:
        for v, data in g[u].items():
            if v in reach or "capacity" not in data:
                continue
            if u == _SOURCE:
                cut_supply.append(v[1])
            elif v == _SINK:
                cut_markets.append(u[1])
            elif v[0] == "r":
                cut_routes.append(v[1])
    flows = {
        r.id: float(flow[("n", r.from_node)].get(("r", r.id), 0.0))
        for r in network.routes
        if r.id not in closed
    }
    return Bypass(
        year=y,
        avoid=avoid_t,
        max_mtpa=float(value),
        available_mtpa=float(sum(supply.values())),
        cut_routes=tuple(sorted(cut_routes)),
        cut_supply=tuple(sorted(cut_supply)),
        cut_markets=tuple(sorted(cut_markets)),
        flows_mtpa=flows,
        closed_routes=tuple(closed),
    )
