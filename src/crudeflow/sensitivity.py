"""Which inputs move the answers: one-at-a-time sensitivity of the annual plan.

Each numeric input the annual planning LP reads (by default only the cells whose source is
``estimate: ...``; with ``include_sourced`` every one) is moved to ``value x (1 - rel)`` and
``value x (1 + rel)`` on its own, everything else as in the dataset, and the plan re-solved
**warm**: the LP is built once and held by one HiGHS session; each move changes bounds or costs
only, and is undone before the next. The headline outputs of each solve are compared with the
unmoved plan's, and inputs are ranked by how far they move them. ``docs/dataset-format.md``
("Sensitivity") states the rules.

Examples
--------
>>> import dataclasses
>>> from crudeflow.network.model import toy_network
>>> net = toy_network()
>>> bm = dataclasses.replace(net.route("B_M"), capacity_source="estimate: a round number")
>>> s = sensitivity(net.replace_routes([bm]), by="netback_musd")
>>> [(r.input, r.delta_low["netback_musd"], r.delta_high["netback_musd"]) for r in s.rows]
[('dataset.yaml:grades.G:bbl_per_t', -1440.0, 1440.0), ('routes.csv:B_M:capacity_mtpa', -24.0, 12.0)]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from crudeflow.errors import CrudeflowError, SolverError
from crudeflow.network._fleet import Fleet
from crudeflow.network.model import Network
from crudeflow.output import clean
from crudeflow.solve._fleet_rows import period_mt
from crudeflow.solve.highs import LPResult
from crudeflow.solve.lp import LinearProgram, Periods, build_lp

__all__ = ["DEFAULT_RANGE", "Sensitivity", "SensitivityRow", "sensitivity"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_RANGE = 0.2
"""Each input is moved by this share of its value, down and up (+-20%)."""


@dataclass(frozen=True)
class _Edit:
    """What one input changes in the LP, as a function of the multiplier ``k``."""

    kind: str  # "upper" (column upper bound), "cost", "row_lower", "row_upper"
    idx: IntArray
    base: FloatArray
    """The LP's values at k = 1."""
    slope: FloatArray
    """Value at k is ``base + (k - 1) * slope``."""
    at: Callable[[float], FloatArray] | None = None
    """Value at k where it is not linear in k (a tanker class's voyage): replaces the slope."""


@dataclass(frozen=True)
class _Input:
    file: str
    key: str
    column: str
    value: float
    source: str
    edits: tuple[_Edit, ...]

    @property
    def label(self) -> str:
        return f"{self.file}:{self.key}:{self.column}"

    @property
    def estimate(self) -> bool:
        return _is_estimate(self.source)


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """One input, moved down and up: what each headline output does (differences from the
    unmoved plan, in the outputs' own units)."""

    input: str
    """``file:key:column`` (``routes.csv:BTC:tariff_usd_per_t``)."""
    value: float
    low_value: float
    high_value: float
    source: str
    estimate: bool
    delta_low: dict[str, float]
    delta_high: dict[str, float]
    score: float
    """What the ranking sorts by (see :func:`sensitivity`)."""


@dataclass(frozen=True)
class Sensitivity:
    """The ranked inputs of one year's annual plan."""

    year: int
    rel: float
    outputs: tuple[str, ...]
    base: dict[str, float]
    rows: tuple[SensitivityRow, ...]
    """Most influential first."""
    by: str
    n_inputs: int
    solves: int
    include_sourced: bool = False
    units: dict[str, str] = field(default_factory=dict)

    def top(self, n: int) -> tuple[SensitivityRow, ...]:
        return self.rows[:n]

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        rows = self.rows if top is None else self.rows[:top]
        out: dict[str, Any] = clean(
            {
                "year": self.year,
                "range": self.rel,
                "ranked_by": self.by,
                "inputs_moved": self.n_inputs,
                "solves": self.solves,
                "include_sourced": self.include_sourced,
                "outputs": list(self.outputs),
                "units": self.units,
                "base": self.base,
                "rows": [
                    {
                        "rank": i + 1,
                        "input": r.input,
                        "value": r.value,
                        "low_value": r.low_value,
                        "high_value": r.high_value,
                        "estimate": r.estimate,
                        "source": r.source,
                        "delta_low": r.delta_low,
                        "delta_high": r.delta_high,
                        "score": r.score,
                    }
                    for i, r in enumerate(rows)
                ],
            }
        )
        return out


