"""Build the export-planning LP as arrays (no Python loop over routes or periods).

Columns, in order (t-major inside each block)::

    x[t, r]   flow entering route r in period t                    Mt
    s[t, i]   crude taken at supply node i                         Mt
    d[t, j]   crude delivered to market j                          Mt
    h[t, k]   stock above the opening level at node k, end of t    Mt   (monthly plans only)
    g[t, k]   stock below the opening level at node k, end of t    Mt   (monthly plans only)
    q[r]      opening in-transit crude route r cannot deliver      Mt   (open horizons only)
    v[t, k]   crude refinery k lacks in period t (priced slack)    Mt   (refineries.csv only)
    u[q]      shortfall of requirement row q (priced slack)        Mt

Rows: conservation at every node and period (``s + arrivals - departures - d + h[t-1] - h[t]
= 0``), then one row per requirement, then one row per period for each node with a loading
limit (``sum of x leaving the node <= throughput_mtpa * f_t``), then one row per minimum
commitment and period of a year it applies in (``sum of x on its routes + m >= min_mtpa * f_t``,
``m`` a shortfall column priced at the commitment's penalty, after ``u``), then one row per
tanker pool and period (``sum of x on its legs <= what its vessels carry``,
:mod:`crudeflow.solve._fleet_rows`). A refinery's balance row has its demand
``demand_mtpa * f_t`` on the right-hand side and its shortfall ``v`` (priced at
``REFINERY_PENALTY_FACTOR`` times the requirement penalty) on the left. Arrivals are
``(1 - loss) x``; with monthly periods a
route's ``transit_days`` sends the share ``min(transit_days / days_t, 1)`` of what leaves in
period t into period t + 1.

A *steady* horizon (one year, or the twelve months of one calendar year) wraps: what leaves in
the last period arrives in the first (the pipes are as full at the end as at the start), and
stocks open at ``STORAGE_START_FILL`` of each node's storage. Any other monthly horizon is
*open*: it starts from an explicit :class:`InitialState` (opening stocks, and crude in transit
arriving in the first period, a constant on the right-hand side) and never wraps; what leaves in
the last period with a lag is the closing in transit. Either way stocks must end at least at
their opening level, so a plan cannot borrow crude from after its horizon. The stock is
``opening + h - g``; each tonne of ``h`` or ``g`` costs ``STORAGE_COST_USD_PER_T`` per period,
a tie-breaker that keeps stocks at their working level unless moving them earns something
(otherwise the month in which a stock is drawn would be arbitrary). The exact semantics are in
``docs/dataset-format.md`` (The planning model).

Objective (minimised): ``tariffs . x - prices . d + penalty . u`` for ``"netback"``, or
``-sum(s) + penalty . u`` for ``"volume"``. Units: Mt and USD/t, so the objective is USD m.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> lp = build_lp(toy_network(), Periods.annual(2025))
>>> lp.A.shape, lp.n_flows
((3, 5), 3)
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crudeflow.errors import ScenarioError
from crudeflow.network.model import Network
from crudeflow.requirements import Avoid, Requirement, RouteLimit, Share, Via
from crudeflow.solve._fleet_rows import FleetRow, add_fleet_rows
from crudeflow.solve.highs import HighsSession

__all__ = [
    "CommitmentRow",
    "InitialState",
    "LinearProgram",
    "PeriodOverrides",
    "Periods",
    "RequirementRow",
    "ThroughputRow",
    "build_lp",
    "period_states",
    "with_route_capacities",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Objective = Literal["netback", "volume"]

STORAGE_START_FILL = 0.5
"""Share of working storage full at the start of a horizon (modelling assumption)."""
STORAGE_COST_USD_PER_T = 0.01
"""Cost of holding a tonne for one period: a tie-breaker, not a sourced figure."""

DEFAULT_PENALTY_USD_PER_T = 10_000.0
"""Price of one tonne of unmet requirement: far above any netback, so shortfalls are last."""
REFINERY_PENALTY_FACTOR = 2.0
"""A tonne a refinery lacks costs this many times a tonne of unmet requirement (20,000 USD/t
by default): refineries are fed before any requirement is met and before anything is
exported (docs/dataset-format.md, "Domestic refining")."""
SHORTFALL_MET_MT = 1e-6
"""A shortfall (Mt, or Mt/yr as a rate) at or below this is solver noise: the requirement,
commitment or refinery demand counts as met and its shortfall is reported as 0."""


@dataclass(frozen=True)
class Periods:
    """The planning periods: one year, or consecutive calendar months."""

    labels: tuple[str, ...]
    years: tuple[int, ...]
    days: FloatArray

    @classmethod
    def annual(cls, year: int) -> Periods:
        """One period: the calendar year."""
        days = 366.0 if calendar.isleap(year) else 365.0
        return cls((str(year),), (year,), np.array([days]))

    @classmethod
    def monthly(cls, year: int, *, start_month: int = 1, months: int = 12) -> Periods:
        """``months`` calendar months from ``year``-``start_month``.

        Examples
        --------
        >>> Periods.monthly(2025, start_month=11, months=3).labels
        ('2025-11', '2025-12', '2026-01')
        """
        labels, years, days = [], [], []
        y, m = year, start_month
        for _ in range(months):
            labels.append(f"{y}-{m:02d}")
            years.append(y)
            days.append(float(calendar.monthrange(y, m)[1]))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return cls(tuple(labels), tuple(years), np.array(days))

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def fraction(self) -> FloatArray:
        """Each period's share of its calendar year (turns Mt/yr into Mt)."""
        in_year = np.array([366.0 if calendar.isleap(y) else 365.0 for y in self.years])
        return np.asarray(self.days / in_year, dtype=np.float64)

    @cached_property
    def horizon_years(self) -> float:
        """Length of the horizon in years (sum of the fractions; computed once)."""
        return float(self.fraction.sum())

    @property
    def is_annual(self) -> bool:
        """True for a one-year plan (no storage, no transit lags), False for months."""
        return len(self.labels) == 1 and "-" not in self.labels[0].lstrip("-")

    @property
    def steady(self) -> bool:
        """True for one year or the twelve months of one calendar year (the horizon wraps).

        Examples
        --------
        >>> Periods.monthly(2025).steady, Periods.annual(2025).steady
        (True, True)
        >>> Periods.monthly(2025, start_month=10, months=3).steady
        False
        """
        if self.is_annual:
            return True
        return self.n == 12 and self.labels[0].endswith("-01") and len(set(self.years)) == 1

    @property
    def first_month(self) -> tuple[int, int]:
        """(year, month) of the horizon's first period (month 1 for an annual plan)."""
        if self.is_annual:
            return (self.years[0], 1)
        return (self.years[0], int(self.labels[0].rsplit("-", 1)[1]))


