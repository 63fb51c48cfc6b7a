"""Read and check ``projects.csv`` (optional): candidate investments for ``crudeflow invest``.

Every malformed cell becomes a :class:`~crudeflow.errors.Problem` with file, line, field, value
and what was expected; the format is in ``docs/dataset-format.md`` ("projects.csv").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from crudeflow.ids import did_you_mean
from crudeflow.invest.projects import Project
from crudeflow.network._checks import _ID_RE, _Checker

FILE = "projects.csv"
MAX_MODULES = 1_000
MAX_CAPEX_MUSD = 1_000_000.0
"""USD 1 trillion: above any pipeline ever built; larger numbers are typos."""
MAX_OPEX_MUSD_PER_YR = 100_000.0
MAX_LIFETIME_YEARS = 100
_YES = ("yes", "no", "")


def _whole(
    ck: _Checker, line: int, row: dict[str, str], col: str, low: int, high: int, what: str
) -> int | None:
    raw = row.get(col, "")
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        ck.add(FILE, line, col, raw, f"{what}, a whole number from {low} to {high:,}")
        return None
    ck.check_source(FILE, line, row, col)
    return int(raw)


def _ids(ck: _Checker, line: int, row: dict[str, str], col: str) -> tuple[str, ...] | None:
    raw = row.get(col, "")
    parts = [p.strip() for p in raw.split(";")] if raw else []
    if any(not _ID_RE.match(p) for p in parts):
        ck.add(FILE, line, col, raw, "project ids from projects.csv, ';'-separated")
        return None
    if len(set(parts)) != len(parts):
        ck.add(FILE, line, col, raw, "each project id once")
        return None
    return tuple(parts)


def _check_target(
    ck: _Checker,
    line: int,
    route_ids: Mapping[str, int],
    node_ids: Collection[str],
    node_limits: Mapping[str, float | None],
    fleets: Mapping[str, float],
    row: dict[str, str],
) -> bool:
    """Exactly one of ``route``, ``node`` and ``fleet``, naming what it extends; True if so."""
    route, node, fleet = row.get("route", ""), row.get("node", ""), row.get("fleet", "")
    filled = [c for c, v in (("route", route), ("node", node), ("fleet", fleet)) if v]
    if len(filled) != 1:
        others = "".join(f"; {c} is {row[c]!r}" for c in filled if c != "route")
        expected = "exactly one of route (a route id), node (a node id) and fleet (a class id)"
        ck.add(FILE, line, "route", route, expected + ", the others empty" + others)
    elif route and route not in route_ids:
        ck.add(
            FILE,
            line,
            "route",
            route,
            "a route id from routes.csv" + did_you_mean(route, route_ids),
        )
    elif node and node not in node_ids:
        ck.add(FILE, line, "node", node, "a node id from nodes.csv" + did_you_mean(node, node_ids))
    elif node and node in node_limits and node_limits[node] is None:
        expected = "a node with a loading limit (throughput_mtpa in nodes.csv) to raise"
        ck.add(FILE, line, "node", node, expected)
    elif fleet and fleet not in fleets:
        ck.add(
            FILE, line, "fleet", fleet, "a class id from fleet.csv" + did_you_mean(fleet, fleets)
        )
    else:
        return not node or node in node_limits
    return False


def _adds(
    ck: _Checker, line: int, row: dict[str, str], fleets: Mapping[str, float]
) -> float | None:
    """Mt/yr one module adds: the cell, or one vessel's Mt/yr for a fleet project (empty cell)."""
    fleet = row.get("fleet", "")
    if fleet:
        if row.get("adds_mtpa", ""):
            expected = "empty for a fleet project (one vessel's Mt/yr comes from fleet.csv)"
            ck.add(FILE, line, "adds_mtpa", row["adds_mtpa"], expected)
            return None
        return fleets.get(fleet)
    return ck.number(
        FILE,
        line,
        row,
        "adds_mtpa",
        low=0,
        low_open=True,
        high=10_000,
        what="Mt/yr added by one module, above 0 and at most 10,000",
    )


