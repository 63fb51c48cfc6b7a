"""``crudeflow plan``, ``crudeflow bypass`` and ``crudeflow run`` (the README's main job)."""

from __future__ import annotations

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
    dataset_arg,
    json_text,
    load,
    output_path,
    report_time,
)
from crudeflow.output import fmt, to_csv

if TYPE_CHECKING:
    from crudeflow.network.model import Network
    from crudeflow.solve.plan import Plan

YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year", "-y", help="Planning year (default: the dataset's base year).", show_default=False
    ),
]
AvoidOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--avoid",
        "-a",
        help="Country code whose territory or waters no route may cross, or a passage id "
        "(strait, canal: HORMUZ, BOSPORUS) no route may pass (repeatable).",
        show_default=False,
    ),
]
PhysicalOpt = Annotated[
    bool,
    typer.Option(
        "--physical",
        help="Use each route's physical capacity where the dataset gives one, instead of the "
        "allocation or quota (e.g. BTC at its physical limit).",
    ),
]
RequireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--require",
        "-r",
        help="A requirement, "
        "e.g. 'via AKTAU,KURYK >= 20 Mt/yr', 'share RU <= 10%', 'route CPC <= 40 "
        "Mt/yr' (repeatable).",
        show_default=False,
    ),
]


def _requirements(avoid: list[str] | None, require: list[str] | None) -> list[str]:
    out = []
    if avoid:
        out.append("avoid " + ",".join(a.upper() for a in avoid))
    out.extend(require or [])
    return out


def _fmt(x: float, digits: int = 1) -> str:
    return fmt(x, digits)


def _holds_text(extra: float | None) -> str:
    if extra is None or extra <= 1e-6:
        return ""
    return " for any amount" if extra == float("inf") else f" for at least {_fmt(extra)} more Mt/yr"


def dataset_label(net: Network) -> str:
    """How a headline names the dataset: 'default dataset', 'built-in dataset NAME' or its
    folder.

    >>> from crudeflow.network.load import load_dataset
    >>> dataset_label(load_dataset()), dataset_label(load_dataset("kazakhstan"))
    ('default dataset', 'default dataset')
    """
    from crudeflow.network.load import DEFAULT_DATASET, builtin_datasets

    if net.path and dataset_arg(Path(net.path)) in builtin_datasets():
        name = Path(net.path).name
        return "default dataset" if name == DEFAULT_DATASET else f"built-in dataset {name}"
    return net.path


def headline_lines(p: Plan, net: Network) -> list[str]:
    """The headline block shown above a plan's tables."""
    from crudeflow.units import mtpa_to_kbd

    label = dataset_label(net)
    reqs = ", ".join(p.requirements) if p.requirements else "no requirements"
    lines = [
        f"[bold]{p.title or p.dataset}, {p.horizon_label}[/] ({label}) — {reqs}",
        *volume_lines(p),
    ]
    lines.extend(netback_lines(p))
    for r in p.requirement_status:
        if r.kind == "avoid":
            if not (p.routes["closed_by"] == r.text).any():
                lines.append(f"  Requirement {r.text}: no route crosses or passes it")
                continue
            lines.append(
                f"  Requirement {r.text}: applied (routes crossing it closed); {r.margin_text}"
            )
        elif r.met:
            cost = f"; {r.margin_text}"
            achieved = f"{r.achieved:.1%}" if r.kind == "share" else f"{_fmt(r.achieved)} Mt/yr"
            lines.append(f"  Requirement {r.text}: met ({achieved}){cost}")
        else:
            unit = "Mt/yr of excess transit" if r.kind == "share" else "Mt/yr"
            lines.append(
                f"  Requirement {r.text}: [bold red]SHORT by {_fmt(r.shortfall)} {unit}[/]"
            )
    for c in p.commitment_status:
        if c.met:
            lines.append(f"  Commitment {c.text}: met ({_fmt(c.achieved_mtpa)} Mt/yr)")
        else:
            lines.append(
                f"  Commitment {c.text}: [bold red]SHORT by {_fmt(c.shortfall_mtpa)} Mt/yr[/], "
                f"costs USD {_fmt(c.penalty_musd)} m at {_fmt(c.penalty_usd_per_t)} USD/t"
            )
    for rs in p.refinery_status:
        if not rs.met:
            lines.append(
                f"  Refinery {rs.text}: [bold red]SHORT by {_fmt(rs.shortfall_mtpa)} Mt/yr[/] "
                f"(fed {_fmt(rs.delivered_mtpa)} Mt/yr)"
            )
    if p.shortfalls and p.shortfall_routes:
        names = ", ".join(
            f"{net.route(rid).name} ({p.routes['capacity_mtpa'].get(rid, 0.0):g} Mt/yr)"
            for rid in p.shortfall_routes[:3]
        )
        lines.append(f"  Short because capacity binds on: {names}")
    for i, b in enumerate(p.bottlenecks[:4]):
        grade = net.route(b.route).grade if b.kind == "route" else ""
        kbd = mtpa_to_kbd(b.capacity_mtpa, bbl_per_t=net.grade_of(grade).bbl_per_t)
        what = b.label
        lines.append(
            f"  {'Binding' if i == 0 else '':<11} {what} {_fmt(b.capacity_mtpa)} Mt/yr "
            f"({_fmt(kbd, 0)} kb/d) — one more Mt/yr is worth {_fmt(b.value_usd_per_t)} USD/t"
            + _holds_text(b.holds_for_mtpa)
        )
    return lines


