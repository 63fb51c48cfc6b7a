"""``crudeflow network show | validate | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from crudeflow.cli._common import (
    EXIT_DATA,
    DatasetOpt,
    ForceOpt,
    console,
    console_err,
    dataset_path,
    load,
    network_app,
    output_path,
)


def _src(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@network_app.command("show")
def show(dataset: DatasetOpt = None) -> None:
    """List the network's nodes and routes (capacities in Mt/yr and kb/d)."""
    from crudeflow.units import mtpa_to_kbd

    net = load(dataset)
    console.print(
        f"[bold]{net.meta.title or net.meta.name}[/] — {len(net.nodes)} nodes, "
        f"{len(net.routes)} routes, {len(net.sources)} sources ({net.path})"
    )
    nodes = Table(title="Nodes", show_lines=False, header_style="bold")
    for col in ("id", "name", "kind", "country", "lat", "lon", "storage Mt", "source"):
        nodes.add_column(
            col,
            justify="right" if col in ("lat", "lon", "storage Mt") else "left",
            no_wrap=col == "id",
        )
    for n in net.nodes:
        nodes.add_row(
            n.id,
            n.name,
            n.kind,
            n.country or "—",
            f"{n.lat:.3f}",
            f"{n.lon:.3f}",
            "" if n.storage_mt is None else f"{n.storage_mt:g}",
            _src(n.source),
        )
    console.print(nodes)
    routes = Table(title="Routes", header_style="bold")
    for col in (
        "id",
        "from → to",
        "mode",
        "Mt/yr",
        "kb/d",
        "USD/t",
        "countries",
        "status",
        "source",
    ):
        routes.add_column(
            col,
            justify="right" if col in ("Mt/yr", "kb/d", "USD/t") else "left",
            no_wrap=col == "id",
        )
    for r in net.routes:
        kbd = mtpa_to_kbd(r.capacity_mtpa, bbl_per_t=net.grade_of(r.grade).bbl_per_t)
        routes.add_row(
            r.id,
            f"{r.from_node} → {r.to_node}",
            r.mode,
            f"{r.capacity_mtpa:g}",
            f"{kbd:,.0f}",
            f"{r.tariff_usd_per_t:g}",
            "→".join(r.countries),
            r.status,
            _src(r.capacity_source or r.source),
        )
    console.print(routes)
    years = net.years
    if years:
        sup = Table(title="Export-available supply, Mt", header_style="bold")
        sup.add_column("node")
        for y in years:
            sup.add_column(str(y), justify="right")
        for node in sorted({s.node for s in net.supply}):
            sup.add_row(node, *(f"{net.supply_in(y).get(node, 0.0):g}" for y in years))
        sup.add_row("[bold]total[/]", *(f"{sum(net.supply_in(y).values()):g}" for y in years))
        console.print(sup)


@network_app.command("validate")
def validate(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Dataset folder, or a built-in dataset's name, to check.", parser=dataset_path
        ),
    ],
) -> None:
    """Check a dataset folder and list every problem with file, line and field.

    Warnings (a market no supply reaches, supply no operating route takes out, no supply in
    the base year) are printed too but do not fail the check (exit 0).
    """
    from crudeflow.network.load import check_dataset

    problems, warnings = check_dataset(folder)
    if problems:
        console_err.print(f"{len(problems)} problem(s) in {folder}:", markup=False)
        for p in problems:
            console_err.print(f"  {p}", markup=False)
        raise typer.Exit(EXIT_DATA)
    for w in warnings:
        console_err.print(f"warning: {w}", markup=False)
    suffix = f" ({len(warnings)} warning(s))" if warnings else ""
    console.print(f"{folder}: no problems found{suffix}", markup=False)


@network_app.command("export")
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv, geojson or pypsa.", case_sensitive=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output folder, new or empty (for geojson: a .geojson file, or a folder).",
            parser=output_path,
        ),
    ],
    dataset: DatasetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Export the network as CSV tables, GeoJSON, or a PyPSA CSV folder.

    A folder that is not empty, or an existing file, is written only with --force (files of
    the same names are replaced, others stay). Writes are atomic: an interrupted export
    leaves no half-written file.
    """
    fmt_l = fmt.lower()
    if fmt_l not in ("csv", "geojson", "pypsa"):
        console_err.print(f"error: --format must be csv, geojson or pypsa, not {fmt!r}")
        raise typer.Exit(2)
    from crudeflow.network.export import export_network

    net = load(dataset)
    fmt_t: Literal["csv", "geojson", "pypsa"] = fmt_l  # type: ignore[assignment]
    written = export_network(net, fmt_t, out, force=force)
    paths = written if isinstance(written, list) else [written]
    for p in paths:
        console.print(str(p))
