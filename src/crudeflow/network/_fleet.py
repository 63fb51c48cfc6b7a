"""The tanker fleet (``fleet.csv``, optional): a leg's capacity from its vessels.

One row is a class of tankers shuttling on one or more legs; rows naming the same set of legs
form a *pool* whose capacities add up. What a class carries in a month::

    round_trip_days = distance / (24 speed) + distance / (24 ballast_speed) + port_days
    C[m] = vessels * deadweight * cargo_fraction * (days(m) - weather_days[m]) / round_trip_days / 1e6

(Mt). The format and the model's use of it are in ``docs/dataset-format.md`` ("The tanker
fleet").

Examples
--------
>>> f = Fleet(id="T", name="", routes=("A_B",), vessels=2, deadweight_t=8000.0,
...           speed_knots=10.0, distance_nm=240.0, port_days=4.0)
>>> f.round_trip_days
6.0
>>> round(f.mtpa_per_vessel, 4)
0.4867
>>> round(float(f.month_mt(2025)[1]), 6)  # February 2025: 2 x 8,000 t x 28 / 6 days
0.074667
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crudeflow.ids import did_you_mean
from crudeflow.network._checks import _SOURCE_OF, _Checker

__all__ = ["Fleet", "FleetLine", "fleet_pools", "fleet_summary", "pool_mt_by_route", "read_fleet"]

FILE = "fleet.csv"
MAX_VESSELS = 1_000
MAX_DEADWEIGHT_T = 1_000_000.0
MAX_KNOTS = 50.0
MAX_NM = 20_000.0
_COMMON_DAYS = tuple(calendar.monthrange(2025, m)[1] for m in range(1, 13))
"""Days of each month in a common year (the bound of ``weather_days``)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Fleet:
    """A class of ``vessels`` tankers of ``deadweight_t`` serving ``routes`` (``fleet.csv``)."""

    id: str
    name: str
    routes: tuple[str, ...]
    vessels: int
    deadweight_t: float
    speed_knots: float
    distance_nm: float
    port_days: float
    cargo_fraction: float = 1.0
    ballast_speed_knots: float | None = None
    """Speed back empty; None: ``speed_knots``."""
    weather_days: tuple[float, ...] = (0.0,) * 12
    """Days of each month (January first) on which the class cannot sail or load."""
    source: str = ""
    note: str = ""
    cell_sources: tuple[tuple[str, str], ...] = ()
    """(column, its own ``*_source`` cell) for the numeric columns that have one."""

    def source_of(self, column: str) -> str:
        """The source of a numeric column: its own ``*_source`` cell, else the row's."""
        return dict(self.cell_sources).get(column) or self.source

    @property
    def payload_t(self) -> float:
        """Crude loaded per voyage (t): deadweight times the cargo fraction."""
        return self.deadweight_t * self.cargo_fraction

    @property
    def round_trip_days(self) -> float:
        """Sailing there loaded and back in ballast, plus the days in port."""
        back = self.ballast_speed_knots or self.speed_knots
        return (
            self.distance_nm / (24.0 * self.speed_knots)
            + self.distance_nm / (24.0 * back)
            + self.port_days
        )

    def month_mt(self, year: int, vessels: float | None = None) -> FloatArray:
        """[12] Mt the class (or ``vessels`` of it) carries in each month of ``year``."""
        n = self.vessels if vessels is None else vessels
        days = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)], dtype=float)
        open_days = days - np.asarray(self.weather_days, dtype=float)
        return np.asarray(n * self.payload_t * open_days / self.round_trip_days / 1e6)

    @property
    def mtpa_per_vessel(self) -> float:
        """One vessel's Mt over a common year (365 days) with the class's weather days."""
        open_days = sum(_COMMON_DAYS) - sum(self.weather_days)
        return self.payload_t * open_days / self.round_trip_days / 1e6

    @property
    def mtpa(self) -> float:
        """What the class carries over a common year (Mt/yr)."""
        return self.vessels * self.mtpa_per_vessel


def fleet_pools(fleets: Iterable[Fleet]) -> tuple[tuple[tuple[str, ...], tuple[Fleet, ...]], ...]:
    """The pools: ``(routes, classes)`` for each set of routes, in order of its first row.

    >>> a = Fleet("a", "", ("X", "Y"), 1, 1e4, 10.0, 100.0, 1.0)
    >>> b = Fleet("b", "", ("Y", "X"), 2, 8e3, 10.0, 100.0, 1.0)
    >>> [(r, [c.id for c in cs]) for r, cs in fleet_pools([a, b])]
    [(('X', 'Y'), ['a', 'b'])]
    """
    pools: dict[frozenset[str], tuple[tuple[str, ...], list[Fleet]]] = {}
    for f in fleets:
        pools.setdefault(frozenset(f.routes), (f.routes, []))[1].append(f)
    return tuple((routes, tuple(cs)) for routes, cs in pools.values())


