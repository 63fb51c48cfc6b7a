"""Plan results and the planning façade :func:`plan`.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> p = plan(toy_network())
>>> round(p.exported_mtpa, 2), round(p.netback_usd_per_t, 2)
(12.0, 590.0)
>>> [(b.route, round(b.value_usd_per_t, 2)) for b in p.bottlenecks]
[('B_M', 12.0)]
>>> p.route_frame().loc["A_M", "flow_mtpa"]
np.float64(2.0)
"""

from __future__ import annotations

import dataclasses
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from crudeflow.errors import InfeasiblePlanError, SolverError
from crudeflow.network.model import Network
from crudeflow.output import clean, column_records
from crudeflow.requirements import Requirement, Share, parse_requirements
from crudeflow.solve.highs import HighsSession, LPResult, SolveStatus
from crudeflow.solve.lp import (
    DEFAULT_PENALTY_USD_PER_T,
    SHORTFALL_MET_MT,
    STORAGE_START_FILL,
    CommitmentRow,
    InitialState,
    LinearProgram,
    Objective,
    PeriodOverrides,
    Periods,
    build_lp,
    period_states,
)
from crudeflow.solve.rolling import FixedPast, columns_before, fixed_bounds
from crudeflow.units import mtpa_to_kbd
from crudeflow.watch import watch_name, watch_routes

if TYPE_CHECKING:
    from crudeflow.solve.warm import WarmModels

__all__ = [
    "Bottleneck",
    "CommitmentStatus",
    "Plan",
    "RefineryStatus",
    "RequirementStatus",
    "horizon_label",
    "month_label",
    "opening_state",
    "plan",
]

FloatArray = npt.NDArray[np.float64]
Foresight = Literal["none", "perfect"]
"""What a plan knows of its horizon's dated changes: all of them in advance (``perfect``), or
each only from the month it strikes (``none``: the rolling re-plan, docs/scenario-format.md)."""
_TOL = 1e-6
_RELAX_MT = 1e-4
_BINDING_USD_PER_T = 0.005
"""A requirement whose marginal cost is below this (USD/t) does not bind."""
_BINDING_MUSD_PER_YR = 0.01
"""An avoid whose whole cost is below this (USD m a year) does not bind (unless at the margin)."""
_SURE_LOSS = 1e-6
"""Reduced cost (USD per tonne, well above HiGHS's dual tolerance) above which opening a
closed route surely loses netback: its margin re-solve is skipped (see _requirement_margins)."""
_RANGING_MAX_ROUTES = 20_000  # ranging costs about one more solve; skip it on huge networks


@dataclass(frozen=True, slots=True)
class _Table:
    """A plan table as its columns (numpy arrays or lists, all one length).

    The plan keeps its tables this way and builds a :class:`pandas.DataFrame` only when one
    is read: the JSON of a plan (:meth:`Plan.to_dict`) comes straight from the columns, which
    is most of the time a web answer used to spend in pandas.
    """

    columns: Mapping[str, Any]
    index: str | None = None
    """The column that becomes the frame's (named) index."""

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(dict(self.columns))
        return df.set_index(self.index) if self.index is not None else df

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready records, exactly as :func:`crudeflow.output.records` gives
        them for :meth:`frame` (the index column first)."""
        names = list(self.columns)
        if self.index is not None:
            names.remove(self.index)
            names.insert(0, self.index)
        return column_records({n: self.columns[n] for n in names})


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A route whose capacity limits the plan."""

    route: str
    name: str
    flow_mtpa: float
    capacity_mtpa: float
    utilisation: float
    value_usd_per_t: float
    """Netback gained per extra Mt/yr of capacity over the horizon, as an annual rate: USD m a
    year per Mt/yr = USD per tonne (the same for a 3-month and a 12-month horizon)."""
    holds_for_mtpa: float | None = None
    """Extra Mt/yr over which the value surely holds (HiGHS bound ranging: the optimal basis
    stays the same that far; it may hold further, since a basis can change without the value
    changing). Annual plans only; ``inf`` when no other limit would ever bind."""
    kind: str = "route"
    """``route`` (a route's capacity), or ``node``: a node's loading limit
    (``throughput_mtpa``) shared by every route leaving it; ``route`` then holds the node id,
    ``flow_mtpa`` the flow on those routes and the value comes from the limit's rows; or
    ``fleet``: a tanker pool (``fleet.csv``), ``route`` its first leg."""

    @property
    def label(self) -> str:
        """The name to print: a node's says it is the loading limit of the routes leaving it.

        >>> Bottleneck("AKTAU", "Aktau", 7.5, 7.5, 1.0, 12.0, kind="node").label
        'Aktau: loading limit of all routes leaving it'
        """
        if self.kind == "route":
            return self.name
        if self.kind == "fleet":
            return f"Tanker fleet (fleet.csv) of {self.name}"
        return f"{self.name}: loading limit of all routes leaving it"


@dataclass(frozen=True, slots=True)
class RequirementStatus:
    """How a requirement fared."""

    text: str
    kind: str
    op: str
    target: float
    """Mt/yr (shares: a fraction)."""
    achieved: float
    shortfall: float
    """Mt/yr by which the requirement is missed (shares: Mt/yr of excess transit)."""
    marginal_cost_usd_per_t: float
    """Netback the requirement costs per tonne at the margin (USD/t), confirmed by a re-solve
    with the amount moved a small step in the direction that relaxes it (at the achievable
    level when it falls short). ``>=``, ``<=``, ``share`` and ``avoid``: what one tonne of
    relaxation would earn (>= 0). ``==``: positive when demanding a tonne less would earn
    that much, negative when demanding a tonne more would (docs/dataset-format.md)."""
    binding: bool = False
    """True when the requirement changes the optimum: it falls short, or moving its amount
    changes netback (|marginal cost| > 0.005 USD/t), or (an ``avoid``) dropping it as a whole
    would (:attr:`whole_cost_musd_per_yr` > 0.01 USD m a year)."""
    whole_cost_musd_per_yr: float = 0.0
    """``avoid`` only: what the avoid costs as a whole, USD m a year: the objective (netback
    less commitment penalties) gained by re-solving with every route it closes open at its
    capacity, the other requirements held. An avoid can cost billions while no single route
    it closes earns on its own (a chain of closed routes must open together); 0 for other
    kinds and for the ``volume`` objective."""

    @property
    def met(self) -> bool:
        return self.shortfall <= SHORTFALL_MET_MT

    @property
    def margin_text(self) -> str:
        """What binding means here, in words (clients print this; they do not re-derive it).

        Examples
        --------
        >>> RequirementStatus("route R <= 0 Mt/yr", "routelimit", "<=", 0, 0, 0, 489.0,
        ...                   True).margin_text
        'binding: each tonne more it allowed would add 489.0 USD of netback'
        >>> RequirementStatus("via X >= 1 Mt/yr", "via", ">=", 1, 1, 0, 0.0).margin_text
        'not binding: the best plan meets it anyway'
        >>> RequirementStatus("avoid RU", "avoid", "==", 0, 0, 0, 0.0, True, 36110.0).margin_text
        'binding: as a whole, opening every route it closes would add 36,110.0 USD m of netback a year (no single one of them earns on its own)'
        """
        if not self.binding:
            return "not binding: the best plan meets it anyway"
        c = self.marginal_cost_usd_per_t
        money = f"{abs(c):,.1f} USD of netback"
        if self.kind == "avoid":
            return self._avoid_text(money)
        if self.op == ">=":
            return f"binding: each further tonne it demands costs {money}"
        if self.op == "<=":
            return f"binding: each tonne more it allowed would add {money}"
        if c > 0:
            return f"binding: each tonne less it demanded would add {money}"
        if c < 0:
            return f"binding: each tonne more it demanded would add {money}"
        return "binding: it cannot be met in full"

    def _avoid_text(self, money: str) -> str:
        whole = f"{self.whole_cost_musd_per_yr:,.1f} USD m of netback a year"
        if self.marginal_cost_usd_per_t > _BINDING_USD_PER_T:
            return (
                f"binding: one tonne on the routes it closes would add {money}; "
                f"opening them all would add {whole}"
            )
        return (
            f"binding: as a whole, opening every route it closes would add {whole} "
            "(no single one of them earns on its own)"
        )


@dataclass(frozen=True, slots=True)
class CommitmentStatus:
    """How a minimum commitment (``commitments.csv``) fared in one year of the horizon."""

    id: str
    target: str
    year: int
    min_mtpa: float
    achieved_mtpa: float
    """Flow on the commitment's routes in that year's periods, as an annual rate."""
    shortfall_mtpa: float
    penalty_usd_per_t: float
    penalty_musd: float
    """What the shortfall costs over the horizon (USD m): shortfall tonnes x penalty."""

    @property
    def met(self) -> bool:
        return self.shortfall_mtpa <= SHORTFALL_MET_MT

    @property
    def text(self) -> str:
        """The commitment in words.

        Examples
        --------
        >>> CommitmentStatus("c1", "route:BTC", 2025, 0.24, 0.1, 0.14, 24.0, 3.36).text
        'c1 (route:BTC >= 0.24 Mt/yr in 2025)'
        """
        return f"{self.id} ({self.target} >= {self.min_mtpa:g} Mt/yr in {self.year})"