@dataclass(frozen=True)
class InitialState:
    """The network's state when a horizon opens (the input of an open horizon).

    ``stock_mt`` maps a node with storage to the crude in its tanks (Mt; a storage node not
    named holds nothing); ``in_transit_mt`` maps a route to the crude that left before the
    horizon and arrives at the route's end in the first period (Mt as it arrives, losses
    already taken; a route not named carries nothing in transit).

    Examples
    --------
    >>> InitialState({"B": 0.5}, {"B_M": 0.2}).total_mt
    0.7
    """

    stock_mt: Mapping[str, float] = field(default_factory=dict)
    in_transit_mt: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_mt(self) -> float:
        """All crude in tanks and in transit (Mt)."""
        return float(sum(self.stock_mt.values()) + sum(self.in_transit_mt.values()))


@dataclass(frozen=True)
class PeriodOverrides:
    """Per-period inputs that replace a network's annual values (from dated changes).

    Arrays are ``[T, R]`` for routes and ``[T, M]`` for markets (in ``network.markets``
    order); ``supply_mtpa`` maps a node to a ``[T]`` array of rates in Mt/yr.
    """

    capacity_mtpa: FloatArray | None = None
    tariff_usd_per_t: FloatArray | None = None
    price_usd_per_t: FloatArray | None = None
    supply_mtpa: dict[str, FloatArray] = field(default_factory=dict)
    fleet_vessels: dict[str, float] = field(default_factory=dict)
    """Tanker class id -> vessels in service over the horizon (a scenario's ``fleet`` change, a
    built portfolio's vessels), replacing ``fleet.csv``'s ``vessels``."""


@dataclass(frozen=True)
class RequirementRow:
    """Where a requirement sits in the LP."""

    requirement: Requirement
    row: int
    op: str
    rhs_mt: float
    """Right-hand side over the whole horizon (Mt; for a share minus its fraction of the
    refinery demand, 0 without refineries)."""
    slack_cols: tuple[int, ...]
    slack_signs: tuple[float, ...]
    """+1 where the slack adds to the row (covers a shortfall of '>='), -1 where it subtracts."""
    target_mtpa: float
    """The requirement's amount in Mt/yr (share rows: the fraction)."""


@dataclass(frozen=True)
class ThroughputRow:
    """A node's loading limit in the LP: rows ``first_row ... first_row + T - 1``, one per
    period, each ``sum of x[t, r] over the routes leaving the node <= limit_mtpa[t] * f_t``."""

    node: str
    first_row: int
    routes: IntArray
    """Indices of the routes leaving the node."""
    limit_mtpa: FloatArray
    """[T] the limit in force in each period (Mt/yr)."""


@dataclass(frozen=True)
class CommitmentRow:
    """A minimum commitment in one year of the horizon: one row per period ``t`` of that year,
    ``sum of x[t, r] over its routes + m[t] >= min_mtpa * f_t``, each with its shortfall
    column (block ``m``) priced at ``penalty_usd_per_t``."""

    commitment: str
    year: int
    rows: IntArray
    cols: IntArray
    min_mt: FloatArray
    """[periods of the year] the right-hand sides (Mt)."""
    years: float
    """The share of the year the horizon covers (sum of f_t over its periods)."""
    penalty_usd_per_t: float