def _is_estimate(source: str) -> bool:
    return source.strip().lower().startswith("estimate:")


def _input(
    where: tuple[str, str, str],
    value: float,
    source: str,
    kind: str,
    idx: IntArray,
    base: FloatArray,
    slope: FloatArray,
) -> _Input:
    """One input (``(file, key, column)``) that moves one block of the LP (one :class:`_Edit`)."""
    edit = _Edit(kind, idx.astype(np.int64), base.astype(float), slope.astype(float))
    return _Input(*where, value, source, (edit,))


def _period_cols(lp: LinearProgram, block: str, width: int, j: int) -> IntArray:
    """Column ``j`` of a period-major block ``width`` wide, one index per period."""
    return np.asarray(lp.block(block).start + np.arange(lp.periods.n) * width + j, np.int64)


def _inputs(net: Network, lp: LinearProgram, year: int) -> list[_Input]:
    """Every numeric input the annual LP of ``year`` reads through a bound or a cost."""
    return [
        *_route_inputs(net, lp, year),
        *_supply_inputs(net, lp, year),
        *_market_inputs(net, lp, year),
        *_row_inputs(net, lp),
    ]


def _route_inputs(net: Network, lp: LinearProgram, year: int) -> list[_Input]:
    """routes.csv capacities (unless route_years.csv sets the year's) and tariffs, and the
    year's route_years.csv capacities."""
    R = lp.n_routes
    out: list[_Input] = []
    years_rows = {(ry.route, ry.year) for ry in net.route_years if ry.capacity_mtpa is not None}
    for i, r in enumerate(net.routes):
        x = _period_cols(lp, "x", R, i)
        if (r.id, year) not in years_rows:
            up = lp.col_upper[x]
            src = r.capacity_source or r.source
            where = ("routes.csv", r.id, "capacity_mtpa")
            out.append(_input(where, r.capacity_mtpa, src, "upper", x, up, up))
        cost = lp.c[x]
        slope = cost if lp.objective == "netback" else 0 * cost
        where = ("routes.csv", r.id, "tariff_usd_per_t")
        src = r.tariff_source or r.source
        out.append(_input(where, r.tariff_usd_per_t, src, "cost", x, cost, slope))
    for ry in net.route_years:
        if ry.year == year and ry.capacity_mtpa is not None:
            x = _period_cols(lp, "x", R, net._route_index[ry.route])
            up = lp.col_upper[x]
            where = ("route_years.csv", f"{ry.route}@{ry.year}", "capacity_mtpa")
            out.append(_input(where, ry.capacity_mtpa, ry.source, "upper", x, up, up))
    return out


def _supply_inputs(net: Network, lp: LinearProgram, year: int) -> list[_Input]:
    """The year's supply.csv rows: each moves its share of its node's supply bound."""
    S = len(lp.supply_nodes)
    out: list[_Input] = []
    for srow in net.supply:
        if srow.year != year or srow.node not in lp.supply_nodes:
            continue
        s = _period_cols(lp, "s", S, lp.supply_nodes.index(srow.node))
        up = lp.col_upper[s]
        share = srow.mt / max(net.supply_in(year)[srow.node], 1e-12)
        where = ("supply.csv", f"{srow.node}@{year}", "mt")
        out.append(_input(where, srow.mt, srow.source, "upper", s, up, up * share))
    return out


