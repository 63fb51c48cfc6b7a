"""``crudeflow fleet``: the tanker fleet of a dataset (``fleet.csv``), what each class and pool
carries, and how many more vessels a pool needs for a target: a thin shell over
:func:`crudeflow.network._fleet.fleet_summary`."""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated

import typer
from rich.table import Table

from crudeflow.cli._common import DatasetOpt, app, console, json_text, load
from crudeflow.cli.plan import YearOpt
from crudeflow.network._fleet import fleet_summary

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@app.command("fleet")
def fleet_cmd(
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    target: Annotated[
        float | None,
        typer.Option(
            "--target",
            min=0.0,
            help="Mt/yr a pool should carry: prints how many more vessels of each class it needs "
            "(the legs' other limits are not checked: 'crudeflow invest' checks them all).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """What the tanker fleet (fleet.csv) carries, per class and pool, month by month."""
    net = load(dataset)
    y = year if year is not None else net.meta.base_year
    lines = fleet_summary(net.fleet, y, target)
    if as_json:
        sys.stdout.write(json_text([dataclasses.asdict(x) for x in lines]))
        return
    if not lines:
        console.print(f"{net.meta.name}: no fleet.csv (every leg's capacity is its capacity_mtpa)")
        return
    t = Table(title=f"Tanker fleet — {y}", header_style="bold")
    cols = ["class", "legs", "vessels", "cargo t", "round trip d", "Mt/yr a vessel", "class Mt",
            "pool Mt"]  # fmt: skip
    if target is not None:
        cols.append(f"more vessels for {target:g} Mt/yr")
    for col in cols:
        t.add_column(col, justify="left" if col in ("class", "legs") else "right")
    for x in lines:
        row = [x.id, ";".join(x.routes), str(x.vessels), f"{x.payload_t:,.0f}",
               f"{x.round_trip_days:.2f}", f"{x.mtpa_per_vessel:.3f}", f"{x.class_mt:.2f}",
               f"{x.pool_mt:.2f}"]  # fmt: skip
        if target is not None:
            row.append(str(x.vessels_needed))
        t.add_row(*row)
    console.print(t)
    m = Table(title=f"Pool capacity by month, Mt — {y}", header_style="bold")
    m.add_column("legs")
    for name in _MONTHS:
        m.add_column(name, justify="right")
    for x in {x.routes: x for x in lines}.values():
        m.add_row(";".join(x.routes), *(f"{v:.3f}" for v in x.pool_month_mt))
    console.print(m)
