"""The tanker fleet's rows in the planning LP: one per pool and period.

Each pool (``fleet.csv`` rows naming the same legs) adds ``sum of x[t, r] over its legs <=
C_t`` with ``C_t`` what its classes carry in period ``t`` (Mt; the months' weather days are in
it). docs/dataset-format.md, "The tanker fleet", states it; :mod:`crudeflow.solve.lp` calls
:func:`add_fleet_rows` last, after the commitment rows.

Examples
--------
>>> from crudeflow.network._fleet import Fleet
>>> from crudeflow.solve.lp import Periods
>>> f = Fleet("T", "", ("A_B",), 2, 8000.0, 10.0, 240.0, 4.0, weather_days=(10.0,) + (0.0,) * 11)
>>> [round(float(v), 6) for v in period_mt(f, Periods.monthly(2025, months=2))]
[0.056, 0.074667]
>>> round(float(period_mt(f, Periods.annual(2025))[0]), 6)  # 2 x 8,000 t x 355 / 6 days
0.946667
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from crudeflow.network._fleet import Fleet, fleet_pools

if TYPE_CHECKING:
    from crudeflow.network.model import Network
    from crudeflow.solve.lp import Periods

__all__ = ["FleetRow", "add_fleet_rows", "period_mt"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _EntriesLike(Protocol):
    def add(self, rows: IntArray, cols: IntArray, vals: FloatArray) -> None: ...


@dataclass(frozen=True)
class FleetRow:
    """A pool's rows ``first_row ... first_row + T - 1``: ``sum of x[t, r] over routes <=
    capacity_mt[t]``."""

    pool: tuple[str, ...]
    """The pool's legs (route ids, as its first row lists them)."""
    first_row: int
    routes: IntArray
    """Indices of the legs."""
    capacity_mt: FloatArray
    """[T] what the pool's classes carry in each period (Mt)."""
    classes: tuple[str, ...]
    """The pool's classes (fleet.csv ids), in file order."""
    per_vessel_mt: FloatArray
    """[classes, T] what one vessel of each class carries in each period (Mt)."""


def period_mt(fleet: Fleet, periods: Periods, vessels: float | None = None) -> FloatArray:
    """[T] Mt the class (or ``vessels`` of it) carries in each period: the sum over the
    period's calendar months (twelve for an annual plan)."""
    out = np.zeros(len(periods.labels))
    for t, (label, year) in enumerate(zip(periods.labels, periods.years, strict=True)):
        months = fleet.month_mt(year, vessels)
        out[t] = months.sum() if periods.is_annual else months[int(label.rsplit("-", 1)[1]) - 1]
    return out


def add_fleet_rows(
    ent: _EntriesLike,
    network: Network,
    periods: Periods,
    n_routes: int,
    first_row: int,
    vessels: Mapping[str, float] | None = None,
) -> tuple[FleetRow, ...]:
    """One row per pool and period (coefficients into ``ent``), in order of each pool's first
    row in fleet.csv; ``vessels`` (class id -> count) replaces fleet.csv's counts."""
    vessels = vessels or {}
    pos = network._route_index
    T = len(periods.labels)
    out: list[FleetRow] = []
    row = first_row
    for routes, classes in fleet_pools(network.fleet):
        idx = np.array([pos[r] for r in routes], dtype=np.int64)
        cols = (np.arange(T)[:, None] * n_routes + idx[None, :]).ravel()
        ent.add(np.repeat(row + np.arange(T), len(idx)), cols, np.ones(len(cols)))
        one = np.array([period_mt(c, periods, 1.0) for c in classes])
        cap = sum((period_mt(c, periods, vessels.get(c.id)) for c in classes), np.zeros(T))
        out.append(FleetRow(routes, row, idx, cap, tuple(c.id for c in classes), one))
        row += T
    return tuple(out)
