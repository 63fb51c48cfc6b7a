"""``crudeflow scenario list | run | compare`` and ``crudeflow backtest``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from crudeflow.cli._common import (
    EXIT_USAGE,
    DatasetOpt,
    app,
    console,
    console_err,
    fail,
    json_text,
    load,
)
from crudeflow.output import fmt, fmt_signed, to_csv

if TYPE_CHECKING:
    import pandas as pd

    from crudeflow.network.model import Network
    from crudeflow.scenario import EarlyWarning, Scenario
    from crudeflow.solve.plan import Plan

scenario_app = typer.Typer(
    help="Run and compare disruption and expansion scenarios.", no_args_is_help=True
)
app.add_typer(scenario_app, name="scenario")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
ForesightOpt = Annotated[
    str,
    typer.Option(
        "--foresight",
        help="perfect: the plan knows every dated change in advance; none: it learns each in "
        "the month it strikes and re-plans from there with the stocks and crude in transit it "
        "has. Where they differ, the table also shows the other and the gap (the value of "
        "early warning).",
    ),
]


def _other_mode(sc: Scenario, net: Network, mode: str, p: Plan) -> EarlyWarning | None:
    """Both plans where foresight matters; a re-plan without a solution (only possible in
    the mode not asked for) is a note on stderr, not a failure of the command."""
    from crudeflow.errors import SolverError
    from crudeflow.scenario import early_warning

    try:
        return early_warning(sc, net, plans={mode: p})
    except SolverError as exc:
        console_err.print(f"note: no comparison of foresight for {sc.name}: {exc}")
        return None


def _foresight(value: str) -> Literal["none", "perfect"]:
    if value == "none":
        return "none"
    if value == "perfect":
        return "perfect"
    fail(f"--foresight: expected none or perfect, not {value!r}", EXIT_USAGE)


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        console_err.print("error: choose one of --json and --csv")
        raise typer.Exit(EXIT_USAGE)


@scenario_app.command("list")
def list_cmd(dataset: DatasetOpt = None) -> None:
    """List the scenario presets shipped with the dataset."""
    from crudeflow.scenario import list_presets
    from crudeflow.solve.plan import horizon_label

    net = load(dataset)
    t = Table(title=f"Scenario presets — {net.meta.title}", header_style="bold")
    for col in ("preset", "horizon", "tags", "title"):
        t.add_column(col)
    for sc in list_presets(net):
        first, last = sc.horizon.labels[0], sc.horizon.labels[-1]
        annual = sc.horizon.n == 1
        horizon = horizon_label(
            f"{first}-01" if annual else first, f"{last}-12" if annual else last
        ) + ("" if annual or first[5:] != "01" or last[5:] != "12" else ", monthly")
        from pathlib import Path

        t.add_row(Path(sc.path).stem, horizon, ",".join(sc.tags), sc.title)
    console.print(t)


@scenario_app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a preset name.")],
    dataset: DatasetOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 3) on a shortfall.")] = False,
    as_json: JsonOpt = False,
    as_csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Print the monthly ledger as CSV: per route and month the flow, arrivals, "
            "losses and crude in transit, per node and month the stocks, supply taken and "
            "deliveries (every row balances; docs/output-format.md).",
        ),
    ] = False,
    foresight: ForesightOpt = "perfect",
) -> None:
    """Solve one scenario and show its plan, month by month."""
    from crudeflow.cli.plan import print_plan
    from crudeflow.scenario import resolve_scenario, run_scenario

    _one_format(as_json, as_csv)
    mode = _foresight(foresight)
    net = load(dataset)
    sc = resolve_scenario(scenario, net)
    if sc.dataset != "default":
        net = load(__import__("pathlib").Path(sc.dataset))
    p = run_scenario(sc, net, strict=strict, foresight=mode)
    if as_csv:
        sys.stdout.write(to_csv(p.period_frame()))
        return
    ew = _other_mode(sc, net, mode, p)
    if as_json:
        out = p.to_dict()
        out["scenario"] = {"name": sc.name, "title": sc.title, "path": sc.path}
        out["early_warning"] = ew.to_dict() if ew is not None else None
        sys.stdout.write(json_text(out))
        return
    console.print(f"[bold]Scenario {sc.name}[/]: {sc.title}")
    if sc.description:
        console.print(f"  {sc.description}")
    if p.foresight == "none" and p.replanned:
        console.print(
            "  Without foresight: each dated change is learnt in the month it strikes; "
            f"re-planned from {', '.join(_month(m) for m in p.replanned)}."
        )
    print_plan(p, net)
    _period_table(p)
    if ew is not None and ew.differs:
        _early_warning_table(ew)


def _month(period: str) -> str:
    from crudeflow.solve.plan import month_label

    return month_label(period)


def _early_warning_table(ew: EarlyWarning) -> None:
    """Both plans per month and the gap; the sentence says what the gap is."""
    t = Table(
        title=f"With and without foresight, {ew.scenario} (totals over each month; "
        "Δ = perfect minus none)",
        header_style="bold",
    )
    for col in (
        "period",
        "exported Mt, perfect",
        "exported Mt, none",
        "Δ Mt",
        "netback USD m, perfect",
        "netback USD m, none",
        "Δ USD m",
    ):
        t.add_column(col, justify="left" if col == "period" else "right")
    for _, row in ew.by_period().iterrows():
        t.add_row(
            _month(str(row["period"])),
            fmt(row["exported_mt_perfect"], 2),
            fmt(row["exported_mt_none"], 2),
            _delta(row["delta_exported_mt"], 2),
            fmt(row["netback_musd_perfect"], 0),
            fmt(row["netback_musd_none"], 0),
            _delta(row["delta_netback_musd"], 0),
        )
    t.add_row(
        f"total {ew.perfect.horizon_label}",
        fmt(ew.perfect.exported_mt, 2),
        fmt(ew.none.exported_mt, 2),
        _delta(ew.exported_gap_mt, 2),
        fmt(ew.perfect.netback_musd, 0),
        fmt(ew.none.netback_musd, 0),
        _delta(ew.value_musd, 0),
        style="bold",
    )
    console.print(t)
    console.print(
        f"Knowing the dated changes in advance is worth {fmt(ew.value_musd, 0)} USD m of "
        f"netback and {fmt(ew.exported_gap_mt, 2)} Mt of exports over "
        f"{ew.perfect.horizon_label} (the value of early warning). Without foresight the plan "
        f"runs as the base plan until the first change strikes "
        f"({_month(ew.replanned[0])}), then re-plans from that month."
    )


def _period_table(p: object) -> None:
    from crudeflow.solve.plan import Plan

    assert isinstance(p, Plan)
    if p.periods.n <= 1:
        return
    t = Table(title="By period (totals over each month)", header_style="bold")
    for col in ("period", "available Mt", "exported Mt", "shut in Mt", "netback USD m"):
        t.add_column(col, justify="left" if col == "period" else "right")
    for period, row in p.by_period.iterrows():
        t.add_row(
            str(period),
            fmt(row["available_mt"], 2),
            fmt(row["exported_mt"], 2),
            fmt(row["shut_in_mt"], 2),
            fmt(row["netback_musd"], 0),
        )
    t.add_row(
        f"total {p.horizon_label}",
        fmt(p.available_mt, 2),
        fmt(p.exported_mt, 2),
        fmt(p.shut_in_mt, 2),
        fmt(p.netback_musd, 0),
        style="bold",
    )
    console.print(t)


@scenario_app.command("compare")
def compare_cmd(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Two or more scenario files or presets; the first is the reference."),
    ],
    dataset: DatasetOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    foresight: ForesightOpt = "perfect",
) -> None:
    """Compare scenarios per month: exports by route group, shut-in, netback, differences."""
    from crudeflow.compare import compare_plans
    from crudeflow.scenario import resolve_scenario, run_scenario

    _one_format(as_json, as_csv)
    mode = _foresight(foresight)
    if len(scenarios) < 2:
        console_err.print("error: compare needs at least two scenarios")
        raise typer.Exit(EXIT_USAGE)
    net = load(dataset)
    named = []
    warnings = []
    for ref in scenarios:
        sc = resolve_scenario(ref, net)
        p = run_scenario(sc, net, foresight=mode)
        named.append((sc.name, p))
        if not (as_json or as_csv):
            ew = _other_mode(sc, net, mode, p)
            if ew is not None and ew.differs:
                warnings.append(ew)
    df = compare_plans(named, net)
    if as_json:
        sys.stdout.write(json_text(df.to_dict("records")))
        return
    if as_csv:
        sys.stdout.write(to_csv(df))
        return
    groups = [
        c
        for c in df.columns
        if c.endswith("_mt")
        and not c.startswith("delta_")
        and c not in ("exported_mt", "shut_in_mt")
    ]
    totals = df[df["kind"] == "total"]
    shared = str(totals["period"].iloc[0]) if totals["period"].nunique() == 1 else ""
    span = f"totals over {shared}, the months all share" if shared else "no month in common"
    t = Table(
        title=f"Scenarios vs {named[0][0]}: Mt and netback USD m per month, then {span} "
        f"(Δ = minus reference over the same months; {mode} foresight)",
        header_style="bold",
    )
    t.add_column("scenario")
    t.add_column("period")
    for col in (
        "exported",
        "Δ",
        "shut in",
        *[g.removesuffix("_mt") for g in groups],
        "netback",
        "Δ netback",
    ):
        t.add_column(col, justify="right")
    for i, (_, row) in enumerate(df.iterrows()):
        total = row["kind"] == "total"
        if total and (i == 0 or df["kind"].iloc[i - 1] != "total"):
            t.add_section()
        t.add_row(
            str(row["scenario"]),
            f"total {row['period']}" if total else str(row["period"]),
            fmt(row["exported_mt"], 2),
            _delta(row["delta_exported_mt"], 2),
            fmt(row["shut_in_mt"], 2),
            *(fmt(row[g], 2) for g in groups),
            fmt(row["netback_musd"], 0),
            _delta(row["delta_netback_musd"], 0),
            style="bold" if total else None,
        )
    console.print(t)
    if not shared:
        console.print(
            "The scenarios share no month: each total covers its own horizon and is not compared."
        )
    for ew in warnings:
        _early_warning_table(ew)


def _delta(x: float, digits: int) -> str:
    return "" if x != x else fmt_signed(x, digits)


MarkdownOpt = Annotated[
    bool, typer.Option("--markdown", help="Print a Markdown table (as in the dataset README).")
]
EventsOpt = Annotated[
    bool,
    typer.Option(
        "--events",
        help="Check the disruption presets against what was reported after each event "
        "(observed_events.csv) instead.",
    ),
]


@app.command("backtest")
def backtest_cmd(
    dataset: DatasetOpt = None,
    events: EventsOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    as_markdown: MarkdownOpt = False,
) -> None:
    """Model vs reported volumes per route group, 2022 onwards, with historic disruptions."""
    from crudeflow.backtest import (
        backtest,
        backtest_events,
        backtest_markdown,
        events_markdown,
    )

    _one_format(as_json, as_csv)
    if as_markdown and (as_json or as_csv):
        console_err.print("error: choose one of --json, --csv and --markdown")
        raise typer.Exit(EXIT_USAGE)
    net = load(dataset)
    df = backtest_events(net) if events else backtest(net)
    if as_json:
        sys.stdout.write(json_text(df.to_dict("records")))
    elif as_csv:
        sys.stdout.write(to_csv(df))
    elif as_markdown:
        sys.stdout.write(events_markdown(df) if events else backtest_markdown(df))
    elif events:
        _events_table(net.meta.title, df)
    else:
        _backtest_table(net.meta.title, df)


def _backtest_table(title: str, df: pd.DataFrame) -> None:
    t = Table(title=f"Backtest — {title} (Mt per year)", header_style="bold")
    for col in ("year", "group", "basis", "reported", "model", "error", "source"):
        t.add_column(col, justify="right" if col in ("reported", "model", "error") else "left")
    for _, row in df.iterrows():
        err = row["error_pct"]
        flag = "" if row["within_tolerance"] else " ⚠"
        t.add_row(
            str(row["year"]),
            str(row["group"]),
            "= construction" if row["by_construction"] else "test",
            fmt(row["observed_mt"], 2),
            fmt(row["model_mt"], 2),
            f"{fmt_signed(err, 0)}%{flag}" if err == err else "—",
            str(row["source"]),
        )
    console.print(t)
    console.print(
        "⚠ = outside the tolerance (15% or 0.3 Mt, whichever is larger); the dataset README "
        "explains each miss.\n= construction: an input is built from the same reported figure, "
        "so the row agrees by construction; the test rows are the real test."
    )
    if df.empty:
        console.print("No reported volumes (observed.csv) for the years with supply data.")


def _events_table(title: str, df: pd.DataFrame) -> None:
    t = Table(title=f"Disruptions as reported — {title}", header_style="bold")
    for col in ("scenario", "months", "measure", "group", "reported", "model", "unit", "source"):
        t.add_column(col, justify="right" if col in ("reported", "model") else "left")
    for _, row in df.iterrows():
        t.add_row(
            str(row["scenario"]),
            str(row["months"]),
            str(row["measure"]),
            str(row["group"]),
            fmt(row["reported"], 2),
            fmt(row["model"], 2),
            str(row["unit"]),
            str(row["source"]),
        )
    console.print(t)
    if df.empty:
        console.print("No reported event outcomes (observed_events.csv) in this dataset.")
    else:
        console.print(
            "model: the history run of the year (change_*: minus the run without the event); "
            "docs/dataset-format.md, observed_events.csv."
        )
