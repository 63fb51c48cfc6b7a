"""The report's investment section: a :class:`~crudeflow.invest.results.Portfolio` as HTML.

Every figure comes from the Portfolio (the same as ``crudeflow invest`` prints); this module
only formats. :func:`portfolio_cases` gives the two plans (without projects, with the
portfolio built) as report cases, so the maps and Sankeys compare them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crudeflow.report import _html as h
from crudeflow.report.build import ReportCase

if TYPE_CHECKING:
    from crudeflow.invest.results import Portfolio
    from crudeflow.network.model import Network

__all__ = ["portfolio_cases", "portfolio_section"]


def portfolio_cases(p: Portfolio, network: Network) -> list[ReportCase]:
    """The plan without projects and the plan with the portfolio built, as report cases."""
    return [
        ReportCase("No projects", network, p.baseline),
        ReportCase("Cheapest-to-target portfolio", p.built_network or network, p.plan),
    ]


def portfolio_section(p: Portfolio) -> str:
    """``<section id="portfolio">``: the projects built, the comparison and the sentences."""
    rows = [
        [
            b.name + (" (hypothetical)" if b.hypothetical else ""),
            "block" if b.is_block else f"{b.modules} of {b.modules_max}",
            h.num(b.capacity_added_mtpa, 2),
            b.target,
            h.num(b.capex_musd, 1),
            str(b.in_service_year),
            h.num(b.annualised_cost_musd_per_yr, 1),
        ]
        for b in p.builds
    ]
    if p.builds:
        rows.append(
            [
                "Total",
                "",
                h.num(p.capacity_added_mtpa, 2),
                "",
                h.num(p.capex_musd, 1),
                str(p.in_service_year or ""),
                h.num(p.annualised_cost_musd_per_yr, 1),
            ]
        )
    builds = h.table_html(
        [
            "Project",
            "Modules",
            "Capacity, Mt/yr",
            "Route",
            "Capex, USD m",
            "In service",
            "Annualised, USD m/yr",
        ],
        rows,
        numeric=[1, 2, 4, 5, 6],
        row_classes=[""] * len(p.builds) + (["total"] if p.builds else []),
    )
    b0, b1 = p.baseline, p.plan
    compare = [
        ["Exports, Mt/yr", h.num(b0.exported_mtpa, 2), h.num(b1.exported_mtpa, 2)],
        ["Netback, USD m/yr", h.num(b0.netback_musd_per_yr, 0), h.num(b1.netback_musd_per_yr, 0)],
        ["Annualised cost, USD m/yr", "0", h.num(p.annualised_cost_musd_per_yr, 1)],
    ]
    for r0 in b0.requirement_status:
        r1 = next((r for r in b1.requirement_status if r.text == r0.text), None)
        if r1 is not None and r0.kind not in ("avoid", "share"):
            compare.append(
                [f"{r0.text}: reached, Mt/yr", h.num(r0.achieved, 2), h.num(r1.achieved, 2)]
            )
    comparison = h.table_html(["", "No projects", "Cheapest-to-target"], compare, numeric=[1, 2])
    status = (
        ""
        if p.optimal
        else f'<p class="watch">Search stopped ({h.esc(p.status.value)}): the best portfolio '
        f"found, within {h.num(p.mip_gap * 100, 2)}% of the cheapest, not proven optimal.</p>"
    )
    reqs = ", ".join(p.requirements) or "no requirements"
    return (
        '<section id="portfolio"><h2>Investment portfolio</h2>'
        f'<p class="lead">Projects from the dataset\'s projects.csv that meet {h.esc(reqs)} at '
        f"least annualised cost (capex annualised at {h.num(p.discount_rate * 100, 1)}% plus "
        "fixed opex) net of the netback they add.</p>"
        f'<div class="card">{status}{builds}{comparison}<ul class="findings">'
        + "".join(f"<li>{h.esc(s)}</li>" for s in p.sentences())
        + "</ul></div></section>"
    )
