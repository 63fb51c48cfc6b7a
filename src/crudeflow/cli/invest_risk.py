"""The risk-aware part of ``crudeflow invest`` (``--draws K [--risk cvar:A:W] [--seed S]``): a
progress bar on stderr and the comparison table, formatting what
:func:`crudeflow.invest.stochastic.risk_aware_portfolio` returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from crudeflow.cli._common import console, console_err
from crudeflow.output import fmt

if TYPE_CHECKING:
    from crudeflow.invest.results import Portfolio
    from crudeflow.invest.stochastic import PortfolioOutcome, RiskAwareResult, RiskPreference
    from crudeflow.network.model import Network

__all__ = ["run_risk_aware", "show_risk_aware"]


def run_risk_aware(
    net: Network,
    deterministic: Portfolio,
    *,
    scenario: Any,
    requirements: list[str],
    year: int | None,
    discount_rate: float,
    in_service_by: int | None,
    draws: int,
    seed: int,
    risk: RiskPreference | None,
) -> RiskAwareResult:
    """Solve the two-stage model with a progress bar (LP solves) on stderr."""
    from crudeflow.invest.stochastic import risk_aware_portfolio

    progress = Progress(
        TextColumn("[bold]invest[/] risk-aware"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("LPs"),
        TimeElapsedColumn(),
        console=console_err,
        transient=True,
    )
    with progress:
        task = progress.add_task("lps", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, done))

        return risk_aware_portfolio(
            net,
            deterministic_modules={b.project: b.modules for b in deterministic.builds},
            scenario=scenario,
            requirements=requirements,
            year=year,
            discount_rate=discount_rate,
            in_service_by=in_service_by,
            draws=draws,
            seed=seed,
            risk=risk,
            progress=tick,
        )


def show_risk_aware(r: RiskAwareResult) -> None:
    """The risk-aware portfolio, the comparison on fresh draws, and the sentences."""
    s = r.solution
    t = Table(
        title=f"Risk-aware portfolio ({r.draws:,} outage draws of {r.year}, seed {r.seed})",
        title_justify="left",
    )
    t.add_column("project")
    t.add_column("modules", justify="right")
    for pid, n in s.modules.items():
        if n:
            t.add_row(r.project_names.get(pid, pid), str(n) if n == int(n) else fmt(float(n), 2))
    console.print(t)
    c = Table(
        title=f"Compared on {r.eval_draws:,} fresh draws (seed {r.seed} + 2^32)",
        title_justify="left",
    )
    c.add_column("")
    for o in r.outcomes:
        c.add_column(o.label, justify="right")
    rows: tuple[tuple[str, Callable[[PortfolioOutcome], str]], ...] = (
        ("expected exports, Mt/yr", lambda o: fmt(o.expected_exports_mtpa, 2)),
        ("P95 lost netback, USD m/yr", lambda o: fmt(o.p95_lost_netback_musd_per_yr, 0)),
        ("expected netback, USD m/yr", lambda o: fmt(o.expected_netback_musd_per_yr, 0)),
        ("annualised cost, USD m/yr", lambda o: fmt(o.annualised_cost_musd_per_yr, 1)),
        ("expected shortfall, Mt/yr", lambda o: fmt(o.expected_shortfall_mtpa, 2)),
    )
    for label, get in rows:
        c.add_row(label, *(get(o) for o in r.outcomes))
    console.print(c)
    for line in r.sentences():
        console.print(line, markup=False, highlight=False)
