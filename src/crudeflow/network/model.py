"""The network data model: grades, nodes, routes, supply, markets, prices, sources.

A :class:`Network` is immutable. Changing it (a scenario, an outage draw) makes a new one with
:meth:`Network.replace_routes` or :func:`dataclasses.replace`; column arrays for the optimiser
are computed once per network and cached (:attr:`Network.arrays`).

Examples
--------
>>> net = toy_network()
>>> [r.id for r in net.routes]
['A_B', 'B_M', 'A_M']
>>> net.route("A_M").countries
('KZ', 'AZ', 'TR')
>>> round(net.price_usd_per_t("M", 2025), 2)
600.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from crudeflow.errors import CrudeflowError, Problem
from crudeflow.invest.projects import Project
from crudeflow.montecarlo.outages import OutageModel
from crudeflow.network._fleet import Fleet

__all__ = [
    "MODES",
    "NODE_KINDS",
    "PASSAGE_KINDS",
    "STATUSES",
    "Benchmark",
    "Commitment",
    "DatasetMeta",
    "EventObservation",
    "Fleet",
    "Grade",
    "Market",
    "Network",
    "Node",
    "Observation",
    "Passage",
    "Refinery",
    "Route",
    "RouteArrays",
    "RouteYear",
    "Source",
    "Supply",
    "toy_network",
]

NodeKind = Literal["field", "hub", "port", "terminal", "refinery", "market", "border"]
Mode = Literal["pipeline", "tanker", "rail"]
Status = Literal["operating", "planned", "idle"]

NODE_KINDS: tuple[str, ...] = ("field", "hub", "port", "terminal", "refinery", "market", "border")
MODES: tuple[str, ...] = ("pipeline", "tanker", "rail")
STATUSES: tuple[str, ...] = ("operating", "planned", "idle")
PASSAGE_KINDS: tuple[str, ...] = ("strait", "canal", "pipeline")


@dataclass(frozen=True, slots=True)
class Source:
    """A public source: the page a figure was read on and the words that carry it."""

    id: str
    title: str
    url: str
    as_of: str
    quote: str


@dataclass(frozen=True, slots=True)
class Grade:
    """A crude grade; ``bbl_per_t`` converts tonnes to barrels for everything of this grade."""

    id: str
    name: str
    bbl_per_t: float
    source: str


@dataclass(frozen=True, slots=True)
class Node:
    """A place oil passes: a field, hub, port, terminal, refinery, market or border point."""

    id: str
    name: str
    kind: NodeKind
    country: str
    lat: float
    lon: float
    storage_mt: float | None = None
    source: str = ""
    coords_source: str = ""
    storage_source: str = ""
    note: str = ""
    throughput_mtpa: float | None = None
    """Loading limit shared by every route leaving the node (Mt/yr; None: no limit)."""
    throughput_source: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    """A directed leg from one node to another, with capacity in Mt/yr and tariff in USD/t."""

    id: str
    from_node: str
    to_node: str
    mode: Mode
    capacity_mtpa: float
    tariff_usd_per_t: float
    countries: tuple[str, ...]
    status: Status = "operating"
    name: str = ""
    grade: str = ""
    physical_capacity_mtpa: float | None = None
    transit_days: float | None = None
    loss_pct: float = 0.0
    since_year: int | None = None
    source: str = ""
    capacity_source: str = ""
    physical_capacity_source: str = ""
    tariff_source: str = ""
    transit_source: str = ""
    loss_source: str = ""
    note: str = ""
    passages: tuple[str, ...] = ()
    """Straits and canals the route passes (ids of the passages table), in order."""

    def open_in(self, year: int) -> bool:
        """True when the route is operating and had opened by ``year``."""
        return self.status == "operating" and (self.since_year is None or self.since_year <= year)


@dataclass(frozen=True, slots=True)
class Passage:
    """A strait, canal or bypass pipeline that routes may pass (``Route.passages``).

    ``lat``/``lon`` are None when no sourced position exists (the map does not draw it).
    """

    id: str
    name: str
    kind: str
    lat: float | None = None
    lon: float | None = None
    coords_source: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RouteYear:
    """A route's capacity and/or status in one year (``route_years.csv``), replacing the
    ``routes.csv`` value in that year only (``None``: the routes.csv value)."""

    route: str
    year: int
    capacity_mtpa: float | None = None
    status: Status | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Commitment:
    """A minimum yearly volume on a route or route group (``commitments.csv``): a take-or-pay
    or ship-or-pay contract. Each tonne short costs ``penalty_usd_per_t``."""

    id: str
    routes: tuple[str, ...]
    """Route ids whose flows count towards it (one route, or a group's routes)."""
    target: str
    """As written: ``route:ID`` or ``group:NAME``."""
    year: int | None
    """The year it applies in; None: every year."""
    min_mtpa: float
    penalty_usd_per_t: float
    source: str = ""
    min_source: str = ""
    penalty_source: str = ""
    note: str = ""

    def applies_in(self, year: int) -> bool:
        return self.year is None or self.year == year


@dataclass(frozen=True, slots=True)
class Refinery:
    """A domestic refinery's crude demand in a year (``refineries.csv``): ``demand_mtpa``
    must reach ``node`` before any crude is exported (docs/dataset-format.md, "Domestic
    refining")."""

    node: str
    year: int
    demand_mtpa: float
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Supply:
    """Crude available for export at ``node`` in ``year`` (Mt)."""

    node: str
    year: int
    mt: float
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Market:
    """A market node's price basis: ``(Brent + diff_usd_per_bbl) x bbl_per_t(grade)`` USD/t."""

    node: str
    grade: str
    diff_usd_per_bbl: float
    max_mtpa: float | None = None
    source: str = ""
    diff_source: str = ""
    max_source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Benchmark:
    """Brent annual average for a year, USD per barrel."""

    year: int
    brent_usd_per_bbl: float
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Observation:
    """A reported volume (Mt) for a route group in a year, for the backtest."""

    year: int
    group: str
    mt: float
    source: str = ""
    note: str = ""
    basis: str = "test"
    """``test`` (a real test of the model) or ``construction`` (an input is built from the
    same reported figure, so the row agrees by construction)."""


@dataclass(frozen=True, slots=True)
class EventObservation:
    """A reported outcome of a past disruption (``observed_events.csv``), for
    ``crudeflow backtest --events``."""

    scenarios: tuple[str, ...]
    """The preset names whose event it is (one, or several reported together)."""
    year: int
    first_month: int
    last_month: int
    measure: str
    """``flow_mt``, ``change_mt``, ``change_pct``, ``vs_prev_pct`` or ``shut_in_mt``."""
    group: str
    """A dataset group ('' for ``shut_in_mt``)."""
    reported: float
    source: str = ""
    note: str = ""

    @property
    def months(self) -> str:
        """``YYYY-MM`` or ``YYYY-MM..YYYY-MM`` as written in the file."""
        a = f"{self.year}-{self.first_month:02d}"
        b = f"{self.year}-{self.last_month:02d}"
        return a if a == b else f"{a}..{b}"


@dataclass(frozen=True, slots=True)
class DatasetMeta:
    """Dataset-level facts from ``dataset.yaml``."""

    name: str
    title: str
    producer: str
    base_year: int
    currency: str = "USD"
    default_grade: str = ""
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    watch: str = ""
    """The country code or passage id the maps, report and ``crudeflow run`` contrast (red =
    crosses it); empty: none (routes are domestic or cross-border)."""
    run_label: str = ""
    """Label of the case ``crudeflow run`` and the default report compare with the base plan."""
    run_requirements: tuple[str, ...] = ()
    """Requirements of that case (empty: ``avoid WATCH`` when there is a watch)."""
    run_groups: tuple[str, ...] = ()
    """Route groups whose flows ``crudeflow run`` lists."""
    compare_groups: tuple[str, ...] = ()
    """Route groups ``scenario compare`` shows (empty: every group)."""
    sensitivity_groups: tuple[str, ...] = ()
    """Route groups whose flows ``crudeflow sensitivity`` reports (empty: ``run_groups``)."""


@dataclass(frozen=True)
class RouteArrays:
    """Column arrays of a network for vectorised model building (one entry per route/node)."""

    node_ids: tuple[str, ...]
    route_ids: tuple[str, ...]
    frm: npt.NDArray[np.int64]
    to: npt.NDArray[np.int64]
    capacity_mtpa: npt.NDArray[np.float64]
    tariff_usd_per_t: npt.NDArray[np.float64]
    keep: npt.NDArray[np.float64]
    """1 - loss fraction: share of the oil entering a route that arrives."""
    bbl_per_t: npt.NDArray[np.float64]
    transit_days: npt.NDArray[np.float64]
    storage_mt: npt.NDArray[np.float64]
    operating: npt.NDArray[np.bool_]
    """Route status is ``operating``."""
    since_year: npt.NDArray[np.float64]
    """Year a route opened (-inf when not given)."""
    crossing: Mapping[str, npt.NDArray[np.int64]]
    """Country code -> indices of the routes that cross it."""


@dataclass(frozen=True)
class RouteLayout:
    """What a plan's tables say of each route and country that no capacity changes: computed
    once per network and shared by its copies with other route capacities
    (:meth:`Network.replace_route_capacities`)."""

    names: list[str]
    """Each route's name, its id when it has none."""
    from_nodes: list[str]
    to_nodes: list[str]
    modes: list[str]
    countries: list[str]
    """Each route's countries joined by ``;``."""
    statuses: list[str]
    transit_countries: list[str]
    """Every country a route crosses but the producer's, sorted."""
    entering: Mapping[str, tuple[int, ...]]
    """Country -> indices of the routes entering it, in route order (see :meth:`Network.entering`)."""
    market_countries: tuple[str, ...]
    """The countries of the market nodes, sorted (no empty code)."""


@dataclass(frozen=True)
class Network:
    """An immutable crude export network.

    Build one with :func:`crudeflow.load_dataset` (a dataset folder) or directly from the value
    types (see :func:`toy_network`).
    """

    meta: DatasetMeta
    grades: Mapping[str, Grade]
    nodes: tuple[Node, ...]
    routes: tuple[Route, ...]
    supply: tuple[Supply, ...] = ()
    markets: tuple[Market, ...] = ()
    benchmarks: tuple[Benchmark, ...] = ()
    sources: tuple[Source, ...] = ()
    observed: tuple[Observation, ...] = ()
    path: str = ""
    outages: OutageModel = field(default_factory=OutageModel)
    """Hazards from ``outages.csv`` (empty when the dataset has none)."""
    projects: tuple[Project, ...] = ()
    """Candidate investments from ``projects.csv`` (empty when the dataset has none)."""
    passages: tuple[Passage, ...] = ()
    """Straits, canals and bypass pipelines routes may list: the shared table
    (``crudeflow/data/passages.csv``) then the dataset's own ``passages.csv``."""
    route_years: tuple[RouteYear, ...] = ()
    """Capacities and statuses by year from ``route_years.csv`` (empty when none)."""
    commitments: tuple[Commitment, ...] = ()
    """Minimum yearly volumes from ``commitments.csv`` (empty when none)."""
    fleet: tuple[Fleet, ...] = ()
    """Tanker classes from ``fleet.csv`` (empty when none): their pools cap their legs."""
    refineries: tuple[Refinery, ...] = ()
    """Domestic refinery demand by year from ``refineries.csv`` (empty when none)."""
    observed_events: tuple[EventObservation, ...] = ()
    """Reported outcomes of past disruptions from ``observed_events.csv`` (empty when none)."""
    warnings: tuple[Problem, ...] = ()
    """What the loader found suspicious but valid (unreachable markets, supply that no
    operating route can take out, no supply in the base year); see
    :func:`crudeflow.network.load.network_warnings`."""

    # -- look-ups -----------------------------------------------------------------------
    @cached_property
    def _node_index(self) -> dict[str, int]:
        return {n.id: i for i, n in enumerate(self.nodes)}

    @cached_property
    def _route_index(self) -> dict[str, int]:
        return {r.id: i for i, r in enumerate(self.routes)}

    def node(self, node_id: str) -> Node:
        """The node with this id; ``KeyError`` naming it when absent."""
        try:
            return self.nodes[self._node_index[node_id]]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in network {self.meta.name!r}") from None

    def route(self, route_id: str) -> Route:
        """The route with this id; ``KeyError`` naming it when absent."""
        try:
            return self.routes[self._route_index[route_id]]
        except KeyError:
            raise KeyError(f"no route {route_id!r} in network {self.meta.name!r}") from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._node_index

    def has_route(self, route_id: str) -> bool:
        return route_id in self._route_index

    def grade_of(self, grade_id: str) -> Grade:
        """The grade with this id, or the dataset's default grade for ``''``."""
        gid = grade_id or self.meta.default_grade
        if gid in self.grades:
            return self.grades[gid]
        raise KeyError(f"no grade {gid!r} in network {self.meta.name!r}")

    def bbl_per_t(self, route_id: str) -> float:
        """Barrels per tonne of the oil on a route (its grade, else the default grade)."""
        return self.grade_of(self.route(route_id).grade).bbl_per_t

    @cached_property
    def default_bbl_per_t(self) -> float:
        return self.grade_of("").bbl_per_t

    # -- years and prices ---------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        """Years that have supply data, ascending."""
        return tuple(sorted({s.year for s in self.supply}))

    def refinery_demand_in(self, year: int) -> dict[str, float]:
        """Crude demand per refinery node in ``year`` (Mt/yr); empty without refining.

        Examples
        --------
        >>> toy_network().refinery_demand_in(2025)
        {}
        """
        return {r.node: r.demand_mtpa for r in self.refineries if r.year == year}

    def supply_in(self, year: int) -> dict[str, float]:
        """Crude available per node in ``year`` (Mt): production, or imports at an entry
        node; what refineries take of it is not exported."""
        out: dict[str, float] = {}
        for s in self.supply:
            if s.year == year:
                out[s.node] = out.get(s.node, 0.0) + s.mt
        return out

    def brent(self, year: int) -> float:
        """Brent annual average (USD/bbl) for ``year``."""
        if year in self._brent_index:
            return self._brent_index[year]
        known = ", ".join(str(b.year) for b in self.benchmarks) or "none"
        raise CrudeflowError(f"no Brent price for {year} in the dataset (years with one: {known})")

    @cached_property
    def _market_index(self) -> dict[str, Market]:
        return {m.node: m for m in self.markets}

    @cached_property
    def _brent_index(self) -> dict[int, float]:
        return {b.year: b.brent_usd_per_bbl for b in self.benchmarks}

    def market(self, node_id: str) -> Market:
        """The market row of a market node; ``KeyError`` naming it when absent."""
        try:
            return self._market_index[node_id]
        except KeyError:
            raise KeyError(f"no market row for node {node_id!r}") from None

    def price_usd_per_t(self, node_id: str, year: int) -> float:
        """Market price at a market node in ``year``, USD per tonne of its grade."""
        m = self.market(node_id)
        return (self.brent(year) + m.diff_usd_per_bbl) * self.grade_of(m.grade).bbl_per_t

    def group(self, name: str) -> tuple[str, ...]:
        """Route ids of a named group from ``dataset.yaml``."""
        try:
            return tuple(self.meta.groups[name])
        except KeyError:
            known = ", ".join(sorted(self.meta.groups)) or "none"
            raise KeyError(f"no route group {name!r} (groups: {known})") from None

    # -- values by year (route_years.csv) ------------------------------------------------
    @cached_property
    def _year_rows(self) -> dict[int, list[tuple[int, RouteYear]]]:
        out: dict[int, list[tuple[int, RouteYear]]] = {}
        for ry in self.route_years:
            if ry.route in self._route_index:
                out.setdefault(ry.year, []).append((self._route_index[ry.route], ry))
        return out

    def capacity_in(self, year: int) -> npt.NDArray[np.float64]:
        """``[R]`` each route's capacity in ``year`` (Mt/yr): its ``route_years.csv`` value for
        that year, else ``capacity_mtpa``; whatever its status.

        Examples
        --------
        >>> net = toy_network()
        >>> net = dataclasses.replace(net, route_years=(RouteYear("A_M", 2024, 1.5),))
        >>> net.capacity_in(2024).tolist(), net.capacity_in(2025).tolist()
        ([11.0, 10.0, 1.5], [11.0, 10.0, 4.0])
        """
        cap = self.arrays.capacity_mtpa
        rows = self._year_rows.get(year)
        if not rows:
            return cap
        cap = cap.copy()
        for i, ry in rows:
            if ry.capacity_mtpa is not None:
                cap[i] = ry.capacity_mtpa
        return cap

    def live_in(self, year: int) -> npt.NDArray[np.bool_]:
        """``[R]`` routes whose ``since_year`` (if any) is at most ``year``."""
        return np.asarray(self.arrays.since_year <= year, dtype=np.bool_)

    def open_mask(self, year: int) -> npt.NDArray[np.bool_]:
        """``[R]`` routes that carry oil in ``year``: the status in force that year
        (``route_years.csv``, else ``routes.csv``) is ``operating`` and the route is live."""
        operating = self.arrays.operating
        rows = self._year_rows.get(year)
        if rows:
            operating = operating.copy()
            for i, ry in rows:
                if ry.status is not None:
                    operating[i] = ry.status == "operating"
        return np.asarray(operating & self.live_in(year), dtype=np.bool_)

    def route_open_in(self, route_id: str, year: int) -> bool:
        """True when the route carries oil in ``year`` (see :meth:`open_mask`)."""
        return bool(self.open_mask(year)[self._route_index[route_id]])

    def route_capacity_in(self, route_id: str, year: int) -> float:
        """The route's capacity in ``year`` (see :meth:`capacity_in`), Mt/yr."""
        return float(self.capacity_in(year)[self._route_index[route_id]])

    # -- columns for the optimiser ------------------------------------------------------
    @cached_property
    def arrays(self) -> RouteArrays:
        """Column arrays of routes and nodes (computed once per network)."""
        idx = self._node_index
        routes = self.routes
        grade_bpt = {g: self.grade_of(g).bbl_per_t for g in {r.grade for r in routes}}
        return RouteArrays(
            node_ids=tuple(n.id for n in self.nodes),
            route_ids=tuple(r.id for r in routes),
            frm=np.fromiter((idx[r.from_node] for r in routes), np.int64, len(routes)),
            to=np.fromiter((idx[r.to_node] for r in routes), np.int64, len(routes)),
            capacity_mtpa=np.fromiter((r.capacity_mtpa for r in routes), float, len(routes)),
            tariff_usd_per_t=np.fromiter((r.tariff_usd_per_t for r in routes), float, len(routes)),
            keep=np.fromiter((1.0 - r.loss_pct / 100.0 for r in routes), float, len(routes)),
            bbl_per_t=np.fromiter((grade_bpt[r.grade] for r in routes), float, len(routes)),
            transit_days=np.fromiter(
                (r.transit_days if r.transit_days is not None else 0.0 for r in routes),
                float,
                len(routes),
            ),
            storage_mt=np.fromiter(
                (n.storage_mt if n.storage_mt is not None else 0.0 for n in self.nodes),
                float,
                len(self.nodes),
            ),
            operating=np.fromiter((r.status == "operating" for r in routes), bool, len(routes)),
            since_year=np.fromiter(
                (-np.inf if r.since_year is None else r.since_year for r in routes),
                float,
                len(routes),
            ),
            crossing=_crossing(routes),
        )

    @cached_property
    def layout(self) -> RouteLayout:
        """Route and country labels of the plan tables (computed once per network).

        >>> lay = toy_network().layout
        >>> lay.transit_countries, dict(lay.entering), lay.market_countries
        (['AZ', 'RU', 'TR'], {'RU': (0,), 'TR': (1, 2), 'AZ': (2,)}, ('TR',))
        """
        routes = self.routes
        country_of = {n.id: n.country for n in self.nodes}
        entering: dict[str, list[int]] = {}
        for i, r in enumerate(routes):
            origin = country_of[r.from_node]
            for c in set(r.countries):
                if c != origin:
                    entering.setdefault(c, []).append(i)
        return RouteLayout(
            names=[r.name or r.id for r in routes],
            from_nodes=[r.from_node for r in routes],
            to_nodes=[r.to_node for r in routes],
            modes=[r.mode for r in routes],
            countries=[";".join(r.countries) for r in routes],
            statuses=[r.status for r in routes],
            transit_countries=sorted(
                {c for r in routes for c in r.countries} - {self.meta.producer}
            ),
            entering={c: tuple(v) for c, v in entering.items()},
            market_countries=tuple(sorted({country_of[m.node] for m in self.markets} - {""})),
        )

    # -- changes ------------------------------------------------------------------------
    _CAPACITY_FREE = (
        "_node_index",
        "_route_index",
        "default_bbl_per_t",
        "_market_index",
        "_brent_index",
        "_year_rows",
        "layout",
    )
    """The cached properties that no route capacity changes: a copy with other capacities
    shares them (:meth:`replace_route_capacities`)."""

    def replace_route_capacities(self, capacities: Mapping[str, float]) -> Network:
        """A copy with these routes' capacities (Mt/yr) replaced by id; a physical limit below
        a new capacity rises to it. Every cache that no capacity changes (the id indexes, the
        layout, the column arrays but their capacities) is shared with this network, not
        computed again: the web answers many requests that only change capacities.

        >>> net = toy_network()
        >>> new = net.replace_route_capacities({"A_M": 2.5})
        >>> i = new.arrays.route_ids.index("A_M")
        >>> new.route("A_M").capacity_mtpa, float(new.arrays.capacity_mtpa[i]), new.layout is net.layout
        (2.5, 2.5, True)
        """
        changed = []
        for rid, cap in capacities.items():
            route = self.route(rid)
            phys = route.physical_capacity_mtpa
            changed.append(
                dataclasses.replace(
                    route,
                    capacity_mtpa=float(cap),
                    physical_capacity_mtpa=None if phys is None else max(phys, float(cap)),
                )
            )
        out = self.replace_routes(changed)
        for name in self._CAPACITY_FREE:
            getattr(self, name)  # computed here once, then shared
            out.__dict__[name] = self.__dict__[name]
        arrays = self.arrays
        caps = arrays.capacity_mtpa.copy()
        for i, rid in enumerate(arrays.route_ids):
            if rid in capacities:
                caps[i] = float(capacities[rid])
        out.__dict__["arrays"] = dataclasses.replace(arrays, capacity_mtpa=caps)
        return out

    def replace_routes(self, routes: Iterable[Route]) -> Network:
        """A copy of this network with routes replaced by id (others kept, order kept).

        Examples
        --------
        >>> net = toy_network()
        >>> r = dataclasses.replace(net.route("A_M"), capacity_mtpa=0.0)
        >>> net.replace_routes([r]).route("A_M").capacity_mtpa
        0.0
        """
        new = {r.id: r for r in routes}
        unknown = set(new) - set(self._route_index)
        kept = tuple(new.get(r.id, r) for r in self.routes)
        added = tuple(r for r in new.values() if r.id in unknown)
        return dataclasses.replace(self, routes=kept + added)

    def with_physical_capacities(self) -> Network:
        """A copy in which every route with a physical limit uses it instead of its allocation.

        Answers "what could the pipes carry" rather than "what is contracted", e.g. BTC at its
        physical capacity instead of the Kazakh allocation.

        Examples
        --------
        >>> net = toy_network()
        >>> r = dataclasses.replace(net.route("A_M"), physical_capacity_mtpa=6.0)
        >>> net.replace_routes([r]).with_physical_capacities().route("A_M").capacity_mtpa
        6.0
        """
        physical = {r.id for r in self.routes if r.physical_capacity_mtpa is not None}
        # a yearly allocation (route_years.csv) gives way to the physical limit too
        kept = tuple(
            ry
            if ry.route not in physical or ry.capacity_mtpa is None
            else dataclasses.replace(ry, capacity_mtpa=None)
            for ry in self.route_years
        )
        net = self.replace_routes(
            dataclasses.replace(r, capacity_mtpa=r.physical_capacity_mtpa)
            for r in self.routes
            if r.physical_capacity_mtpa is not None
        )
        return dataclasses.replace(net, route_years=kept) if self.route_years else net

    def routes_crossing(self, countries: Iterable[str]) -> tuple[str, ...]:
        """Ids of routes that cross any of ``countries`` (ISO codes)."""
        cs = set(countries)
        return tuple(r.id for r in self.routes if cs.intersection(r.countries))

    def passage_ids(self) -> tuple[str, ...]:
        """Ids of the passages known to this network (shared table, then the dataset's)."""
        return tuple(p.id for p in self.passages)

    def routes_passing(self, passages: Iterable[str]) -> tuple[str, ...]:
        """Ids of routes whose ``passages`` list any of ``passages``.

        >>> net = toy_network()
        >>> r = dataclasses.replace(net.route("B_M"), passages=("BOSPORUS",))
        >>> net.replace_routes([r]).routes_passing(["BOSPORUS"])
        ('B_M',)
        """
        ps = set(passages)
        return tuple(r.id for r in self.routes if ps.intersection(r.passages))

    def entering(self, country: str) -> tuple[str, ...]:
        """Routes that carry oil *into* ``country``: they cross it and start outside it.

        Summing their flows counts each tonne once per entry, not once per leg inside the
        country, which is what "Mt transiting Russia" means.
        """
        idx = self._node_index
        return tuple(
            r.id
            for r in self.routes
            if country in r.countries and self.nodes[idx[r.from_node]].country != country
        )


def _crossing(routes: tuple[Route, ...]) -> dict[str, npt.NDArray[np.int64]]:
    out: dict[str, list[int]] = {}
    for i, r in enumerate(routes):
        for c in set(r.countries):
            out.setdefault(c, []).append(i)
    return {c: np.array(ix, dtype=np.int64) for c, ix in out.items()}


def toy_network() -> Network:
    """A three-route network used in examples: field A, hub B, market M.

    A -> B (11 Mt/yr) -> M (10 Mt/yr) costs 5 + 3 USD/t through Russia; A -> M carries 4 Mt/yr
    at 20 USD/t through Azerbaijan. A offers 12 Mt in 2025; Brent is 80 USD/bbl and M pays
    Brent - 5 USD/bbl at 8 bbl/t = 600 USD/t.
    """
    meta = DatasetMeta(
        name="toy",
        title="Toy network",
        producer="KZ",
        base_year=2025,
        default_grade="G",
        watch="RU",
    )
    grades = {"G": Grade("G", "Toy grade", 8.0, "estimate: round number for the example")}
    nodes = (
        Node("A", "Field A", "field", "KZ", 45.0, 50.0),
        Node("B", "Hub B", "hub", "RU", 45.0, 45.0),
        Node("M", "Market M", "market", "TR", 40.0, 30.0),
    )
    routes = (
        Route("A_B", "A", "B", "pipeline", 11.0, 5.0, ("KZ", "RU")),
        Route("B_M", "B", "M", "tanker", 10.0, 3.0, ("RU", "TR")),
        Route("A_M", "A", "M", "rail", 4.0, 20.0, ("KZ", "AZ", "TR")),
    )
    return Network(
        meta=meta,
        grades=grades,
        nodes=nodes,
        routes=routes,
        supply=(Supply("A", 2025, 12.0),),
        markets=(Market("M", "G", -5.0),),
        benchmarks=(Benchmark(2025, 80.0),),
    )