def is_full_year(p: Plan) -> bool:
    """A 12-month horizon: annual rates and horizon totals are the same figures."""
    return p.horizon_months == 12


def volume_lines(p: Plan) -> list[str]:
    """Exported / available / shut in: annual rates for a year, else horizon totals first
    with the annualised rates beside them, each labelled (the plan's own fields)."""
    refining = (
        [f"  Refineries  {_fmt(p.refinery_delivered_mtpa)} Mt/yr fed at home (not exported)"]
        if p.refinery_status
        else []
    )
    if is_full_year(p):
        return [
            f"  Exported    {_fmt(p.exported_mtpa)} Mt/yr ({_fmt(p.exported_kbd, 0)} kb/d) of "
            f"{_fmt(p.available_mtpa)} Mt/yr available; shut in {_fmt(p.shut_in_mtpa)} Mt/yr",
            *refining,
        ]
    over = f"over {p.horizon_label}"
    return [
        f"  Exported    {_fmt(p.exported_mt, 2)} Mt {over} of {_fmt(p.available_mt, 2)} Mt "
        f"available; shut in {_fmt(p.shut_in_mt, 2)} Mt",
        f"              on average {_fmt(p.exported_mtpa)} Mt/yr ({_fmt(p.exported_kbd, 0)} "
        f"kb/d) over those {p.horizon_months} months, annualised",
        *refining,
    ]


def netback_lines(p: Plan) -> list[str]:
    """Netback (and what requirements cost), labelled as an annual rate or a horizon total."""
    per_t = f"{_fmt(p.netback_usd_per_t)} USD/t"
    cost_yr = p.requirement_cost_musd_per_yr
    cost = p.requirement_cost_musd
    if is_full_year(p):
        nb = f"  Netback     {_fmt(p.netback_musd_per_yr / 1000, 2)} USD bn/yr ({per_t})"
        if cost_yr is not None:
            nb += f", {_fmt(cost_yr / 1000, 2)} USD bn/yr below the plan without requirements"
        return [nb]
    nb = (
        f"  Netback     {_fmt(p.netback_musd / 1000, 2)} USD bn over {p.horizon_label} "
        f"({per_t}; annualised {_fmt(p.netback_musd_per_yr / 1000, 2)} USD bn/yr)"
    )
    if cost is not None and cost_yr is not None:
        nb += (
            f", {_fmt(cost / 1000, 2)} USD bn ({_fmt(cost_yr / 1000, 2)} USD bn/yr) below "
            "the plan without requirements"
        )
    return [nb]


def route_table(p: Plan, *, title: str = "Routes") -> Table:
    if not is_full_year(p):
        title += f" (Mt/yr: annual rates over {p.horizon_label})"
    t = Table(title=title, header_style="bold")
    for col in (
        "route",
        "mode",
        "countries",
        "flow Mt/yr",
        "kb/d",
        "capacity",
        "use",
        "USD/t",
        "value of +1 Mt/yr",
    ):
        t.add_column(
            col,
            justify="left" if col in ("route", "mode", "countries") else "right",
            no_wrap=col == "route",
        )
    df = p.routes.sort_values("flow_mtpa", ascending=False)
    for rid, row in df.iterrows():
        if row["status"] != "operating" and row["flow_mtpa"] <= 0:
            continue
        util = row["utilisation"]
        t.add_row(
            str(rid),
            str(row["mode"]),
            str(row["countries"]).replace(";", "→"),
            _fmt(row["flow_mtpa"], 2),
            _fmt(row["flow_kbd"], 0),
            _fmt(row["capacity_mtpa"], 2),
            "—" if util != util else f"{util:.0%}",
            _fmt(row["tariff_usd_per_t"], 1),
            _fmt(row["capacity_value_usd_per_t"], 1) if row["capacity_value_usd_per_t"] > 0 else "",
        )
    return t


