"""A candidate project: capacity added to a route (or a node's loading limit), as one block or
in modules.

The loader (``projects.csv``) builds these; the deterministic MILP and the two-stage stochastic
model both read them. Money is in USD m; capacity in Mt/yr.

Examples
--------
>>> p = Project(id="KURYK_TANKERS", name="Kuryk tankers", route="KURYK_SANGACHAL",
...             adds_mtpa=0.375, modules_max=8, capex_musd=40.0, opex_musd_per_yr=2.0,
...             lifetime_years=25, earliest_year=2026)
>>> round(p.annualised_cost_musd_per_yr(0.08), 4)
5.7472
>>> p.is_block
False
>>> berths = Project(id="BERTHS", name="Aktau berths", route="", node="AKTAU", adds_mtpa=5.0,
...                  modules_max=1, capex_musd=283.6, opex_musd_per_yr=0.0,
...                  lifetime_years=25, earliest_year=2025)
>>> berths.on_node, berths.target
(True, 'node AKTAU')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Project", "capital_recovery_factor"]


def capital_recovery_factor(rate: float, years: int) -> float:
    """Share of a capital sum paid each year to repay it with interest over ``years``.

    ``rate * (1 + rate)**years / ((1 + rate)**years - 1)``; ``1 / years`` when ``rate`` is 0.

    >>> round(capital_recovery_factor(0.08, 25), 6)
    0.093679
    >>> capital_recovery_factor(0.0, 20)
    0.05
    """
    if years <= 0:
        raise ValueError(f"lifetime must be at least one year, got {years}")
    if rate == 0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


@dataclass(frozen=True, slots=True)
class Project:
    """Capacity that can be built on ``route``: ``modules_max`` modules of ``adds_mtpa`` each.

    A *node project* has ``route`` empty and ``node`` set: each module raises that node's
    loading limit (``throughput_mtpa``) by ``adds_mtpa`` instead of a route's capacity.

    A block project (one terminal, one pipeline) has ``modules_max == 1``. Costs are per module.
    ``requires``: projects that must be built (at least one module) for this one to be built;
    ``excludes``: projects that cannot be built together with this one.
    """

    id: str
    name: str
    route: str
    adds_mtpa: float
    modules_max: int
    capex_musd: float
    opex_musd_per_yr: float
    lifetime_years: int
    earliest_year: int
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    hypothetical: bool = False
    source: str = ""
    note: str = ""
    node: str = ""
    """A node whose loading limit the project raises (then ``route`` is empty)."""
    fleet: str = ""
    """A tanker class (``fleet.csv``) to which each module adds one vessel (then ``route`` and
    ``node`` are empty; ``adds_mtpa`` is one vessel's Mt/yr)."""

    @property
    def on_node(self) -> bool:
        """True for a project that raises a node's loading limit, not a route's capacity."""
        return bool(self.node)

    @property
    def on_fleet(self) -> bool:
        """True for a project that adds vessels to a tanker class (``fleet.csv``)."""
        return bool(self.fleet)

    @property
    def on_route(self) -> bool:
        """True for a project that adds capacity to its route (neither node nor fleet)."""
        return not self.node and not self.fleet

    @property
    def target(self) -> str:
        """What the project extends, for tables: the route id, ``node NODE`` or ``fleet ID``."""
        if self.fleet:
            return f"fleet {self.fleet}"
        return f"node {self.node}" if self.node else self.route

    @property
    def is_block(self) -> bool:
        """True for a project built whole or not at all (binary)."""
        return self.modules_max == 1

    def annualised_cost_musd_per_yr(self, discount_rate: float) -> float:
        """Capex annualised over the lifetime at ``discount_rate``, plus fixed opex, per module."""
        crf = capital_recovery_factor(discount_rate, self.lifetime_years)
        return self.capex_musd * crf + self.opex_musd_per_yr