@dataclass(frozen=True)
class LinearProgram:
    """An LP in array form plus the layout needed to read its solution."""

    c: FloatArray
    A: sp.csc_array
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    periods: Periods
    objective: Objective
    route_ids: tuple[str, ...]
    supply_nodes: tuple[str, ...]
    supply_mt: FloatArray
    """[T, S] crude available per period (Mt)."""
    tariff_usd_per_t: FloatArray
    """[T, R] tariffs."""
    market_nodes: tuple[str, ...]
    price_usd_per_t: FloatArray
    """[T, M] market prices."""
    storage_nodes: tuple[str, ...]
    capacity_mt: FloatArray
    """[T, R] upper bound of each flow before requirements closed routes (Mt)."""
    capacity_mtpa: FloatArray
    """[T, R] the same as an annual rate (Mt/yr): capacity x factor x open."""
    closed_by: dict[str, str] = field(default_factory=dict)
    """route id -> the requirement that closed it (avoid)."""
    avoids: tuple[str, ...] = ()
    """Every avoid requirement's text, including one that closes no route (a passage or
    country no route of the network passes)."""
    requirement_rows: tuple[RequirementRow, ...] = ()
    n_conservation_rows: int = 0
    lag: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """[T, R] share of what leaves in period t that arrives in period t + 1."""
    keep: FloatArray = field(default_factory=lambda: np.zeros(0))
    """[R] share of what enters a route that arrives (1 - loss)."""
    opening_stock_mt: FloatArray = field(default_factory=lambda: np.zeros(0))
    """[H] stock of each storage node when the horizon opens."""
    opening_in_transit_mt: FloatArray | None = None
    """[R] crude arriving in the first period from before an open horizon (None: steady)."""
    held_routes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Routes with opening in-transit crude; column ``q`` holds what each cannot deliver."""
    throughput_rows: tuple[ThroughputRow, ...] = ()
    """Nodes with a loading limit (``throughput_mtpa``); their rows follow the requirements'."""
    commitment_rows: tuple[CommitmentRow, ...] = ()
    """Minimum commitments per year; rows after the loading limits, columns block ``m``."""
    fleet_rows: tuple[FleetRow, ...] = ()
    """Tanker pools (``fleet.csv``): the last rows, ``T`` per pool."""
    refinery_nodes: tuple[str, ...] = ()
    """Nodes with a refinery demand in some period of the horizon (``refineries.csv``)."""
    refinery_mt: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """[T, K] each refinery's demand per period (Mt); its shortfall is column block ``v``."""

    def refinery_delivered_mt(self, x: FloatArray) -> FloatArray:
        """[T, K] crude delivered to each refinery per period: demand minus shortfall (Mt).

        ``x`` is one solution [n] or a stack of them [..., n]; the result then has the
        stack's leading axes too ([..., T, K]), each row as for that solution alone.

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> lp = build_lp(toy_network(), Periods.annual(2025))
        >>> lp.refinery_delivered_mt(np.zeros(len(lp.c))).shape
        (1, 0)
        >>> lp.refinery_delivered_mt(np.zeros((3, len(lp.c)))).shape
        (3, 1, 0)
        """
        T, K = self.periods.n, len(self.refinery_nodes)
        lacking = x[..., self.block("v")].reshape(*x.shape[:-1], T, K)
        return np.asarray(self.refinery_mt.reshape(T, K) - lacking)

    def session(self, *, time_limit: float | None = None) -> HighsSession:
        """A HiGHS session holding this LP: its costs, matrix and column and row bounds.

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> lp = build_lp(toy_network(), Periods.annual(2025))
        >>> lp.session().n_row == lp.A.shape[0]
        True
        """
        return HighsSession(
            self.c,
            self.A,
            self.col_lower,
            self.col_upper,
            self.row_lower,
            self.row_upper,
            time_limit=time_limit,
        )

    def exported_by_period_mt(self, x: FloatArray) -> FloatArray:
        """[T] crude exported per period: taken at supply nodes minus delivered to
        refineries (Mt). Imports at an entry node feed refineries only, so they cancel out.

        ``x`` is one solution [n] or a stack of them [..., n] (the risk engine's draws); the
        result then is [..., T], each row exactly what that solution alone gives.

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> lp = build_lp(toy_network(), Periods.annual(2025))
        >>> x = np.zeros(len(lp.c))
        >>> x[lp.block("s")] = 12.0
        >>> lp.exported_by_period_mt(x).tolist()
        [12.0]
        >>> lp.exported_by_period_mt(np.stack([x, x / 2])).tolist()
        [[12.0], [6.0]]
        """
        T = self.periods.n
        taken = x[..., self.block("s")].reshape(*x.shape[:-1], T, len(self.supply_nodes))
        delivered = self.refinery_delivered_mt(x)
        return np.asarray(taken.sum(axis=-1) - delivered.sum(axis=-1), dtype=np.float64)

    @property
    def export_available_mt(self) -> FloatArray:
        """[T] crude available for export per period: supply minus refinery demand (Mt)."""
        return np.asarray(
            self.supply_mt.sum(axis=1) - self.refinery_mt.reshape(self.periods.n, -1).sum(axis=1)
        )

    @property
    def steady(self) -> bool:
        """True when the horizon wraps (no opening in-transit given)."""
        return self.opening_in_transit_mt is None

    @property
    def n_routes(self) -> int:
        return len(self.route_ids)

    @property
    def n_flows(self) -> int:
        return self.periods.n * len(self.route_ids)

    def block(self, name: str) -> slice:
        """Column slice of a block: ``x``, ``s``, ``d``, ``h`` (h then g), ``q``, ``v``
        (refinery shortfalls), ``u`` or ``m`` (commitment shortfalls)."""
        T, R, S = self.periods.n, len(self.route_ids), len(self.supply_nodes)
        M, H = len(self.market_nodes), len(self.storage_nodes)
        sizes = {
            "x": T * R,
            "s": T * S,
            "d": T * M,
            "h": 2 * T * H,
            "q": len(self.held_routes),
            "v": T * len(self.refinery_nodes),
        }
        start = 0
        for key in ("x", "s", "d", "h", "q", "v"):
            if key == name:
                return slice(start, start + sizes[key])
            start += sizes[key]
        n_m = sum(len(cr.cols) for cr in self.commitment_rows)
        if name == "u":
            return slice(start, len(self.c) - n_m)
        if name == "m":
            return slice(len(self.c) - n_m, len(self.c))
        raise KeyError(name)


class _Entries:
    """Coordinates of the constraint matrix, collected block by block (COO triplets)."""

    def __init__(self) -> None:
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[FloatArray] = []

    def add(self, rows: IntArray, cols: IntArray, vals: FloatArray) -> None:
        self.rows.append(rows)
        self.cols.append(cols)
        self.vals.append(vals)

    def matrix(self, shape: tuple[int, int]) -> sp.csc_array:
        return sp.csc_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=shape,
        )


@dataclass(frozen=True)
class _SupplyMarkets:
    supply_nodes: tuple[str, ...]
    supply_mt: FloatArray
    market_nodes: tuple[str, ...]
    price: FloatArray
    market_cap: FloatArray


@dataclass(frozen=True)
class _FlowBounds:
    cap_mtpa: FloatArray
    cap_mt: FloatArray
    x_upper: FloatArray
    closed_by: dict[str, str]


@dataclass(frozen=True)
class _Layout:
    """Sizes and first column of each block (see the module docstring)."""

    T: int
    R: int
    N: int
    S: int
    M: int
    H: int
    Q: int = 0
    """Routes with opening in-transit crude (open horizons)."""
    K: int = 0
    """Refineries with a demand (column block ``v``, after ``q``)."""

    @property
    def n_x(self) -> int:
        return self.T * self.R

    @property
    def n_s(self) -> int:
        return self.T * self.S

    @property
    def n_d(self) -> int:
        return self.T * self.M

    @property
    def n_h(self) -> int:
        return 2 * self.T * self.H

    @property
    def base_s(self) -> int:
        return self.n_x

    @property
    def base_d(self) -> int:
        return self.n_x + self.n_s

    @property
    def base_h(self) -> int:
        return self.n_x + self.n_s + self.n_d

    @property
    def base_q(self) -> int:
        return self.base_h + self.n_h

    @property
    def base_v(self) -> int:
        return self.base_q + self.Q

    @property
    def base_u(self) -> int:
        return self.base_v + self.T * self.K

    @property
    def n_cons(self) -> int:
        return self.T * self.N