def print_plan(p: Plan, net: Network) -> None:
    from crudeflow.explanation import explain

    for line in headline_lines(p, net):
        console.print(line)
    console.print(route_table(p))
    console.print("[bold]In plain words:[/] " + " ".join(explain(p)))


@app.command("plan")
def plan_cmd(
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    monthly: Annotated[
        bool,
        typer.Option("--monthly", help="Twelve monthly periods with storage and transit lags."),
    ] = False,
    avoid: AvoidOpt = None,
    require: RequireOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 3) when a requirement cannot be met.")
    ] = False,
    physical: PhysicalOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    as_csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Print the route table as CSV; with --monthly, the monthly ledger: per route "
            "and month the flow, arrivals, losses and crude in transit, per node and month the "
            "stocks, supply taken and deliveries (every row balances).",
        ),
    ] = False,
) -> None:
    """Solve the netback-maximising export plan, with requirements."""
    from crudeflow.solve.plan import plan

    if as_json and as_csv:
        console_err.print("error: choose one of --json and --csv")
        raise typer.Exit(EXIT_USAGE)
    net = load(dataset)
    if physical:
        net = net.with_physical_capacities()
    p = plan(
        net, year=year, monthly=monthly, requirements=_requirements(avoid, require), strict=strict
    )
    if as_json:
        sys.stdout.write(json_text({**p.to_dict(), "physical_capacities": physical}))
    elif as_csv:
        # a year: the route table; months: the monthly ledger (flows, transit, stocks)
        sys.stdout.write(to_csv(p.period_frame() if p.periods.n > 1 else p.to_frame()))
    else:
        if physical:
            console.print("Physical capacities where the dataset gives them (--physical).")
        print_plan(p, net)