def pool_mt_by_route(fleets: Iterable[Fleet], year: int) -> dict[str, float]:
    """Route id -> what its pool carries over ``year`` (Mt): the bypass max-flow's cap on the
    leg (a pool of several legs caps each of them at its whole capacity, an upper bound).

    >>> a = Fleet("a", "", ("X",), 2, 1e4, 10.0, 120.0, 0.0)
    >>> pool_mt_by_route([a], 2025)
    {'X': 7.3}
    """
    out: dict[str, float] = {}
    for routes, classes in fleet_pools(fleets):
        total = float(sum(c.month_mt(year).sum() for c in classes))
        out.update(dict.fromkeys(routes, total))
    return out


@dataclass(frozen=True, slots=True)
class FleetLine:
    """One class in :func:`fleet_summary`: what it and its pool carry in a year, and how many
    more vessels of it alone the pool needs for a target."""

    id: str
    name: str
    routes: tuple[str, ...]
    vessels: int
    payload_t: float
    round_trip_days: float
    mtpa_per_vessel: float
    """One vessel's Mt over a common year (``Fleet.mtpa_per_vessel``)."""
    class_mt: float
    """What the class carries over the year (Mt)."""
    pool_mt: float
    """What the class's pool carries over the year (Mt)."""
    pool_month_mt: tuple[float, ...]
    """The pool's Mt in each month of the year, January first."""
    vessels_needed: int | None = None
    """More vessels of this class alone for the pool to carry the target over the year
    (``ceil((target - pool_mt) / one vessel's Mt in the year)``, 0 when it already does);
    None without a target."""


def fleet_summary(
    fleets: Iterable[Fleet], year: int, target_mtpa: float | None = None
) -> tuple[FleetLine, ...]:
    """Per class (by pool, pools in order of their first row): its voyage, its and its pool's Mt over ``year`` month by month,
    and with ``target_mtpa`` the vessels of the class its pool needs to carry that much.

    >>> a = Fleet("a", "", ("X",), 2, 1e4, 10.0, 120.0, 0.0)
    >>> line = fleet_summary([a], 2025, target_mtpa=10.0)[0]
    >>> line.pool_mt, line.vessels_needed  # 3.65 Mt a vessel: 2 more carry 14.6
    (7.3, 1)
    """
    out: list[FleetLine] = []
    for routes, classes in fleet_pools(fleets):
        months = sum((c.month_mt(year) for c in classes), np.zeros(12))
        pool = float(months.sum())
        for c in classes:
            one = float(c.month_mt(year, 1).sum())
            need = None
            if target_mtpa is not None:
                need = 0 if pool >= target_mtpa else math.ceil((target_mtpa - pool) / one - 1e-9)
            out.append(
                FleetLine(
                    id=c.id,
                    name=c.name,
                    routes=routes,
                    vessels=c.vessels,
                    payload_t=c.payload_t,
                    round_trip_days=c.round_trip_days,
                    mtpa_per_vessel=c.mtpa_per_vessel,
                    class_mt=float(c.month_mt(year).sum()),
                    pool_mt=round(pool, 9),
                    pool_month_mt=tuple(round(float(v), 9) for v in months),
                    vessels_needed=need,
                )
            )
    return tuple(out)


def _weather(ck: _Checker, line: int, row: dict[str, str]) -> tuple[float, ...] | None:
    raw = row.get("weather_days", "")
    if raw == "":
        return (0.0,) * 12
    expected = (
        "12 numbers ';'-separated (January first), each from 0 to the month's days "
        "in a common year (28 for February)"
    )
    values = ck.numbers(FILE, line, row, "weather_days", expected, count=12, highs=_COMMON_DAYS)
    if values is not None:
        ck.check_source(FILE, line, row, "weather_days")
    return values


