"""The rolling re-plan's one rule: what "the months already run" are in the planning LP.

A plan without foresight runs as scheduled until something it did not know strikes; from
that month on it is re-optimised, with every column of the months already run fixed at what
was done (``docs/dataset-format.md``, "No foresight: the rolling re-plan"). The risk engine
(:mod:`crudeflow.montecarlo.engine`) and a scenario run without foresight
(:func:`crudeflow.scenario.run_scenario`) both fix the past with these functions.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.lp import Periods, build_lp
>>> lp = build_lp(toy_network(), Periods.monthly(2025))
>>> before = columns_before(lp)
>>> len(before), before[0].size, before[12].size == lp.block("u").start
(13, 0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crudeflow.solve.lp import LinearProgram

__all__ = ["FixedPast", "column_periods", "columns_before", "fixed_bounds"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def column_periods(lp: LinearProgram) -> IntArray:
    """The period index of each column of ``lp`` (``T`` for a column that is never history).

    ``x``, ``s``, ``d``, both stock blocks ``h``, ``g`` and the refinery shortfalls ``v``
    belong to their period; the
    crude ``q`` an open horizon's opening in-transit cannot deliver belongs to the first
    period (it decides that period's arrivals); the requirement slacks ``u`` are never
    history (they measure the whole horizon), and get ``T``.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods, build_lp
    >>> lp = build_lp(toy_network(), Periods.monthly(2025))
    >>> p = column_periods(lp)
    >>> p[lp.block("x")].tolist()[:4], int(p[lp.block("u")].min(initial=12))
    ([0, 0, 0, 1], 12)
    """
    T, R = lp.periods.n, lp.n_routes
    S, M, H = len(lp.supply_nodes), len(lp.market_nodes), len(lp.storage_nodes)
    period = np.full(len(lp.c), T, dtype=np.int64)
    period[lp.block("x")] = np.repeat(np.arange(T), R)
    period[lp.block("s")] = np.repeat(np.arange(T), S)
    period[lp.block("d")] = np.repeat(np.arange(T), M)
    period[lp.block("h")] = np.tile(np.repeat(np.arange(T), H), 2)
    period[lp.block("q")] = 0
    period[lp.block("v")] = np.repeat(np.arange(T), len(lp.refinery_nodes))
    return period


def columns_before(lp: LinearProgram) -> list[IntArray]:
    """``[m]``: the columns of the periods ``0 ... m - 1`` (``m = 0 ... T``), ascending."""
    period = column_periods(lp)
    return [np.flatnonzero(period < m).astype(np.int64) for m in range(lp.periods.n + 1)]


@dataclass(frozen=True)
class FixedPast:
    """The periods before ``month`` are history: their columns are fixed at ``x``'s values.

    ``x`` is a solution of an LP with the same columns (the same network, periods,
    requirements and objective; other capacities, tariffs, prices or supply).
    """

    month: int
    x: FloatArray


def fixed_bounds(
    lp: LinearProgram, past: FixedPast, lower: FloatArray, upper: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Column bounds ``lower``/``upper`` with the columns of ``past`` fixed (new arrays).

    Raises
    ------
    ValueError
        ``past.x`` has another number of columns than ``lp`` or ``month`` is out of range.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods, build_lp
    >>> lp = build_lp(toy_network(), Periods.monthly(2025))
    >>> x = np.full(len(lp.c), 0.25)
    >>> lo, hi = fixed_bounds(lp, FixedPast(1, x), lp.col_lower, lp.col_upper)
    >>> float(lo[0]), float(hi[0]), float(lo[lp.block("x").stop - 1])
    (0.25, 0.25, 0.0)
    """
    if past.x.shape != lp.c.shape:
        raise ValueError(
            f"fixed past: {past.x.size} columns given, the LP has {lp.c.size} "
            "(the plans differ in network, periods, requirements or objective)"
        )
    if not 0 <= past.month <= lp.periods.n:
        raise ValueError(f"fixed past: month {past.month} outside 0 to {lp.periods.n}")
    cols = columns_before(lp)[past.month]
    lo, hi = lower.copy(), upper.copy()
    lo[cols] = past.x[cols]
    hi[cols] = past.x[cols]
    return lo, hi