@app.command("bypass")
def bypass_cmd(
    avoid: Annotated[
        list[str],
        typer.Option(
            "--avoid",
            "-a",
            help="Country code or passage id (HORMUZ, BOSPORUS) to avoid (repeatable).",
        ),
    ],
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    physical: PhysicalOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Maximum export avoiding countries or passages (max-flow), with the limiting routes
    (min cut)."""
    from crudeflow.solve.maxflow import bypass
    from crudeflow.units import mtpa_to_kbd

    net = load(dataset)
    if physical:
        net = net.with_physical_capacities()
    b = bypass(net, avoid=avoid, year=year)
    if as_json:
        sys.stdout.write(json_text({**b.to_dict(), "physical_capacities": physical}))
        return
    kbd = mtpa_to_kbd(b.max_mtpa, bbl_per_t=net.default_bbl_per_t)
    basis = " — physical capacities (--physical)" if physical else ""
    console.print(f"[bold]{net.meta.title}, {b.year}[/] — avoiding {', '.join(b.avoid)}{basis}")
    console.print(
        f"  At most {_fmt(b.max_mtpa)} Mt/yr ({_fmt(kbd, 0)} kb/d) of "
        f"{_fmt(b.available_mtpa)} Mt/yr available can leave "
        f"({b.max_mtpa / b.available_mtpa:.0%})."
    )
    if b.max_mtpa <= 1e-9 and not b.cut_routes:
        console.print(
            f"  No chain of open routes from a supply node to a market avoids {', '.join(b.avoid)}."
        )
    if b.cut_routes or b.cut_nodes:
        names = ", ".join(
            [
                *(f"{net.route(r).name} ({_g(b.capacities_mtpa[r])} Mt/yr)" for r in b.cut_routes),
                *(
                    f"{net.node(n).name}: loading limit ({net.node(n).throughput_mtpa:g} Mt/yr)"
                    for n in b.cut_nodes
                ),
            ]
        )
        console.print(f"  Limited by (minimum cut): {names}")
    if b.refinery_mtpa > 0 or b.refinery_shortfall_mtpa > 0:
        short = (
            f"; [bold red]{_fmt(b.refinery_shortfall_mtpa)} Mt/yr short[/]"
            if not b.refinery_met
            else ""
        )
        console.print(
            f"  Domestic refineries fed first: {_fmt(b.refinery_mtpa)} Mt/yr (not exports){short}"
        )
    if b.cut_supply:
        what = "Fully used (exports and refineries)" if b.refinery_mtpa > 0 else "Fully exported"
        console.print(f"  {what}: {', '.join(b.cut_supply)}")
    if b.cut_markets:
        console.print(f"  Market intake binds at: {', '.join(b.cut_markets)}")
    t = Table(title="Flows on the bypass", header_style="bold")
    for col in ("route", "Mt/yr", "capacity", "countries"):
        t.add_column(col, justify="right" if col in ("Mt/yr", "capacity") else "left")
    for rid, f in sorted(b.flows_mtpa.items(), key=lambda kv: -kv[1]):
        if f > 1e-9:
            r = net.route(rid)
            t.add_row(rid, _fmt(f, 2), _g(b.capacities_mtpa[rid]), "→".join(r.countries))
    console.print(t)


@app.command("run")
def run_cmd(
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the HTML report here (not replaced without --force).",
            show_default=False,
            parser=output_path,
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """The main job: the base plan against the dataset's own case (dataset.yaml 'run': for the
    default data, avoid RU and ship via AKTAU,KURYK >= 20 Mt/yr), side by side."""
    from crudeflow._io import check_output_file
    from crudeflow.explanation import explain
    from crudeflow.solve.plan import plan
    from crudeflow.watch import run_case

    if report is not None:
        check_output_file(report, force=force)  # before the solves: a bad path fails at once
    net = load(dataset)
    y = year if year is not None else net.meta.base_year
    cases: list[tuple[str, list[str]]] = [("Base plan", [])]
    case = run_case(net)
    if case is not None:
        cases.append((case[0], list(case[1])))
    plans = [(label, plan(net, year=y, requirements=reqs)) for label, reqs in cases]
    console.print(
        f"[bold]{net.meta.title}, {y}[/] — command: crudeflow run"
        + (f" --year {year}" if year is not None else "")
    )
    t = Table(header_style="bold")
    t.add_column("")
    for label, _ in plans:
        t.add_column(label, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("Exported, Mt/yr", [_fmt(p.exported_mtpa) for _, p in plans]),
        ("Exported, kb/d", [_fmt(p.exported_kbd, 0) for _, p in plans]),
        ("Shut in, Mt/yr", [_fmt(p.shut_in_mtpa) for _, p in plans]),
        ("Netback, USD bn/yr", [_fmt(p.netback_musd_per_yr / 1000, 2) for _, p in plans]),
        ("Netback, USD/t", [_fmt(p.netback_usd_per_t) for _, p in plans]),
    ]
    if net.meta.watch:
        verb = "Through" if len(net.meta.watch) > 2 else "Entering"
        rows.append(
            (f"{verb} {plans[0][1].watch_name}, Mt/yr", [_fmt(p.watch_mtpa) for _, p in plans])
        )
    for group in net.meta.run_groups:
        if group in net.meta.groups:
            ids = list(net.group(group))
            rows.append(
                (
                    f"Group {group}, Mt/yr",
                    [_fmt(float(p.routes.loc[ids, "flow_mtpa"].max())) for _, p in plans],
                )
            )
    for name, vals in rows:
        t.add_row(name, *vals)
    console.print(t)
    for label, p in plans:
        console.print(f"\n[bold underline]{label}[/]")
        for line in headline_lines(p, net)[1:]:
            console.print(line)
        console.print("[bold]In plain words:[/] " + " ".join(explain(p)))
    console.print(route_table(plans[-1][1], title=f"Routes — {plans[-1][0]}"))
    if report is not None:
        import shlex

        from crudeflow.report import ReportCase, build_report, report_title

        args = ["crudeflow", "run", "--report", str(report)]
        if dataset is not None:
            args += ["--dataset", dataset_arg(dataset)]
        if year is not None:
            args += ["--year", str(year)]
        report_cases = [
            ReportCase(label, net, p, tuple(reqs))
            for (label, p), (_, reqs) in zip(plans, cases, strict=True)
        ]
        path = build_report(
            report_cases,
            title=report_title(report_cases),
            out=report,
            command=shlex.join(args),
            force=force,
            generated=report_time(),
        )
        console.print(f"\nReport written: {path.resolve()}")


def _g(mtpa: float) -> str:
    """A capacity as the dataset writes it (7.5), or to 2 decimals when computed (1.51)."""
    return f"{mtpa:g}" if round(mtpa, 2) == mtpa else f"{mtpa:.2f}"