def _routes(
    ck: _Checker, line: int, row: dict[str, str], route_ids: Mapping[str, int]
) -> tuple[str, ...] | None:
    raw = row.get("routes", "")
    parts = [p.strip() for p in raw.split(";")] if raw else []
    if not parts:
        ck.add(FILE, line, "routes", raw, "route ids from routes.csv, ';'-separated")
        return None
    for rid in parts:
        if rid not in route_ids:
            ck.add(
                FILE,
                line,
                "routes",
                rid,
                "a route id from routes.csv" + did_you_mean(rid, route_ids),
            )
            return None
    if len(set(parts)) != len(parts):
        ck.add(FILE, line, "routes", raw, "each route once")
        return None
    return tuple(parts)


def _count(ck: _Checker, line: int, row: dict[str, str]) -> int | None:
    raw = row.get("vessels", "")
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_VESSELS:
        what = f"a number of vessels, a whole number from 0 to {MAX_VESSELS:,}"
        ck.add(FILE, line, "vessels", raw, what)
        return None
    ck.check_source(FILE, line, row, "vessels")
    return int(raw)


_NUMBERS: tuple[tuple[str, float, bool, bool, str], ...] = (
    # column, upper limit, above 0 (else >= 0), required, what is expected
    ("deadweight_t", MAX_DEADWEIGHT_T, True, True, "a deadweight in t, above 0, at most 1,000,000"),
    (
        "cargo_fraction",
        1.0,
        True,
        False,
        "a share of the deadweight, above 0, at most 1 (or empty)",
    ),
    ("speed_knots", MAX_KNOTS, True, True, "a speed in knots, above 0, at most 50"),
    (
        "ballast_speed_knots",
        MAX_KNOTS,
        True,
        False,
        "a speed in knots, above 0, at most 50 (or empty)",
    ),
    ("distance_nm", MAX_NM, True, True, "a distance in nautical miles, above 0, at most 20,000"),
    ("port_days", 365.0, False, True, "days per round trip, 0 to 365"),
)


def _row(
    ck: _Checker, line: int, row: dict[str, str], route_ids: Mapping[str, int], fid: str | None
) -> Fleet | None:
    routes = _routes(ck, line, row, route_ids)
    vessels = _count(ck, line, row)
    num: dict[str, float | None] = {}
    ok = True
    for col, high, positive, required, what in _NUMBERS:
        num[col] = ck.number(
            FILE, line, row, col, required=required, low=0, low_open=positive, high=high, what=what
        )
        ok = ok and (num[col] is not None or (not required and row.get(col, "") == ""))
    weather = _weather(ck, line, row)
    if not row["source"]:
        ck.add(FILE, line, "source", "", "a source id or 'estimate: <reasoning>'")
    else:
        ck.source_cell(FILE, line, "source", row["source"])
    if not ok or fid is None or routes is None or vessels is None or weather is None:
        return None
    return Fleet(
        id=fid,
        name=row.get("name", ""),
        routes=routes,
        vessels=vessels,
        deadweight_t=float(num["deadweight_t"] or 0.0),
        speed_knots=float(num["speed_knots"] or 0.0),
        distance_nm=float(num["distance_nm"] or 0.0),
        port_days=float(num["port_days"] or 0.0),
        cargo_fraction=num["cargo_fraction"] or 1.0,
        ballast_speed_knots=num["ballast_speed_knots"],
        weather_days=weather,
        source=row["source"],
        note=row.get("note", ""),
        cell_sources=tuple(
            (col, row.get(src, "")) for col, src in _SOURCE_OF[FILE].items() if row.get(src, "")
        ),
    )


def read_fleet(ck: _Checker, *, route_ids: Mapping[str, int]) -> tuple[Fleet, ...]:
    """The classes of ``fleet.csv`` in file order (none when the file is absent), checked cell
    by cell; a route in two different pools is an error on the later row."""
    seen: dict[str, int] = {}
    pool_of: dict[str, tuple[frozenset[str], int]] = {}
    out: list[Fleet] = []
    for line, row in ck.rows(FILE, optional=True):
        fid = ck.ident(FILE, line, row, "id", seen)
        fleet = _row(ck, line, row, route_ids, fid)
        if fleet is None:
            continue
        key = frozenset(fleet.routes)
        clash = [(r, pool_of[r][1]) for r in fleet.routes if r in pool_of and pool_of[r][0] != key]
        if clash:
            rid, other = clash[0]
            ck.add(
                FILE,
                line,
                "routes",
                row["routes"],
                f"the same set of routes as line {other}, which also serves {rid} "
                "(a route belongs to one pool)",
            )
            continue
        for r in fleet.routes:
            pool_of.setdefault(r, (key, line))
        out.append(fleet)
    return tuple(out)
