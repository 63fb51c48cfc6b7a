"""The risk engine: outage draws re-solved on one HiGHS model per scenario and worker.

For a scenario, the monthly LP of one calendar year is built once per process
(:class:`ScenarioModel`); each draw only changes column bounds and re-solves warm. The
semantics (reference plan, the no-foresight rolling re-plan, what each output means) are
specified in ``docs/dataset-format.md`` ("Risk runs").

Draw ``i`` depends only on ``(seed, i, batch_size)`` and each draw starts from the reference
plan's basis, so :func:`run_batch` gives the same numbers whichever process, machine or order
runs it.

Examples
--------
>>> spec = RunSpec(scenarios=("",), seed=1, draws=40, batch_size=20, year=2025)
>>> b = run_batch(spec, 0, 1)
>>> b.draws["draw"].tolist()[:3], len(b.draws)
([20, 21, 22], 20)
>>> bool((b.draws["lost_exports_mt"] >= -1e-6).all())
True
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crudeflow.errors import CrudeflowError, SolverError
from crudeflow.montecarlo import results
from crudeflow.montecarlo.outages import OutageModel
from crudeflow.montecarlo.results import ATTRIBUTION_COLUMNS, BatchResult
from crudeflow.montecarlo.sampling import (
    DEFAULT_BATCH_SIZE,
    OutageSample,
    RollingStages,
    sample_capacity_factors,
    sample_stages,
)
from crudeflow.network.model import Network
from crudeflow.solve.highs import HighsSession
from crudeflow.solve.lp import LinearProgram, PeriodOverrides, Periods, build_lp
from crudeflow.solve.rolling import columns_before

__all__ = [
    "ATTRIBUTION_COLUMNS",
    "DRAW_COLUMNS",
    "EVENT_COLUMNS",
    "BatchResult",
    "Foresight",
    "RunSpec",
    "ScenarioModel",
    "dataset_hash",
    "run_batch",
    "scenario_label",
    "scenario_model",
    "scenarios_hash",
    "warm_up",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Foresight = Literal["none", "perfect"]

DRAW_COLUMNS = tuple(c for c in results.DRAW_COLUMNS if c != "binding_months")
"""The fixed columns of ``BatchResult.draws`` (then ``flow_mt__<group>``, ``binding_months``)."""
EVENT_COLUMNS = results.EVENT_COLUMNS

_BIND_REL = 1e-6  # a route binds in a month when its flow is within this share of capacity
_BIND_MIN_MT = 1e-9
_FEAS_MT = 1e-9  # a plan still fits reduced capacities within this many Mt
_BINDING_CACHE = 4096  # binding-month texts kept per model (memory stays flat in the draws)


def _version() -> str:
    from crudeflow import __version__

    return __version__


@dataclass(frozen=True)
class _Solve:
    """One HiGHS re-solve of a draw's re-plan: at stage month ``month`` with route
    capacities ``cap`` (a row of the stage capacities, not a copy), giving the plan ``x``."""

    month: int
    cap: FloatArray
    x: FloatArray


Solves = dict[int, list[_Solve]]
"""The re-solves of each draw (by draw index) in the order they ran."""


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a risk run's numbers (JSON via :meth:`to_dict`).

    ``scenarios``: preset names or scenario files, the first is the reference; ``""`` is the
    dataset as it is. ``dataset``: a dataset folder, ``""`` for the built-in one. ``year``:
    the calendar year planned month by month (0: the dataset's base year, resolved by
    :meth:`resolved`). ``attribution``: also re-solve each draw without each hazard that
    struck in it (loss by hazard; costs about one more re-plan per event), for the draws
    below ``attribution_draws`` (0: all).

    Examples
    --------
    >>> s = RunSpec(scenarios=("a", "b"), seed=3, draws=10)
    >>> RunSpec.from_dict(s.to_dict()) == s
    True
    >>> s.n_batches
    1
    """

    scenarios: tuple[str, ...] = ("",)
    dataset: str = ""
    dataset_hash: str = ""
    year: int = 0
    seed: int = 0
    draws: int = 1000
    batch_size: int = DEFAULT_BATCH_SIZE
    foresight: Foresight = "none"
    code_version: str = dataclasses.field(default_factory=_version)
    scenarios_hash: str = ""
    """:func:`scenarios_hash` of ``scenarios`` (changes, requirements, hazards): a scenario
    file edited since the run started would give other numbers."""
    attribution: bool = False
    attribution_draws: int = 2000
    """Attribution re-solves only draws below this index (0: every draw)."""

    def __post_init__(self) -> None:
        if self.attribution_draws < 0:
            raise ValueError(f"attribution_draws: expected >= 0, not {self.attribution_draws}")
        if not self.scenarios:
            raise ValueError('scenarios: at least one ("" is the dataset as it is)')
        if self.draws < 1:
            raise ValueError(f"draws: expected an integer >= 1, not {self.draws}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size: expected an integer >= 1, not {self.batch_size}")
        if self.seed < 0:
            raise ValueError(f"seed: expected an integer >= 0, not {self.seed}")
        if self.foresight not in ("none", "perfect"):
            raise ValueError(f"foresight: expected 'none' or 'perfect', not {self.foresight!r}")

    @property
    def n_batches(self) -> int:
        return -(-self.draws // self.batch_size)

    def batch_draws(self, batch_index: int) -> range:
        """The draw indices of batch ``batch_index`` (the last batch may be shorter)."""
        lo = batch_index * self.batch_size
        return range(lo, min(lo + self.batch_size, self.draws))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["scenarios"] = list(self.scenarios)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["scenarios"] = tuple(kw.get("scenarios", ("",)))
        return cls(**kw)

    def resolved(self) -> RunSpec:
        """The spec with ``year``, ``dataset_hash`` and ``scenarios_hash`` filled in."""
        net = _network(self.dataset)
        return dataclasses.replace(
            self,
            year=self.year or net.meta.base_year,
            dataset_hash=self.dataset_hash or dataset_hash(net),
            scenarios_hash=self.scenarios_hash or scenarios_hash(self.dataset, self.scenarios),
        )


def scenarios_hash(dataset: str, scenarios: tuple[str, ...]) -> str:
    """SHA-256 (16 hex digits) of the :func:`~crudeflow.scenario.scenario_fingerprint` of each
    scenario reference (``""``: the dataset as it is), in order.

    Examples
    --------
    >>> scenarios_hash("", ("",)) == scenarios_hash("", ("",))
    True
    >>> scenarios_hash("", ("base-2025",)) != scenarios_hash("", ("attack-regime-2025",))
    True
    """
    from crudeflow.scenario import resolve_scenario, scenario_fingerprint

    net = _network(dataset)
    h = hashlib.sha256()
    for ref in scenarios:
        h.update((scenario_fingerprint(resolve_scenario(ref, net)) if ref else "-").encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def dataset_hash(network: Network) -> str:
    """SHA-256 (first 16 hex digits) of a dataset folder's data files (csv, yaml), in path order.

    Examples
    --------
    >>> from crudeflow.network.load import load_dataset
    >>> len(dataset_hash(load_dataset()))
    16
    """
    h = hashlib.sha256()
    folder = Path(network.path) if network.path else None
    if folder is None or not folder.is_dir():
        h.update(network.meta.name.encode())
        return h.hexdigest()[:16]
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".csv", ".yaml", ".yml"):
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def scenario_label(ref: str) -> str:
    """How a scenario reference is named in results: the file stem, ``base`` for ``""``.

    Examples
    --------
    >>> scenario_label("trans-caspian-buildout"), scenario_label("x/my.yaml"), scenario_label("")
    ('trans-caspian-buildout', 'my', 'base')
    """
    if not ref:
        return "base"
    p = Path(ref)
    return p.stem if p.suffix in (".yaml", ".yml") else ref


_NETWORKS: dict[str, Network] = {}


def _network(dataset: str) -> Network:
    from crudeflow.network.load import load_dataset

    if dataset not in _NETWORKS:
        _NETWORKS[dataset] = load_dataset(dataset or None)
    return _NETWORKS[dataset]


class ScenarioModel:
    """A scenario's monthly LP held by one HiGHS session, with its reference (no-outage) plan.

    Built once per process and scenario (:func:`scenario_model`); :meth:`solve_draws` re-solves
    draws by changing column bounds only.
    """

    def __init__(self, network: Network, name: str, inputs: Any, outages: OutageModel) -> None:
        self.network = network
        self.name = name
        periods: Periods = inputs.periods
        overrides: PeriodOverrides | None = inputs.overrides
        lp = build_lp(network, periods, tuple(inputs.requirements), overrides=overrides)
        self.lp: LinearProgram = lp
        self.periods = periods
        self.outages = outages
        T, R = periods.n, lp.n_routes
        self.T, self.R = T, R
        # Fallback columns (closed, bound 0, except in an infeasible re-plan) on January's
        # balances, one pair per node: crude the year owes to January ("short", priced at
        # the highest market price, so a re-plan never gains by it) and crude December sends
        # into January beyond the reference's pipe fill ("excess", carried into next year,
        # credited nothing).
        N = lp.n_conservation_rows // T
        self.n_nodes = N
        self.p_max = float(lp.price_usd_per_t.max()) if lp.price_usd_per_t.size else 0.0
        n0 = len(lp.c)
        self.short = np.arange(n0, n0 + N)
        self.owed = np.arange(n0, n0 + 2 * N)
        eye = np.arange(N)
        extra_A = sp.csc_array(
            (np.r_[np.ones(N), -np.ones(N)], (np.r_[eye, eye], np.r_[eye, N + eye])),
            shape=(lp.A.shape[0], 2 * N),
        )
        c = np.concatenate([lp.c, np.full(N, self.p_max), np.zeros(N)])
        self.c = c
        self.base_lo = np.concatenate([lp.col_lower, np.zeros(2 * N)])
        self.base_hi = np.concatenate([lp.col_upper, np.zeros(2 * N)])
        self.session = HighsSession(
            c,
            sp.hstack([lp.A, extra_A], format="csc"),
            self.base_lo,
            self.base_hi,
            lp.row_lower,
            lp.row_upper,
        )
        self.x_slice = lp.block("x")
        self.x_ub = lp.col_upper[self.x_slice].reshape(T, R).copy()
        # the columns of the months already run, per stage month (crudeflow.solve.rolling:
        # the one rule a scenario run without foresight shares; the fallback columns above
        # are never history)
        self.past = columns_before(lp)
        # per stage month, the flow columns a stage leaves free (their bound is the stage's
        # capacity; the others are fixed at the plan so far): [T + 1][T * R]
        x_cols = np.arange(self.x_slice.start, self.x_slice.stop)
        self.x_free = [~np.isin(x_cols, p) for p in self.past]
        H = len(lp.storage_nodes)
        hs = lp.block("h")
        self.g_last = np.arange(hs.start + T * H + (T - 1) * H, hs.start + 2 * T * H)
        self.short_slice = slice(n0, n0 + N)  # self.short and self.g_last as slices
        self.g_last_slice = slice(hs.start + T * H + (T - 1) * H, hs.start + 2 * T * H)
        self.g_open = lp.col_upper[hs.start + T * H : hs.start + T * H + H].copy()
        self.supply_total = float(lp.export_available_mt.sum())
        self.price = lp.price_usd_per_t.ravel()
        self.tariff = lp.tariff_usd_per_t.ravel()
        self.d_slice = lp.block("d")
        groups = network.meta.groups
        self.group_names = tuple(groups)
        pos = {rid: i for i, rid in enumerate(lp.route_ids)}
        G = np.zeros((R, len(groups)))
        for j, g in enumerate(groups.values()):
            for rid in g:
                G[pos[rid], j] = 1.0
        self.G = G
        self.month_bits = (1 << np.arange(T, dtype=np.int64)).astype(np.int64)
        self._binding_text: dict[bytes, str] = {}  # binding-month JSON by month-bit masks
        # reference: the deterministic derates only (known in advance), no events
        derates = OutageModel(tuple(h for h in outages.hazards if h.kind == "derate"))
        self.ref_factors = sample_capacity_factors(
            derates, network, periods, seed=0, draws=1
        ).factors[0]
        hi = self.base_hi.copy()
        hi[self.x_slice] = (self.x_ub * self.ref_factors.T).ravel()
        self.ref_hi = hi
        self.session.set_col_bounds(self.base_lo, hi)
        self.cur_lo, self.cur_hi = self.base_lo.copy(), hi.copy()
        res = self.session.solve()
        if not res.status.ok:
            raise SolverError(
                f"{name}: the no-outage plan did not solve (HiGHS status {res.status.value})"
            )
        self.ref_x = res.x
        self.ref_basis = self.session.get_basis()
        self._basis_set = False
        self.ref = self._measures(res.x, self.ref_factors)

    # -- per draw ---------------------------------------------------------------------------
    def _set_bounds(self, lo: FloatArray, hi: FloatArray) -> None:
        """Send HiGHS only the column bounds that differ from those it holds.

        ``lo`` and ``hi`` are kept as the bounds HiGHS holds (not copied): a caller never
        changes an array after passing it here.
        """
        diff = np.flatnonzero((lo != self.cur_lo) | (hi != self.cur_hi))
        if diff.size:
            self.session.change_col_bounds(diff, lo[diff], hi[diff])
            self.cur_lo, self.cur_hi = lo, hi

    def _measures(
        self, x: FloatArray, factors: FloatArray
    ) -> tuple[float, float, FloatArray, str, FloatArray]:
        """(exported Mt, netback USD m, flow Mt per group, binding months JSON, exported Mt per
        month) of a plan."""
        exported, netback, flows, binding, monthly = self._measures_many(x[None], factors[None])
        return float(exported[0]), float(netback[0]), flows[0], binding[0], monthly[0]

    def _measures_many(
        self, X: FloatArray, factors: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, list[str], FloatArray]:
        """:meth:`_measures` of the plans ``X[k]`` under capacity factors ``factors[k]``, all
        at once: exported Mt [K], netback USD m [K], flows per group [K, G], binding JSON
        texts, exported Mt per month [K, T]. Each row's numbers depend on that row alone."""
        K = X.shape[0]
        flows = X[:, self.x_slice]
        # crude taken minus what refineries got, per month (LinearProgram's one rule)
        monthly = self.lp.exported_by_period_mt(X)
        exported = monthly.sum(axis=1)
        # 0 unless a fallback ran
        owed = X[:, self.short_slice].sum(axis=1) + X[:, self.g_last_slice].sum(axis=1)
        netback = (
            (X[:, self.d_slice] * self.price).sum(axis=1)
            - (flows * self.tariff).sum(axis=1)
            - self.p_max * owed
        )
        f = flows.reshape(K, self.T, self.R)
        cap = self.x_ub * factors.transpose(0, 2, 1)
        bind = (cap > _BIND_MIN_MT) & (f >= cap * (1.0 - _BIND_REL))
        keys = np.packbits(bind, axis=1, bitorder="little")
        binding = [self._binding_of(keys[k].tobytes(), bind[k]) for k in range(K)]
        return exported, netback, f.sum(axis=1) @ self.G, binding, monthly

    def _binding_of(self, key: bytes, bind: npt.NDArray[np.bool_]) -> str:
        """The binding-month JSON of one plan's [T, R] binding flags (``key``: them packed)."""
        binding = self._binding_text.get(key)
        if binding is None:  # most draws share a handful of patterns: each is written once
            masks = self.month_bits @ bind  # per route: bit t set = binds in month t
            text = ",".join(
                f'"{rid}":{_mask_text(m)}'
                for rid, m in zip(self.lp.route_ids, masks.tolist(), strict=True)
                if m
            )
            binding = sys.intern("{" + text + "}" if text else "")
            if len(self._binding_text) >= _BINDING_CACHE:
                self._binding_text.clear()
            self._binding_text[key] = binding
        return binding

    def _fits(self, x: FloatArray, cap: FloatArray) -> bool:
        """Whether plan ``x``'s flows fit route capacities ``cap`` (then a stage solves nothing)."""
        return bool((x[self.x_slice] <= cap + _FEAS_MT).all())

    def _solve_stage(self, cap: FloatArray, month: int, x_done: FloatArray) -> FloatArray:
        """Re-plan from ``month`` on with route capacities ``cap`` (Mt, [T * R]), the months
        before it fixed at ``x_done``'s values."""
        if self._fits(x_done, cap):
            # Capacities only fall as events become known, and the months fixed are fixed
            # at x_done's own values: this stage's feasible set lies inside the last one's,
            # of which x_done is optimal. Still feasible, it is still optimal: no solve.
            return x_done
        lo = self.base_lo.copy()
        hi = self.base_hi.copy()
        hi[self.x_slice] = cap
        past = self.past[month]
        fixed = x_done[past]
        lo[past] = fixed
        hi[past] = fixed
        s = self.session
        self._set_bounds(lo, hi)
        if not self._basis_set:
            # after the bounds, so the solver state is (these bounds, the reference basis)
            # whatever bounds the previous draw left
            s.set_basis(self.ref_basis)
            self._basis_set = True
        status, x = s.solve_primal()
        if status.ok:
            return x
        # 1) January's balance may be met by crude owed to it (what December sends into
        # January is pinned by the fixed past; an event may leave December short of it)
        hi = hi.copy()  # HiGHS holds the last one (see _set_bounds)
        hi[self.owed] = np.inf
        self._set_bounds(lo, hi)
        status, x = s.solve_primal()
        if not status.ok and self.g_last.size:
            # 2) and stocks may end the year below their opening level, the deficit priced
            # like the crude owed
            hi = hi.copy()
            hi[self.g_last] = self.g_open
            self._set_bounds(lo, hi)
            s.change_costs(self.g_last, self.c[self.g_last] + self.p_max)
            status, x = s.solve_primal()
            s.change_costs(self.g_last, self.c[self.g_last])
        if not status.ok and month > 0:
            # 3) last resort: the balances of the months already run are history
            rows = np.arange(month * self.n_nodes)
            s.change_row_bounds(rows, np.full(rows.size, -np.inf), np.full(rows.size, np.inf))
            status, x = s.solve_primal()
            s.change_row_bounds(rows, np.zeros(rows.size), np.zeros(rows.size))
        if not status.ok:
            raise SolverError(
                f"{self.name}: a re-plan from month {month + 1} did not solve "
                f"(HiGHS status {status.value})"
            )
        return x

    def _plan_draw(
        self, months: list[int], caps: FloatArray, record: Solves | None, draw: int
    ) -> FloatArray:
        """A draw's rolling re-plan: its stages in order from the reference plan (and basis)."""
        self._basis_set = False  # each draw starts from the reference basis
        x = self.ref_x
        solves: list[_Solve] = []
        for m, cap in zip(months, caps, strict=True):
            nx = self._solve_stage(cap, m, x)
            if record is not None and nx is not x:  # HiGHS ran
                solves.append(_Solve(m, cap, nx))
            x = nx
        if record is not None:
            record[draw] = solves
        return x

    def _replay(
        self, solves: list[_Solve], months: list[int], caps: FloatArray
    ) -> FloatArray | None:
        """The plan of a draw's stages when its re-plan only repeats ``solves``, else None.

        Exact: a stage whose plan so far fits its capacities solves nothing (as in
        :meth:`_solve_stage`); a stage that would solve sends HiGHS the bounds of the next
        recorded solve when its month and the capacities of the columns it leaves free are
        those of that solve (the columns it fixes are fixed at the same plan), and HiGHS then
        starts from the same state (the draw's reference basis, then the same solves in the
        same order), so it would return that solve's plan.
        """
        x = self.ref_x
        k = 0
        for m, cap in zip(months, caps, strict=True):
            if self._fits(x, cap):
                continue
            if k == len(solves) or solves[k].month != m:
                return None
            free = self.x_free[m]
            if cap[free].tobytes() != solves[k].cap[free].tobytes():
                return None
            x = solves[k].x
            k += 1
        return x

    def solve_draws(
        self,
        sample: OutageSample,
        stages: RollingStages,
        foresight: Foresight,
        *,
        record: Solves | None = None,
        known: Solves | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, list[str], FloatArray]:
        """Re-solve every draw of ``sample`` with events; the others keep the reference.

        ``record``: filled with each draw's re-solves. ``known``: re-solves recorded for these
        draws by an earlier call (:meth:`_replay`: a draw whose re-plan would repeat them
        takes their plan without solving again).

        Returns per draw: exported Mt, netback USD m, flow per group [n, G], binding JSON,
        exported Mt per month [n, T].
        """
        n = sample.draws.size
        first = int(sample.draws[0]) if n else 0
        k_draw = stages.draw - first
        starts: list[int] = []
        if k_draw.size:
            starts = np.flatnonzero(np.r_[True, k_draw[1:] != k_draw[:-1]]).tolist()
        ends = [*starts[1:], int(k_draw.size)] if starts else []
        struck = k_draw[starts] if starts else np.zeros(0, np.int64)  # draws with events
        # each stage's route capacities and month, [stages, T * R]; with perfect foresight
        # one stage per draw: the whole year known from month 0
        if foresight == "perfect":
            known_f = sample.factors[struck]
            months = [0] * len(starts)
            starts, ends = list(range(len(starts))), list(range(1, len(starts) + 1))
        else:
            known_f = stages.factors
            months = stages.month.tolist()
        caps = (self.x_ub * known_f.transpose(0, 2, 1)).reshape(known_f.shape[0], self.T * self.R)
        X = np.empty((len(starts), self.c.size))
        for i, (b, e) in enumerate(zip(starts, ends, strict=True)):
            d = first + int(struck[i])
            x = None if known is None else self._replay(known.get(d, []), months[b:e], caps[b:e])
            if x is None:
                x = self._plan_draw(months[b:e], caps[b:e], record, d)
            X[i] = x
        self._set_bounds(self.base_lo, self.ref_hi)  # leave the session at the reference
        exported = np.full(n, self.ref[0])
        netback = np.full(n, self.ref[1])
        flows = np.tile(self.ref[2], (n, 1))
        binding = [self.ref[3]] * n
        monthly = np.tile(self.ref[4], (n, 1))
        if starts:
            ex, nb, fl, bi, mo = self._measures_many(X, sample.factors[struck])
            exported[struck], netback[struck], flows[struck], monthly[struck] = ex, nb, fl, mo
            for k, text in zip(struck.tolist(), bi, strict=True):
                binding[k] = text
        return exported, netback, flows, binding, monthly

    def run_draws(
        self,
        *,
        seed: int,
        draws: range,
        batch_size: int = DEFAULT_BATCH_SIZE,
        foresight: Foresight = "none",
        attribution: bool = False,
        attribution_draws: int = 0,
        scenario_index: int = 0,
        batch_index: int = 0,
    ) -> BatchResult:
        """Sample draws ``draws`` of this scenario's outage model and solve them."""
        sample, stages = sample_stages(
            self.outages,
            self.network,
            self.periods,
            seed=seed,
            draws=draws,
            batch_size=batch_size,
        )
        ev = sample.events
        attribute = bool(
            attribution and len(ev) and (attribution_draws == 0 or draws.start < attribution_draws)
        )
        solves: Solves | None = {} if attribute else None  # replayed by the attribution
        exported, netback, flows, binding, monthly = self.solve_draws(
            sample, stages, foresight, record=solves
        )
        first = draws.start
        n = len(draws)
        # distinct events per draw (the rows of one shared event count once)
        uniq = np.unique(ev.draw * (int(ev.event.max(initial=0)) + 1) + ev.event)
        n_events = np.bincount(
            uniq // (int(ev.event.max(initial=0)) + 1) - first, minlength=n
        ).astype(np.int64)
        draws_df = _frame(self, sample.draws, exported, netback, flows, binding, n_events)
        events_df = pd.DataFrame(
            {
                "scenario": np.full(len(ev), self.name, dtype=object),
                "draw": ev.draw.astype(np.int64),
                "hazard": np.array((*ev.hazard_ids, ""), dtype=object)[ev.hazard],
                "start_day": ev.start_day.astype(np.float64),
                "duration_days": ev.duration_days.astype(np.float64),
                "fraction_lost": ev.lost.astype(np.float64),
            }
        )
        result = BatchResult(
            draws=draws_df,
            events=events_df,
            batch_index=batch_index,
            scenario_index=scenario_index,
            monthly_exported_mt=monthly,
        )
        if solves is not None:
            att = _attribution(
                self, sample, seed, draws, batch_size, foresight, attribution_draws, solves
            )
            result = dataclasses.replace(result, attribution=att)
        return result


@functools.cache
def _mask_text(mask: int) -> str:
    """``[0,3]`` for the months (bits) set in ``mask``: JSON of a binding-month list."""
    return "[" + ",".join(str(t) for t in range(mask.bit_length()) if mask >> t & 1) + "]"


_MODELS: dict[tuple[str, str, int, int], ScenarioModel] = {}
"""Models by (dataset, scenario, year, thread): a HiGHS session is not shared between threads
(a Dask worker may run tasks on several threads)."""


def scenario_model(spec: RunSpec, scenario_index: int) -> ScenarioModel:
    """The process's model of scenario ``scenario_index`` of ``spec`` (built on first use)."""
    from crudeflow.scenario import (
        apply_scenario,
        resolve_scenario,
        scenario_network,
        scenario_outages,
    )

    ref = spec.scenarios[scenario_index]
    key = (spec.dataset, ref, spec.year, threading.get_ident())
    if key in _MODELS:
        return _MODELS[key]
    net = _network(spec.dataset)
    year = spec.year or net.meta.base_year
    periods = Periods.monthly(year)
    if ref:
        sc = resolve_scenario(ref, net)
        sc_net = scenario_network(sc, net) if sc.dataset != "default" else net
        inputs = apply_scenario(dataclasses.replace(sc, horizon=periods), sc_net)
        outages = scenario_outages(sc, sc_net)  # the dataset's, edited by its hazards:
    else:
        from crudeflow.scenario import ScenarioInputs

        inputs = ScenarioInputs(net, periods, PeriodOverrides(), ())
        sc_net = net
        outages = net.outages
    model = ScenarioModel(sc_net, scenario_label(ref), inputs, outages)
    _MODELS[key] = model
    return model


def warm_up(spec: RunSpec) -> None:
    """Build every scenario model of ``spec`` in this process (a worker initializer)."""
    for i in range(len(spec.scenarios)):
        scenario_model(spec, i)


def _frame(
    model: ScenarioModel,
    draws: IntArray,
    exported: FloatArray,
    netback: FloatArray,
    flows: FloatArray,
    binding: list[str],
    n_events: IntArray,
) -> pd.DataFrame:
    n = draws.size
    data: dict[str, Any] = {
        "scenario": np.full(n, model.name, dtype=object),
        "draw": draws.astype(np.int64),
        "exported_mt": exported,
        "shut_in_mt": np.maximum(model.supply_total - exported, 0.0),
        "netback_musd": netback,
        "lost_exports_mt": model.ref[0] - exported,
        "lost_netback_musd": model.ref[1] - netback,
        "n_events": n_events.astype(np.int64),
    }
    for j, g in enumerate(model.group_names):
        data[f"flow_mt__{g}"] = flows[:, j].astype(np.float64)
    # Object dtype of shared strings: most draws share a handful of patterns, so a draw costs
    # a pointer. pandas 3 would infer its string dtype, which copies every draw's text (about
    # 260 bytes a draw on the default dataset: 1,000,000 draws would not fit in 1 GiB).
    data["binding_months"] = pd.Series(
        np.array([sys.intern(b) for b in binding], dtype=object), dtype=object, copy=False
    )
    return pd.DataFrame(data)


_HASHES: dict[str, str] = {}


def _check_identity(spec: RunSpec) -> None:
    """Refuse to compute a run's batches with another dataset or crudeflow version than the
    spec records (a resumed run or a cluster worker would silently give other numbers)."""
    if spec.code_version and spec.code_version != _version():
        raise CrudeflowError(
            f"this run was made with crudeflow {spec.code_version}; this process has "
            f"{_version()}: the numbers would differ"
        )
    if spec.dataset_hash:
        if spec.dataset not in _HASHES:
            _HASHES[spec.dataset] = dataset_hash(_network(spec.dataset))
        if _HASHES[spec.dataset] != spec.dataset_hash:
            where = spec.dataset or "the built-in dataset"
            raise CrudeflowError(
                f"{where} has changed since this run started (dataset hash "
                f"{_HASHES[spec.dataset]}, run {spec.dataset_hash}): the numbers would differ"
            )
    if spec.scenarios_hash:
        key = "\0".join((spec.dataset, *spec.scenarios))
        if key not in _HASHES:
            _HASHES[key] = scenarios_hash(spec.dataset, spec.scenarios)
        if _HASHES[key] != spec.scenarios_hash:
            raise CrudeflowError(
                f"a scenario of this run ({', '.join(s or 'base' for s in spec.scenarios)}) has "
                f"changed since it started (scenarios hash {_HASHES[key]}, run "
                f"{spec.scenarios_hash}): the numbers would differ"
            )


def run_batch(spec: RunSpec, scenario_index: int, batch_index: int) -> BatchResult:
    """Sample and solve batch ``batch_index`` of scenario ``scenario_index``.

    Pure in its arguments: draws ``batch_index * batch_size`` onwards, the same numbers in any
    process or machine (each draw starts from the reference plan's basis).
    """
    if not 0 <= batch_index < spec.n_batches:
        raise ValueError(f"batch_index: expected 0..{spec.n_batches - 1}, not {batch_index}")
    _check_identity(spec)
    model = scenario_model(spec, scenario_index)
    return model.run_draws(
        seed=spec.seed,
        draws=spec.batch_draws(batch_index),
        batch_size=spec.batch_size,
        foresight=spec.foresight,
        attribution=spec.attribution,
        attribution_draws=spec.attribution_draws,
        scenario_index=scenario_index,
        batch_index=batch_index,
    )


def _attribution(
    model: ScenarioModel,
    sample: OutageSample,
    seed: int,
    rng: range,
    batch_size: int,
    foresight: Foresight,
    attribution_draws: int = 0,
    solves: Solves | None = None,
) -> pd.DataFrame:
    """Each draw's losses re-solved without each hazard that struck in it.

    ``solves``: the draws' re-solves with every hazard (:meth:`ScenarioModel.solve_draws`
    records them): a re-plan without a hazard that only repeats them is not solved again.
    """
    ev = sample.events
    parts: list[pd.DataFrame] = []
    for h in np.unique(ev.hazard).tolist():
        struck = np.unique(ev.draw[ev.hazard == h])
        if attribution_draws:
            struck = struck[struck < attribution_draws]
        if not struck.size:
            continue
        s2, st2 = sample_stages(
            model.outages,
            model.network,
            model.periods,
            seed=seed,
            draws=rng,
            batch_size=batch_size,
            drop_hazard=int(h),
            only=struck,
        )
        exported, netback, *_ = model.solve_draws(s2, st2, foresight, known=solves)
        k = struck - rng.start
        parts.append(
            pd.DataFrame(
                {
                    "scenario": np.full(k.size, model.name, dtype=object),
                    "draw": struck.astype(np.int64),
                    "hazard": np.full(k.size, ev.hazard_ids[h], dtype=object),
                    "lost_exports_mt": model.ref[0] - exported[k],
                    "lost_netback_musd": model.ref[1] - netback[k],
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: [] for c in ATTRIBUTION_COLUMNS})
    return pd.concat(parts, ignore_index=True)
