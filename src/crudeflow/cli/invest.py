"""``crudeflow invest``: which projects meet the requirements at least cost, a thin shell over
:func:`crudeflow.invest.plan_portfolio`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from crudeflow.cli._common import (
    EXIT_USAGE,
    DatasetOpt,
    ForceOpt,
    app,
    console,
    console_err,
    fail,
    json_text,
    load,
    output_path,
    report_time,
)
from crudeflow.cli.plan import YearOpt
from crudeflow.output import fmt

if TYPE_CHECKING:
    from crudeflow.invest.results import Portfolio

__all__ = ["invest_cmd", "parse_rate"]

RequireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--require",
        "-r",
        help="A requirement the portfolio must meet, as for plan: e.g. via AKTAU,KURYK >= 20 "
        "Mt/yr (repeatable).",
        show_default=False,
    ),
]


def parse_rate(text: str) -> float:
    """``8%`` or ``0.08`` -> 0.08 (a discount rate from 0 to 100%).

    Examples
    --------
    >>> parse_rate("8%"), parse_rate("0.05"), parse_rate("0")
    (0.08, 0.05, 0.0)
    """
    t = text.strip()
    try:
        value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise ValueError(f"--discount: expected a rate such as 8% or 0.08, not {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"--discount: expected a rate from 0 to 100%, not {text!r}")
    return value


@app.command("invest")
def invest_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario file or preset name (its horizon, changes and requirements); none: "
            "the dataset as it is.",
            show_default=False,
        ),
    ] = None,
    require: RequireOpt = None,
    discount: Annotated[
        str, typer.Option("--discount", help="Discount rate that annualises capex (8% or 0.08).")
    ] = "8%",
    year: YearOpt = None,
    in_service_by: Annotated[
        int | None,
        typer.Option(
            "--in-service-by",
            help="Leave out projects that cannot be in service by this year.",
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.01,
            help="Seconds for the search; at the limit the best portfolio found is shown with "
            "its gap to the cheapest possible.",
            show_default=False,
        ),
    ] = None,
    dataset: DatasetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the portfolio as JSON.")] = False,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            min=1,
            help="Also choose the risk-aware portfolio on K sampled outage years (two-stage "
            "model) and compare it on K fresh ones.",
            show_default=False,
        ),
    ] = None,
    risk: Annotated[
        str,
        typer.Option(
            "--risk",
            help="With --draws: cvar:ALPHA:WEIGHT puts WEIGHT on the worst "
            "(1 - ALPHA) of years (e.g. cvar:0.95:0.3); none is risk-neutral.",
        ),
    ] = "none",
    seed: Annotated[int, typer.Option("--seed", min=0, help="With --draws: the draws' seed.")] = 0,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write an offline HTML report: the portfolio, then maps and Sankeys of "
            "the plans without and with it (not replaced without --force).",
            parser=output_path,
            show_default=False,
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Choose projects from projects.csv that meet the requirements at least annualised cost.

    Cost is each project's capex annualised at the discount rate plus its fixed opex, net of
    the netback it adds. A target the listed projects cannot reach is reported as a shortfall
    with the routes that bind, never as an error.
    """
    from crudeflow.invest.deterministic import plan_portfolio
    from crudeflow.invest.stochastic import parse_risk
    from crudeflow.scenario import resolve_scenario

    try:
        rate = parse_rate(discount)
        risk_pref = parse_risk(risk)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    if draws is None and (risk_pref is not None or seed):
        fail("--risk and --seed need --draws K", EXIT_USAGE)
    if report is not None:
        from crudeflow._io import check_output_file

        check_output_file(report, force=force)  # before the solves: a bad path fails at once
    if scenario is not None and year is not None:
        fail("choose one of SCENARIO and --year (a scenario has its own horizon)", EXIT_USAGE)
    net = load(dataset)
    if not net.projects:
        fail(f"dataset {net.meta.name} has no projects.csv: nothing to invest in", 1)
    sc = resolve_scenario(scenario, net) if scenario is not None else None

    def progress(msg: str) -> None:
        console_err.print(f"[dim]{msg}...[/]", markup=True, highlight=False)

    portfolio = plan_portfolio(
        net,
        scenario=sc,
        requirements=require or [],
        year=year,
        discount_rate=rate,
        in_service_by=in_service_by,
        time_limit=time_limit,
        progress=progress,
    )
    risk_aware = None
    if draws is not None:
        from crudeflow.cli.invest_risk import run_risk_aware

        risk_aware = run_risk_aware(
            net,
            portfolio,
            scenario=sc,
            requirements=list(require or []),
            year=year,
            discount_rate=rate,
            in_service_by=in_service_by,
            draws=draws,
            seed=seed,
            risk=risk_pref,
        )
    if report is not None:
        from crudeflow.report import build_report
        from crudeflow.report.portfolio import portfolio_cases, portfolio_section

        progress("writing the report")
        args = ["crudeflow", "invest", *([scenario] if scenario else [])]
        for r in require or []:
            args += ["--require", r]
        args += ["--discount", discount]
        if year is not None:
            args += ["--year", str(year)]
        if in_service_by is not None:
            args += ["--in-service-by", str(in_service_by)]
        if dataset is not None:
            args += ["--dataset", str(dataset)]
        path = build_report(
            portfolio_cases(portfolio, net),
            title=f"Investment portfolio: {', '.join(portfolio.requirements) or 'no target'}",
            out=report,
            command=shlex.join([*args, "--report", str(report)]),
            generated=report_time(),
            force=force,
            lead_sections=[portfolio_section(portfolio)],
        )
        console_err.print(f"report: {path}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        data = portfolio.to_dict()
        if risk_aware is not None:
            data["risk_aware"] = risk_aware.to_dict()
        sys.stdout.write(json_text(data))
        return
    show(portfolio)
    if risk_aware is not None:
        from crudeflow.cli.invest_risk import show_risk_aware

        show_risk_aware(risk_aware)


def show(p: Portfolio) -> None:
    """The portfolio table, the comparison and the sentences (figures from ``p`` only)."""
    reqs = ", ".join(p.requirements) or "no requirements"
    where = f"scenario {p.scenario}" if p.scenario else f"{p.plan.horizon_label}"
    console.print(f"[bold]Investment portfolio[/] — {where}; {reqs}", highlight=False)
    console.print(
        f"discount rate {fmt(p.discount_rate * 100, 1)}%; {p.candidates} candidate projects"
        + (
            f"; left out (not in service by {p.in_service_by}): {', '.join(p.left_out)}"
            if p.left_out
            else ""
        ),
        highlight=False,
    )
    if not p.optimal:
        console.print(
            f"[bold yellow]search stopped ({p.status.value}): best portfolio found, within "
            f"{fmt(p.mip_gap * 100, 2)}% of the cheapest (not proven optimal)[/]",
            highlight=False,
        )
    t = Table(title="Portfolio", title_justify="left")
    for col, just in (
        ("project", "left"),
        ("modules", "right"),
        ("capacity Mt/yr", "right"),
        ("route", "left"),
        ("capex USD m", "right"),
        ("in service", "right"),
        ("annualised USD m/yr", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for b in p.builds:
        t.add_row(
            b.name + (" (hypothetical)" if b.hypothetical else ""),
            "block" if b.is_block else f"{b.modules} of {b.modules_max}",
            fmt(b.capacity_added_mtpa, 2),
            b.target,
            fmt(b.capex_musd, 1),
            str(b.in_service_year),
            fmt(b.annualised_cost_musd_per_yr, 1),
        )
    if p.builds:
        t.add_row(
            "total",
            "",
            fmt(p.capacity_added_mtpa, 2),
            "",
            fmt(p.capex_musd, 1),
            str(p.in_service_year or ""),
            fmt(p.annualised_cost_musd_per_yr, 1),
            style="bold",
        )
    console.print(t)
    c = Table(title="No projects vs cheapest-to-target", title_justify="left")
    c.add_column("")
    c.add_column("no projects", justify="right")
    c.add_column("cheapest-to-target", justify="right")
    b0, b1 = p.baseline, p.plan
    c.add_row("exports, Mt/yr", fmt(b0.exported_mtpa, 2), fmt(b1.exported_mtpa, 2))
    c.add_row("netback, USD m/yr", fmt(b0.netback_musd_per_yr, 0), fmt(b1.netback_musd_per_yr, 0))
    c.add_row("annualised cost, USD m/yr", "0", fmt(p.annualised_cost_musd_per_yr, 1))
    for r0 in b0.requirement_status:
        r1 = next((r for r in b1.requirement_status if r.text == r0.text), None)
        if r0.kind in ("avoid", "share") or r1 is None:
            continue
        c.add_row(f"{r0.text}: reached, Mt/yr", fmt(r0.achieved, 2), fmt(r1.achieved, 2))
    console.print(c)
    for line in p.sentences():
        console.print(line, markup=False, highlight=False)
