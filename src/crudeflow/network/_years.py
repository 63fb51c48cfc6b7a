"""Read and check ``route_years.csv`` (a route's capacity and status by year) and
``commitments.csv`` (minimum yearly volumes with a penalty), both optional.

Every malformed cell becomes a :class:`~crudeflow.errors.Problem` with file, line, field, value
and what was expected; the format is in ``docs/dataset-format.md`` ("Values by year",
"Minimum commitments").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from crudeflow.network._checks import _ID_RE, _Checker
from crudeflow.network.model import STATUSES, Commitment, Route, RouteYear, Status

ROUTE_YEARS = "route_years.csv"
COMMITMENTS = "commitments.csv"
MAX_MT = 10_000.0
MAX_USD_PER_T = 10_000.0


def read_route_years(
    ck: _Checker, *, routes: Sequence[Route], route_ids: Mapping[str, int]
) -> tuple[RouteYear, ...]:
    """The rows of ``route_years.csv`` (none when the file is absent), checked cell by cell."""
    f = ROUTE_YEARS
    by_id = {r.id: r for r in routes}
    out: list[RouteYear] = []
    seen: dict[tuple[str, int], int] = {}
    for line, row in ck.rows(f, optional=True):
        rid = row["route"]
        if rid not in route_ids:
            ck.add(f, line, "route", rid, "a route id from routes.csv")
        year = ck.integer(f, line, row, "year")
        cap = ck.number(
            f,
            line,
            row,
            "capacity_mtpa",
            required=False,
            low=0,
            high=MAX_MT,
            what=f"a capacity in Mt/yr, 0 to {MAX_MT:,.0f} (or empty)",
        )
        status = row.get("status", "")
        if status and status not in STATUSES:
            ck.add(f, line, "status", status, "one of " + ", ".join(STATUSES) + " (or empty)")
            status = ""
        if not row.get("capacity_mtpa", "") and not row.get("status", ""):
            ck.add(f, line, "capacity_mtpa", "", "a capacity_mtpa or a status (both are empty)")
        if not row.get("capacity_mtpa", ""):  # else checked with the capacity cell
            if not row["source"]:
                ck.add(f, line, "source", "", "a source id or 'estimate: <reasoning>'")
            else:
                ck.source_cell(f, line, "source", row["source"])
        route = by_id.get(rid)
        phys = route.physical_capacity_mtpa if route is not None else None
        if cap is not None and phys is not None and cap > phys:
            ck.add(
                f,
                line,
                "capacity_mtpa",
                row["capacity_mtpa"],
                f"at most the route's physical_capacity_mtpa ({phys:g})",
            )
            cap = None
        if year is not None and (rid, year) in seen:
            ck.add(
                f,
                line,
                "year",
                year,
                f"one row per route and year (also on line {seen[(rid, year)]})",
            )
            continue
        if route is None or year is None or (cap is None and not status):
            continue
        seen[(rid, year)] = line
        out.append(
            RouteYear(
                rid,
                year,
                cap,
                cast(Status, status) if status else None,
                row["source"],
                row.get("note", ""),
            )
        )
    return tuple(out)


def read_commitments(
    ck: _Checker, *, route_ids: Mapping[str, int], groups: Mapping[str, tuple[str, ...]]
) -> tuple[Commitment, ...]:
    """The rows of ``commitments.csv`` (none when the file is absent), checked cell by cell."""
    f = COMMITMENTS
    out: list[Commitment] = []
    seen: dict[str, int] = {}
    for line, row in ck.rows(f, optional=True):
        cid = ck.ident(f, line, row, "id", seen)
        target = row["target"]
        kind, _, name = target.partition(":")
        routes: tuple[str, ...] = ()
        if kind == "route" and name in route_ids:
            routes = (name,)
        elif kind == "group" and name in groups:
            routes = tuple(dict.fromkeys(groups[name]))
        else:
            ck.add(
                f,
                line,
                "target",
                target,
                "route:ID (a route of routes.csv) or group:NAME (a group of dataset.yaml)",
            )
        year = ck.integer(f, line, row, "year", required=False)
        low = ck.number(
            f,
            line,
            row,
            "min_mtpa",
            low=0,
            low_open=True,
            high=MAX_MT,
            what=f"a minimum in Mt/yr, above 0 and at most {MAX_MT:,.0f}",
        )
        penalty = ck.number(
            f,
            line,
            row,
            "penalty_usd_per_t",
            low=0,
            high=MAX_USD_PER_T,
            what=f"a cost per tonne short in USD/t, 0 to {MAX_USD_PER_T:,.0f}",
        )
        if cid and _ID_RE.match(cid) and routes and low is not None and penalty is not None:
            out.append(
                Commitment(
                    id=cid,
                    routes=routes,
                    target=target,
                    year=year,
                    min_mtpa=low,
                    penalty_usd_per_t=penalty,
                    source=row["source"],
                    min_source=row.get("min_source", ""),
                    penalty_source=row.get("penalty_source", ""),
                    note=row.get("note", ""),
                )
            )
    return tuple(out)