def _market_inputs(net: Network, lp: LinearProgram, year: int) -> list[_Input]:
    """markets.csv differentials and caps, grade densities and the year's Brent."""
    T, M = lp.periods.n, len(lp.market_nodes)
    netback = lp.objective == "netback"
    out: list[_Input] = []
    for j, m in enumerate(net.markets):
        d = _period_cols(lp, "d", M, j)
        bpt = net.grade_of(m.grade).bbl_per_t
        slope = np.full(T, -m.diff_usd_per_bbl * bpt if netback else 0.0)
        where = ("markets.csv", m.node, "diff_usd_per_bbl")
        src = m.diff_source or m.source
        out.append(_input(where, m.diff_usd_per_bbl, src, "cost", d, lp.c[d], slope))
        if m.max_mtpa is not None:
            up = lp.col_upper[d]
            where = ("markets.csv", m.node, "max_mtpa")
            out.append(_input(where, m.max_mtpa, m.max_source or m.source, "upper", d, up, up))
    for g in net.grades.values():
        js = [j for j, m in enumerate(net.markets) if net.grade_of(m.grade).id == g.id]
        if not js:
            continue
        d = np.concatenate([_period_cols(lp, "d", M, j) for j in js])
        cost = lp.c[d]
        where = ("dataset.yaml", f"grades.{g.id}", "bbl_per_t")
        out.append(
            _input(where, g.bbl_per_t, g.source, "cost", d, cost, cost if netback else 0 * cost)
        )
    brent = net.brent(year)
    for b in net.benchmarks:
        if b.year != year:
            continue
        d = lp.block("d").start + np.arange(T * M)
        bpts = np.array([net.grade_of(m.grade).bbl_per_t for m in net.markets])
        slope = np.tile(-brent * bpts, T) if netback else np.zeros(T * M)
        where = ("benchmarks.csv", str(year), "brent_usd_per_bbl")
        out.append(_input(where, b.brent_usd_per_bbl, b.source, "cost", d, lp.c[d], slope))
    return out


def _row_inputs(net: Network, lp: LinearProgram) -> list[_Input]:
    """Node throughput limits and commitments (their minimums and penalties)."""
    out: list[_Input] = []
    for tr in lp.throughput_rows:
        node = net.node(tr.node)
        rows = tr.first_row + np.arange(lp.periods.n)
        up = lp.row_upper[rows]
        where = ("nodes.csv", node.id, "throughput_mtpa")
        value = float(node.throughput_mtpa or 0.0)
        src = node.throughput_source or node.source
        out.append(_input(where, value, src, "row_upper", rows, up, up))
    by_id = {c.id: c for c in net.commitments}
    for cr in lp.commitment_rows:
        cm = by_id[cr.commitment]
        lo, cost = lp.row_lower[cr.rows], lp.c[cr.cols]
        where = ("commitments.csv", cm.id, "min_mtpa")
        src = cm.min_source or cm.source
        out.append(_input(where, cm.min_mtpa, src, "row_lower", cr.rows, lo, lo))
        where = ("commitments.csv", cm.id, "penalty_usd_per_t")
        src = cm.penalty_source or cm.source
        out.append(_input(where, cm.penalty_usd_per_t, src, "cost", cr.cols, cost, cost))
    return [*out, *_fleet_inputs(net, lp)]


_FLEET_COLUMNS = (
    "vessels",
    "deadweight_t",
    "cargo_fraction",
    "speed_knots",
    "distance_nm",
    "port_days",
    "weather_days",
)


def _fleet_inputs(net: Network, lp: LinearProgram) -> list[_Input]:
    """Each numeric cell of fleet.csv: the pool's row bounds recomputed with the cell times k
    (exactly: a round trip is not linear in speed, distance or port days). ``weather_days``
    moves all twelve months together; ``speed_knots`` moves the ballast speed with it."""
    out: list[_Input] = []
    T = lp.periods.n
    by_id = {f.id: f for f in net.fleet}
    for fr in lp.fleet_rows:
        rows = (fr.first_row + np.arange(T)).astype(np.int64)
        base = lp.row_upper[rows]
        for cid in fr.classes:
            f = by_id[cid]
            others = base - period_mt(f, lp.periods)  # the pool's other classes
            for col in _FLEET_COLUMNS:
                value = (
                    float(sum(f.weather_days)) if col == "weather_days" else float(getattr(f, col))
                )
                move = functools.partial(_pool_at, f, col, others, lp.periods)
                slope = (move(1.0 + DEFAULT_RANGE) - base) / DEFAULT_RANGE
                out.append(
                    _Input(
                        "fleet.csv",
                        cid,
                        col,
                        value,
                        f.source_of(col),
                        (_Edit("row_upper", rows, base, slope, move),),
                    )
                )
    return out