def _supply_and_markets(network: Network, periods: Periods, ov: PeriodOverrides) -> _SupplyMarkets:
    """Crude available per period at each supply node, and each market's price and cap."""
    T, frac = periods.n, periods.fraction
    supply_by_year = {y: network.supply_in(y) for y in set(periods.years)}
    supply_nodes = tuple(sorted({n for d in supply_by_year.values() for n in d}))
    if not supply_nodes:
        have = ", ".join(map(str, network.years)) or "none"
        raise ScenarioError(
            f"no supply data for {', '.join(map(str, sorted(set(periods.years))))} "
            f"(years with data: {have})"
        )
    missing_years = [y for y, d in supply_by_year.items() if not d]
    if missing_years:
        have = ", ".join(map(str, network.years)) or "none"
        raise ScenarioError(f"no supply data for {missing_years[0]} (years with data: {have})")
    supply_nodes = tuple(sorted(set(supply_nodes) | set(ov.supply_mtpa)))
    supply_mt = np.array(
        [
            [supply_by_year[y].get(n, 0.0) * f for n in supply_nodes]
            for y, f in zip(periods.years, frac, strict=True)
        ]
    ).reshape(T, len(supply_nodes))
    for i, n in enumerate(supply_nodes):
        if n in ov.supply_mtpa:
            supply_mt[:, i] = np.asarray(ov.supply_mtpa[n], dtype=float) * frac
    market_nodes = tuple(m.node for m in network.markets)
    price_of_year = {
        y: [network.price_usd_per_t(m, y) for m in market_nodes] for y in set(periods.years)
    }
    price = np.array([price_of_year[y] for y in periods.years]).reshape(T, len(market_nodes))
    if ov.price_usd_per_t is not None:
        price = np.asarray(ov.price_usd_per_t, dtype=float).reshape(T, len(market_nodes))
    market_cap = np.array([np.inf if m.max_mtpa is None else m.max_mtpa for m in network.markets])
    return _SupplyMarkets(supply_nodes, supply_mt, market_nodes, price, market_cap)


def _flow_bounds(
    network: Network,
    periods: Periods,
    requirements: tuple[Requirement, ...],
    capacity_factor: FloatArray | None,
    ov: PeriodOverrides,
) -> _FlowBounds:
    """Capacity of every route in every period, and the routes an ``avoid`` closes."""
    arr = network.arrays
    T, R = periods.n, len(arr.route_ids)
    by_year = {y: network.capacity_in(y) * network.open_mask(y) for y in set(periods.years)}
    factor = np.ones((T, R))
    if capacity_factor is not None:
        cf = np.asarray(capacity_factor, dtype=float)
        factor = np.broadcast_to(cf, (T, R)).copy()
    # [T, R] the capacity in force in each period's year (route_years.csv), 0 where closed
    base_mtpa = np.array([by_year[y] for y in periods.years]).reshape(T, R)
    if ov.capacity_mtpa is not None:
        base_mtpa = np.asarray(ov.capacity_mtpa, dtype=float).reshape(T, R)
    cap_mtpa = base_mtpa * factor
    cap_mt = cap_mtpa * periods.fraction[:, None]
    x_upper = cap_mt.copy()
    closed_by: dict[str, str] = {}
    for req in requirements:
        if isinstance(req, Avoid):
            hit = np.zeros(R, dtype=bool)
            for code in req.countries:
                hit[arr.crossing.get(code, np.array([], dtype=np.int64))] = True
            if req.passages:  # exactly the routes listing an avoided passage
                hit |= np.array([bool(set(req.passages) & set(r.passages)) for r in network.routes])
            if network.meta.producer in req.countries:
                raise ScenarioError(
                    f"{req}: cannot avoid the producer country {network.meta.producer}"
                )
            x_upper[:, hit] = 0.0
            for k in np.flatnonzero(hit):
                closed_by.setdefault(arr.route_ids[int(k)], str(req))
    return _FlowBounds(cap_mtpa, cap_mt, x_upper, closed_by)


def _lags(network: Network, periods: Periods) -> FloatArray:
    """[T, R] share of what leaves in period t that arrives in period t + 1."""
    arr = network.arrays
    if periods.is_annual:
        return np.zeros((1, len(arr.route_ids)))
    return np.asarray(
        np.minimum(arr.transit_days[None, :] / periods.days[:, None], 1.0), dtype=np.float64
    )


def _add_flow_entries(
    ent: _Entries, lay: _Layout, network: Network, periods: Periods, *, wrap: bool
) -> None:
    """Departures at the origin; arrivals (after losses and transit lags) at the destination.

    With ``wrap`` what leaves in the last period with a lag arrives in the first; without, it
    arrives after the horizon and has no entry.
    """
    arr = network.arrays
    T, R, N = lay.T, lay.R, lay.N
    n_x = lay.n_x
    tt = np.repeat(np.arange(T), R)  # period of each x column
    rr = np.tile(np.arange(R), T)  # route of each x column
    xcol = np.arange(n_x)
    ent.add(tt * N + arr.frm[rr], xcol, -np.ones(n_x))
    # arrivals (same period, and the transit-lagged share in the next one)
    if not periods.is_annual:
        lag = np.minimum(arr.transit_days[None, :] / periods.days[:, None], 1.0).ravel()
    else:
        lag = np.zeros(n_x)
    keep = arr.keep[rr]
    same = lag < 1.0
    ent.add(tt[same] * N + arr.to[rr[same]], xcol[same], keep[same] * (1.0 - lag[same]))
    later = (lag > 0.0) if wrap else (lag > 0.0) & (tt + 1 < T)
    ent.add(((tt[later] + 1) % T) * N + arr.to[rr[later]], xcol[later], keep[later] * lag[later])


