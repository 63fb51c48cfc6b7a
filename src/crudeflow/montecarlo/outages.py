"""The outage model of a dataset: hazards read from ``outages.csv``.

A :class:`Hazard` is one row of ``outages.csv``: random *events* on a target (a route, a route
group, a node or a country) with a Poisson rate, a duration distribution, a capacity lost and a
season; or a deterministic seasonal *derate*. Rows that share a ``shared`` key are struck by the
same events (one Novorossiysk storm closes the CPC moorings and Sheskharis together). The
format and the sampling algorithm are specified in ``docs/dataset-format.md`` ("outages.csv");
:func:`crudeflow.montecarlo.sampling.sample_capacity_factors` implements it.

This module imports nothing from the rest of crudeflow at run time, so the network model can
hold an :class:`OutageModel` without an import cycle.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> h = Hazard("storm", "event", "from", "B", events_per_year=2.0, duration_days=(2.0, 4.0))
>>> model = OutageModel((h,))
>>> model.route_ids(h, toy_network())
('B_M',)
>>> [key for key, _ in model.processes]
['storm']
>>> OutageModel().hazards
()
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crudeflow.network.model import Network

__all__ = [
    "HAZARD_KINDS",
    "TARGET_KINDS",
    "Z90",
    "Hazard",
    "HazardKind",
    "OutageModel",
    "TargetKind",
]

HazardKind = Literal["event", "derate"]
TargetKind = Literal["route", "group", "node", "from", "to", "country"]
HAZARD_KINDS: tuple[str, ...] = ("event", "derate")
TARGET_KINDS: tuple[str, ...] = ("route", "group", "node", "from", "to", "country")

Z90 = 1.2815515655446004
"""The standard normal 90th percentile: a lognormal's sigma is ``log(p90 / median) / Z90``."""

_ALL_YEAR: tuple[float, ...] = (1.0,) * 12


@dataclass(frozen=True, slots=True)
class Hazard:
    """One row of ``outages.csv``.

    Parameters
    ----------
    id : str
        Unique row id (``cpc_storm``).
    kind : {'event', 'derate'}
        ``event``: random events (Poisson); ``derate``: a deterministic loss in given months.
    target_kind, target : str
        What is hit: ``route`` (a route id), ``group`` (a group of dataset.yaml), ``node``
        (every route leaving or entering the node), ``from`` (routes leaving it), ``to``
        (routes entering it) or ``country`` (routes crossing it).
    events_per_year : float
        Expected events per calendar year (events only).
    median_days, p90_days : float or None
        A lognormal duration by its median and 90th percentile (equal: a fixed duration).
    duration_days : tuple of float
        Or an empirical list of durations, each equally likely.
    lost_min, lost_max : float
        Fraction of capacity lost, uniform in ``[lost_min, lost_max]`` (equal: fixed).
    month_weights : tuple of 12 floats
        Relative chance that an event starts in each calendar month (January first); for a
        derate, the months it applies in (weight > 0).
    shared : str
        Rows with the same key are struck by the same events.
    """

    id: str
    kind: HazardKind
    target_kind: TargetKind
    target: str
    events_per_year: float = 0.0
    median_days: float | None = None
    p90_days: float | None = None
    duration_days: tuple[float, ...] = ()
    lost_min: float = 1.0
    lost_max: float = 1.0
    month_weights: tuple[float, ...] = _ALL_YEAR
    shared: str = ""
    source: str = ""
    line: int | None = None
    note: str = ""

    @property
    def process_key(self) -> str:
        """The key of the event process this row belongs to (its ``shared`` key, else id)."""
        return self.shared or self.id


@dataclass(frozen=True)
class OutageModel:
    """The hazards of a dataset, in file order (empty when there is no ``outages.csv``)."""

    hazards: tuple[Hazard, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.hazards)

    @cached_property
    def processes(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Event processes in order of first appearance: (key, indices of member hazards).

        A row with a ``shared`` key joins the process of that key; a row without one is a
        process of its own. Derates are not processes.
        """
        order: list[str] = []
        members: dict[str, list[int]] = {}
        for i, h in enumerate(self.hazards):
            if h.kind != "event":
                continue
            key = ("shared:" + h.shared) if h.shared else ("row:" + h.id)
            if key not in members:
                order.append(key)
                members[key] = []
            members[key].append(i)
        return tuple((self.hazards[members[k][0]].process_key, tuple(members[k])) for k in order)

    def hazard(self, hazard_id: str) -> Hazard:
        """The hazard with this id; ``KeyError`` naming it when absent."""
        for h in self.hazards:
            if h.id == hazard_id:
                return h
        raise KeyError(f"no hazard {hazard_id!r} in the outage model")

    def route_ids(self, hazard: Hazard, network: Network) -> tuple[str, ...]:
        """Ids of the routes ``hazard`` hits in ``network``, in the network's route order.

        Raises
        ------
        KeyError
            When the target (route, group, node) is not in the network.
        """
        kind, name = hazard.target_kind, hazard.target
        if kind == "route":
            network.route(name)  # KeyError naming it when absent
            return (name,)
        if kind == "group":
            wanted = set(network.group(name))
            return tuple(r.id for r in network.routes if r.id in wanted)
        if kind == "country":
            return tuple(r.id for r in network.routes if name in r.countries)
        network.node(name)
        return tuple(
            r.id
            for r in network.routes
            if (kind in ("node", "from") and r.from_node == name)
            or (kind in ("node", "to") and r.to_node == name)
        )
