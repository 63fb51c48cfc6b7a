"""Combining dated changes day by day (private helpers of :mod:`crudeflow.scenario`).

Each quantity (a route's capacity or tariff, a market's price, a node's supply) is a daily
series over the horizon: the dataset's value, replaced on the days a change is in force, the
change of the scenario's own file (smaller ``depth``) written last so it wins over the files it
extends. Each period gets the series' mean over its days, so a change in force on part of a
period counts for its share of the days, and two changes never multiply. The work is linear in
the number of changes.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from crudeflow._scenario_fields import _err
from crudeflow.solve.lp import Periods

if TYPE_CHECKING:
    from crudeflow.scenario import Change

FloatArray = npt.NDArray[np.float64]


def _period_bounds(periods: Periods) -> list[tuple[dt.date, dt.date]]:
    out = []
    for label in periods.labels:
        if len(label) == 4:
            y = int(label)
            out.append((dt.date(y, 1, 1), dt.date(y, 12, 31)))
        else:
            y, m = int(label[:4]), int(label[5:7])
            out.append((dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])))
    return out


class _Days:
    """The horizon's days, and the periods they fall in."""

    def __init__(self, bounds: list[tuple[dt.date, dt.date]]) -> None:
        self.first, self.last = bounds[0][0], bounds[-1][1]
        self.n = (self.last - self.first).days + 1
        self.starts = np.array([(a - self.first).days for a, _ in bounds], dtype=np.intp)
        self.lengths = np.array([(b - a).days + 1 for a, b in bounds], dtype=np.float64)

    def span(self, ch: Change) -> tuple[int, int]:
        """Slice of the days on which ``ch`` is in force (the horizon clips it)."""
        i0 = 0 if ch.start is None or ch.start <= self.first else (ch.start - self.first).days
        i1 = self.n if ch.end is None or ch.end >= self.last else (ch.end - self.first).days + 1
        return i0, i1

    def mean(self, x: FloatArray) -> FloatArray:
        """Mean of a daily series over each period (exactly the value where it is constant)."""
        lo = np.minimum.reduceat(x, self.starts)
        hi = np.maximum.reduceat(x, self.starts)
        avg = np.add.reduceat(x, self.starts) / self.lengths
        return np.asarray(np.where(lo == hi, lo, avg), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Setting:
    """What one change makes of one quantity on its days: ``a`` x the dataset's value
    ``+ b`` ``+ c`` x an alternative base (a route's capacity when operating; Brent)."""

    change: Change
    a: float
    b: float
    c: float


def _bound(d: dt.date | None, default: dt.date) -> dt.date:
    return default if d is None else d


def _check_overlaps(what: str, settings: list[_Setting], days: _Days) -> None:
    """Two changes of the same depth (one file) on one quantity must not share a day."""
    by_depth: dict[int, list[_Setting]] = {}
    for s in settings:
        by_depth.setdefault(s.change.depth, []).append(s)
    for group in by_depth.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: _bound(s.change.start, days.first))
        prev = group[0]
        for s in group[1:]:
            start = _bound(s.change.start, days.first)
            prev_end = _bound(prev.change.end, days.last)
            if s.change is not prev.change and start <= prev_end:
                first, second = sorted((prev.change, s.change), key=lambda c: (c.file, c.line or 0))
                lo = max(start, days.first)
                hi = min(prev_end, _bound(s.change.end, days.last), days.last)
                where = f"line {first.line}" + (
                    "" if first.file == second.file else f" of {first.file}"
                )
                raise _err(
                    second.file,
                    second.line,
                    f"overlaps the change on {where}: both set {what} from {lo} to {hi} "
                    "(write one change per interval; a file that extends this one may replace it)",
                )
            if _bound(s.change.end, days.last) > prev_end:
                prev = s


def _settle(
    settings: list[_Setting], days: _Days, keep: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-period means of ``a``, ``b``, ``c`` (see :class:`_Setting`) over the days."""
    a = np.ones(days.n)
    b = np.zeros(days.n)
    c = np.zeros(days.n)
    # Deepest file first, so the scenario's own changes overwrite what it extends.
    for s in sorted(settings, key=lambda s: -s.change.depth):
        i0, i1 = days.span(s.change)
        a[i0:i1] = s.a
        b[i0:i1] = s.b
        c[i0:i1] = s.c
    if keep is not None:
        a *= keep
        b *= keep
        c *= keep
    return days.mean(a), days.mean(b), days.mean(c)