def _add_supply_market_entries(
    ent: _Entries, lay: _Layout, network: Network, sm: _SupplyMarkets
) -> None:
    """Crude taken at supply nodes enters; deliveries leave at market nodes."""
    node_pos = {nid: i for i, nid in enumerate(network.arrays.node_ids)}
    T, S, M, N = lay.T, lay.S, lay.M, lay.N
    s_nodes = np.array([node_pos[n] for n in sm.supply_nodes], dtype=np.int64)
    m_nodes = np.array([node_pos[n] for n in sm.market_nodes], dtype=np.int64)
    ts, ii = np.repeat(np.arange(T), S), np.tile(np.arange(S), T)
    ent.add(ts * N + s_nodes[ii], lay.base_s + np.arange(lay.n_s), np.ones(lay.n_s))
    td, jj = np.repeat(np.arange(T), M), np.tile(np.arange(M), T)
    ent.add(td * N + m_nodes[jj], lay.base_d + np.arange(lay.n_d), -np.ones(lay.n_d))


def _add_storage_entries(ent: _Entries, lay: _Layout, storage_idx: IntArray) -> None:
    """stock(t-1) + inflow - outflow - stock(t) = 0 with stock = opening + h - g.

    The opening level cancels between periods, so rows stay homogeneous.
    """
    T, H, N = lay.T, lay.H, lay.N
    if not H:
        return
    th, kk = np.repeat(np.arange(T), H), np.tile(np.arange(H), T)
    carry = th + 1 < T
    for offset, sign in ((0, 1.0), (T * H, -1.0)):  # h block, then g block
        col = lay.base_h + offset + np.arange(T * H)
        ent.add(th * N + storage_idx[kk], col, np.full(T * H, -sign))
        ent.add(
            (th[carry] + 1) * N + storage_idx[kk[carry]],
            col[carry],
            np.full(int(carry.sum()), sign),
        )


def _tariffs(network: Network, lay: _Layout, ov: PeriodOverrides) -> FloatArray:
    """Tariff of every x column (USD/t), t-major."""
    if ov.tariff_usd_per_t is None:
        return np.tile(network.arrays.tariff_usd_per_t, lay.T)
    return np.asarray(ov.tariff_usd_per_t, dtype=float).ravel()


def _objective_costs(
    lay: _Layout, objective: Objective, tariffs: FloatArray, price: FloatArray
) -> FloatArray:
    """Costs of the x, s, d and h/g columns (requirement slacks come later)."""
    netback = objective == "netback"
    return np.concatenate(
        [
            tariffs if netback else np.zeros(lay.n_x),
            np.zeros(lay.n_s) if netback else -np.ones(lay.n_s),
            -price.ravel() if netback else np.zeros(lay.n_d),
            np.full(lay.n_h, STORAGE_COST_USD_PER_T if netback else 0.0),
        ]
    )


def _column_upper(
    lay: _Layout,
    fb: _FlowBounds,
    sm: _SupplyMarkets,
    frac: FloatArray,
    storage_mt: FloatArray,
    h_open: FloatArray,
) -> FloatArray:
    """Upper bounds of the x, s, d and h/g columns."""
    T, H = lay.T, lay.H
    g_upper = np.tile(h_open, T)
    g_upper[(T - 1) * H :] = 0.0  # close at least as full as it opened
    return np.concatenate(
        [
            fb.x_upper.ravel(),
            sm.supply_mt.ravel(),
            (sm.market_cap[None, :] * frac[:, None]).ravel(),
            np.tile(storage_mt - h_open, T),
            g_upper,
        ]
    )


@dataclass
class _RequirementBlock:
    rows: list[RequirementRow] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    n_cols: int = 0


def _add_requirement_rows(
    ent: _Entries,
    lay: _Layout,
    network: Network,
    periods: Periods,
    requirements: tuple[Requirement, ...],
    market_nodes: tuple[str, ...],
    penalty_usd_per_t: float,
    refinery_mt: float = 0.0,
) -> _RequirementBlock:
    """One row per via/route/share requirement, each with its priced shortfall slack(s).

    A share compares with exports, ``sum of s - (refinery_mt - sum of v)``: the refinery
    shortfall columns ``v`` enter its row and the refinery demand its right-hand side."""
    arr = network.arrays
    T, R, M = lay.T, lay.R, lay.M
    node_pos = {nid: i for i, nid in enumerate(arr.node_ids)}
    out = _RequirementBlock()
    next_col = lay.base_u
    market_pos = {m: j for j, m in enumerate(market_nodes)}
    for req in requirements:
        if isinstance(req, Avoid):
            continue
        row = lay.n_cons + len(out.rows)
        coef_cols: list[IntArray] = []
        coef_vals: list[FloatArray] = []
        if isinstance(req, Via | RouteLimit):
            targets = req.targets if isinstance(req, Via) else (req.route,)
            route_set: set[int] = set()
            market_set: set[int] = set()
            for name in targets:
                if network.has_route(name):
                    route_set.add(network._route_index[name])
                elif name in network.meta.groups:
                    route_set.update(network._route_index[g] for g in network.meta.groups[name])
                elif network.has_node(name) and not isinstance(req, RouteLimit):
                    if name in market_pos:
                        market_set.add(market_pos[name])
                    route_set.update(np.flatnonzero(arr.frm == node_pos[name]).tolist())
                else:
                    what = (
                        "route or route group"
                        if isinstance(req, RouteLimit)
                        else "node, route or route group"
                    )
                    raise ScenarioError(f"{req}: no {what} called {name!r} in the network")
            idx_r = np.array(sorted(route_set), dtype=np.int64)
            idx_m = np.array(sorted(market_set), dtype=np.int64)
            grades = {network.routes[i].grade for i in idx_r}
            bpt = network.grade_of(grades.pop() if len(grades) == 1 else "").bbl_per_t
            target = req.mtpa(bpt)
            rhs = target * periods.horizon_years
            coef_cols.append((np.arange(T)[:, None] * R + idx_r[None, :]).ravel())
            coef_vals.append(np.ones(T * len(idx_r)))
            coef_cols.append(lay.base_d + (np.arange(T)[:, None] * M + idx_m[None, :]).ravel())
            coef_vals.append(np.ones(T * len(idx_m)))
            op = req.op
        elif isinstance(req, Share):
            if req.passage:  # routes listing the passage (docs: "Passages")
                idx_r = np.array(
                    [i for i, r in enumerate(network.routes) if req.passage in r.passages],
                    dtype=np.int64,
                )
                if not len(idx_r):
                    raise ScenarioError(f"{req}: no route in the network lists {req.passage}")
            else:
                crossing = arr.crossing.get(req.country)
                if crossing is None:
                    raise ScenarioError(f"{req}: no route in the network crosses {req.country}")
                # entering: crossing routes that start outside the country (Network.entering)
                node_country = np.array([n.country for n in network.nodes], dtype=object)
                idx_r = crossing[node_country[arr.frm[crossing]] != req.country]
            coef_cols.append((np.arange(T)[:, None] * R + idx_r[None, :]).ravel())
            coef_vals.append(np.ones(T * len(idx_r)))
            coef_cols.append(lay.base_s + np.arange(lay.n_s))
            coef_vals.append(np.full(lay.n_s, -req.fraction))
            coef_cols.append(lay.base_v + np.arange(lay.T * lay.K))
            coef_vals.append(np.full(lay.T * lay.K, -req.fraction))
            rhs = -req.fraction * refinery_mt if refinery_mt else 0.0
            target, op = req.fraction, req.op
        else:  # pragma: no cover - the union is exhaustive
            raise ScenarioError(f"unsupported requirement {req!r}")
        slack_cols: list[int] = []
        signs: list[float] = []
        for sign in (+1.0,) if op == ">=" else (-1.0,) if op == "<=" else (+1.0, -1.0):
            coef_cols.append(np.array([next_col]))
            coef_vals.append(np.array([sign]))
            slack_cols.append(next_col)
            signs.append(sign)
            out.costs.append(penalty_usd_per_t)
            next_col += 1
        ccat = np.concatenate(coef_cols)
        ent.add(np.full(len(ccat), row, dtype=np.int64), ccat, np.concatenate(coef_vals))
        out.lower.append(rhs if op in (">=", "==") else -np.inf)
        out.upper.append(rhs if op in ("<=", "==") else np.inf)
        out.rows.append(RequirementRow(req, row, op, rhs, tuple(slack_cols), tuple(signs), target))
    out.n_cols = next_col - lay.base_u
    return out


