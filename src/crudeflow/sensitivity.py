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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from crudeflow.errors import CrudeflowError, SolverError
from crudeflow.network.model import Network
from crudeflow.output import clean
from crudeflow.solve.highs import HighsSession, LPResult
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


def _inputs(net: Network, lp: LinearProgram, year: int) -> list[_Input]:
    """Every numeric input the annual LP of ``year`` reads through a bound or a cost."""
    T, R = lp.periods.n, lp.n_routes
    xs, ss, ds = lp.block("x"), lp.block("s"), lp.block("d")
    out: list[_Input] = []

    def edit(kind: str, idx: IntArray, base: FloatArray, slope: FloatArray) -> _Edit:
        return _Edit(kind, idx.astype(np.int64), base.astype(float), slope.astype(float))

    def cols(start: int, width: int, j: int) -> IntArray:
        return start + np.arange(T) * width + j

    years_rows = {(ry.route, ry.year) for ry in net.route_years if ry.capacity_mtpa is not None}
    for i, r in enumerate(net.routes):
        x = cols(xs.start, R, i)
        if (r.id, year) not in years_rows:
            up = lp.col_upper[x]
            out.append(
                _Input(
                    "routes.csv",
                    r.id,
                    "capacity_mtpa",
                    r.capacity_mtpa,
                    r.capacity_source or r.source,
                    (edit("upper", x, up, up),),
                )
            )
        cost = lp.c[x]
        out.append(
            _Input(
                "routes.csv",
                r.id,
                "tariff_usd_per_t",
                r.tariff_usd_per_t,
                r.tariff_source or r.source,
                (edit("cost", x, cost, cost if lp.objective == "netback" else 0 * cost),),
            )
        )
    for ry in net.route_years:
        if ry.year == year and ry.capacity_mtpa is not None:
            x = cols(xs.start, R, net._route_index[ry.route])
            up = lp.col_upper[x]
            out.append(
                _Input(
                    "route_years.csv",
                    f"{ry.route}@{ry.year}",
                    "capacity_mtpa",
                    ry.capacity_mtpa,
                    ry.source,
                    (edit("upper", x, up, up),),
                )
            )
    S = len(lp.supply_nodes)
    for srow in net.supply:
        if srow.year != year or srow.node not in lp.supply_nodes:
            continue
        s = cols(ss.start, S, lp.supply_nodes.index(srow.node))
        up = lp.col_upper[s]
        share = srow.mt / max(net.supply_in(year)[srow.node], 1e-12)
        out.append(
            _Input(
                "supply.csv",
                f"{srow.node}@{year}",
                "mt",
                srow.mt,
                srow.source,
                (edit("upper", s, up, up * share),),
            )
        )
    M = len(lp.market_nodes)
    netback = lp.objective == "netback"
    brent = net.brent(year)
    for j, m in enumerate(net.markets):
        d = cols(ds.start, M, j)
        bpt = net.grade_of(m.grade).bbl_per_t
        cost = lp.c[d]
        slope = np.full(T, -m.diff_usd_per_bbl * bpt if netback else 0.0)
        out.append(
            _Input(
                "markets.csv",
                m.node,
                "diff_usd_per_bbl",
                m.diff_usd_per_bbl,
                m.diff_source or m.source,
                (edit("cost", d, cost, slope),),
            )
        )
        if m.max_mtpa is not None:
            up = lp.col_upper[d]
            out.append(
                _Input(
                    "markets.csv",
                    m.node,
                    "max_mtpa",
                    m.max_mtpa,
                    m.max_source or m.source,
                    (edit("upper", d, up, up),),
                )
            )
    for g in net.grades.values():
        js = [j for j, m in enumerate(net.markets) if net.grade_of(m.grade).id == g.id]
        if not js:
            continue
        d = np.concatenate([cols(ds.start, M, j) for j in js])
        cost = lp.c[d]
        out.append(
            _Input(
                "dataset.yaml",
                f"grades.{g.id}",
                "bbl_per_t",
                g.bbl_per_t,
                g.source,
                (edit("cost", d, cost, cost if netback else 0 * cost),),
            )
        )
    for b in net.benchmarks:
        if b.year != year:
            continue
        d = ds.start + np.arange(T * M)
        bpts = np.array([net.grade_of(m.grade).bbl_per_t for m in net.markets])
        slope = np.tile(-brent * bpts, T) if netback else np.zeros(T * M)
        out.append(
            _Input(
                "benchmarks.csv",
                str(year),
                "brent_usd_per_bbl",
                b.brent_usd_per_bbl,
                b.source,
                (edit("cost", d, lp.c[d], slope),),
            )
        )
    for tr in lp.throughput_rows:
        node = net.node(tr.node)
        rows = tr.first_row + np.arange(T)
        up = lp.row_upper[rows]
        out.append(
            _Input(
                "nodes.csv",
                node.id,
                "throughput_mtpa",
                float(node.throughput_mtpa or 0.0),
                node.throughput_source or node.source,
                (edit("row_upper", rows, up, up),),
            )
        )
    by_id = {c.id: c for c in net.commitments}
    for cr in lp.commitment_rows:
        cm = by_id[cr.commitment]
        row, col = cr.rows, cr.cols
        lo = lp.row_lower[row]
        out.append(
            _Input(
                "commitments.csv",
                cm.id,
                "min_mtpa",
                cm.min_mtpa,
                cm.min_source or cm.source,
                (edit("row_lower", row, lo, lo),),
            )
        )
        cost = lp.c[col]
        out.append(
            _Input(
                "commitments.csv",
                cm.id,
                "penalty_usd_per_t",
                cm.penalty_usd_per_t,
                cm.penalty_source or cm.source,
                (edit("cost", col, cost, cost),),
            )
        )
    return out


class _Model:
    """The annual LP in one HiGHS session, and how to read the headline outputs."""

    def __init__(self, net: Network, year: int, groups: Sequence[str]) -> None:
        self.lp = build_lp(net, Periods.annual(year))
        lp = self.lp
        self.session = HighsSession(
            lp.c, lp.A, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper
        )
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
            self._set(e, e.base + (k - 1.0) * e.slope)

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