def _pool_at(f: Fleet, column: str, others: FloatArray, periods: Periods, k: float) -> FloatArray:
    """The pool's capacity per period with ``column`` of class ``f`` times ``k``."""
    return np.asarray(others + period_mt(_scaled(f, column, k), periods))


def _scaled(f: Fleet, column: str, k: float) -> Fleet:
    """The class with one column times ``k`` (cargo fraction capped at 1, weather at the
    month's days)."""
    if column == "weather_days":
        days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        return dataclasses.replace(
            f, weather_days=tuple(min(w * k, d) for w, d in zip(f.weather_days, days, strict=True))
        )
    if column == "speed_knots" and f.ballast_speed_knots is not None:
        f = dataclasses.replace(f, ballast_speed_knots=f.ballast_speed_knots * k)
    value = getattr(f, column) * k
    if column == "cargo_fraction":
        value = min(value, 1.0)
    return dataclasses.replace(f, **{column: value})


class _Model:
    """The annual LP in one HiGHS session, and how to read the headline outputs."""

    def __init__(self, net: Network, year: int, groups: Sequence[str]) -> None:
        self.lp = build_lp(net, Periods.annual(year))
        lp = self.lp
        self.session = lp.session()
        self.col_lower = lp.col_lower.copy()
        self.col_upper = lp.col_upper.copy()
        self.cost = lp.c.copy()
        self.groups = tuple(groups)
        pos = net._route_index
        self.group_idx = {
            g: np.array([pos[r] for r in net.group(g)], dtype=np.int64) for g in groups
        }
        self.solves = 0

    def outputs(self) -> dict[str, float]:
        res = self.session.solve()
        self.solves += 1
        if not res.status.ok:
            raise SolverError(f"HiGHS ended with status {res.status.value} in a sensitivity solve")
        return self._read(res)

    def _read(self, res: LPResult) -> dict[str, float]:
        lp = self.lp
        x = res.x
        T, R = lp.periods.n, lp.n_routes
        xs, ds = lp.block("x"), lp.block("d")
        flows = x[xs].reshape(T, R)
        # netback at the costs in force (a moved tariff, price or grade counts directly):
        # x costs are tariffs and d costs minus prices
        revenue = -float(self.cost[ds] @ x[ds])
        tariffs = float(self.cost[xs] @ x[xs])
        out = {
            "netback_musd": revenue - tariffs,
            "exported_mt": float(lp.exported_by_period_mt(x).sum()),
        }
        for g, idx in self.group_idx.items():
            out[f"{g}_mt"] = float(flows[:, idx].sum())
        return out

    def apply(self, inp: _Input, k: float) -> None:
        for e in inp.edits:
            self._set(e, e.at(k) if e.at is not None else e.base + (k - 1.0) * e.slope)

    def undo(self, inp: _Input) -> None:
        for e in inp.edits:
            self._set(e, e.base)

    def _set(self, e: _Edit, values: FloatArray) -> None:
        lp = self.lp
        if e.kind == "upper":
            self.session.change_col_bounds(e.idx, lp.col_lower[e.idx], np.maximum(values, 0.0))
        elif e.kind == "cost":
            self.session.change_costs(e.idx, values)
            self.cost[e.idx] = values
        elif e.kind == "row_lower":
            self.session.change_row_bounds(e.idx, np.maximum(values, 0.0), lp.row_upper[e.idx])
        else:  # row_upper
            self.session.change_row_bounds(e.idx, lp.row_lower[e.idx], np.maximum(values, 0.0))