def _add_throughput_rows(
    ent: _Entries, lay: _Layout, network: Network, periods: Periods, first_row: int
) -> tuple[ThroughputRow, ...]:
    """One row per node with a loading limit and period: the routes leaving it share it."""
    arr = network.arrays
    T, R = lay.T, lay.R
    out: list[ThroughputRow] = []
    row = first_row
    for k, node in enumerate(network.nodes):
        if node.throughput_mtpa is None:
            continue
        leaving = np.flatnonzero(arr.frm == k).astype(np.int64)
        cols = (np.arange(T)[:, None] * R + leaving[None, :]).ravel()
        ent.add(np.repeat(row + np.arange(T), len(leaving)), cols, np.ones(len(cols)))
        out.append(ThroughputRow(node.id, row, leaving, np.full(T, node.throughput_mtpa)))
        row += T
    return tuple(out)


def _refinery_demand(network: Network, periods: Periods) -> tuple[tuple[str, ...], FloatArray]:
    """The refineries with a demand in some period of the horizon (``nodes.csv`` order) and
    their demand ``[T, K]`` (Mt): ``demand_mtpa`` of the period's year times ``f_t``."""
    by_year = {y: network.refinery_demand_in(y) for y in set(periods.years)}
    nodes = tuple(n.id for n in network.nodes if any(n.id in d for d in by_year.values()))
    demand = np.array(
        [
            [by_year[y].get(k, 0.0) * f for k in nodes]
            for y, f in zip(periods.years, periods.fraction, strict=True)
        ]
    ).reshape(periods.n, len(nodes))
    return nodes, demand


def _add_refinery_columns(
    ent: _Entries,
    lay: _Layout,
    network: Network,
    nodes: tuple[str, ...],
    demand_mt: FloatArray,
    cons_rhs: FloatArray,
) -> None:
    """A refinery's balance row: ``inflow - outflow + v[t, k] = demand[t, k]``. The shortfall
    ``v`` (crude the refinery lacks) enters with +1; the demand goes to ``cons_rhs``."""
    if not nodes:
        return
    pos = {nid: i for i, nid in enumerate(network.arrays.node_ids)}
    k_idx = np.array([pos[n] for n in nodes], dtype=np.int64)
    T, K, N = lay.T, lay.K, lay.N
    rows = np.repeat(np.arange(T), K) * N + np.tile(k_idx, T)
    ent.add(rows, lay.base_v + np.arange(T * K), np.ones(T * K))
    np.add.at(cons_rhs, rows, demand_mt.ravel())


def _add_commitment_rows(
    ent: _Entries,
    lay: _Layout,
    network: Network,
    periods: Periods,
    first_row: int,
    first_col: int,
) -> tuple[CommitmentRow, ...]:
    """Per commitment and year of the horizon it applies in, one row and one priced shortfall
    column per period: the minimum holds at its annual rate in every period."""
    R = lay.R
    pos = network._route_index
    years_t = np.asarray(periods.years)
    out: list[CommitmentRow] = []
    n = 0
    for cm in network.commitments:
        idx_r = np.array(sorted({pos[r] for r in cm.routes}), dtype=np.int64)
        for y in dict.fromkeys(periods.years):
            if not cm.applies_in(y):
                continue
            tt = np.flatnonzero(years_t == y)
            rows = first_row + n + np.arange(len(tt))
            cols = first_col + n + np.arange(len(tt))
            x_cols = (tt[:, None] * R + idx_r[None, :]).ravel()
            ent.add(np.repeat(rows, len(idx_r)), x_cols, np.ones(len(x_cols)))
            ent.add(rows, cols, np.ones(len(tt)))
            frac = periods.fraction[tt]
            out.append(
                CommitmentRow(
                    cm.id,
                    y,
                    rows.astype(np.int64),
                    cols.astype(np.int64),
                    cm.min_mtpa * frac,
                    float(frac.sum()),
                    cm.penalty_usd_per_t,
                )
            )
            n += len(tt)
    return tuple(out)


