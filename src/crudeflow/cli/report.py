"""``crudeflow report``: write the offline HTML report (one self-contained file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crudeflow.cli._common import (
    EXIT_USAGE,
    DatasetOpt,
    ForceOpt,
    app,
    console,
    console_err,
    dataset_arg,
    load,
    output_path,
    report_time,
)
from crudeflow.cli.plan import AvoidOpt, RequireOpt, YearOpt
from crudeflow.cli.runs import StoreOpt, open_store


@app.command("report")
def report_cmd(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario files or presets to compare (the first is the reference).",
            show_default=False,
        ),
    ] = None,
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    avoid: AvoidOpt = None,
    require: RequireOpt = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The HTML file to write (not replaced without --force).",
            parser=output_path,
        ),
    ] = Path("report.html"),
    force: ForceOpt = False,
    run: Annotated[
        str | None,
        typer.Option(
            "--run",
            help="Add a disruption-risk section for this stored run (`crudeflow runs list`): "
            "loss exceedance curves, monthly fan charts, loss by hazard, routes at capacity.",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
    with_sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Add tornado charts of the estimates that move the base plan most "
            "(crudeflow sensitivity).",
        ),
    ] = False,
) -> None:
    """Write one offline HTML file: maps, Sankey diagrams, comparison, tables.

    With scenarios (files or preset names), one case per scenario, side by side with monthly
    charts. Without, the base plan against the plan under --avoid/--require (default: avoid RU
    and via AKTAU,KURYK >= 20 Mt/yr). With --run, a risk section for that stored run too
    (the run's dataset and year unless --dataset/--year are given). Prints the file's path.
    An existing file is replaced only with --force, and atomically: a failed write leaves it
    as it was.
    """
    import shlex

    from crudeflow._io import check_output_file
    from crudeflow.report import ReportCase, build_report, default_cases, report_command
    from crudeflow.report.build import report_title

    if run is None and store is not None:  # bad usage first (exit 2), whatever --out is
        console_err.print("error: --store goes with --run (the runs store to read it from)")
        raise typer.Exit(EXIT_USAGE)
    check_output_file(out, force=force)  # before the solves: a bad --out fails at once
    risk = None
    if run is not None:
        from crudeflow.montecarlo.view import load_run_view

        with open_store(store) as opened:
            risk = load_run_view(opened, run)
        run_dataset = str(risk.run.spec.get("dataset", ""))
        if dataset is None and run_dataset:
            dataset = Path(run_dataset)
        if year is None and risk.year and not scenarios:
            year = risk.year
    net = load(dataset)
    if scenarios:
        if avoid or require or year is not None:
            console_err.print("error: with scenarios, put --avoid/--require/--year in the files")
            raise typer.Exit(EXIT_USAGE)
        from crudeflow.scenario import resolve_scenario, run_scenario

        cases = []
        for ref in scenarios:
            sc = resolve_scenario(ref, net)
            cases.append(ReportCase(sc.title, net, run_scenario(sc, net)))
        args = ["crudeflow", "report", *scenarios]
        if dataset is not None:
            args += ["--dataset", dataset_arg(dataset)]
        command = shlex.join([*args, "--out", str(out)])
    else:
        cases = default_cases(net, year=year, avoid=avoid or (), require=require or ())
        command = report_command(
            out,
            dataset=None if dataset is None else dataset_arg(dataset),
            year=year,
            avoid=avoid or (),
            require=require or (),
        )
    if run is not None:
        extra = ["--run", run] + (["--store", str(store)] if store is not None else [])
        command += " " + shlex.join(extra)
    title = report_title(cases)
    sens = None
    if with_sensitivity:
        from crudeflow.sensitivity import sensitivity

        sens = sensitivity(net, year=cases[0].plan.periods.years[0])
        command += " --sensitivity"
    path = build_report(
        cases,
        title=title,
        out=out,
        command=command,
        force=force,
        generated=report_time(),
        risk=risk,
        sensitivity=sens,
    )
    console.print(str(path), markup=False, highlight=False, soft_wrap=True)
