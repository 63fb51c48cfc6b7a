"""Read and check ``outages.csv`` (optional): the hazards of the outage model.

Every malformed cell becomes a :class:`~crudeflow.errors.Problem` with file, line, field, value
and what was expected; the format is in ``docs/dataset-format.md`` ("outages.csv").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import cast

from crudeflow.montecarlo.outages import (
    HAZARD_KINDS,
    TARGET_KINDS,
    Hazard,
    HazardKind,
    OutageModel,
    TargetKind,
)
from crudeflow.network._checks import _ID_RE, _Checker
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network.model import Route

FILE = "outages.csv"
_TARGET_RE = re.compile(r"^([a-z]+):(.+)$")
_EVENT_ONLY = ("events_per_year", "median_days", "p90_days", "duration_days", "month_weights")
_SHARED_SAME = ("events_per_year", "median_days", "p90_days", "duration_days")


def _season(ck: _Checker, line: int, row: dict[str, str], kind: str) -> tuple[float, ...] | None:
    months, weights = row.get("months", ""), row.get("month_weights", "")
    if months and weights:
        ck.add(FILE, line, "month_weights", weights, "empty when months is given (one or other)")
        return None
    if kind == "derate" and not months:
        ck.add(FILE, line, "months", "", "the months a derate applies in, e.g. 11;12")
        return None
    if months:
        what = "month numbers 1 to 12, ';'-separated, each once (e.g. 11;12;1)"
        picked: list[int] = []
        for part in months.split(";"):
            p = part.strip()
            if not p.isdigit() or not 1 <= int(p) <= 12 or int(p) in picked:
                ck.add(FILE, line, "months", months, what)
                return None
            picked.append(int(p))
        ck.check_source(FILE, line, row, "months")
        return tuple(1.0 if m + 1 in picked else 0.0 for m in range(12))
    if weights:
        what = "12 weights >= 0, ';'-separated, January first, not all zero"
        ws = ck.numbers(FILE, line, row, "month_weights", what, count=12)
        if ws is None:
            return None
        if not any(ws):
            ck.add(FILE, line, "month_weights", weights, what)
            return None
        ck.check_source(FILE, line, row, "month_weights")
        return ws
    return (1.0,) * 12


def _target(
    ck: _Checker,
    line: int,
    raw: str,
    *,
    route_ids: Collection[str],
    groups: Mapping[str, tuple[str, ...]],
    node_ids: Collection[str],
    routes: Sequence[Route],
) -> tuple[TargetKind, str] | None:
    m = _TARGET_RE.match(raw)
    if not m or m.group(1) not in TARGET_KINDS:
        ck.add(
            FILE,
            line,
            "target",
            raw,
            "route:ID, group:NAME, node:ID, from:ID, to:ID or country:CC",
        )
        return None
    kind, name = m.group(1), m.group(2).strip()
    if kind == "route" and name not in route_ids:
        ck.add(FILE, line, "target", raw, "route: followed by a route id from routes.csv")
        return None
    if kind == "group" and name not in groups:
        ck.add(FILE, line, "target", raw, "group: followed by a route group named in dataset.yaml")
        return None
    if kind in ("node", "from", "to"):
        if name not in node_ids:
            ck.add(FILE, line, "target", raw, f"{kind}: followed by a node id from nodes.csv")
            return None
        hit = [
            r
            for r in routes
            if (kind in ("node", "from") and r.from_node == name)
            or (kind in ("node", "to") and r.to_node == name)
        ]
        if routes and not hit:
            ck.add(FILE, line, "target", raw, "a node with routes in that direction")
            return None
    if kind == "country":
        if name not in ISO_ALPHA2:
            ck.add(FILE, line, "target", raw, "country: followed by an ISO 3166-1 alpha-2 code")
            return None
        if routes and not any(name in r.countries for r in routes):
            ck.add(FILE, line, "target", raw, "a country that some route crosses")
            return None
    return cast(TargetKind, kind), name


def read_outages(
    ck: _Checker,
    *,
    routes: Sequence[Route],
    route_ids: Collection[str],
    groups: Mapping[str, tuple[str, ...]],
    node_ids: Collection[str],
    rows: Sequence[tuple[int, dict[str, str]]] | None = None,
) -> OutageModel:
    """The hazards of ``outages.csv`` (an empty model when the file is absent).

    ``rows`` (line, cells with every column of the file) are checked instead of the file's:
    a scenario's ``hazards:`` rows go through the same rules (``crudeflow.scenario``).
    """
    hazards: list[Hazard] = []
    seen: dict[str, int] = {}
    shared_first: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in ck.rows(FILE, optional=True) if rows is None else rows:
        hid = ck.ident(FILE, line, row, "id", seen)
        kind = ck.choice(FILE, line, row, "kind", HAZARD_KINDS)
        target = _target(
            ck,
            line,
            row["target"],
            route_ids=route_ids,
            groups=groups,
            node_ids=node_ids,
            routes=routes,
        )
        if not row["source"]:
            ck.add(FILE, line, "source", "", "a source id or 'estimate: <reasoning>'")
        else:
            ck.source_cell(FILE, line, "source", row["source"])
        lost_min = ck.number(
            FILE, line, row, "lost_min", low=0, high=1, what="a fraction of capacity in [0, 1]"
        )
        lost_max = lost_min
        if row["lost_max"]:
            lost_max = ck.number(
                FILE,
                line,
                row,
                "lost_max",
                low=lost_min if lost_min is not None else 0,
                high=1,
                what=f"a fraction in [lost_min, 1] (lost_min is {row['lost_min'] or 'empty'})",
            )
        if lost_max is not None and lost_max == 0:
            ck.add(FILE, line, "lost_max" if row["lost_max"] else "lost_min", "0", "a loss > 0")
            lost_max = None
        season = _season(ck, line, row, kind or "")
        ok = None not in (hid, kind, target, lost_min, lost_max, season)
        if kind == "derate":
            for col in (*_EVENT_ONLY, "shared"):
                if row[col]:
                    ck.add(FILE, line, col, row[col], "empty for a derate (it is deterministic)")
                    ok = False
            if lost_max != lost_min and row["lost_max"]:
                ck.add(FILE, line, "lost_max", row["lost_max"], "empty or lost_min for a derate")
                ok = False
            if ok:
                hazards.append(
                    Hazard(
                        id=cast(str, hid),
                        kind="derate",
                        target_kind=cast(tuple[TargetKind, str], target)[0],
                        target=cast(tuple[TargetKind, str], target)[1],
                        lost_min=cast(float, lost_min),
                        lost_max=cast(float, lost_min),
                        month_weights=cast(tuple[float, ...], season),
                        source=row["source"],
                        line=line,
                        note=row["note"],
                    )
                )
            continue
        rate = ck.number(
            FILE,
            line,
            row,
            "events_per_year",
            low=0,
            low_open=True,
            what="expected events per year, > 0",
        )
        median = p90 = None
        durations: tuple[float, ...] = ()
        if row["duration_days"] and (row["median_days"] or row["p90_days"]):
            ck.add(
                FILE,
                line,
                "duration_days",
                row["duration_days"],
                "empty when median_days and p90_days are given (one duration or the other)",
            )
            ok = False
        elif row["duration_days"]:
            what = "durations in days > 0, ';'-separated (e.g. 2;4;1.5)"
            got = ck.numbers(FILE, line, row, "duration_days", what, low_open=True)
            if got is None:
                ok = False
            else:
                durations = got
                ck.check_source(FILE, line, row, "duration_days")
        elif not row["median_days"] and not row["p90_days"]:
            ck.add(
                FILE,
                line,
                "median_days",
                "",
                "a duration: median_days and p90_days (lognormal) or duration_days (a list)",
            )
            ok = False
        else:
            median = ck.number(
                FILE,
                line,
                row,
                "median_days",
                low=0,
                low_open=True,
                what="a median duration in days, > 0",
            )
            if median is not None:
                p90 = ck.number(
                    FILE,
                    line,
                    row,
                    "p90_days",
                    low=median,
                    what=f"a 90th-percentile duration in days, >= median_days ({row['median_days']})",
                )
            if median is None or p90 is None:
                ok = False
        if row["shared"]:
            if not _ID_RE.match(row["shared"]):
                ck.add(FILE, line, "shared", row["shared"], "a key of letters, digits, '_', '-'")
                ok = False
            elif row["shared"] in shared_first:
                first_line, first = shared_first[row["shared"]]
                for col in _SHARED_SAME:
                    if row[col] != first[col]:
                        ck.add(
                            FILE,
                            line,
                            col,
                            row[col],
                            f"{first[col]!r} as on line {first_line} (rows sharing "
                            f"{row['shared']!r} are struck by the same events)",
                        )
                        ok = False
                first_season = _season_text(first)
                if _season_text(row) != first_season:
                    col = "months" if row["months"] or first["months"] else "month_weights"
                    ck.add(
                        FILE,
                        line,
                        col,
                        row[col],
                        f"the season of line {first_line} ({first_season or 'all year'}; rows "
                        f"sharing {row['shared']!r} are struck by the same events)",
                    )
                    ok = False
            else:
                shared_first[row["shared"]] = (line, row)
        if ok and rate is not None:
            tk, tname = cast(tuple[TargetKind, str], target)
            hazards.append(
                Hazard(
                    id=cast(str, hid),
                    kind=cast(HazardKind, kind),
                    target_kind=tk,
                    target=tname,
                    events_per_year=rate,
                    median_days=median,
                    p90_days=p90,
                    duration_days=durations,
                    lost_min=cast(float, lost_min),
                    lost_max=cast(float, lost_max),
                    month_weights=cast(tuple[float, ...], season),
                    shared=row["shared"],
                    source=row["source"],
                    line=line,
                    note=row["note"],
                )
            )
    return OutageModel(tuple(hazards))


def _season_text(row: dict[str, str]) -> str:
    if row["months"]:
        return "months " + ";".join(str(m) for m in sorted(_k(m) for m in row["months"].split(";")))
    return ("month_weights " + row["month_weights"]) if row["month_weights"] else ""


def _k(part: str) -> int:
    p = part.strip()
    return int(p) if p.isdigit() else 0
