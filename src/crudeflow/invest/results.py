"""The answer of an investment run: :class:`Portfolio` (which projects, what they cost, what binds).

The deterministic MILP (:mod:`crudeflow.invest.deterministic`) and the two-stage stochastic
model both return a :class:`Portfolio`; the CLI, the report and the web page only format it.

Figure names follow ``docs/output-format.md``: ``_mt`` / ``_musd`` are totals over the horizon,
``_mtpa`` / ``_musd_per_yr`` annual rates. The one exception is ``capex_musd``, a one-off
capital outlay (named as in ``projects.csv``), neither a horizon total nor a rate.

Examples
--------
>>> b = Build(project="TANKERS", name="Caspian tankers", route="AKTAU_SANGACHAL", modules=4,
...           modules_max=10, adds_mtpa=0.375, capex_musd=60.0,
...           annualised_cost_musd_per_yr=7.4, in_service_year=2026)
>>> b.capacity_added_mtpa
1.5
>>> b.is_block
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crudeflow.output import clean

if TYPE_CHECKING:
    from crudeflow.network.model import Network
    from crudeflow.solve.highs import SolveStatus
    from crudeflow.solve.plan import Bottleneck, Plan, RequirementStatus

__all__ = ["Build", "NextProject", "Portfolio"]


@dataclass(frozen=True, slots=True)
class Build:
    """One project in a portfolio: how many modules are built and what they cost."""

    project: str
    name: str
    route: str
    modules: int
    modules_max: int
    adds_mtpa: float
    """Mt/yr added by one module."""
    capex_musd: float
    """Capital cost of the modules built (a one-off sum, USD m)."""
    annualised_cost_musd_per_yr: float
    """Capex annualised at the run's discount rate plus fixed opex, USD m a year."""
    in_service_year: int
    """The project's earliest year in service (``earliest_year``)."""
    hypothetical: bool = False
    source: str = ""
    node: str = ""
    """The node whose loading limit a node project raises (then ``route`` is empty)."""
    fleet: str = ""
    """The tanker class a fleet project adds vessels to (then ``route`` is empty)."""

    @property
    def capacity_added_mtpa(self) -> float:
        return self.adds_mtpa * self.modules

    @property
    def target(self) -> str:
        """The route id, ``node NODE`` or ``fleet ID`` (for tables)."""
        if self.fleet:
            return f"fleet {self.fleet}"
        return f"node {self.node}" if self.node else self.route

    @property
    def is_block(self) -> bool:
        return self.modules_max == 1


@dataclass(frozen=True, slots=True)
class NextProject:
    """The project whose next module would help most (or cost least) on top of a portfolio."""

    project: str
    name: str
    modules: int
    """Modules added (1, or the project's own plus the modules of what it requires)."""
    capacity_added_mtpa: float
    annualised_cost_musd_per_yr: float
    netback_gain_musd_per_yr: float
    """Netback it adds to the built plan, USD m a year."""
    shortfall_reduction_mtpa: float
    """How much it reduces the requirements' total shortfall (Mt/yr)."""
    with_requires: tuple[str, ...] = ()
    """Ids of the projects it requires that are built with it (not yet in the portfolio)."""
    with_requires_names: tuple[str, ...] = ()

    @property
    def net_cost_musd_per_yr(self) -> float:
        """Annualised cost minus the netback it adds (negative: it pays for itself)."""
        return self.annualised_cost_musd_per_yr - self.netback_gain_musd_per_yr