def build_lp(
    network: Network,
    periods: Periods,
    requirements: tuple[Requirement, ...] = (),
    *,
    objective: Objective = "netback",
    capacity_factor: FloatArray | None = None,
    overrides: PeriodOverrides | None = None,
    penalty_usd_per_t: float = DEFAULT_PENALTY_USD_PER_T,
    initial_state: InitialState | None = None,
) -> LinearProgram:
    """Build the planning LP for ``network`` over ``periods``.

    Parameters
    ----------
    network : Network
        The (possibly scenario-modified) network.
    periods : Periods
        One year or consecutive months.
    requirements : tuple of Requirement
        Parsed requirements (:func:`crudeflow.requirements.parse_requirements`).
    objective : {"netback", "volume"}
        Maximise netback (USD) or exported volume (Mt).
    capacity_factor : array, optional
        Multiplier of route capacity, shape ``[R]`` or ``[T, R]`` (outages, draws).
    overrides : PeriodOverrides, optional
        Per-period capacities, tariffs, market differentials and supply (dated scenario
        changes); they replace the network's annual values.
    penalty_usd_per_t : float
        Price of a tonne of unmet requirement.
    initial_state : InitialState, optional
        Opening stocks and in-transit volumes. Required for a monthly horizon that is not one
        calendar year (:attr:`Periods.steady`); given for a steady one, it makes the horizon
        open (no wrap). Ignored by annual plans (no storage, no lags).
        :func:`crudeflow.solve.plan.opening_state` gives the base plan's state at a month.

    Raises
    ------
    ScenarioError
        A requirement names a node, route, group or country the network does not have.
    ValueError
        An open horizon without ``initial_state``, or a state naming unknown routes, nodes
        without storage, a negative volume or a stock above a node's storage.
    """
    arr = network.arrays
    ov = overrides or PeriodOverrides()
    T = periods.n
    sm = _supply_and_markets(network, periods, ov)
    fb = _flow_bounds(network, periods, requirements, capacity_factor, ov)
    storage_idx = (
        np.array([], dtype=np.int64) if periods.is_annual else np.flatnonzero(arr.storage_mt > 0)
    )
    if initial_state is None and not periods.steady:
        raise ValueError(
            f"the horizon {periods.labels[0]} to {periods.labels[-1]} is not one calendar year: "
            "it needs an initial_state (see crudeflow.solve.plan.opening_state)"
        )
    is_open = not periods.is_annual and initial_state is not None
    h_open = arr.storage_mt[storage_idx] * STORAGE_START_FILL
    tau: FloatArray | None = None
    if is_open:
        assert initial_state is not None
        h_open, tau = _opening(network, storage_idx, initial_state)
    held = np.flatnonzero(tau > 0) if tau is not None else np.zeros(0, dtype=np.int64)
    ref_nodes, ref_mt = _refinery_demand(network, periods)
    lay = _Layout(
        T=T,
        R=len(arr.route_ids),
        N=len(arr.node_ids),
        S=len(sm.supply_nodes),
        M=len(sm.market_nodes),
        H=len(storage_idx),
        Q=len(held),
        K=len(ref_nodes),
    )
    ent = _Entries()
    _add_flow_entries(ent, lay, network, periods, wrap=not is_open)
    _add_supply_market_entries(ent, lay, network, sm)
    _add_storage_entries(ent, lay, storage_idx)
    cons_rhs = np.zeros(lay.n_cons)
    if tau is not None:
        # what arrives in the first period from before the horizon: row + tau - q = 0; q is
        # crude the route cannot deliver (no free outlet or tank), kept in the line
        np.add.at(cons_rhs, arr.to, -tau)
        ent.add(arr.to[held], lay.base_q + np.arange(len(held)), -np.ones(len(held)))
    _add_refinery_columns(ent, lay, network, ref_nodes, ref_mt, cons_rhs)
    tariffs = _tariffs(network, lay, ov)
    c = _objective_costs(lay, objective, tariffs, sm.price)
    col_upper = _column_upper(lay, fb, sm, periods.fraction, arr.storage_mt[storage_idx], h_open)
    reqs = _add_requirement_rows(
        ent,
        lay,
        network,
        periods,
        requirements,
        sm.market_nodes,
        penalty_usd_per_t,
        refinery_mt=float(ref_mt.sum()),
    )
    n_u = reqs.n_cols
    thru = _add_throughput_rows(ent, lay, network, periods, lay.n_cons + len(reqs.rows))
    thru_upper = [tr.limit_mtpa * periods.fraction for tr in thru]
    n_rows = lay.n_cons + len(reqs.rows) + T * len(thru)
    cms = _add_commitment_rows(ent, lay, network, periods, n_rows, lay.base_u + n_u)
    n_m = sum(len(cr.rows) for cr in cms)
    n_rows += n_m
    fleet = add_fleet_rows(ent, network, periods, lay.R, n_rows, ov.fleet_vessels)
    n_rows += T * len(fleet)
    n_cols = lay.base_u + n_u + n_m
    # the volume objective counts tonnes, not money: a shortfall there costs nothing
    cm_cost = [
        np.full(len(cr.cols), cr.penalty_usd_per_t if objective == "netback" else 0.0) for cr in cms
    ]
    held_upper = tau[held] if tau is not None else np.zeros(0)
    ref_cost = np.full(ref_mt.size, REFINERY_PENALTY_FACTOR * penalty_usd_per_t)
    return LinearProgram(
        c=np.concatenate(
            [c, np.full(lay.Q, penalty_usd_per_t), ref_cost, np.array(reqs.costs), *cm_cost]
        ),
        A=ent.matrix((n_rows, n_cols)),
        col_lower=np.zeros(n_cols),
        col_upper=np.concatenate(
            [col_upper, held_upper, ref_mt.ravel(), np.full(n_u + n_m, np.inf)]
        ),
        row_lower=np.concatenate(
            [
                cons_rhs,
                np.array(reqs.lower),
                np.full(T * len(thru), -np.inf),
                *(cr.min_mt for cr in cms),
                np.full(T * len(fleet), -np.inf),
            ]
        ),
        row_upper=np.concatenate(
            [
                cons_rhs,
                np.array(reqs.upper),
                *thru_upper,
                np.full(n_m, np.inf),
                *(fr.capacity_mt for fr in fleet),
            ]
        ),
        periods=periods,
        objective=objective,
        route_ids=arr.route_ids,
        supply_nodes=sm.supply_nodes,
        supply_mt=sm.supply_mt,
        tariff_usd_per_t=tariffs.reshape(T, lay.R),
        market_nodes=sm.market_nodes,
        price_usd_per_t=sm.price,
        storage_nodes=tuple(arr.node_ids[i] for i in storage_idx),
        capacity_mt=fb.cap_mt,
        capacity_mtpa=fb.cap_mtpa,
        closed_by=fb.closed_by,
        avoids=tuple(dict.fromkeys(str(r) for r in requirements if isinstance(r, Avoid))),
        requirement_rows=tuple(reqs.rows),
        n_conservation_rows=lay.n_cons,
        lag=_lags(network, periods),
        keep=arr.keep.copy(),
        opening_stock_mt=h_open,
        opening_in_transit_mt=tau,
        held_routes=held,
        throughput_rows=thru,
        commitment_rows=cms,
        fleet_rows=fleet,
        refinery_nodes=ref_nodes,
        refinery_mt=ref_mt,
    )


