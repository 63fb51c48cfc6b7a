"""``crudeflow runs list|show|export``: what the runs store holds (a thin shell over
:mod:`crudeflow.store`; duckdb is imported only when one of these commands runs).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from crudeflow.cli._common import app, console

if TYPE_CHECKING:
    from crudeflow.store import RunInfo, RunsStore

__all__ = ["DEFAULT_STORE_NAME", "StoreOpt", "open_store", "runs_app"]

runs_app = typer.Typer(
    help="List, show and export the Monte Carlo runs in a runs store.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")

#: File name of the default store in the working folder (pinned equal to store.DEFAULT_STORE).
DEFAULT_STORE_NAME = "crudeflow-runs.duckdb"

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help=f"The runs store file (default: ./{DEFAULT_STORE_NAME} in the working folder).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RunArg = Annotated[str, typer.Argument(help="The run id (see `crudeflow runs list`).")]


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


class ExportTable(StrEnum):
    draws = "draws"
    events = "events"


def open_store(store: Path | None, *, read_only: bool = True) -> RunsStore:
    """Open the store named by ``--store`` (or the default one in the working folder)."""
    from crudeflow.store import DEFAULT_STORE, RunsStore

    return RunsStore(DEFAULT_STORE if store is None else store, read_only=read_only)


def _status(info: RunInfo, *, long: bool = False) -> str:
    """The stored status; 'running' shows as interrupted, since no process holds the file."""
    if info.status != "running":
        return info.status
    if long:
        return f"interrupted (no process is writing it; `crudeflow risk resume {info.run_id}`)"
    return "interrupted"


@runs_app.command("list")
def list_cmd(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the stored runs, oldest first."""
    with open_store(store) as opened:
        infos = opened.list_runs()
        where = opened.path
    if as_json:
        print(json.dumps([i.to_dict() for i in infos], indent=2))
        return
    if not infos:
        console.print(f"no runs in {where}", markup=False)
        return
    table = Table(title=f"Runs in {where}", title_justify="left")
    for name, justify in (
        ("run", "left"),
        ("created (UTC)", "left"),
        ("scenarios", "left"),
        ("draws", "right"),
        ("seed", "right"),
        ("batches", "right"),
        ("elapsed s", "right"),
        ("status", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for i in infos:
        table.add_row(
            i.run_id,
            i.created_at.replace("T", " ").rstrip("Z"),
            ", ".join(i.scenarios),
            f"{i.draws:,}",
            str(i.seed),
            f"{i.n_batches_done}/{i.n_batches_total}",
            f"{i.elapsed_s:.1f}",
            _status(i),
        )
    console.print(table)


@runs_app.command("show")
def show_cmd(run: RunArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Show one run: its spec, what is stored of it, and its stored summary."""
    with open_store(store) as opened:
        info = opened.get_run(run)
    if as_json:
        print(json.dumps(info.to_dict(), indent=2))
        return
    lines = [
        f"run            {info.run_id}",
        f"status         {_status(info, long=True)}",
        f"created (UTC)  {info.created_at}",
        f"scenarios      {', '.join(info.scenarios)}",
        f"seed           {info.seed}",
        f"draws          {info.draws:,} per scenario, batches of {info.batch_size:,}",
        f"batches        {info.n_batches_done} of {info.n_batches_total} committed",
        f"stored         {info.n_draws_stored:,} draw rows, {info.n_events_stored:,} event rows",
        f"elapsed        {info.elapsed_s:.1f} s",
        f"dataset hash   {info.dataset_hash}",
        f"code version   {info.code_version}",
        "spec:",
        json.dumps(info.spec, indent=2, sort_keys=True),
        "summary:",
        "(none yet: the run has not finished)"
        if info.summary is None
        else json.dumps(info.summary, indent=2),
    ]
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


@runs_app.command("export")
def export_cmd(
    run: RunArg,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    table: Annotated[
        ExportTable,
        typer.Option("--table", help="draws: one row per draw; events: one row per outage event."),
    ] = ExportTable.draws,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    store: StoreOpt = None,
) -> None:
    """Write a run's draws (or events) to a CSV or Parquet file; prints its path.

    The file is written under a temporary name and renamed into place; an existing file is
    kept unless --force.
    """
    with open_store(store) as opened:
        path = opened.export(run, fmt.value, out, table=table.value, force=force)
    console.print(str(path), markup=False, highlight=False, soft_wrap=True)