@dataclass(frozen=True)
class Portfolio:
    """Projects chosen to meet a scenario's requirements at least annualised cost net of netback.

    ``plan`` is the planning model on the network with the portfolio built (its bottlenecks
    are what binds once built); ``baseline`` is the same without any project.
    """

    dataset: str
    scenario: str
    """Scenario name ('' for the dataset as it is)."""
    requirements: tuple[str, ...]
    discount_rate: float
    builds: tuple[Build, ...]
    """Projects built (at least one module), in projects.csv order."""
    plan: Plan
    baseline: Plan
    status: SolveStatus
    """The MIP's status: ``optimal``, or ``time_limit`` with the best portfolio found."""
    mip_gap: float
    """Relative gap proven by HiGHS, ``(objective - bound) / |objective|`` (0 when optimal)."""
    objective_musd: float
    """Annualised cost over the horizon minus netback, plus shortfall penalties (USD m)."""
    bound_musd: float
    """HiGHS's proven lower bound of :attr:`objective_musd`."""
    next_project: NextProject | None = None
    left_out: tuple[str, ...] = ()
    """Projects not allowed in this run (``earliest_year`` after ``in_service_by``)."""
    in_service_by: int | None = None
    solver: str = ""
    seconds: float = 0.0
    candidates: int = 0
    """How many projects the run could choose from."""
    built_network: Network | None = None
    """The network with the portfolio built (what :attr:`plan` was solved on; for maps)."""
    node_names: dict[str, str] = field(default_factory=dict)
    """Short names of the network's nodes (for sentences: "Sangachal's outlets bind")."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Model-specific figures (the stochastic model's draws, CVaR weight...)."""

    # -- figures ------------------------------------------------------------------------------
    @property
    def optimal(self) -> bool:
        return bool(self.status.ok)

    @property
    def horizon_years(self) -> float:
        return self.plan.horizon_years

    @property
    def capex_musd(self) -> float:
        """Capital cost of everything built (one-off, USD m)."""
        return float(sum(b.capex_musd for b in self.builds))

    @property
    def annualised_cost_musd_per_yr(self) -> float:
        return float(sum(b.annualised_cost_musd_per_yr for b in self.builds))

    @property
    def annualised_cost_musd(self) -> float:
        """Annualised cost over the horizon (USD m)."""
        return self.annualised_cost_musd_per_yr * self.horizon_years

    @property
    def capacity_added_mtpa(self) -> float:
        return float(sum(b.capacity_added_mtpa for b in self.builds))

    @property
    def capacity_added_by_route(self) -> dict[str, float]:
        """Mt/yr added per route (routes in the order first built; node and fleet projects
        left out)."""
        out: dict[str, float] = {}
        for b in self.builds:
            if b.node or b.fleet:
                continue
            out[b.route] = out.get(b.route, 0.0) + b.capacity_added_mtpa
        return out

    @property
    def cost_usd_per_t(self) -> float | None:
        """Annualised cost per tonne a year of capacity added (USD/t), each route counted (a
        feeder and the terminal it feeds both count); None when nothing is built."""
        cap = self.capacity_added_mtpa
        return self.annualised_cost_musd_per_yr / cap if cap > 0 else None

    @property
    def target_gain_mtpa(self) -> float | None:
        """Mt/yr more that the ``>=`` via/route requirements reach with the portfolio than
        without it (None without such a requirement)."""
        gains = [
            r1.achieved - r0.achieved
            for r0 in self.baseline.requirement_status
            for r1 in self.plan.requirement_status
            if r0.text == r1.text and r0.op == ">=" and r0.kind in ("via", "routelimit")
        ]
        return float(sum(gains)) if gains else None

    @property
    def cost_usd_per_t_moved(self) -> float | None:
        """Annualised cost per extra tonne a year that the targets reach (USD/t); None when
        there is no ``>=`` target or the portfolio moves nothing more towards it."""
        gain = self.target_gain_mtpa
        if gain is None or gain <= 1e-9 or not self.builds:
            return None
        return self.annualised_cost_musd_per_yr / gain

    @property
    def in_service_year(self) -> int | None:
        """The first year every project built could be in service."""
        return max((b.in_service_year for b in self.builds), default=None)

    @property
    def netback_musd_per_yr(self) -> float:
        return self.plan.netback_musd_per_yr

    @property
    def baseline_netback_musd_per_yr(self) -> float:
        return self.baseline.netback_musd_per_yr

    @property
    def netback_gain_musd_per_yr(self) -> float:
        """Netback the portfolio adds over the no-projects plan, USD m a year."""
        return self.netback_musd_per_yr - self.baseline_netback_musd_per_yr

    @property
    def net_cost_musd_per_yr(self) -> float:
        """Annualised cost minus netback gained (negative: the portfolio pays for itself)."""
        return self.annualised_cost_musd_per_yr - self.netback_gain_musd_per_yr

    @property
    def shortfalls(self) -> tuple[RequirementStatus, ...]:
        """Requirements the built plan still misses."""
        return self.plan.shortfalls

    @property
    def baseline_shortfalls(self) -> tuple[RequirementStatus, ...]:
        return self.baseline.shortfalls

    @property
    def binding(self) -> tuple[Bottleneck, ...]:
        """Routes that limit the built plan (most valuable first)."""
        return self.plan.bottlenecks

    @property
    def shortfall_routes(self) -> tuple[str, ...]:
        """With a shortfall: routes whose capacity would shrink it (most valuable first)."""
        return self.plan.shortfall_routes

    # -- words -------------------------------------------------------------------------------
    def sentences(self) -> list[str]:
        """What an adviser could quote, from this portfolio's figures only."""
        from crudeflow.invest.sentences import portfolio_sentences

        return portfolio_sentences(self)

    def to_dict(self) -> dict[str, Any]:
        """Everything shown on screen, JSON-ready, units in the keys (floats rounded)."""
        p, b = self.plan, self.baseline

        def case(x: Plan) -> dict[str, Any]:
            return {
                "exported_mtpa": x.exported_mtpa,
                "exported_mt": x.exported_mt,
                "shut_in_mtpa": x.shut_in_mtpa,
                "netback_musd_per_yr": x.netback_musd_per_yr,
                "netback_musd": x.netback_musd,
                "shortfalls": [
                    {"requirement": r.text, "achieved": r.achieved, "shortfall": r.shortfall}
                    for r in x.shortfalls
                ],
            }

        nxt = self.next_project
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "scenario": self.scenario,
            "requirements": list(self.requirements),
            "periods": list(p.periods.labels),
            "horizon_years": self.horizon_years,
            "discount_rate": self.discount_rate,
            "in_service_by": self.in_service_by,
            "status": self.status.value,
            "optimal": self.optimal,
            "mip_gap": self.mip_gap,
            "objective_musd": self.objective_musd,
            "bound_musd": self.bound_musd,
            "solver": self.solver,
            "timings_s": {"total_s": self.seconds},
            "candidates": self.candidates,
            "left_out": list(self.left_out),
            "builds": [
                {
                    "project": x.project,
                    "name": x.name,
                    "route": x.route,
                    "node": x.node,
                    "fleet": x.fleet,
                    "modules": x.modules,
                    "modules_max": x.modules_max,
                    "capacity_added_mtpa": x.capacity_added_mtpa,
                    "capex_musd": x.capex_musd,
                    "annualised_cost_musd_per_yr": x.annualised_cost_musd_per_yr,
                    "in_service_year": x.in_service_year,
                    "hypothetical": x.hypothetical,
                    "source": x.source,
                }
                for x in self.builds
            ],
            "capacity_added_by_route_mtpa": self.capacity_added_by_route,
            "capacity_added_mtpa": self.capacity_added_mtpa,
            "capex_musd": self.capex_musd,
            "annualised_cost_musd_per_yr": self.annualised_cost_musd_per_yr,
            "annualised_cost_musd": self.annualised_cost_musd,
            "cost_usd_per_t": self.cost_usd_per_t,
            "target_gain_mtpa": self.target_gain_mtpa,
            "cost_usd_per_t_moved": self.cost_usd_per_t_moved,
            "in_service_year": self.in_service_year,
            "netback_gain_musd_per_yr": self.netback_gain_musd_per_yr,
            "net_cost_musd_per_yr": self.net_cost_musd_per_yr,
            "no_projects": case(b),
            "portfolio": case(p),
            "binding": [
                {
                    "route": x.route,
                    "name": x.name,
                    "flow_mtpa": x.flow_mtpa,
                    "capacity_mtpa": x.capacity_mtpa,
                    "value_usd_per_t": x.value_usd_per_t,
                }
                for x in self.binding
            ],
            "shortfall_routes": list(self.shortfall_routes),
            "next_project": None
            if nxt is None
            else {
                "project": nxt.project,
                "name": nxt.name,
                "modules": nxt.modules,
                "with_requires": list(nxt.with_requires),
                "with_requires_names": list(nxt.with_requires_names),
                "capacity_added_mtpa": nxt.capacity_added_mtpa,
                "annualised_cost_musd_per_yr": nxt.annualised_cost_musd_per_yr,
                "netback_gain_musd_per_yr": nxt.netback_gain_musd_per_yr,
                "net_cost_musd_per_yr": nxt.net_cost_musd_per_yr,
                "shortfall_reduction_mtpa": nxt.shortfall_reduction_mtpa,
            },
            **self.extra,
            "sentences": self.sentences(),
        }
        result: dict[str, Any] = clean(out)
        return result