def with_route_capacities(
    lp: LinearProgram, network: Network, requirements: tuple[Requirement, ...] = ()
) -> LinearProgram:
    """``lp`` as :func:`build_lp` would build it for ``network``, when ``network`` differs
    from the network ``lp`` was built for in route capacities alone (same periods,
    ``requirements`` and options; no ``capacity_factor`` or ``overrides``).

    Route capacities enter the LP only as the upper bounds of the flow columns (and the
    ``capacity_*`` arrays read back from it), so nothing else is rebuilt.

    Examples
    --------
    >>> import dataclasses
    >>> from crudeflow.network.model import toy_network
    >>> net = toy_network()
    >>> lp = build_lp(net, Periods.annual(2025))
    >>> less = net.replace_routes([dataclasses.replace(net.route("A_M"), capacity_mtpa=1.0)])
    >>> fresh = build_lp(less, Periods.annual(2025))
    >>> bool((with_route_capacities(lp, less).col_upper == fresh.col_upper).all())
    True
    """
    fb = _flow_bounds(network, lp.periods, requirements, None, PeriodOverrides())
    xs = lp.block("x")
    upper = lp.col_upper.copy()
    upper[xs] = fb.x_upper.ravel()
    return dataclasses.replace(
        lp,
        col_upper=upper,
        capacity_mt=fb.cap_mt,
        capacity_mtpa=fb.cap_mtpa,
        closed_by=fb.closed_by,
    )


def _opening(
    network: Network, storage_idx: IntArray, state: InitialState
) -> tuple[FloatArray, FloatArray]:
    """Opening stocks ``[H]`` and in-transit arrivals ``[R]`` from ``state`` (validated)."""
    arr = network.arrays
    route_pos = {rid: i for i, rid in enumerate(arr.route_ids)}
    store_pos = {arr.node_ids[int(i)]: k for k, i in enumerate(storage_idx)}
    stock = np.zeros(len(storage_idx))
    for node, mt in state.stock_mt.items():
        if node not in store_pos:
            raise ValueError(f"initial state: {node!r} is not a node with storage")
        cap = float(arr.storage_mt[storage_idx[store_pos[node]]])
        if not (0.0 <= mt <= cap + 1e-9):
            raise ValueError(f"initial state: stock of {node} is {mt} Mt, outside 0 to {cap}")
        stock[store_pos[node]] = min(float(mt), cap)
    tau = np.zeros(len(arr.route_ids))
    for rid, mt in state.in_transit_mt.items():
        if rid not in route_pos:
            raise ValueError(f"initial state: no route {rid!r} in the network")
        if not (np.isfinite(mt) and mt >= 0.0):
            raise ValueError(f"initial state: in transit on {rid} is {mt} Mt (must be >= 0)")
        tau[route_pos[rid]] = float(mt)
    return stock, tau


def period_states(lp: LinearProgram, x: FloatArray) -> tuple[InitialState, ...]:
    """The state at the start of each period and at the end of the horizon (``T + 1``).

    ``states[t]`` holds the stocks at the start of period ``t`` and the crude in transit that
    arrives in it; ``states[T]`` is the closing state (for a steady horizon its in-transit
    volumes equal the opening ones: the horizon wraps). Feed ``states[t]`` to
    :func:`build_lp` to plan from period ``t`` on.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.highs import solve_lp
    >>> lp = build_lp(toy_network(), Periods.annual(2025))
    >>> res = solve_lp(lp.c, lp.A, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper)
    >>> period_states(lp, res.x)
    (InitialState(stock_mt={}, in_transit_mt={}), InitialState(stock_mt={}, in_transit_mt={}))
    """
    T, R = lp.periods.n, lp.n_routes
    H = len(lp.storage_nodes)
    flows = x[lp.block("x")].reshape(T, R)
    lag = lp.lag if lp.lag.shape == (T, R) else np.zeros((T, R))
    keep = lp.keep if lp.keep.shape == (R,) else np.ones(R)
    leaving = keep[None, :] * lag * flows  # [T, R] arrives in t + 1
    if lp.opening_in_transit_mt is None:
        opening_transit = leaving[T - 1]
    else:
        opening_transit = lp.opening_in_transit_mt
    transit = np.vstack([opening_transit[None, :], leaving])  # [T + 1, R]
    # opening crude a route could not deliver stays in the line: closing in transit
    transit[T, lp.held_routes] += x[lp.block("q")]
    hg = x[lp.block("h")]
    if H:
        h = hg[: T * H].reshape(T, H)
        g = hg[T * H :].reshape(T, H)
        stock = np.vstack([lp.opening_stock_mt[None, :], lp.opening_stock_mt[None, :] + h - g])
    else:
        stock = np.zeros((T + 1, 0))

    # below 1e-12 Mt is 0; a route holds crude in transit when its volume is positive
    stock_rows = np.where(np.abs(stock) < 1e-12, 0.0, stock).tolist()
    transit_rows = np.where(np.abs(transit) < 1e-12, 0.0, transit).tolist()
    return tuple(
        InitialState(
            dict(zip(lp.storage_nodes, stock_rows[t], strict=True)),
            {rid: v for rid, v in zip(lp.route_ids, transit_rows[t], strict=True) if v > 0.0},
        )
        for t in range(T + 1)
    )
