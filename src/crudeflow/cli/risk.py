"""``crudeflow risk``: Monte Carlo over outage draws, a thin shell over
:mod:`crudeflow.montecarlo.run`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from crudeflow.cli._common import EXIT_USAGE, DatasetOpt, app, console, console_err, fail
from crudeflow.cli.runs import StoreOpt, open_store
from crudeflow.output import fmt

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from crudeflow.montecarlo.engine import RunSpec
    from crudeflow.montecarlo.results import BatchResult
    from crudeflow.montecarlo.run import RiskRun
    from crudeflow.montecarlo.summary import HazardShare
    from crudeflow.store import RunsStore

_MONTHS = "JFMAMJJASOND"


def parse_se(text: str) -> float:
    """``0.5%`` or ``0.005`` -> 0.005 (a relative standard error).

    Examples
    --------
    >>> parse_se("0.5%"), parse_se("0.01")
    (0.005, 0.01)
    """
    t = text.strip()
    try:
        value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise ValueError(
            f"--until-se: expected a share such as 0.5% or 0.005, not {text!r}"
        ) from None
    if not 0 < value < 1:
        raise ValueError(f"--until-se: expected a share between 0 and 100%, not {text!r}")
    return value


def _ref(s: str) -> str:
    """Scenario files as absolute paths (workers may run elsewhere); presets as given."""
    p = Path(s)
    return str(p.resolve()) if p.suffix in (".yaml", ".yml") or p.is_file() else s


@app.command("risk")
def risk_cmd(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario files or preset names (the first is the reference); none: the "
            "dataset as it is.",
            show_default=False,
        ),
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", "-n", min=1, help="Draws (simulated years).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Local worker processes (default: one per usable CPU core, at most one per "
            "batch; the numbers do not depend on it).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler address, tcp://HOST:PORT.", show_default=False
        ),
    ] = None,
    foresight: Annotated[
        str,
        typer.Option(
            "--foresight",
            help="none: re-plan when an event strikes; perfect: know the year; both: none, "
            "then perfect on the same draws (the gap is the value of early warning).",
        ),
    ] = "none",
    until_se: Annotated[
        str | None,
        typer.Option(
            "--until-se",
            help="Stop once the relative standard error of mean lost exports is this small "
            "(e.g. 0.5%); --draws is then the most run.",
            show_default=False,
        ),
    ] = None,
    attribution: Annotated[
        bool,
        typer.Option(
            "--attribution/--no-attribution", help="Loss by hazard (one re-plan more per event)."
        ),
    ] = True,
    attribution_draws: Annotated[
        int,
        typer.Option(
            "--attribution-draws",
            min=0,
            help="Attribute losses to hazards on the first this many draws (0: all).",
        ),
    ] = 2000,
    year: Annotated[
        int, typer.Option("--year", help="Year planned (default: the dataset's base year).")
    ] = 0,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Draws per batch (part of the seed).")
    ] = 1000,
    shut_in: Annotated[
        float, typer.Option("--shut-in-threshold", help="Report P(shut-in above this many Mt).")
    ] = 5.0,
    dataset: DatasetOpt = None,
    store: StoreOpt = None,
    no_store: Annotated[
        bool,
        typer.Option("--no-store", help="Keep the run in memory only (nothing to resume)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summaries as JSON.")] = False,
) -> None:
    """Sample a year of outages many times and re-plan each; summarise the losses.

    Every batch of draws is committed to the runs store as it finishes (default
    ./crudeflow-runs.duckdb; `crudeflow runs list` shows the runs). A run stopped by Ctrl-C,
    a crash or kill -9 goes on with `crudeflow risk resume RUN` from its last committed batch
    and ends with the numbers an uninterrupted run gives.
    """
    from crudeflow.montecarlo.engine import RunSpec

    if workers is not None and workers > 1 and scheduler:
        fail("choose one of --workers and --scheduler", EXIT_USAGE)
    if scenarios and scenarios[0] == "resume":
        if len(scenarios) != 2:
            fail("usage: crudeflow risk resume RUN [--store PATH] [--workers N]", EXIT_USAGE)
        if no_store:
            fail("risk resume reads the runs store: drop --no-store", EXIT_USAGE)
        _resume(scenarios[1], store=store, workers=workers, scheduler=scheduler, as_json=as_json)
        return
    if foresight not in ("none", "perfect", "both"):
        fail(f"--foresight: expected none, perfect or both, not {foresight!r}", EXIT_USAGE)
    try:
        se = parse_se(until_se) if until_se is not None else None
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    fs: Literal["none", "perfect"] = "perfect" if foresight == "perfect" else "none"
    spec = RunSpec(
        scenarios=tuple(_ref(s) for s in scenarios) if scenarios else ("",),
        dataset=str(dataset.resolve()) if dataset else "",
        year=year,
        seed=seed,
        draws=draws,
        batch_size=batch_size,
        foresight=fs,
        attribution=attribution,
        attribution_draws=attribution_draws,
    ).resolved()
    extras: dict[str, Any] = {"until_se": se, "shut_in_threshold_mt": shut_in}
    if no_store:
        _execute(spec, extras, None, None, workers, scheduler, foresight, as_json)
        return
    with open_store(store, read_only=False) as opened:
        run_id = opened.create_run({**spec.to_dict(), **extras})
        console_err.print(f"run {run_id} -> {opened.path}", markup=False, highlight=False)
        _execute(spec, extras, opened, run_id, workers, scheduler, foresight, as_json)


def _resume(
    run_id: str, *, store: Path | None, workers: int | None, scheduler: str | None, as_json: bool
) -> None:
    """Go on with a stored run from its last committed batch."""
    from crudeflow.montecarlo.engine import RunSpec

    with open_store(store, read_only=False) as opened:
        info = opened.get_run(run_id)
        if info.status == "done":
            fail(f"run {run_id} is already done (`crudeflow runs show {run_id}`)", EXIT_USAGE)
        spec = RunSpec.from_dict(info.spec)
        extras = {k: info.spec.get(k) for k in ("until_se", "shut_in_threshold_mt")}
        done = opened.done_batches(run_id)
        console_err.print(
            f"resuming run {run_id}: {len(done)} of {info.n_batches_total} batches stored",
            markup=False,
            highlight=False,
        )
        opened.finish_run(run_id, "running", None, info.elapsed_s)
        _execute(
            spec,
            extras,
            opened,
            run_id,
            workers,
            scheduler,
            "none" if spec.foresight == "none" else "perfect",
            as_json,
            done=done,
            prior_elapsed_s=info.elapsed_s,
        )


def _execute(
    spec: RunSpec,
    extras: dict[str, Any],
    opened: RunsStore | None,
    run_id: str | None,
    workers: int | None,
    scheduler: str | None,
    foresight: str,
    as_json: bool,
    *,
    done: set[tuple[int, int]] | None = None,
    prior_elapsed_s: float = 0.0,
) -> None:
    """Run (or go on with) ``spec``, committing each batch to ``opened`` when given."""
    from crudeflow.explanation import country_name
    from crudeflow.montecarlo.engine import _network
    from crudeflow.montecarlo.run import run_risk
    from crudeflow.montecarlo.summary import explain_foresight, explain_risk

    se = extras.get("until_se")
    shut_in_raw = extras.get("shut_in_threshold_mt")
    shut_in = 5.0 if shut_in_raw is None else float(shut_in_raw)
    on_batch: Callable[[BatchResult], None] | None = None
    prior_draws = prior_attribution = None
    if opened is not None and run_id is not None:
        store_ = opened
        rid = run_id

        def on_batch(batch: BatchResult) -> None:
            store_.append_batch(rid, batch)

        if done:
            prior_draws = opened.load_draws(run_id)
            prior_attribution = opened.load_attribution(run_id)
    net = _network(spec.dataset)
    progress = Progress(
        TextColumn("[bold]risk[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("draws"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console_err,
        transient=True,
    )
    with progress:
        task = progress.add_task("draws", total=spec.draws * len(spec.scenarios), rate="")

        def tick(done: int, total: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = f"{done / elapsed:,.0f} draws/s" if elapsed > 0 else ""
            progress.update(task, completed=done, total=total, rate=rate)

        try:
            run = run_risk(
                spec,
                workers=workers,
                scheduler=scheduler,
                until_se=None if se is None else float(se),
                progress=tick,
                shut_in_threshold_mt=shut_in,
                keep_events=False,
                keep_flows=False,
                on_batch=on_batch,
                done_batches=done or (),
                prior_draws=prior_draws,
                prior_attribution=prior_attribution,
            )
        except BaseException:
            if opened is not None and run_id is not None:
                # committed batches stay; `risk resume` goes on from them
                with contextlib.suppress(Exception):
                    opened.finish_run(run_id, "interrupted", None, prior_elapsed_s)
                console_err.print(
                    f"run {run_id} interrupted: `crudeflow risk resume {run_id}` goes on",
                    markup=False,
                    highlight=False,
                )
            raise
        if opened is not None and run_id is not None:
            opened.finish_run(
                run_id, "done", json.dumps(run.to_dict()), prior_elapsed_s + run.elapsed_s
            )
        perfect = None
        if foresight == "both":
            # the same draws, planned knowing the year (no attribution: the gap is the point)
            p_spec = dataclasses.replace(
                spec, foresight="perfect", draws=run.draws_done, attribution=False
            )
            progress.reset(task, total=p_spec.draws * len(spec.scenarios), completed=0)
            perfect = run_risk(
                p_spec,
                workers=workers,
                scheduler=scheduler,
                progress=tick,
                shut_in_threshold_mt=shut_in,
                keep_events=False,
                keep_flows=False,
            )
    lines = explain_risk(run.summaries, producer=country_name(net.meta.producer))
    if perfect is not None:
        lines += explain_foresight(run.summaries, perfect.summaries)
    if as_json:
        out = run.to_dict()
        if perfect is not None:
            out["perfect_foresight"] = perfect.to_dict()
        out["sentences"] = lines
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    _print(run, lines)


def hazard_rows(hazards: Sequence[HazardShare]) -> list[tuple[str, str, str, str]]:
    """The hazard table's cells: a hazard worth -1e-5 Mt reads 0.000, never -0.000.

    >>> from crudeflow.montecarlo.summary import HazardShare
    >>> hazard_rows([HazardShare("btc", -0.00001, -0.004, -0.000004)])
    [('btc', '0.000', '0.0', '0%')]
    """
    return [
        (
            hz.hazard,
            fmt(hz.lost_exports_mt, 3),
            fmt(hz.lost_netback_musd, 1),
            f"{fmt(hz.share_of_loss * 100, 0)}%",
        )
        for hz in hazards
    ]


def _print(run: RiskRun, lines: list[str]) -> None:
    spec = run.spec
    year = spec.year
    stop = f", stopped at {run.draws_done} draws (--until-se)" if run.stopped_early else ""
    console.print(
        f"[bold]Disruption risk, {year}[/]: {run.draws_done} draws, seed {spec.seed}, "
        f"foresight {spec.foresight}{stop} ({run.elapsed_s:.1f} s)"
    )
    t = Table(title=f"Losses against each scenario's no-outage plan, Mt and USD m over {year}")
    for col in (
        "scenario",
        "no-outage Mt",
        "lost Mt mean ± SE",
        "P5",
        "P50",
        "P95",
        "CVaR95",
        "lost USD m mean ± SE",
        "P95 USD m",
        f"P(shut-in > {run.summaries[0].shut_in_threshold_mt:g} Mt)" if run.summaries else "",
    ):
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for s in run.summaries:
        x, nb = s.lost_exports_mt, s.lost_netback_musd
        t.add_row(
            s.scenario,
            f"{s.reference_exported_mt:.1f}",
            f"{x.mean:.2f} ± {x.se:.2f}",
            f"{x.p5:.2f}",
            f"{x.p50:.2f}",
            f"{x.p95:.2f}",
            f"{x.cvar95:.2f}",
            f"{nb.mean:,.0f} ± {nb.se:,.0f}",
            f"{nb.p95:,.0f}",
            f"{s.p_shut_in_above:.1%}",
        )
    console.print(t)
    ref = run.summaries[0] if run.summaries else None
    if ref is not None and ref.hazards:
        n_att = min(spec.attribution_draws or run.draws_done, run.draws_done)
        h = Table(
            title=f"Expected loss by hazard, {ref.scenario} (each removed in turn; "
            f"first {n_att} draws)"
        )
        for col in ("hazard", "lost Mt", "lost USD m", "share of loss"):
            h.add_column(col, justify="left" if col == "hazard" else "right")
        for row in hazard_rows(ref.hazards):
            h.add_row(*row)
        console.print(h)
    if ref is not None and ref.binding:
        b = Table(title=f"Routes at capacity, {ref.scenario}: share of draws, by month")
        b.add_column("route")
        b.add_column("no outage", justify="left")
        b.add_column("any month", justify="right")
        for m in _MONTHS:
            b.add_column(m, justify="right")
        for br in ref.binding:
            months = br.reference_months
            calm = (
                "?"
                if months is None
                else "all year"
                if len(months) == 12
                else "".join(_MONTHS[t] if t in months else "." for t in range(12))
                if months
                else "-"
            )
            b.add_row(
                br.route,
                calm,
                f"{br.share_of_draws:.0%}",
                *(f"{v * 100:.0f}" for v in br.month_share),
            )
        console.print(b)
    for line in lines:
        console.print(line, markup=False)