def sensitivity(
    network: Network,
    *,
    year: int | None = None,
    rel: float = DEFAULT_RANGE,
    include_sourced: bool = False,
    groups: Iterable[str] | None = None,
    by: str = "all",
) -> Sensitivity:
    """Move each input down and up by ``rel`` of its value, one at a time, and rank them.

    Parameters
    ----------
    network : Network
        The dataset as it is (no scenario: a scenario's changes are not inputs of the dataset).
    year : int, optional
        The year of the annual plan (default: the dataset's base year).
    rel : float
        The range: each input goes to ``value x (1 - rel)`` and ``value x (1 + rel)``
        (0 < rel < 1; capacities and the like never below 0).
    include_sourced : bool
        Also move the cells that cite a source (by default only ``estimate:`` cells move).
    groups : iterable of str, optional
        Route groups (``dataset.yaml``) whose flow is an output; default: the dataset's
        ``sensitivity_groups`` (``dataset.yaml``), else the groups of its ``run``.
    by : str
        What ranks the inputs: ``all`` (the largest relative swing over the outputs: for each
        output ``max(|low - base|, |high - base|) / max(|base|, 1)``), or one output's name
        (``netback_musd``, ``exported_mt``, ``<group>_mt``): its absolute swing.

    Raises
    ------
    CrudeflowError
        ``rel`` outside (0, 1), an unknown group or ``by``.
    """
    if not 0.0 < rel < 1.0:
        raise CrudeflowError(f"sensitivity range must be between 0 and 100%, not {rel:g}")
    y = year if year is not None else network.meta.base_year
    if groups is None:
        # the dataset's choice (dataset.yaml sensitivity_groups), else its `run` groups
        gs = network.meta.sensitivity_groups or network.meta.run_groups
    else:
        gs = tuple(dict.fromkeys(groups))
        for g in gs:
            if g not in network.meta.groups:
                known = ", ".join(sorted(network.meta.groups)) or "none"
                raise CrudeflowError(f"no route group {g!r} in the dataset (groups: {known})")
    model = _Model(network, y, gs)
    base = model.outputs()
    names = tuple(base)
    if by != "all" and by not in names:
        raise CrudeflowError(f"--by {by}: expected all or one of {', '.join(names)}")
    inputs = [
        i
        for i in _inputs(network, model.lp, y)
        if (include_sourced or i.estimate) and any(np.any(e.slope != 0) for e in i.edits)
    ]
    rows: list[SensitivityRow] = []
    for inp in inputs:
        result: dict[float, dict[str, float]] = {}
        for k in (1.0 - rel, 1.0 + rel):
            model.apply(inp, k)
            out = model.outputs()
            model.undo(inp)
            result[k] = {n: out[n] - base[n] for n in names}
        low, high = result[1.0 - rel], result[1.0 + rel]
        swing = {n: max(abs(low[n]), abs(high[n])) for n in names}
        relative = {n: swing[n] / max(abs(base[n]), 1.0) for n in names}
        score = max(relative.values()) if by == "all" else swing[by]
        rows.append(
            SensitivityRow(
                input=inp.label,
                value=inp.value,
                low_value=inp.value * (1.0 - rel),
                high_value=inp.value * (1.0 + rel),
                source=inp.source,
                estimate=inp.estimate,
                delta_low={n: _tidy(v) for n, v in low.items()},
                delta_high={n: _tidy(v) for n, v in high.items()},
                score=score,
            )
        )
    rows.sort(key=lambda r: (-round(r.score, 12), r.input))
    units = {n: ("USD m" if n.endswith("_musd") else "Mt") for n in names}
    return Sensitivity(
        year=y,
        rel=rel,
        outputs=names,
        base=base,
        rows=tuple(rows),
        by=by,
        n_inputs=len(inputs),
        solves=model.solves,
        include_sourced=include_sourced,
        units=units,
    )


def _tidy(v: float) -> float:
    """Solver noise (below 1e-7) reads as 0."""
    return 0.0 if abs(v) < 1e-7 else float(v)
