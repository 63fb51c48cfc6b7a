"""Read and check ``refineries.csv`` (domestic refinery demand by year), optional.

Every malformed cell becomes a :class:`~crudeflow.errors.Problem` with file, line, field, value
and what was expected; the format is in ``docs/dataset-format.md`` ("Domestic refining").
"""

from __future__ import annotations

from collections.abc import Mapping

from crudeflow.ids import did_you_mean
from crudeflow.network._checks import _COLUMNS, _SOURCE_OF, _Checker
from crudeflow.network.model import Refinery

REFINERIES = "refineries.csv"
MAX_MT = 10_000.0

_COLUMNS[REFINERIES] = (("node", "year", "demand_mtpa", "source"), ("note",))
_SOURCE_OF[REFINERIES] = {"demand_mtpa": "source"}


def read_refineries(ck: _Checker, *, kind_of: Mapping[str, str]) -> tuple[Refinery, ...]:
    """The rows of ``refineries.csv`` (none when the file is absent), checked cell by cell.

    ``kind_of`` maps each node id of ``nodes.csv`` to its kind; a row's node must be a
    ``refinery``.
    """
    f = REFINERIES
    out: list[Refinery] = []
    seen: dict[tuple[str, int], int] = {}
    for line, row in ck.rows(f, optional=True):
        node = row["node"]
        node_ok = kind_of.get(node) == "refinery"
        if node not in kind_of:
            ck.add(f, line, "node", node, "a node id from nodes.csv" + did_you_mean(node, kind_of))
        elif not node_ok:
            ck.add(f, line, "node", node, f"a node of kind 'refinery' (it is a {kind_of[node]})")
        year = ck.integer(f, line, row, "year")
        demand = ck.number(
            f,
            line,
            row,
            "demand_mtpa",
            low=0,
            high=MAX_MT,
            what=f"a crude demand in Mt/yr, 0 to {MAX_MT:,.0f}",
        )
        if year is not None and (node, year) in seen:
            ck.add(
                f,
                line,
                "year",
                year,
                f"one row per node and year (also on line {seen[(node, year)]})",
            )
            continue
        if not node_ok or year is None or demand is None:
            continue
        seen[(node, year)] = line
        out.append(Refinery(node, year, demand, row["source"], row.get("note", "")))
    return tuple(out)
