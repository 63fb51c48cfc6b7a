"""``crudeflow sensitivity``: which inputs move the answers, a thin shell over
:mod:`crudeflow.sensitivity`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from crudeflow.cli._common import EXIT_USAGE, DatasetOpt, app, console, fail, json_text, load
from crudeflow.cli.plan import YearOpt


def parse_range(text: str) -> float:
    """``20%`` or ``0.2`` -> 0.2.

    Examples
    --------
    >>> parse_range("20%"), parse_range("0.1")
    (0.2, 0.1)
    """
    t = text.strip()
    try:
        value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise ValueError(f"--range: expected a share such as 20% or 0.2, not {text!r}") from None
    if not 0 < value < 1:
        raise ValueError(f"--range: expected a share between 0 and 100%, not {text!r}")
    return value


def _signed(v: float, digits: int) -> str:
    return "0" if abs(v) < 0.5 * 10**-digits else f"{v:+,.{digits}f}"


@app.command("sensitivity")
def sensitivity_cmd(
    dataset: DatasetOpt = None,
    year: YearOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show.")] = 15,
    include_sourced: Annotated[
        bool,
        typer.Option("--all", help="Also move cells that cite a source, not only estimates."),
    ] = False,
    rel: Annotated[
        str, typer.Option("--range", help="How far each input moves, down and up (e.g. 20%).")
    ] = "20%",
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            "-g",
            help="Route group whose flow is an output (repeatable; default: the dataset's "
            "sensitivity_groups, else its run groups).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Rank by: all (largest relative swing of any output) or one output, e.g. "
            "netback_musd, exported_mt or a group's GROUP_mt.",
        ),
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Move each estimate by +-20% on its own, re-solve the annual plan warm, and rank the
    inputs by how much they move exports, route-group flows and netback."""
    from crudeflow.errors import CrudeflowError
    from crudeflow.sensitivity import sensitivity

    try:
        share = parse_range(rel)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    net = load(dataset)
    try:
        s = sensitivity(
            net, year=year, rel=share, include_sourced=include_sourced, groups=group, by=by
        )
    except CrudeflowError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        sys.stdout.write(json_text(s.to_dict(top=top)))
        return
    what = "every numeric input" if include_sourced else "each estimate"
    console.print(
        f"[bold]{net.meta.title}, {s.year}[/] — {what} moved by ±{s.rel:.0%} on its own "
        f"({s.n_inputs} inputs, {s.solves} warm solves); ranked by {s.by}"
    )
    base = ", ".join(
        f"{name} {s.base[name]:,.1f}" if name.endswith("_musd") else f"{name} {s.base[name]:,.2f}"
        for name in s.outputs
    )
    console.print(f"  Unmoved plan: {base}")
    t = Table(header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("input")
    t.add_column("value", justify="right")
    for name in s.outputs:
        t.add_column(f"Δ {name} (−/+)", justify="right")
    for i, r in enumerate(s.top(top), start=1):
        cells = []
        for name in s.outputs:
            digits = 1 if name.endswith("_musd") else 2
            cells.append(
                f"{_signed(r.delta_low[name], digits)} / {_signed(r.delta_high[name], digits)}"
            )
        t.add_row(str(i), r.input + ("" if r.estimate else " (sourced)"), f"{r.value:g}", *cells)
    console.print(t)