def read_projects(
    ck: _Checker,
    *,
    route_ids: Mapping[str, int],
    node_ids: Collection[str] = (),
    node_limits: Mapping[str, float | None] | None = None,
    fleets: Mapping[str, float] | None = None,
) -> tuple[Project, ...]:
    """The projects of ``projects.csv`` in file order (empty when the file is absent).

    Checks each cell (numbers, years, sources), that exactly one of ``route`` and ``node`` is
    filled, that ``route`` names a route of routes.csv and ``node`` a node of nodes.csv with a
    loading limit (``node_limits``: node id -> ``throughput_mtpa``, for the well-formed nodes),
    ``fleet`` a class of fleet.csv (``fleets``: class id -> one vessel's Mt/yr, which becomes
    the project's ``adds_mtpa``; the cell must then be empty), and the links: ``requires``/``excludes`` name other projects of the file, no project names
    itself, and no pair of projects both requires and excludes the other.
    """
    node_limits = node_limits or {}
    fleets = fleets or {}
    seen: dict[str, int] = {}
    rows: list[tuple[int, Project | None, tuple[str, ...], tuple[str, ...]]] = []
    for line, row in ck.rows(FILE, optional=True):
        pid = ck.ident(FILE, line, row, "id", seen)
        if not row["name"]:
            ck.add(FILE, line, "name", "", "a project name (not empty)")
        route, node, fleet = row.get("route", ""), row.get("node", ""), row.get("fleet", "")
        target_ok = _check_target(ck, line, route_ids, node_ids, node_limits, fleets, row)
        if not row["source"]:
            ck.add(FILE, line, "source", "", "a source id or 'estimate: <reasoning>'")
        else:
            ck.source_cell(FILE, line, "source", row["source"])
        adds = _adds(ck, line, row, fleets)
        modules = _whole(ck, line, row, "modules_max", 1, MAX_MODULES, "how many modules")
        capex = ck.number(
            FILE,
            line,
            row,
            "capex_musd",
            low=0,
            high=MAX_CAPEX_MUSD,
            what=f"a capital cost per module in USD m, 0 to {MAX_CAPEX_MUSD:,.0f}",
        )
        opex = ck.number(
            FILE,
            line,
            row,
            "opex_musd_per_yr",
            low=0,
            high=MAX_OPEX_MUSD_PER_YR,
            what=f"a fixed cost per module in USD m a year, 0 to {MAX_OPEX_MUSD_PER_YR:,.0f}",
        )
        life = _whole(ck, line, row, "lifetime_years", 1, MAX_LIFETIME_YEARS, "a lifetime in years")
        year = ck.integer(FILE, line, row, "earliest_year")
        if year is not None:
            ck.check_source(FILE, line, row, "earliest_year")
        hypo = row.get("hypothetical", "")
        if hypo not in _YES:
            ck.add(FILE, line, "hypothetical", hypo, "yes, no or empty")
        requires = _ids(ck, line, row, "requires")
        excludes = _ids(ck, line, row, "excludes")
        ok = (
            pid is not None
            and target_ok
            and None not in (adds, modules, capex, opex, life, year, requires, excludes)
            and hypo in _YES
            and bool(row["name"])
        )
        project = None
        if ok:
            assert adds is not None and modules is not None and capex is not None
            assert opex is not None and life is not None and year is not None
            assert pid is not None and requires is not None and excludes is not None
            project = Project(
                id=pid,
                name=row["name"],
                route=route,
                adds_mtpa=adds,
                modules_max=modules,
                capex_musd=capex,
                opex_musd_per_yr=opex,
                lifetime_years=life,
                earliest_year=year,
                requires=requires,
                excludes=excludes,
                hypothetical=hypo == "yes",
                source=row["source"],
                note=row.get("note", ""),
                node=node,
                fleet=fleet,
            )
        rows.append((line, project, requires or (), excludes or ()))
    # links: every id named is a project of the file; none names itself; no contradictions
    requires_of: dict[str, set[str]] = {}
    excludes_of: dict[str, set[str]] = {}
    for line, project, requires, excludes in rows:
        pid = project.id if project else next((k for k, v in seen.items() if v == line), "")
        for col, named in (("requires", requires), ("excludes", excludes)):
            for other in named:
                if other not in seen:
                    ck.add(
                        FILE,
                        line,
                        col,
                        other,
                        "a project id from projects.csv" + did_you_mean(other, seen),
                    )
                elif other == pid:
                    ck.add(FILE, line, col, other, "another project's id (not the row's own)")
        if pid:
            requires_of.setdefault(pid, set()).update(requires)
            excludes_of.setdefault(pid, set()).update(excludes)
    for line, project, _, _ in rows:
        if project is None:
            continue
        pid = project.id
        both = sorted(
            q
            for q in seen
            if q != pid
            and (q in requires_of.get(pid, ()) or pid in requires_of.get(q, ()))
            and (q in excludes_of.get(pid, ()) or pid in excludes_of.get(q, ()))
        )
        for q in both:
            if seen[pid] < seen[q]:  # report each pair once, on its first row
                ck.add(
                    FILE,
                    line,
                    "excludes" if q in excludes_of.get(pid, ()) else "requires",
                    q,
                    f"a project that {pid} does not both require and exclude (see line {seen[q]})",
                )
    return tuple(p for _, p, _, _ in rows if p is not None)