@dataclass(frozen=True, slots=True)
class RefineryStatus:
    """How a domestic refinery (``refineries.csv``) was fed in one year of the horizon."""

    node: str
    year: int
    demand_mtpa: float
    delivered_mtpa: float
    """Crude delivered in that year's periods, as an annual rate."""
    shortfall_mtpa: float
    """Demand not delivered (0 up to ``SHORTFALL_MET_MT``), as an annual rate."""

    @property
    def met(self) -> bool:
        return self.shortfall_mtpa <= SHORTFALL_MET_MT

    @property
    def text(self) -> str:
        """The refinery's demand in words.

        Examples
        --------
        >>> RefineryStatus("ATYRAU_REF", 2025, 5.47, 5.0, 0.47).text
        'refinery ATYRAU_REF (5.47 Mt/yr in 2025)'
        """
        return f"refinery {self.node} ({self.demand_mtpa:g} Mt/yr in {self.year})"


@dataclass(frozen=True)
class Plan:
    """A solved export plan. Every table converts to a tidy DataFrame with units in names.

    One rule for every figure (see ``docs/output-format.md``): a name ending in ``_mt`` or
    ``_musd`` is a total over the horizon; one ending in ``_mtpa``, ``_kbd`` or
    ``_musd_per_yr`` is an annual rate (the horizon total divided by :attr:`horizon_years`).
    Both kinds are properties here; clients print the one they need and never convert.
    """

    dataset: str
    title: str
    periods: Periods
    objective: str
    requirements: tuple[str, ...]
    status: SolveStatus
    netback_musd: float
    """Netback over the horizon, USD m (a horizon total)."""
    baseline_netback_musd: float | None
    available_mt: float
    exported_mt: float
    delivered_mt: float
    requirement_status: tuple[RequirementStatus, ...]
    bottlenecks: tuple[Bottleneck, ...]
    bbl_per_t: float
    """The dataset's default grade, used for headline kb/d figures."""
    producer: str = ""
    market_countries: tuple[str, ...] = ()
    watch: str = ""
    """The dataset's watched country or passage (dataset.yaml ``watch``; crudeflow.watch)."""
    watch_name: str = ""
    watch_routes: tuple[str, ...] = ()
    """Routes whose flow is the flow via the watch (entering the country, listing the passage)."""
    shortfall_routes: tuple[str, ...] = ()
    """With a shortfall: routes whose extra capacity would shrink it (most valuable first)."""
    timings: dict[str, float] = field(default_factory=dict)
    solver: str = ""
    iterations: int = 0
    states: tuple[InitialState, ...] = ()
    """Stocks and crude in transit at the start of each period and at the end (``T + 1``)."""
    foresight: Foresight = "perfect"
    """``perfect``: the plan knew every dated change of its horizon in advance; ``none``: it
    learnt each in the month it struck and re-planned from there (:attr:`replanned`)."""
    replanned: tuple[str, ...] = ()
    """Without foresight: the periods from which the plan was re-optimised, in order."""
    solution: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    """The LP's column values (``crudeflow.solve.lp`` order): what a re-plan fixes."""
    commitment_status: tuple[CommitmentStatus, ...] = ()
    """Minimum commitments (``commitments.csv``), one per commitment and year of the horizon."""
    refinery_status: tuple[RefineryStatus, ...] = ()
    """Domestic refineries (``refineries.csv``), one per refinery and year of the horizon."""
    refinery_delivered_mt: float = 0.0
    """Crude delivered to domestic refineries over the horizon (Mt; not in ``exported_mt``)."""

    @property
    def refinery_delivered_mtpa(self) -> float:
        """Crude delivered to domestic refineries, as an annual rate (Mt/yr)."""
        return self.refinery_delivered_mt / self.horizon_years

    @property
    def refinery_shortfall_mt(self) -> float:
        """Refinery demand not delivered over the horizon (Mt)."""
        return float(
            sum(
                r.shortfall_mtpa
                * self.periods.fraction[np.asarray(self.periods.years) == r.year].sum()
                for r in self.refinery_status
            )
        )

    @property
    def commitment_cost_musd(self) -> float:
        """What unmet commitments cost over the horizon (USD m; not part of netback)."""
        return float(sum(c.penalty_musd for c in self.commitment_status))

    tables: Mapping[str, _Table] = field(default_factory=dict, repr=False, compare=False)
    """The tables below as columns (private to this module: read the DataFrames)."""

    # -- the tables, built as DataFrames on first read ------------------------------------
    def _frame(self, name: str) -> pd.DataFrame:
        table = self.tables.get(name)
        return pd.DataFrame() if table is None else table.frame()

    @cached_property
    def routes(self) -> pd.DataFrame:
        """One row per route; flows and capacities as annual rates (``_mtpa``) and horizon
        totals (``flow_mt``)."""
        return self._frame("routes")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Per route and period: ``flow_mt`` leaving, ``arrived_mt``, ``lost_mt``, the crude
        in transit at the period's start and end, capacity and tariff cost (horizon totals)."""
        return self._frame("flows")

    @cached_property
    def deliveries(self) -> pd.DataFrame:
        """Per market and period: delivered Mt, price and revenue."""
        return self._frame("deliveries")

    @cached_property
    def supply(self) -> pd.DataFrame:
        """Per supply node: available, exported and shut-in crude (Mt and Mt/yr)."""
        return self._frame("supply")

    @cached_property
    def exposure(self) -> pd.DataFrame:
        """Per transit country: crude entering it (Mt, Mt/yr) and its share of exports."""
        return self._frame("exposure")

    @cached_property
    def by_period(self) -> pd.DataFrame:
        """Per period: available, exported, shut-in and delivered Mt, netback USD m."""
        return self._frame("by_period")

    @cached_property
    def node_balance(self) -> pd.DataFrame:
        """Per node and period: crude taken from supply, arrived, departed, delivered, and the
        stock at the period's start and end (Mt). With :attr:`flows` it closes conservation."""
        return self._frame("node_balance")

    def exposure_ranked(self) -> list[tuple[str, float, float]]:
        """Every row of :attr:`exposure` as ``(country, entering_mtpa, share_of_exports)``,
        most crude first, in the order ``exposure.sort_values("entering_mtpa",
        ascending=False)`` gives (without building the DataFrame).

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> [(c, round(m, 2), round(s, 3)) for c, m, s in plan(toy_network()).exposure_ranked()]
        [('TR', 12.0, 1.0), ('RU', 10.0, 0.833), ('AZ', 2.0, 0.167)]
        """
        table = self.tables.get("exposure")
        if table is None:
            df = self.exposure
            if df.empty:
                return []
            cols: Mapping[str, Any] = {"country": list(df.index), **df}
        else:
            cols = table.columns
        countries = list(cols["country"])
        mtpa = np.asarray(cols["entering_mtpa"], dtype=float)
        share = np.asarray(cols["share_of_exports"], dtype=float)
        # pandas' descending sort (nargsort): sort the reversed values, reverse the result
        rev = np.arange(len(mtpa))[::-1]
        order = rev[mtpa[::-1].argsort(kind="quicksort")][::-1]
        return [(str(countries[i]), float(mtpa[i]), float(share[i])) for i in order]

    def _records(self, name: str) -> list[dict[str, Any]]:
        table = self.tables.get(name)
        return [] if table is None else table.records()

    # -- the horizon ----------------------------------------------------------------------
    @property
    def watch_mtpa(self) -> float:
        """Flow via the watched country or passage, Mt/yr (0 without a watch).

        >>> from crudeflow.network.model import toy_network
        >>> plan(toy_network()).watch_mtpa  # A_B enters Russia
        10.0
        """
        if not self.watch_routes:
            return 0.0
        table = self.tables.get("routes")
        if table is None:  # a plan built without its tables: read the frame
            return float(self.routes.loc[list(self.watch_routes), "flow_mtpa"].sum())
        # from the columns, not the frame: reading one figure must not build the DataFrame
        at = {route: i for i, route in enumerate(table.columns["route"])}
        flow = np.asarray(table.columns["flow_mtpa"], dtype=float)
        return float(flow[[at[r] for r in self.watch_routes]].sum())

    @property
    def horizon_years(self) -> float:
        """Length of the horizon in years (turns horizon totals into annual rates)."""
        return self.periods.horizon_years

    @property
    def horizon_months(self) -> int:
        """Number of calendar months the horizon spans (12 for an annual plan)."""
        return self.periods.n * (12 if _is_annual(self.periods) else 1)

    @property
    def horizon_start(self) -> str:
        """First month of the horizon, ``YYYY-MM``."""
        first = self.periods.labels[0]
        return f"{first}-01" if _is_annual(self.periods) else first

    @property
    def horizon_end(self) -> str:
        """Last month of the horizon, ``YYYY-MM``."""
        last = self.periods.labels[-1]
        return f"{last}-12" if _is_annual(self.periods) else last

    @property
    def horizon_label(self) -> str:
        """The horizon in words, for labels: ``2025``, ``Oct-Dec 2025``, ``Nov 2025-Jan 2026``.

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> plan(toy_network(), periods=Periods.monthly(2025, start_month=10, months=3)).horizon_label
        'Oct-Dec 2025'
        """
        return horizon_label(self.horizon_start, self.horizon_end)

    # -- headline numbers: horizon totals -------------------------------------------------
    @property
    def shut_in_mt(self) -> float:
        """Crude available but not exported over the horizon, Mt."""
        return max(self.available_mt - self.exported_mt, 0.0)

    # -- headline numbers: annual rates ---------------------------------------------------
    @property
    def exported_mtpa(self) -> float:
        return self.exported_mt / self.horizon_years

    @property
    def available_mtpa(self) -> float:
        return self.available_mt / self.horizon_years

    @property
    def shut_in_mtpa(self) -> float:
        return self.shut_in_mt / self.horizon_years

    @property
    def delivered_mtpa(self) -> float:
        return self.delivered_mt / self.horizon_years

    @property
    def netback_musd_per_yr(self) -> float:
        """Netback as an annual rate, USD m a year."""
        return self.netback_musd / self.horizon_years

    @property
    def exported_kbd(self) -> float:
        return float(mtpa_to_kbd(self.exported_mtpa, bbl_per_t=self.bbl_per_t))

    @property
    def netback_usd_per_t(self) -> float:
        return self.netback_musd / self.exported_mt if self.exported_mt > _TOL else 0.0

    @property
    def requirement_cost_musd(self) -> float | None:
        """Netback given up against the plan without requirements (USD m over the horizon)."""
        if self.baseline_netback_musd is None:
            return None
        return self.baseline_netback_musd - self.netback_musd

    @property
    def requirement_cost_musd_per_yr(self) -> float | None:
        """:attr:`requirement_cost_musd` as an annual rate (USD m a year)."""
        cost = self.requirement_cost_musd
        return None if cost is None else cost / self.horizon_years

    @property
    def shortfalls(self) -> tuple[RequirementStatus, ...]:
        return tuple(r for r in self.requirement_status if not r.met)

    # -- tables ---------------------------------------------------------------------------
    def group_flows(self, routes: Iterable[str]) -> pd.Series:
        """Mt per period carried by a set of routes (e.g. a dataset route group)."""
        ids = set(routes)
        sel = self.flows[self.flows["route"].isin(ids)]
        out = sel.groupby("period", sort=False)["flow_mt"].sum()
        return out.reindex(list(self.periods.labels), fill_value=0.0)

    def route_frame(self) -> pd.DataFrame:
        """One row per route: flow (Mt/yr, kb/d), capacity, utilisation, value of capacity."""
        return self.routes

    def to_frame(self) -> pd.DataFrame:
        """The route table (the plan's main tidy table)."""
        return self.routes.reset_index()

    def period_frame(self) -> pd.DataFrame:
        """Per period, one row per route then one per node: the monthly ledger (Mt).

        Route rows (``kind == "route"``) give ``flow_mt`` leaving the route's ``from`` node,
        ``arrived_mt`` at its ``to`` node, ``lost_mt`` and the crude in transit at the
        period's start and end; node rows (``kind == "node"``) give the crude taken from
        supply, arrived, departed, delivered to a market and the stock at the period's start
        and end. Every route and node row balances (start + in = out + end), so a user can
        check conservation from this table alone (``docs/output-format.md``).

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> f = plan(toy_network(), monthly=True).period_frame()
        >>> sorted(set(f["kind"])), len(f) == 12 * (3 + 3)
        (['node', 'route'], True)
        """
        routes = self.flows.rename(columns={"route": "id"}).assign(kind="route")
        nodes = self.node_balance.rename(columns={"node": "id"}).assign(kind="node")
        cols = ["period", "kind", "id", *_LEDGER_ROUTE_COLS, *_LEDGER_NODE_COLS]
        both = pd.concat([routes, nodes], ignore_index=True, sort=False)
        order = {p: i for i, p in enumerate(self.periods.labels)}
        both["_p"] = both["period"].map(order)
        both["_k"] = (both["kind"] == "node").astype(int)
        both = both.sort_values(["_p", "_k"], kind="stable")
        out = both.reindex(columns=cols).reset_index(drop=True)
        out["foresight"] = self.foresight
        return out

    def headline(self) -> dict[str, Any]:
        """The headline figures, both kinds side by side (the contract of every output).

        Examples
        --------
        >>> from crudeflow.network.model import toy_network
        >>> h = plan(toy_network(), periods=Periods.monthly(2025, start_month=10, months=3)).headline()
        >>> h["horizon_start"], h["horizon_end"], h["horizon_months"]
        ('2025-10', '2025-12', 3)
        >>> round(h["exported_mtpa"] * h["horizon_years"], 6) == round(h["exported_mt"], 6)
        True
        """
        return {
            "horizon_start": self.horizon_start,
            "horizon_end": self.horizon_end,
            "horizon_months": self.horizon_months,
            "horizon_years": self.horizon_years,
            "horizon_label": self.horizon_label,
            # horizon totals
            "available_mt": self.available_mt,
            "exported_mt": self.exported_mt,
            "shut_in_mt": self.shut_in_mt,
            "delivered_mt": self.delivered_mt,
            "netback_musd": self.netback_musd,
            "baseline_netback_musd": self.baseline_netback_musd,
            "requirement_cost_musd": self.requirement_cost_musd,
            # annual rates
            "available_mtpa": self.available_mtpa,
            "exported_mtpa": self.exported_mtpa,
            "shut_in_mtpa": self.shut_in_mtpa,
            "delivered_mtpa": self.delivered_mtpa,
            "exported_kbd": self.exported_kbd,
            "netback_musd_per_yr": self.netback_musd_per_yr,
            "requirement_cost_musd_per_yr": self.requirement_cost_musd_per_yr,
            # per tonne (the same either way)
            "netback_usd_per_t": self.netback_usd_per_t,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything shown on screen, JSON-ready, with units in the keys.

        Floats are rounded to :data:`crudeflow.output.OUTPUT_DECIMALS` places, ``-0.0`` is
        ``0.0`` and NaN/inf are ``None``.
        """

        head: dict[str, Any] = clean(
            {
                "dataset": self.dataset,
                "title": self.title,
                "periods": list(self.periods.labels),
                "objective": self.objective,
                "requirements": list(self.requirements),
                "status": self.status.value,
                "solver": self.solver,
                "foresight": self.foresight,
                "replanned": list(self.replanned),
                **self.headline(),
                "bbl_per_t_default_grade": self.bbl_per_t,
            }
        )
        tail: dict[str, Any] = clean(
            {
                "requirement_status": [
                    {
                        "requirement": r.text,
                        "kind": r.kind,
                        "op": r.op,
                        "target": r.target,
                        "achieved": r.achieved,
                        "shortfall": r.shortfall,
                        "met": r.met,
                        "binding": r.binding,
                        "marginal_cost_usd_per_t": r.marginal_cost_usd_per_t,
                        **(
                            {"whole_cost_musd_per_yr": r.whole_cost_musd_per_yr}
                            if r.kind == "avoid"
                            else {}
                        ),
                        "unit": "fraction of exports" if r.kind == "share" else "Mt/yr",
                    }
                    for r in self.requirement_status
                ],
                "commitments": [
                    {
                        "id": c.id,
                        "target": c.target,
                        "year": c.year,
                        "min_mtpa": c.min_mtpa,
                        "achieved_mtpa": c.achieved_mtpa,
                        "shortfall_mtpa": c.shortfall_mtpa,
                        "met": c.met,
                        "penalty_usd_per_t": c.penalty_usd_per_t,
                        "penalty_musd": c.penalty_musd,
                    }
                    for c in self.commitment_status
                ],
                "refineries": [
                    {
                        "node": r.node,
                        "year": r.year,
                        "demand_mtpa": r.demand_mtpa,
                        "delivered_mtpa": r.delivered_mtpa,
                        "shortfall_mtpa": r.shortfall_mtpa,
                        "met": r.met,
                    }
                    for r in self.refinery_status
                ],
                "shortfall_routes": list(self.shortfall_routes),
                "bottlenecks": [
                    {
                        "route": b.route,
                        "name": b.name,
                        "flow_mtpa": b.flow_mtpa,
                        "capacity_mtpa": b.capacity_mtpa,
                        "utilisation": b.utilisation,
                        "value_usd_per_t": b.value_usd_per_t,
                        "holds_for_mtpa": b.holds_for_mtpa,
                        "kind": b.kind,
                    }
                    for b in self.bottlenecks
                ],
                "timings_s": self.timings,
            }
        )
        return {
            **head,
            "routes": self._records("routes"),
            "deliveries": self._records("deliveries"),
            "supply": self._records("supply"),
            "exposure": self._records("exposure"),
            "by_period": self._records("by_period"),
            "flows": self._records("flows"),
            "node_balance": self._records("node_balance"),
            **tail,
        }


_LEDGER_ROUTE_COLS = (
    "from",
    "to",
    "in_transit_start_mt",
    "flow_mt",
    "arrived_mt",
    "lost_mt",
    "in_transit_end_mt",
    "capacity_mt",
)
_LEDGER_NODE_COLS = (
    "stock_start_mt",
    "taken_mt",
    "departed_mt",
    "delivered_mt",
    "stock_end_mt",
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _is_annual(periods: Periods) -> bool:
    return all(len(label) == 4 for label in periods.labels)


def horizon_label(start: str, end: str) -> str:
    """Words for the months ``start`` to ``end`` (``YYYY-MM``), as labels print them.

    Examples
    --------
    >>> horizon_label("2025-01", "2025-12"), horizon_label("2025-10", "2025-12")
    ('2025', 'Oct-Dec 2025')
    >>> horizon_label("2025-11", "2026-01"), horizon_label("2025-12", "2025-12")
    ('Nov 2025-Jan 2026', 'Dec 2025')
    >>> horizon_label("2024-01", "2025-12")
    '2024-2025'
    """
    (y0, m0), (y1, m1) = (tuple(int(v) for v in s.split("-")) for s in (start, end))
    if m0 == 1 and m1 == 12:
        return str(y0) if y0 == y1 else f"{y0}-{y1}"
    if (y0, m0) == (y1, m1):
        return f"{_MONTHS[m0 - 1]} {y0}"
    if y0 == y1:
        return f"{_MONTHS[m0 - 1]}-{_MONTHS[m1 - 1]} {y0}"
    return f"{_MONTHS[m0 - 1]} {y0}-{_MONTHS[m1 - 1]} {y1}"


def month_label(period: str) -> str:
    """A period label for a chart axis: ``2025-12`` -> ``Dec 2025``; ``2025`` stays.

    Examples
    --------
    >>> month_label("2025-12"), month_label("2025")
    ('Dec 2025', '2025')
    """
    if len(period) == 4:
        return period
    y, m = period.split("-")
    return f"{_MONTHS[int(m) - 1]} {y}"


# ---------------------------------------------------------------------------------------
def plan(
    network: Network,
    *,
    year: int | None = None,
    monthly: bool = False,
    periods: Periods | None = None,
    requirements: Iterable[str | Requirement] = (),
    strict: bool = False,
    objective: Objective = "netback",
    capacity_factor: FloatArray | None = None,
    overrides: PeriodOverrides | None = None,
    time_limit: float | None = None,
    baseline: bool = True,
    penalty_usd_per_t: float = DEFAULT_PENALTY_USD_PER_T,
    initial_state: InitialState | None = None,
    fixed_past: FixedPast | None = None,
    warm: WarmModels | None = None,
) -> Plan:
    """Solve the export plan for ``network``.

    Parameters
    ----------
    network : Network
        A loaded (and possibly scenario-changed) network.
    year : int, optional
        Planning year; default: the dataset's ``base_year``.
    monthly : bool
        Twelve monthly periods (with storage and transit lags) instead of one year.
    periods : Periods, optional
        Explicit periods (overrides ``year`` and ``monthly``).
    requirements : iterable of str or Requirement
        E.g. ``"avoid RU"``, ``"via AKTAU,KURYK >= 20 Mt/yr"``.
    strict : bool
        Raise :class:`~crudeflow.errors.InfeasiblePlanError` on any requirement shortfall
        instead of reporting it.
    objective : {"netback", "volume"}
        What to maximise.
    capacity_factor : array, optional
        Route capacity multipliers, ``[R]`` or ``[T, R]``.
    overrides : PeriodOverrides, optional
        Per-period capacities, tariffs, prices and supply (from a scenario's dated changes).
    time_limit : float, optional
        Seconds HiGHS may take.
    baseline : bool
        With requirements, also solve without them to report what they cost.
    initial_state : InitialState, optional
        Opening stocks and in-transit volumes. By default a monthly horizon that is not one
        calendar year starts from :func:`opening_state` (the base plan's state at its first
        month) and never wraps; a calendar year wraps (see docs/dataset-format.md).
    fixed_past : FixedPast, optional
        The periods before ``fixed_past.month`` already ran: their columns are fixed at
        ``fixed_past.x`` (a rolling re-plan, :mod:`crudeflow.solve.rolling`). The baseline
        without requirements and the value of an ``avoid`` keep them fixed too; capacity
        values and bottlenecks come from the periods still free.
    warm : WarmModels, optional
        Take the LP and HiGHS session from these (:mod:`crudeflow.solve.warm`) when
        ``network`` is their base with changed route capacities and no other option is given:
        the same plan, without building the LP again (a server's solver process).

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        A requirement refers to something the network lacks.
    InfeasiblePlanError
        ``strict`` and a requirement cannot be met.
    SolverError
        HiGHS did not prove optimality.
    """
    t_start = time.perf_counter()
    reqs = parse_requirements(requirements, network=network)
    if periods is None:
        y = year if year is not None else network.meta.base_year
        periods = Periods.monthly(y) if monthly else Periods.annual(y)
    if initial_state is None and not periods.steady:
        initial_state = opening_state(network, periods, objective=objective)
    lp, session = _model(
        network,
        periods,
        reqs,
        objective=objective,
        capacity_factor=capacity_factor,
        overrides=overrides,
        penalty_usd_per_t=penalty_usd_per_t,
        initial_state=initial_state,
        fixed_past=fixed_past,
        time_limit=time_limit,
        warm=warm,
    )
    first_free = fixed_past.month if fixed_past is not None else 0
    t_build = time.perf_counter()
    first = _checked(session.solve())
    solves = [first]
    slack = first.x[lp.block("u")]
    u0 = lp.block("u").start
    shortfall_mt = {
        rr.row: float(sum(slack[c - u0] for c in rr.slack_cols)) for rr in lp.requirement_rows
    }
    # activity = rhs - sum(sign * slack): '>=' short below, '<=' above, '==' either way
    signed_short_mt = {
        rr.row: float(
            sum(s * slack[c - u0] for c, s in zip(rr.slack_cols, rr.slack_signs, strict=True))
        )
        for rr in lp.requirement_rows
    }
    short = [rr for rr in lp.requirement_rows if shortfall_mt[rr.row] > SHORTFALL_MET_MT]
    relief = _relief_routes(lp, first, penalty_usd_per_t) if short else ()
    if short and strict:
        final_routes = _binding_routes(lp, first)
        names = tuple(str(rr.requirement) for rr in short)
        detail = "; ".join(
            f"{rr.requirement}: short by {shortfall_mt[rr.row] / periods.horizon_years:.3g} "
            f"{'Mt/yr' if not isinstance(rr.requirement, Share) else 'Mt/yr of excess transit'}"
            for rr in short
        )
        binding = ", ".join(final_routes) or "none"
        raise InfeasiblePlanError(f"cannot meet {detail} (binding routes: {binding})", names)
    result = first
    row_lo, row_hi = lp.row_lower.copy(), lp.row_upper.copy()
    if short:
        # Re-solve at the achievable level with slacks fixed at zero, so duals are prices of
        # the network, not of the penalty.
        rows = np.array([rr.row for rr in short])
        lo = lp.row_lower[rows].copy()
        hi = lp.row_upper[rows].copy()
        for k, rr in enumerate(short):
            for c, sign in zip(rr.slack_cols, rr.slack_signs, strict=True):
                amount = first.x[c]
                lo[k] -= sign * amount if np.isfinite(lo[k]) else 0.0
                hi[k] -= sign * amount if np.isfinite(hi[k]) else 0.0
            # Just inside the achievable level: at the level itself the feasible set is
            # degenerate and HiGHS may return any (huge) dual; 100 t changes no reported digit.
            if np.isfinite(lo[k]):
                lo[k] -= _RELAX_MT
            if np.isfinite(hi[k]):
                hi[k] += _RELAX_MT
        session.change_row_bounds(rows, lo, hi)
        row_lo[rows], row_hi[rows] = lo, hi
        cols = np.array([c for rr in short for c in rr.slack_cols])
        session.change_col_bounds(cols, np.zeros(len(cols)), np.zeros(len(cols)))
        result = _checked(session.solve())
        solves.append(result)
    ranges = None
    if periods.is_annual and lp.n_routes <= _RANGING_MAX_ROUTES:
        up = session.bound_ranging()
        if up is not None:
            xs = lp.block("x")
            ranges = up[xs] - lp.col_upper[xs]
    margins = (
        _requirement_margins(session, lp, row_lo, row_hi, signed_short_mt, first_free, last=result)
        if reqs
        else {}
    )
    opened: dict[str, tuple[FloatArray, FloatArray, LPResult]] = {}
    whole = _avoid_whole_costs(session, lp, result, first_free, opened) if lp.closed_by else {}
    t_solve = time.perf_counter()
    baseline_musd: float | None = None
    if baseline and reqs and objective == "netback":
        base = _baseline_solved(lp, opened, first_free)
        if base is None:  # solve it: requirement rows free, every route open
            if lp.requirement_rows:
                rows = np.array([rr.row for rr in lp.requirement_rows])
                session.change_row_bounds(
                    rows, np.full(len(rows), -np.inf), np.full(len(rows), np.inf)
                )
            if lp.closed_by:
                xs = lp.block("x")
                session.change_col_bounds(
                    np.arange(xs.start, xs.stop),
                    lp.col_lower[xs],
                    _baseline_x_upper(lp, first_free),
                )
            base = _checked(session.solve())
            solves.append(base)
        baseline_musd = _netback(lp, base.x)
    t_end = time.perf_counter()
    if first_free:
        # the months already run are fixed: their reduced costs price the fixing, not capacity
        dual = result.col_dual.copy()
        dual[columns_before(lp)[first_free]] = 0.0
        result = dataclasses.replace(result, col_dual=dual)
    return _assemble(
        network,
        lp,
        result,
        shortfall_mt,
        signed_short_mt,
        margins,
        baseline_musd,
        relief,
        ranges,
        avoid_musd_per_yr=whole,
        timings={
            "build_s": t_build - t_start,
            "solve_s": t_solve - t_build,
            "baseline_s": t_end - t_solve,
            "total_s": t_end - t_start,
        },
        iterations=sum(s.iterations for s in solves),
    )


def _model(
    network: Network,
    periods: Periods,
    reqs: tuple[Requirement, ...],
    *,
    objective: Objective,
    capacity_factor: FloatArray | None,
    overrides: PeriodOverrides | None,
    penalty_usd_per_t: float,
    initial_state: InitialState | None,
    fixed_past: FixedPast | None,
    time_limit: float | None,
    warm: WarmModels | None,
) -> tuple[LinearProgram, HighsSession]:
    """The plan's LP and a HiGHS session holding it: from ``warm`` when it applies, else
    built here."""
    if (
        warm is not None
        and capacity_factor is None
        and overrides is None
        and initial_state is None
        and fixed_past is None
    ):
        ready = warm.prepare(
            network,
            periods,
            reqs,
            objective=objective,
            penalty_usd_per_t=penalty_usd_per_t,
            time_limit=time_limit,
        )
        if ready is not None:
            return ready
    lp = build_lp(
        network,
        periods,
        reqs,
        objective=objective,
        capacity_factor=capacity_factor,
        overrides=overrides,
        penalty_usd_per_t=penalty_usd_per_t,
        initial_state=initial_state,
    )
    if fixed_past is not None:
        lo, hi = fixed_bounds(lp, fixed_past, lp.col_lower, lp.col_upper)
        lp = dataclasses.replace(lp, col_lower=lo, col_upper=hi)
    session = lp.session(time_limit=time_limit)
    return lp, session


def opening_state(
    network: Network, periods: Periods, *, objective: Objective = "netback"
) -> InitialState:
    """The base plan's state at the start of ``periods``' first month.

    The base plan is the steady twelve-month plan of that calendar year of ``network`` as it
    is (no scenario changes, no requirements, same objective); its stocks and the crude in
    transit entering the month open a shorter horizon (docs/dataset-format.md).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> opening_state(toy_network(), Periods.monthly(2025, start_month=10, months=3))
    InitialState(stock_mt={}, in_transit_mt={})
    """
    year, month = periods.first_month
    base = Periods.monthly(year)
    lp = build_lp(network, base, objective=objective)
    session = lp.session()
    res = _checked(session.solve())
    return period_states(lp, res.x)[month - 1]


def _requirement_margins(
    session: HighsSession,
    lp: LinearProgram,
    row_lo: FloatArray,
    row_hi: FloatArray,
    signed_short_mt: dict[int, float],
    first_free: int = 0,
    *,
    last: LPResult | None = None,
) -> dict[int | str, float]:
    """Marginal cost of every requirement, by row (and by text for ``avoid``).

    Each requirement is relaxed by ``_RELAX_MT`` on its own, with every shortfall column fixed
    at 0 (the penalty is never a price), and re-solved warm; the dual of the moved row (or
    the reduced cost of the opened routes) is the one-sided derivative in the relaxing
    direction. An ``==`` row is moved both ways, unless it fell short (then it is moved in
    the direction of its shortfall); an ``avoid`` opens its routes from period
    ``first_free`` on (the earlier ones already ran, in a re-plan). ``row_lo``/``row_hi`` are the rows' bounds as the last
    solve had them; they are restored afterwards, the shortfall columns stay fixed at 0.

    ``last`` is the session's last solve, optimal for the bounds it holds now. While the
    session's basis is known to be optimal for its bounds, a closed route whose columns all
    have a reduced cost of at least ``_SURE_LOSS`` (each tonne would cost netback) is not
    re-solved: opening it keeps that basis optimal, so the re-solve would end where it
    started, with a negative gain (exactly what skipping it gives).
    """
    u = lp.block("u")
    slack_cols = np.arange(u.start, u.stop)
    if len(slack_cols):
        session.change_col_bounds(slack_cols, np.zeros(len(slack_cols)), np.zeros(len(slack_cols)))
    out: dict[int | str, float] = {}
    for rr in lp.requirement_rows:
        # the row's current bounds (the achievable level when it fell short)
        lo0, hi0 = float(row_lo[rr.row]), float(row_hi[rr.row])
        short_side = signed_short_mt.get(rr.row, 0.0)
        if rr.op == ">=" or (rr.op == "==" and short_side > _TOL):
            directions: tuple[float, ...] = (-1.0,)
        elif rr.op == "<=" or (rr.op == "==" and short_side < -_TOL):
            directions = (+1.0,)
        else:
            directions = (-1.0, +1.0)
        gains: dict[float, float] = {}
        for d in directions:
            lo = lo0 + d * _RELAX_MT if np.isfinite(lo0) else -np.inf
            hi = hi0 + d * _RELAX_MT if np.isfinite(hi0) else np.inf
            session.change_row_bounds(np.array([rr.row]), np.array([lo]), np.array([hi]))
            moved = session.solve()
            if moved.status.ok:
                # min-objective dual: d objective / d rhs; moving by d gains -d * dual
                gains[d] = -d * float(moved.row_dual[rr.row])
        session.change_row_bounds(np.array([rr.row]), np.array([lo0]), np.array([hi0]))
        down, up = max(gains.get(-1.0, 0.0), 0.0), max(gains.get(+1.0, 0.0), 0.0)
        # '>=' and '==' moved down: cost > 0; '<=' moved up: cost > 0; '==' moved up: cost < 0
        if rr.op == ">=":
            value = down
        elif rr.op == "<=":
            value = up
        else:  # '==': + when demanding less earns, - when demanding more earns
            value = down if down >= up else -up
        out[rr.row] = value if abs(value) > 1e-9 else 0.0
    xs = lp.block("x")
    R = lp.n_routes
    frac = lp.periods.fraction
    # the basis HiGHS holds is optimal for its bounds: no row was moved and re-solved above
    clean = last is not None and last.status.ok and not lp.requirement_rows
    duals = last.col_dual if last is not None else None
    for text in sorted(set(lp.closed_by.values())):
        # the most valuable single route it closes: as 'route R <= 0 Mt/yr' would be valued
        best = 0.0
        for i in (i for i, rid in enumerate(lp.route_ids) if lp.closed_by.get(rid) == text):
            cap = lp.capacity_mt[:, i]
            periods_open = np.flatnonzero(cap > 0)
            periods_open = periods_open[periods_open >= first_free]
            if not len(periods_open):
                continue
            cols = xs.start + periods_open * R + i
            if clean and duals is not None and bool((duals[cols] >= _SURE_LOSS).all()):
                continue  # nonbasic, and opening it only costs: the basis stays optimal
            upper = np.minimum(cap[periods_open], _RELAX_MT * frac[periods_open])
            session.change_col_bounds(cols, np.zeros(len(cols)), upper)
            moved = session.solve()
            session.change_col_bounds(cols, np.zeros(len(cols)), np.zeros(len(cols)))
            # restored, the basis stays optimal when the route carried nothing in the re-solve
            clean = moved.status.ok and bool((moved.x[cols] == 0.0).all())
            duals = moved.col_dual
            if moved.status.ok:
                # d objective / d upper bound of each period's column, per Mt/yr of the route
                gain = -moved.col_dual[cols] * frac[periods_open]
                best = max(best, float(gain.sum()) / float(frac[periods_open].sum()))
        out[text] = best if best > 1e-9 else 0.0
    return out


def _avoid_whole_costs(
    session: HighsSession,
    lp: LinearProgram,
    last: LPResult,
    first_free: int = 0,
    opened: dict[str, tuple[FloatArray, FloatArray, LPResult]] | None = None,
) -> dict[str, float]:
    """What each ``avoid`` costs as a whole, USD m a year (see
    :attr:`RequirementStatus.whole_cost_musd_per_yr`).

    Every route the avoid closes is opened at its capacity from period ``first_free`` on and
    the LP re-solved warm from ``last`` (optimal for the bounds the session holds now, the
    shortfall columns fixed at 0); the objective gained is the cost. The bounds are restored.
    ``opened`` (if given) gets, per avoid, the columns opened, their upper bounds and the
    re-solve (see :func:`_baseline_solved`).
    """
    if lp.objective != "netback" or not last.status.ok:
        return {}
    xs, R = lp.block("x"), lp.n_routes
    out: dict[str, float] = {}
    for text in sorted(set(lp.closed_by.values())):
        idx = [i for i, rid in enumerate(lp.route_ids) if lp.closed_by.get(rid) == text]
        cap = lp.capacity_mt[first_free:, idx]  # [periods from first_free, routes]
        t, j = np.nonzero(cap > 0)
        if not len(t):
            out[text] = 0.0
            continue
        cols = xs.start + (t + first_free) * R + np.asarray(idx)[j]
        session.change_col_bounds(cols, np.zeros(len(cols)), cap[t, j])
        moved = session.solve()
        session.change_col_bounds(cols, np.zeros(len(cols)), np.zeros(len(cols)))
        if opened is not None:
            opened[text] = (cols, cap[t, j], moved)
        gain = (last.objective - moved.objective) / lp.periods.horizon_years
        out[text] = gain if moved.status.ok and gain > 1e-9 else 0.0
    return out


def _baseline_solved(
    lp: LinearProgram,
    opened: Mapping[str, tuple[FloatArray, FloatArray, LPResult]],
    first_free: int,
) -> LPResult | None:
    """The whole-cost re-solve of the plan's one ``avoid`` when it solved exactly the LP the
    baseline (no requirements) would solve: no requirement rows, and its column bounds those
    the baseline sets (every route open at capacity from ``first_free`` on). An ``avoid`` alone
    then needs one solve fewer; None otherwise."""
    if lp.requirement_rows or len(opened) != 1:
        return None
    cols, upper_opened, moved = next(iter(opened.values()))
    if not moved.status.ok:
        return None
    xs = lp.block("x")
    lower, upper = lp.col_lower[xs].copy(), lp.col_upper[xs].copy()
    lower[cols - xs.start], upper[cols - xs.start] = 0.0, upper_opened  # the whole-cost solve's
    if np.array_equal(lower, lp.col_lower[xs]) and np.array_equal(
        upper, _baseline_x_upper(lp, first_free)
    ):
        return moved
    return None


def _baseline_x_upper(lp: LinearProgram, first_free: int) -> FloatArray:
    """The flow columns' upper bounds of the baseline: every route open at capacity from
    period ``first_free`` on, the periods before as they were fixed."""
    xs, R = lp.block("x"), lp.n_routes
    upper = lp.capacity_mt.ravel().copy()
    upper[: first_free * R] = lp.col_upper[xs][: first_free * R]
    return upper


def _checked(res: LPResult) -> LPResult:
    if not res.status.ok:
        raise SolverError(f"HiGHS ended with status {res.status.value}; no plan is reported")
    return res


def _netback(lp: LinearProgram, x: FloatArray) -> float:
    T, R = lp.periods.n, lp.n_routes
    flows = x[lp.block("x")].reshape(T, R)
    deliveries = x[lp.block("d")].reshape(T, len(lp.market_nodes))
    tariff_cost = float((flows * lp.tariff_usd_per_t).sum())
    return float((deliveries * lp.price_usd_per_t).sum()) - tariff_cost


def _relief_routes(lp: LinearProgram, res: LPResult, penalty: float) -> tuple[str, ...]:
    """Routes whose extra capacity (or tankers, for a leg of a fleet.csv pool) would shrink a
    requirement shortfall (penalised solve)."""
    T, R = lp.periods.n, lp.n_routes
    rc = res.col_dual[lp.block("x")].reshape(T, R)
    open_ = lp.col_upper[lp.block("x")].reshape(T, R) > 0  # not closed by a requirement
    value = (np.maximum(-rc, 0.0) * open_).sum(axis=0)
    for fr in lp.fleet_rows:  # a leg whose tankers (fleet.csv) bind: its pool row's dual
        lead = int(fr.routes[0])
        dual = res.row_dual[fr.first_row + np.arange(T)]
        value[lead] = max(value[lead], float(np.maximum(-dual, 0.0).sum()))
    order = np.argsort(-value, kind="stable")
    return tuple(lp.route_ids[i] for i in order if value[i] > 0.5 * penalty * _min_frac(lp))


def _min_frac(lp: LinearProgram) -> float:
    return float(lp.periods.fraction.min())


def _binding_routes(lp: LinearProgram, res: LPResult) -> list[str]:
    T, R = lp.periods.n, lp.n_routes
    flows = res.x[lp.block("x")].reshape(T, R).sum(axis=0)
    cap = lp.capacity_mt.sum(axis=0)
    hit = (cap > _TOL) & (flows >= cap * (1 - 1e-6))
    return [lp.route_ids[i] for i in np.flatnonzero(hit)]


def _assemble(
    network: Network,
    lp: LinearProgram,
    res: LPResult,
    shortfall_mt: dict[int, float],
    signed_short_mt: dict[int, float],
    margins: dict[int | str, float],
    baseline_musd: float | None,
    relief: tuple[str, ...],
    ranges: FloatArray | None,
    *,
    avoid_musd_per_yr: Mapping[str, float],
    timings: dict[str, float],
    iterations: int,
) -> Plan:
    periods = lp.periods
    T, R = periods.n, lp.n_routes
    years = periods.horizon_years
    frac = periods.fraction
    arr = network.arrays
    x = res.x
    flows = x[lp.block("x")].reshape(T, R)
    flows = np.where(np.abs(flows) < 1e-9, 0.0, flows)
    rc = res.col_dual[lp.block("x")].reshape(T, R)
    # Value of one more Mt/yr of capacity in every period in which the route carries any.
    scale = (lp.capacity_mtpa > 0) * frac[:, None]
    closed = np.array([rid in lp.closed_by for rid in lp.route_ids])
    # USD m over the horizon per Mt/yr, divided by its length: USD m a year per Mt/yr = USD/t
    value = (
        (np.maximum(-rc, 0.0) * scale).sum(axis=0) / years
        if lp.objective == "netback"
        else np.zeros(R)
    )
    value = np.where(closed, 0.0, value)
    flow_mt = flows.sum(axis=0)
    cap_mt = lp.capacity_mt.sum(axis=0)
    util = np.divide(flow_mt, cap_mt, out=np.full(R, np.nan), where=cap_mt > _TOL)
    kbd_factor = mtpa_to_kbd(1.0, bbl_per_t=1.0) * arr.bbl_per_t
    layout = network.layout
    route_table = _Table(
        {
            "route": list(lp.route_ids),
            "name": list(layout.names),
            "from": list(layout.from_nodes),
            "to": list(layout.to_nodes),
            "mode": list(layout.modes),
            "countries": list(layout.countries),
            "status": list(layout.statuses),
            "flow_mtpa": flow_mt / years,
            "flow_kbd": flow_mt / years * kbd_factor,
            "flow_mt": flow_mt,
            "capacity_mtpa": cap_mt / years,
            "utilisation": util,
            "tariff_usd_per_t": (lp.tariff_usd_per_t * frac[:, None]).sum(axis=0) / years,
            "capacity_value_usd_per_t": value,
            "closed_by": [lp.closed_by.get(rid, "") for rid in lp.route_ids],
        },
        "route",
    )
    flow_long, node_balance = _ledger(network, lp, x, flows)
    M = len(lp.market_nodes)
    d = x[lp.block("d")].reshape(T, M)
    deliveries = _Table(
        {
            "market": np.tile(np.array(lp.market_nodes, dtype=object), T),
            "period": np.repeat(np.array(periods.labels, dtype=object), M),
            "delivered_mt": d.ravel(),
            "price_usd_per_t": lp.price_usd_per_t.ravel(),
            "revenue_musd": (d * lp.price_usd_per_t).ravel(),
        }
    )
    S = len(lp.supply_nodes)
    s = x[lp.block("s")].reshape(T, S)
    avail_mt, took_mt = lp.supply_mt.sum(axis=0), s.sum(axis=0)
    shut_mt = np.clip(avail_mt - took_mt, 0.0, None)
    supply_table = _Table(
        {
            "node": list(lp.supply_nodes),
            "available_mt": avail_mt,
            "exported_mt": took_mt,
            "shut_in_mt": shut_mt,
            "available_mtpa": avail_mt / years,
            "exported_mtpa": took_mt / years,
            "shut_in_mtpa": shut_mt / years,
        },
        "node",
    )
    revenue_t = (d * lp.price_usd_per_t).sum(axis=1)
    tariff_t = (flows * lp.tariff_usd_per_t).sum(axis=1)
    exported_t = lp.exported_by_period_mt(x)
    available_t = lp.export_available_mt
    by_period = _Table(
        {
            "period": list(periods.labels),
            "available_mt": available_t,
            "exported_mt": exported_t,
            "shut_in_mt": np.clip(available_t - exported_t, 0.0, None),
            "delivered_mt": d.sum(axis=1),
            "netback_musd": revenue_t - tariff_t,
        },
        "period",
    )
    exported = float(exported_t.sum())
    countries = list(layout.transit_countries)
    entering_of = layout.entering
    entering = [float(sum(flow_mt[i] for i in entering_of.get(c, ()))) for c in countries]
    entering_by_country = np.array(entering, dtype=float)
    exposure = _Table(
        {
            "country": countries,
            "entering_mtpa": entering_by_country / years,
            "entering_mt": entering_by_country,
            "share_of_exports": (
                entering_by_country / exported if exported > _TOL else np.zeros(len(countries))
            ),
        },
        "country",
    )

    statuses = []
    for rr in lp.requirement_rows:
        req = rr.requirement
        activity = float(
            res.row_value[rr.row]
            - sum(sign * res.x[c] for c, sign in zip(rr.slack_cols, rr.slack_signs, strict=True))
        )
        cost = margins.get(rr.row, 0.0)
        short_by = shortfall_mt[rr.row]
        if isinstance(req, Share):
            # the row is sum(x) - P (exports + refinery demand) = rhs = -P x refinery demand
            entering_mt = activity - rr.rhs_mt + req.fraction * exported
            achieved = entering_mt / exported if exported > _TOL else 0.0
        elif short_by > SHORTFALL_MET_MT:
            # exactly what the penalised solve could reach (the re-solve sits _RELAX_MT inside)
            achieved = (rr.rhs_mt - signed_short_mt[rr.row]) / years
        else:
            achieved = activity / years
        statuses.append(
            RequirementStatus(
                text=str(req),
                kind=type(req).__name__.lower(),
                op=rr.op,
                target=rr.target_mtpa,
                achieved=achieved,
                shortfall=shortfall_mt[rr.row] / years,
                marginal_cost_usd_per_t=cost,
                binding=short_by > SHORTFALL_MET_MT or abs(cost) > _BINDING_USD_PER_T,
            )
        )
    # every avoid, also one that closes no route (cost 0, not binding)
    for req_text in sorted(set(lp.closed_by.values()) | set(lp.avoids), reverse=True):
        cost = margins.get(req_text, 0.0)
        whole = avoid_musd_per_yr.get(req_text, 0.0)
        binds = abs(cost) > _BINDING_USD_PER_T or whole > _BINDING_MUSD_PER_YR
        statuses.insert(
            0, RequirementStatus(req_text, "avoid", "==", 0.0, 0.0, 0.0, cost, binds, whole)
        )

    order = np.argsort(-value, kind="stable")
    bottlenecks = tuple(
        Bottleneck(
            route=lp.route_ids[i],
            name=layout.names[i],
            flow_mtpa=float(flow_mt[i] / years),
            capacity_mtpa=float(cap_mt[i] / years),
            utilisation=float(util[i]),
            value_usd_per_t=float(value[i]),
            holds_for_mtpa=None if ranges is None else float(max(ranges[i], 0.0)),
        )
        for i in order
        if value[i] > 1e-6 and np.isfinite(util[i]) and util[i] > 1 - 1e-6
    )
    bottlenecks = _with_node_bottlenecks(network, lp, res, flows, bottlenecks)
    bottlenecks = _with_fleet_bottlenecks(network, lp, res, flows, bottlenecks)
    commitments = tuple(_commitment_status(network, cr, res) for cr in lp.commitment_rows)
    return Plan(
        dataset=network.meta.name,
        title=network.meta.title,
        periods=periods,
        objective=lp.objective,
        requirements=tuple(
            dict.fromkeys(
                [
                    *lp.closed_by.values(),
                    *lp.avoids,
                    *(str(rr.requirement) for rr in lp.requirement_rows),
                ]
            )
        ),
        status=res.status,
        netback_musd=_netback(lp, x),
        baseline_netback_musd=baseline_musd,
        available_mt=float(available_t.sum()),
        exported_mt=exported,
        delivered_mt=float(d.sum()),
        requirement_status=tuple(statuses),
        bottlenecks=bottlenecks,
        bbl_per_t=network.default_bbl_per_t,
        producer=network.meta.producer,
        market_countries=layout.market_countries,
        watch=network.meta.watch,
        watch_name=watch_name(network),
        watch_routes=watch_routes(network),
        shortfall_routes=relief,
        timings=timings,
        solver=res.solver,
        iterations=iterations,
        states=period_states(lp, x),
        tables={
            "routes": route_table,
            "flows": flow_long,
            "deliveries": deliveries,
            "supply": supply_table,
            "exposure": exposure,
            "by_period": by_period,
            "node_balance": node_balance,
        },
        solution=x,
        commitment_status=commitments,
        refinery_status=_refinery_status(lp, x),
        refinery_delivered_mt=float(lp.refinery_delivered_mt(x).sum()),
    )


def _refinery_status(lp: LinearProgram, x: FloatArray) -> tuple[RefineryStatus, ...]:
    """Demand, delivery and shortfall per refinery and year of the horizon (annual rates)."""
    delivered = lp.refinery_delivered_mt(x)
    years_t = np.asarray(lp.periods.years)
    frac = lp.periods.fraction
    out: list[RefineryStatus] = []
    for k, node in enumerate(lp.refinery_nodes):
        for y in dict.fromkeys(lp.periods.years):
            tt = years_t == y
            F = float(frac[tt].sum())
            demand = float(lp.refinery_mt[tt, k].sum())
            if demand <= 0.0:
                continue
            got = float(delivered[tt, k].sum())
            short = demand - got
            out.append(
                RefineryStatus(
                    node, y, demand / F, got / F, short / F if short > SHORTFALL_MET_MT else 0.0
                )
            )
    return tuple(out)


def _commitment_status(network: Network, cr: CommitmentRow, res: LPResult) -> CommitmentStatus:
    """Flow, shortfall and penalty of one commitment in one year (its row and column)."""
    m = np.maximum(res.x[cr.cols], 0.0)
    short_mt = float(m.sum())
    flow_mt = float(res.row_value[cr.rows].sum() - res.x[cr.cols].sum())
    cm = next(c for c in network.commitments if c.id == cr.commitment)
    return CommitmentStatus(
        id=cm.id,
        target=cm.target,
        year=cr.year,
        min_mtpa=cm.min_mtpa,
        achieved_mtpa=flow_mt / cr.years,
        shortfall_mtpa=short_mt / cr.years if short_mt > SHORTFALL_MET_MT else 0.0,
        penalty_usd_per_t=cr.penalty_usd_per_t,
        penalty_musd=short_mt * cr.penalty_usd_per_t if short_mt > SHORTFALL_MET_MT else 0.0,
    )


def _with_node_bottlenecks(
    network: Network,
    lp: LinearProgram,
    res: LPResult,
    flows: FloatArray,
    route_bottlenecks: tuple[Bottleneck, ...],
) -> tuple[Bottleneck, ...]:
    """Route bottlenecks and nodes whose loading limit binds, most valuable first.

    A node's value is read from the duals of its rows as a route's is from its reduced costs:
    netback per extra Mt/yr of limit in every period it is in force, as an annual rate.
    """
    if not lp.throughput_rows:
        return route_bottlenecks
    frac = lp.periods.fraction
    years = lp.periods.horizon_years
    T = lp.periods.n
    found = list(route_bottlenecks)
    for tr in lp.throughput_rows:
        rows = tr.first_row + np.arange(T)
        limit_mt = tr.limit_mtpa * frac
        flow_mt = flows[:, tr.routes].sum(axis=1)
        dual = res.row_dual[rows] if lp.objective == "netback" else np.zeros(T)
        value = float((np.maximum(-dual, 0.0) * (tr.limit_mtpa > 0) * frac).sum() / years)
        total_limit = float(limit_mt.sum())
        util = float(flow_mt.sum()) / total_limit if total_limit > _TOL else float("nan")
        if value > 1e-6 and np.isfinite(util) and util > 1 - 1e-6:
            found.append(
                Bottleneck(
                    route=tr.node,
                    name=network.node(tr.node).name,
                    flow_mtpa=float(flow_mt.sum()) / years,
                    capacity_mtpa=total_limit / years,
                    utilisation=util,
                    value_usd_per_t=value,
                    kind="node",
                )
            )
    return tuple(sorted(found, key=lambda b: -b.value_usd_per_t))


def _with_fleet_bottlenecks(
    network: Network,
    lp: LinearProgram,
    res: LPResult,
    flows: FloatArray,
    found: tuple[Bottleneck, ...],
) -> tuple[Bottleneck, ...]:
    """The bottlenecks with every tanker pool whose rows bind, most valuable first: the value is
    netback per extra tonne of fleet capacity spread over the periods as the fleet carries it
    (docs/dataset-format.md, "The tanker fleet")."""
    if not lp.fleet_rows:
        return found
    T, years = lp.periods.n, lp.periods.horizon_years
    out = list(found)
    for fr in lp.fleet_rows:
        dual = res.row_dual[fr.first_row + np.arange(T)] if lp.objective == "netback" else 0.0
        total = float(fr.capacity_mt.sum())
        flow = float(flows[:, fr.routes].sum())
        value = float((np.maximum(-dual, 0.0) * fr.capacity_mt).sum()) / total if total else 0.0
        util = flow / total if total > _TOL else float("nan")
        if value > 1e-6 and np.isfinite(util) and util > 1 - 1e-6:
            names = " / ".join(network.route(r).name or r for r in fr.pool)
            out.append(
                Bottleneck(
                    fr.pool[0], names, flow / years, total / years, util, value, kind="fleet"
                )
            )
    return tuple(sorted(out, key=lambda b: -b.value_usd_per_t))


def _ledger(
    network: Network, lp: LinearProgram, x: FloatArray, flows: FloatArray
) -> tuple[_Table, _Table]:
    """Per route and period, and per node and period, every tonne's whereabouts (Mt).

    Arrivals are read from the LP's own conservation coefficients, so whatever the LP does
    with transit lags (a share of a month's departures arriving in a later month, or at the
    horizon's wrap) the tables say where the crude was: a tonne is in transit at the end of
    every period from its departure up to the one before its arrival. Stocks are the opening
    level plus the LP's stock columns.
    """
    periods = lp.periods
    T, R = periods.n, lp.n_routes
    arr = network.arrays
    N = len(arr.node_ids)
    n_cons = lp.n_conservation_rows
    keep = np.asarray(arr.keep, dtype=float)
    sent = flows * keep[None, :]  # [T, R] what will arrive somewhere
    lost = flows - sent
    dep_col, t_arr, coef = _arrival_terms(lp, n_cons, N)
    t_dep, r_of = dep_col // R, dep_col % R
    amount = coef * flows.ravel()[dep_col]
    arrived = np.zeros((T, R))
    np.add.at(arrived, (t_arr, r_of), amount)
    # in transit at the end of period p: departed at or before p, arriving after p
    diff = np.zeros((T + 1, R))
    opening = np.zeros(R)
    fwd = t_arr >= t_dep
    np.add.at(diff, (t_dep[fwd], r_of[fwd]), amount[fwd])
    np.add.at(diff, (t_arr[fwd], r_of[fwd]), -amount[fwd])
    wrap = ~fwd  # arrives in an earlier period: in transit from departure to the horizon's end,
    np.add.at(diff, (t_dep[wrap], r_of[wrap]), amount[wrap])  # and from its start to arrival
    np.add.at(opening, r_of[wrap], amount[wrap])
    np.add.at(diff, (t_arr[wrap], r_of[wrap]), -amount[wrap])
    # an open horizon (no wrap) starts with crude in transit that arrives in its first period
    # (a constant of the LP, not a column)
    tau = lp.opening_in_transit_mt
    if tau is not None and T > 1:
        tau = np.asarray(tau, dtype=float)
        opening += tau
        arrived[0] += tau
        diff[0] -= tau
    # crude that never arrives inside the horizon stays in transit to its end
    unarrived = sent - _per_departure(amount, t_dep, r_of, T, R)
    unarrived = np.where(np.abs(unarrived) < 1e-12, 0.0, unarrived)
    diff[:T] += unarrived
    transit_end = opening[None, :] + np.cumsum(diff[:T], axis=0)
    transit_end = np.where(np.abs(transit_end) < 1e-12, 0.0, transit_end)
    transit_start = np.vstack([opening[None, :], transit_end[:-1]])
    flow_long = _Table(
        {
            "route": np.tile(np.array(lp.route_ids, dtype=object), T),
            "period": np.repeat(np.array(periods.labels, dtype=object), R),
            "from": np.tile(np.array(network.layout.from_nodes, dtype=object), T),
            "to": np.tile(np.array(network.layout.to_nodes, dtype=object), T),
            "in_transit_start_mt": transit_start.ravel(),
            "flow_mt": flows.ravel(),
            "arrived_mt": arrived.ravel(),
            "lost_mt": lost.ravel(),
            "in_transit_end_mt": transit_end.ravel(),
            "capacity_mt": lp.capacity_mt.ravel(),
            "tariff_cost_musd": (flows * lp.tariff_usd_per_t).ravel(),
        }
    )

    node_pos = {nid: i for i, nid in enumerate(arr.node_ids)}
    taken = np.zeros((T, N))
    s_idx = [node_pos[n] for n in lp.supply_nodes]
    taken[:, s_idx] = x[lp.block("s")].reshape(T, len(lp.supply_nodes))
    delivered = np.zeros((T, N))
    m_idx = [node_pos[m] for m in lp.market_nodes]
    delivered[:, m_idx] = x[lp.block("d")].reshape(T, len(lp.market_nodes))
    k_idx = [node_pos[k] for k in lp.refinery_nodes]  # a refinery takes what it is delivered
    delivered[:, k_idx] += lp.refinery_delivered_mt(x)
    frm, to = np.asarray(arr.frm), np.asarray(arr.to)
    departed = np.zeros((T, N))
    np.add.at(departed.T, frm, flows.T)
    arrived_at = np.zeros((T, N))
    np.add.at(arrived_at.T, to, arrived.T)
    stock_end = np.zeros((T, N))
    stock_open = np.zeros(N)
    H = len(lp.storage_nodes)
    if H:
        h_idx = [node_pos[k] for k in lp.storage_nodes]
        hb = x[lp.block("h")]
        above, below = hb[: T * H].reshape(T, H), hb[T * H :].reshape(T, H)
        opening_stock = lp.opening_stock_mt  # the horizon's opening stocks
        stock_open[h_idx] = (
            arr.storage_mt[h_idx] * STORAGE_START_FILL
            if opening_stock is None or len(opening_stock) != H
            else opening_stock
        )
        stock_end[:, h_idx] = stock_open[h_idx][None, :] + above - below
    else:
        stock_end[:] = stock_open[None, :]
    stock_end = np.where(np.abs(stock_end) < 1e-12, 0.0, stock_end)
    stock_start = np.vstack([stock_open[None, :], stock_end[:-1]])
    node_balance = _Table(
        {
            "node": np.tile(np.array(arr.node_ids, dtype=object), T),
            "period": np.repeat(np.array(periods.labels, dtype=object), N),
            "stock_start_mt": stock_start.ravel(),
            "taken_mt": taken.ravel(),
            "arrived_mt": arrived_at.ravel(),
            "departed_mt": departed.ravel(),
            "delivered_mt": delivered.ravel(),
            "stock_end_mt": stock_end.ravel(),
        }
    )
    return flow_long, node_balance


_ARRIVALS: dict[int, tuple[Any, Any, FloatArray]] = {}


def _arrival_terms(lp: LinearProgram, n_cons: int, n_nodes: int) -> tuple[Any, Any, FloatArray]:
    """The flow columns' arrival coefficients in the conservation rows: (flow column, period
    of arrival, share arriving). They depend on the matrix alone, so they are computed once
    per matrix (the web's warm models solve one matrix with many bounds); an entry lives as
    long as its matrix (sparse matrices are not hashable: keyed by identity)."""
    key = id(lp.A)
    hit = _ARRIVALS.get(key)
    if hit is None:
        A = lp.A[:, lp.block("x")].tocoo()
        on = (A.row < n_cons) & (A.data > 0.0)
        hit = (A.col[on], A.row[on] // n_nodes, A.data[on])
        _ARRIVALS[key] = hit
        weakref.finalize(lp.A, _ARRIVALS.pop, key, None)
    return hit


def _per_departure(amount: FloatArray, t_dep: Any, r_of: Any, T: int, R: int) -> FloatArray:
    out = np.zeros((T, R))
    np.add.at(out, (t_dep, r_of), amount)
    return out
