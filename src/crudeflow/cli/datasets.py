"""``crudeflow datasets``: the datasets shipped with crudeflow, by name."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from crudeflow.cli._common import app, console, json_text


def dataset_rows() -> list[dict[str, Any]]:
    """One row per built-in dataset: name, title, producer, years, nodes, routes, problems.

    A dataset that does not load shows its number of problems (``crudeflow network validate
    NAME`` lists them) and no figures.

    >>> "kazakhstan" in [r["name"] for r in dataset_rows()]
    True
    """
    from crudeflow.errors import DatasetError
    from crudeflow.network.load import DEFAULT_DATASET, builtin_datasets, load_dataset

    rows: list[dict[str, Any]] = []
    for name in builtin_datasets():
        row: dict[str, Any] = {"name": name, "default": name == DEFAULT_DATASET}
        try:
            net = load_dataset(name)
        except DatasetError as exc:
            row.update(title="", producer="", years=[], nodes=None, routes=None)
            row["problems"] = len(exc.problems)
        else:
            row.update(
                title=net.meta.title,
                producer=net.meta.producer,
                base_year=net.meta.base_year,
                years=list(net.years),
                nodes=len(net.nodes),
                routes=len(net.routes),
                problems=0,
            )
        rows.append(row)
    return rows


def _years(years: list[int]) -> str:
    if not years:
        return "—"
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


@app.command("datasets")
def datasets_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the built-in datasets: give a name to --dataset (e.g. --dataset iraq)."""
    rows = dataset_rows()
    if as_json:
        sys.stdout.write(json_text(rows))
        return
    t = Table(title="Built-in datasets (--dataset NAME)", header_style="bold")
    for col in ("name", "title", "producer", "years", "nodes", "routes"):
        t.add_column(col, justify="right" if col in ("nodes", "routes") else "left")
    for r in rows:
        name = r["name"] + (" (default)" if r["default"] else "")
        if r["problems"]:
            t.add_row(name, f"does not load: {r['problems']} problem(s)", "", "", "", "")
            continue
        t.add_row(
            name, r["title"], r["producer"], _years(r["years"]), str(r["nodes"]), str(r["routes"])
        )
    console.print(t)
