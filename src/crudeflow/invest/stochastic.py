"""Risk-aware investment: the two-stage stochastic (sample-average) model.

First stage: how many modules ``n[p]`` of each project to build (integers, binary for blocks).
Second stage: for each outage draw ``k`` of the risk engine (same seeds, common random
numbers), the monthly LP of the year with every flow bounded by
``x[t, r] <= phi[k, r, t] * (U[t, r] + sum_p A[p, t] n[p] [route(p) = r])``. The objective
(USD m a year) is::

    sum_p cost[p] n[p] + (1 - w) * sum_k pi[k] Q[k](n) + w * CVaR_alpha(Q(n))

``Q[k]`` being draw ``k``'s LP objective (minus netback, plus requirement penalties and the
storage tie-breaker), ``pi`` the draw weights (identical draws merged) and ``w`` the weight on
the tail (0 without ``--risk``). The full semantics are in ``docs/dataset-format.md``
("Risk-aware investment: the two-stage model"). Two methods solve it: the multi-cut L-shaped
(Benders) decomposition, the default, and the extensive form (one MIP), for checks.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.invest.projects import Project
>>> net = toy_network()
>>> p = Project(id="AM2", name="A-M rail", route="A_M", adds_mtpa=2.0, modules_max=3,
...             capex_musd=100.0, opex_musd_per_yr=1.0, lifetime_years=20, earliest_year=2025)
>>> prob = build_problem(net, (p,), year=2025, draws=20, seed=0, discount_rate=0.08)
>>> sol = solve_two_stage(prob)
>>> sol.modules, sol.method   # no outages in the toy network: extra rail is not worth it
({'AM2': 0}, 'benders')
>>> abs(sol.objective_musd_per_yr - solve_two_stage(prob, method="extensive").objective_musd_per_yr) < 1e-6
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crudeflow.errors import ScenarioError, SolverError
from crudeflow.invest._rows import row_adds
from crudeflow.invest.deterministic import TIE_BREAK_MUSD_PER_YR
from crudeflow.invest.projects import Project
from crudeflow.montecarlo.outages import OutageModel
from crudeflow.montecarlo.sampling import DEFAULT_BATCH_SIZE, sample_capacity_factors
from crudeflow.network.model import Network
from crudeflow.requirements import Requirement
from crudeflow.solve.highs import HighsSession
from crudeflow.solve.lp import LinearProgram, PeriodOverrides, Periods, build_lp

__all__ = [
    "DEFAULT_CUT_GROUPS",
    "EVAL_SEED_OFFSET",
    "DrawOutcomes",
    "Method",
    "PairedDifference",
    "PortfolioOutcome",
    "RiskAwareResult",
    "RiskPreference",
    "TwoStageProblem",
    "TwoStageSolution",
    "build_problem",
    "evaluate_portfolio",
    "expected_value_problem",
    "paired_difference",
    "parse_risk",
    "problem_from_factors",
    "risk_aware_portfolio",
    "solve_two_stage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Method = Literal["benders", "extensive"]
Progress = Callable[[int, int], None]

EVAL_SEED_OFFSET = 2**32
"""Fresh out-of-sample draws use seed ``seed + EVAL_SEED_OFFSET`` (another stream)."""
_GAP_REL = 1e-9  # Benders stops when upper - lower <= this x max(1, |upper|)
_CUT_TOL = 1e-9  # a cut is added when theta[k] falls short of Q[k] by more than this x (1+|Q|)
_MAX_ITER = 200
DEFAULT_CUT_GROUPS = 100
"""Benders adds one cut per group of draws per iteration (``None``: one per distinct draw)."""


@dataclass(frozen=True)
class RiskPreference:
    """CVaR risk preference: ``weight`` on ``CVaR_alpha`` of the draws' loss (0 <= weight <= 1).

    >>> parse_risk("cvar:0.95:0.3")
    RiskPreference(alpha=0.95, weight=0.3)
    """

    alpha: float
    weight: float

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"risk: alpha must lie strictly between 0 and 1, not {self.alpha}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"risk: weight must lie in [0, 1], not {self.weight}")


def parse_risk(text: str) -> RiskPreference | None:
    """Parse ``cvar:ALPHA:WEIGHT`` (``none`` or ``""``: risk-neutral, None).

    >>> parse_risk("none") is None
    True
    >>> parse_risk("cvar:0.9:1")
    RiskPreference(alpha=0.9, weight=1.0)
    >>> parse_risk("var:0.9")
    Traceback (most recent call last):
    ...
    ValueError: risk: expected cvar:ALPHA:WEIGHT (e.g. cvar:0.95:0.3) or none, not 'var:0.9'
    """
    t = text.strip().lower()
    if t in ("", "none", "neutral"):
        return None
    parts = t.split(":")
    bad = f"risk: expected cvar:ALPHA:WEIGHT (e.g. cvar:0.95:0.3) or none, not {text!r}"
    if len(parts) != 3 or parts[0] != "cvar":
        raise ValueError(bad)
    try:
        alpha, weight = float(parts[1]), float(parts[2])
    except ValueError:
        raise ValueError(bad) from None
    if not (math.isfinite(alpha) and math.isfinite(weight)):
        raise ValueError(bad)
    return RiskPreference(alpha, weight)


@dataclass(frozen=True)
class TwoStageProblem:
    """The sample-average problem: the year's monthly LP, the projects and the draws.

    ``factors[k, r, t]`` are the distinct capacity factors of the sample, ``weight[k]`` the
    share of draws equal to them, ``draw_index[i]`` the row of ``factors`` of sample draw
    ``i``. ``adds_mt[p, t]`` is what one module of project ``p`` adds to its route's bound in
    month ``t`` (Mt; 0 on a route an ``avoid`` closes). As in the deterministic model, a
    project is in service over the whole year planned (``in_service_by`` leaves projects out).
    """

    lp: LinearProgram
    projects: tuple[Project, ...]
    discount_rate: float
    cost_musd_per_yr: FloatArray
    modules_max: IntArray
    route_of: IntArray
    adds_mt: FloatArray
    factors: FloatArray
    weight: FloatArray
    draw_index: IntArray
    seed: int
    batch_size: int
    risk: RiskPreference | None = None
    node_row: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """[P] first LP row of the loading-limit rows of the node a node project raises, or of the
    tanker pool a fleet project adds vessels to (-1 for a route project); such a project's
    ``adds_mt`` row is 0 (it adds nothing to a route)."""
    node_adds_mt: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    """[P, T] what one module of a node project adds to its node's limit in month ``t`` (Mt;
    ``adds_mtpa * f_t``), or one vessel of a fleet project to its pool (Mt); no capacity
    factor (outages act on routes); 0 for a route project."""
    reference_factors: FloatArray | None = None
    """[R, T] the factors of a year without events (the derates alone): the no-outage year
    against which a draw's loss is measured (None: no outages, every factor 1)."""

    @property
    def n_draws(self) -> int:
        """Draws in the sample (``K``)."""
        return int(self.draw_index.size)

    @property
    def n_distinct(self) -> int:
        """Distinct draws (the subproblems actually solved)."""
        return int(self.weight.size)

    @property
    def x_upper(self) -> FloatArray:
        """[T, R] the LP's flow bounds without projects and outages (Mt)."""
        T, R = self.lp.periods.n, self.lp.n_routes
        return self.lp.col_upper[self.lp.block("x")].reshape(T, R)

    def capacity_mt(self, modules: FloatArray) -> FloatArray:
        """[T, R] flow bounds (Mt) with ``modules`` built, before outages."""
        cap = self.x_upper.copy()
        for p in range(len(self.projects)):
            cap[:, self.route_of[p]] += self.adds_mt[p] * modules[p]
        return cap

    def node_limits_mt(self, modules: FloatArray) -> tuple[IntArray, FloatArray]:
        """The LP rows of the loading limits that node projects raise and their upper bounds
        (Mt) with ``modules`` built: ``T_k f_t + sum_p adds_p f_t n_p``. Empty without node
        projects."""
        T = self.lp.periods.n
        firsts = sorted({int(r) for r in self.node_row if r >= 0})
        if not firsts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = (np.array(firsts, dtype=np.int64)[:, None] + np.arange(T)[None, :]).ravel()
        up = self.lp.row_upper[idx].copy().reshape(len(firsts), T)
        for j, first in enumerate(firsts):
            for p in np.flatnonzero(self.node_row == first).tolist():
                up[j] += self.node_adds_mt[p] * modules[p]
        return idx, up.ravel()

    def with_risk(self, risk: RiskPreference | None) -> TwoStageProblem:
        """The same problem with another risk preference."""
        return replace(self, risk=risk)


def build_problem(
    network: Network,
    projects: Sequence[Project],
    *,
    year: int,
    draws: int,
    seed: int = 0,
    discount_rate: float = 0.08,
    requirements: Sequence[Requirement] = (),
    overrides: PeriodOverrides | None = None,
    outages: OutageModel | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    risk: RiskPreference | None = None,
    availability: FloatArray | None = None,
) -> TwoStageProblem:
    """The two-stage problem of ``year`` on draws ``0 ... draws - 1`` of ``seed``.

    ``availability[t, r]`` (network route order) multiplies what projects add to route ``r``
    in month ``t``: the share a scenario's bans leave open (the deterministic model's rule).

    The draws are exactly the risk engine's (``sample_capacity_factors`` with the same seed
    and block size), so a portfolio is judged on the years a ``crudeflow risk`` run samples.
    """
    periods = Periods.monthly(year)
    lp = build_lp(network, periods, tuple(requirements), overrides=overrides)
    model = network.outages if outages is None else outages
    sample = sample_capacity_factors(
        model, network, periods, seed=seed, draws=draws, batch_size=batch_size
    )
    derates = OutageModel(tuple(h for h in model.hazards if h.kind == "derate"))
    ref = sample_capacity_factors(derates, network, periods, seed=0, draws=1).factors[0]
    prob = _problem(lp, tuple(projects), discount_rate, sample.factors, seed, batch_size, risk)
    if availability is not None:
        avail = np.asarray(availability, dtype=np.float64)
        adds = prob.adds_mt * avail[:, prob.route_of].T
        prob = replace(prob, adds_mt=adds)
    return replace(prob, reference_factors=ref)


def problem_from_factors(
    network: Network,
    projects: Sequence[Project],
    factors: FloatArray,
    *,
    year: int,
    discount_rate: float = 0.08,
    requirements: Sequence[Requirement] = (),
    overrides: PeriodOverrides | None = None,
    risk: RiskPreference | None = None,
) -> TwoStageProblem:
    """The two-stage problem on given capacity factors ``factors[k, r, t]`` (equally likely).

    For tests and cross-checks; :func:`build_problem` samples the factors like the risk engine.
    """
    lp = build_lp(network, Periods.monthly(year), tuple(requirements), overrides=overrides)
    f = np.asarray(factors, dtype=np.float64)
    if f.ndim != 3 or f.shape[1:] != (lp.n_routes, lp.periods.n):
        raise ValueError(f"factors: expected shape (K, {lp.n_routes}, 12), not {f.shape}")
    return _problem(lp, tuple(projects), discount_rate, f, -1, 0, risk)


def _problem(
    lp: LinearProgram,
    projects: tuple[Project, ...],
    discount_rate: float,
    factors: FloatArray,
    seed: int,
    batch_size: int,
    risk: RiskPreference | None,
) -> TwoStageProblem:
    T = lp.periods.n
    pos = {rid: i for i, rid in enumerate(lp.route_ids)}
    closed = set(lp.closed_by)
    frac = lp.periods.fraction
    route_of = np.zeros(len(projects), dtype=np.int64)
    adds = np.zeros((len(projects), T))
    node_row = np.full(len(projects), -1, dtype=np.int64)
    node_adds = np.zeros((len(projects), T))
    for i, p in enumerate(projects):
        if not p.on_route:  # raises a loading limit's or a tanker pool's rows, not a route's
            try:
                at = row_adds(lp, p)
            except ScenarioError as exc:
                raise ValueError(str(exc)) from None
            assert at is not None
            node_row[i], node_adds[i] = at
            continue
        if p.route not in pos:
            raise ValueError(f"project {p.id}: route {p.route} is not in the network")
        route_of[i] = pos[p.route]
        if p.route not in closed:
            adds[i] = p.adds_mtpa * frac
    flat = factors.reshape(factors.shape[0], -1)
    uniq, index, counts = np.unique(flat, axis=0, return_inverse=True, return_counts=True)
    # keep the first-appearance order of the draws (stable, readable per-draw output)
    first = np.full(uniq.shape[0], flat.shape[0], dtype=np.int64)
    np.minimum.at(first, index.ravel(), np.arange(flat.shape[0]))
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return TwoStageProblem(
        lp=lp,
        projects=projects,
        discount_rate=discount_rate,
        cost_musd_per_yr=np.array([p.annualised_cost_musd_per_yr(discount_rate) for p in projects]),
        modules_max=np.array([p.modules_max for p in projects], dtype=np.int64),
        route_of=route_of,
        adds_mt=adds,
        node_row=node_row,
        node_adds_mt=node_adds,
        factors=uniq[order].reshape(-1, *factors.shape[1:]),
        weight=counts[order] / flat.shape[0],
        draw_index=rank[index.ravel()].astype(np.int64),
        seed=seed,
        batch_size=batch_size,
        risk=risk,
    )


def expected_value_problem(problem: TwoStageProblem) -> TwoStageProblem:
    """The expected-value problem: one draw whose factors are the sample's mean factors."""
    mean = np.tensordot(problem.weight, problem.factors, axes=1)[None]
    return replace(
        problem,
        factors=mean,
        weight=np.ones(1),
        draw_index=np.zeros(1, dtype=np.int64),
        risk=None,
    )


# -- the recourse: one HiGHS model, bounds changed per draw ----------------------------------
class _Recourse:
    def __init__(self, problem: TwoStageProblem) -> None:
        lp = problem.lp
        self.problem = problem
        self.session = lp.session()
        self.xs = lp.block("x")
        self.hi = lp.col_upper.copy()
        self.T, self.R = lp.periods.n, lp.n_routes
        self.price = lp.price_usd_per_t.ravel()
        self.tariff = lp.tariff_usd_per_t.ravel()
        self.solves = 0
        self.nodes = bool((problem.node_row >= 0).any())
        self.row_dual: FloatArray = np.zeros(lp.A.shape[0])

    def use_modules(self, modules: FloatArray) -> None:
        """Raise the loading limits of the nodes that node projects extend (``modules`` built)."""
        if self.nodes:
            idx, up = self.problem.node_limits_mt(modules)
            self.session.change_row_bounds(idx, self.problem.lp.row_lower[idx], up)

    def solve(self, k: int, cap: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Draw ``k`` with flow bounds ``cap`` [T, R] before outages: (Q, x, reduced costs)."""
        return self.solve_with(self.problem.factors[k], cap)

    def solve_with(self, phi: FloatArray, cap: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Capacity factors ``phi`` [R, T] and flow bounds ``cap`` [T, R]: (Q, x, reduced costs)."""
        ub = (cap * phi.T).ravel()
        self.session.change_col_bounds(
            np.arange(self.xs.start, self.xs.stop), self.problem.lp.col_lower[self.xs], ub
        )
        status, obj, x, rc = self.session.solve_with_duals()
        self.solves += 1
        if not status.ok:
            raise SolverError(f"a draw's recourse LP did not solve (HiGHS status {status.value})")
        if self.nodes:
            self.row_dual = self.session.row_duals()
        return obj, x, rc

    def netback(self, x: FloatArray) -> float:
        lp = self.problem.lp
        return float(x[lp.block("d")] @ self.price - x[self.xs] @ self.tariff)

    def gradient(self, k: int, rc: FloatArray) -> FloatArray:
        """dQ[k]/dn[p] at this solve: the capacity bounds' duals times what a module adds."""
        pr = self.problem
        mu = np.minimum(rc[self.xs].reshape(self.T, self.R), 0.0)  # [T, R] dual of x <= ub
        phi = pr.factors[k]  # [R, T]
        r = pr.route_of
        out: FloatArray = np.einsum("pt,pt,pt->p", mu[:, r].T, phi[r], pr.adds_mt)
        if self.nodes:  # node projects: the loading-limit rows' duals (<= 0) times f_t adds
            for p in np.flatnonzero(pr.node_row >= 0).tolist():
                first = int(pr.node_row[p])
                y = np.minimum(self.row_dual[first : first + self.T], 0.0)
                out[p] += float(y @ pr.node_adds_mt[p])
        return out


# -- the objective's risk measure -----------------------------------------------------------
def _cvar(q: FloatArray, weight: FloatArray, alpha: float) -> float:
    """CVaR_alpha of a discrete loss: min over eta of eta + E[(q - eta)+] / (1 - alpha)."""
    order = np.argsort(q)
    qs, ws = q[order], weight[order]
    cum = np.cumsum(ws)
    j = int(np.searchsorted(cum, alpha - 1e-12, side="left"))
    eta = qs[min(j, qs.size - 1)]
    return float(eta + (ws * np.maximum(qs - eta, 0.0)).sum() / (1.0 - alpha))


def _objective(
    problem: TwoStageProblem, modules: FloatArray, q: FloatArray, *, tie: bool = False
) -> float:
    cost = float(problem.cost_musd_per_yr @ modules) + (
        TIE_BREAK_MUSD_PER_YR * modules.sum() if tie else 0.0
    )
    mean = float(problem.weight @ q)
    if problem.risk is None or problem.risk.weight == 0.0:
        return cost + mean
    w = problem.risk.weight
    return cost + (1 - w) * mean + w * _cvar(q, problem.weight, problem.risk.alpha)


@dataclass(frozen=True)
class TwoStageSolution:
    """The risk-aware portfolio and its in-sample figures (USD m a year, Mt a year).

    ``objective_musd_per_yr`` = annualised cost + (1 - w) E[Q] + w CVaR(Q);
    ``expected_netback_musd_per_yr`` the draws' mean netback (penalties excluded).
    """

    modules: dict[str, int | float]
    """Modules built per project (whole numbers; fractions only in a relaxed solve)."""
    objective_musd_per_yr: float
    annualised_cost_musd_per_yr: float
    expected_recourse_musd_per_yr: float
    expected_netback_musd_per_yr: float
    cvar_recourse_musd_per_yr: float | None
    method: Method
    iterations: int
    cuts: int
    lp_solves: int
    seconds: float
    gap: float
    n_draws: int
    n_distinct: int
    lower_bound_musd_per_yr: float = field(default=float("nan"))
    master_seconds: float = 0.0
    """Time in the master problem (Benders); the rest is the draws' LPs and bookkeeping."""

    def modules_array(self, problem: TwoStageProblem) -> FloatArray:
        """The portfolio as a vector in ``problem.projects`` order."""
        return np.array([float(self.modules.get(p.id, 0)) for p in problem.projects])


def _master_rows(problem: TwoStageProblem) -> tuple[sp.csr_array, FloatArray, FloatArray]:
    """Rows over (n, z): z[p] = 1 iff n[p] >= 1; requires and excludes on z."""
    P = len(problem.projects)
    ids = {p.id: i for i, p in enumerate(problem.projects)}
    rows: list[dict[int, float]] = []
    pairs: set[tuple[int, int]] = set()
    lo: list[float] = []
    hi: list[float] = []
    for i, p in enumerate(problem.projects):
        rows.append({i: 1.0, P + i: -float(p.modules_max)})  # n <= max z
        lo.append(-np.inf)
        hi.append(0.0)
        rows.append({P + i: 1.0, i: -1.0})  # z <= n
        lo.append(-np.inf)
        hi.append(0.0)
        for q in p.requires:
            if q in ids:
                rows.append({P + i: 1.0, P + ids[q]: -1.0})
                lo.append(-np.inf)
                hi.append(0.0)
            else:  # a prerequisite that is not offered: never built
                rows.append({P + i: 1.0})
                lo.append(-np.inf)
                hi.append(0.0)
        for q in p.excludes:
            pair = (min(i, ids.get(q, i)), max(i, ids.get(q, i)))
            if q in ids and pair not in pairs:
                pairs.add(pair)
                rows.append({P + i: 1.0, P + ids[q]: 1.0})
                lo.append(-np.inf)
                hi.append(1.0)
    data, ri, ci = [], [], []
    for r, row in enumerate(rows):
        for c, v in row.items():
            ri.append(r)
            ci.append(c)
            data.append(v)
    m = sp.csr_array((data, (ri, ci)), shape=(len(rows), 2 * P))
    return m, np.array(lo), np.array(hi)


def solve_two_stage(
    problem: TwoStageProblem,
    *,
    method: Method = "benders",
    relax: bool = False,
    progress: Progress | None = None,
    time_limit: float | None = None,
    groups: int | None = DEFAULT_CUT_GROUPS,
) -> TwoStageSolution:
    """Solve the two-stage problem; ``relax`` lets modules take fractional values.

    Benders (multi-cut L-shaped): a master MIP over the modules with one variable
    ``theta[k]`` per distinct draw, cuts from each draw's LP at the master's proposal, until
    the master's bound and the best portfolio's objective agree to 1e-9 relative.
    """
    if method == "benders":
        return _benders(problem, relax=relax, progress=progress, groups=groups)
    if method == "extensive":
        return _extensive(problem, relax=relax, time_limit=time_limit)
    raise ValueError(f"method: expected 'benders' or 'extensive', not {method!r}")


def _solution(
    problem: TwoStageProblem,
    modules: FloatArray,
    q: FloatArray,
    netback: FloatArray,
    **kw: object,
) -> TwoStageSolution:
    risk = problem.risk
    cvar = _cvar(q, problem.weight, risk.alpha) if risk is not None and risk.weight > 0 else None
    mods = {
        p.id: (
            round(float(modules[i]))
            if abs(modules[i] - round(modules[i])) < 1e-6
            else float(modules[i])
        )
        for i, p in enumerate(problem.projects)
    }
    return TwoStageSolution(
        modules=mods,
        objective_musd_per_yr=_objective(problem, modules, q),
        annualised_cost_musd_per_yr=float(problem.cost_musd_per_yr @ modules),
        expected_recourse_musd_per_yr=float(problem.weight @ q),
        expected_netback_musd_per_yr=float(problem.weight @ netback),
        cvar_recourse_musd_per_yr=cvar,
        n_draws=problem.n_draws,
        n_distinct=problem.n_distinct,
        **kw,  # type: ignore[arg-type]
    )


def _var(q: FloatArray, weight: FloatArray, alpha: float) -> float:
    """The weighted alpha-quantile of ``q`` (the eta that attains CVaR_alpha)."""
    order = np.argsort(q)
    cum = np.cumsum(weight[order])
    j = int(np.searchsorted(cum, alpha - 1e-12, side="left"))
    return float(q[order][min(j, q.size - 1)])


def _groups(K: int, groups: int | None) -> IntArray:
    """The cut group of each distinct draw: contiguous runs, ``groups`` of them (None: one per
    draw, the pure multi-cut)."""
    G = K if groups is None else max(1, min(int(groups), K))
    return (np.arange(K) * G // K).astype(np.int64)


def _benders(
    problem: TwoStageProblem,
    *,
    relax: bool,
    progress: Progress | None,
    groups: int | None = None,
) -> TwoStageSolution:
    t0 = time.perf_counter()
    P, K = len(problem.projects), problem.n_distinct
    risk = problem.risk if problem.risk is not None and problem.risk.weight > 0 else None
    w = risk.weight if risk else 0.0
    tail = w / (1.0 - risk.alpha) if risk else 0.0
    pi = problem.weight
    grp = _groups(K, groups)
    G = int(grp.max()) + 1
    rec = _Recourse(problem)
    nmax = problem.modules_max.astype(float)

    def evaluate(n: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        cap = problem.capacity_mt(n)
        rec.use_modules(n)
        q = np.empty(K)
        g = np.empty((K, P))
        nb = np.empty(K)
        for k in range(K):
            q[k], x, rc = rec.solve(k, cap)
            g[k] = rec.gradient(k, rc)
            nb[k] = rec.netback(x)
            if progress is not None:
                progress(1, 0)
        return q, g, nb

    # R[k](n, eta) = (1 - w) Q[k](n) + w / (1 - alpha) max(Q[k](n) - eta, 0): convex in
    # (n, eta); the objective is cost.n + w eta + sum_k pi[k] R[k]. Columns: n [P], z [P],
    # eta [1], theta [G] (theta[g] >= sum over the group's draws of pi[k] R[k]).
    e_col = 2 * P
    th = slice(2 * P + 1, 2 * P + 1 + G)
    n_col = 2 * P + 1 + G
    # Q[k] does not increase with capacity: Q[k](every module built) bounds it below
    q_all, g_all, _ = evaluate(nmax)
    q0, g0, nb0 = evaluate(np.zeros(P))
    theta_lo = np.bincount(grp, weights=pi * (1 - w) * q_all, minlength=G)
    c = np.concatenate(
        [problem.cost_musd_per_yr + TIE_BREAK_MUSD_PER_YR, np.zeros(P), [w], np.ones(G)]
    )
    if risk:  # the best eta is a quantile of Q, which lies within these values
        e_lo, e_hi = float(q_all.min()), float(q0.max())
    else:
        e_lo = e_hi = 0.0
    lo = np.concatenate([np.zeros(2 * P), [e_lo], theta_lo])
    hi = np.concatenate([nmax, np.ones(P), [e_hi], np.full(G, np.inf)])
    master = HighsSession(c, sp.csc_array((0, n_col)), lo, hi, np.zeros(0), np.zeros(0))
    master.set_option("mip_rel_gap", 0.0)
    master.set_option("mip_abs_gap", 1e-9)
    rows, rlo, rhi = _master_rows(problem)
    if rows.shape[0]:
        master.add_rows(sp.hstack([rows, sp.csr_array((rows.shape[0], n_col - 2 * P))]), rlo, rhi)
    if not relax:
        master.set_integer(np.arange(2 * P))
    gid = np.arange(G)

    def cuts_at(
        n: FloatArray, eta: float, q: FloatArray, g: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Per group: value at (n, eta), gradient in n [G, P], in eta [G], the cut's rhs."""
        over = q > eta if risk else np.zeros(K, dtype=bool)
        r = (1 - w) * q + tail * np.maximum(q - eta, 0.0)
        dn = g * ((1 - w) + tail * over)[:, None]
        de = -tail * over.astype(float)
        val: FloatArray = np.bincount(grp, weights=pi * r, minlength=G).astype(np.float64)
        gn: FloatArray = np.zeros((G, P))
        np.add.at(gn, grp, pi[:, None] * dn)
        ge: FloatArray = np.bincount(grp, weights=pi * de, minlength=G).astype(np.float64)
        return val, gn, ge, val - gn @ n - ge * eta

    def add_cuts(
        n: FloatArray, eta: float, q: FloatArray, g: FloatArray, theta: FloatArray | None
    ) -> int:
        val, gn, ge, rhs = cuts_at(n, eta, q, g)
        sel = gid if theta is None else np.flatnonzero(theta < val - _CUT_TOL * (1 + np.abs(val)))
        if not sel.size:
            return 0
        m = sel.size
        A = sp.hstack(
            [
                sp.csr_array(-gn[sel]),
                sp.csr_array((m, P)),
                sp.csr_array(-ge[sel][:, None]),
                sp.csr_array((np.ones(m), (np.arange(m), sel)), shape=(m, G)),
            ],
            format="csr",
        )
        master.add_rows(A, rhs[sel], np.full(m, np.inf))
        return m

    def etas(q: FloatArray) -> list[float]:
        return [_var(q, pi, risk.alpha)] if risk else [0.0]

    cuts = 0
    for n_, q_, g_ in ((nmax, q_all, g_all), (np.zeros(P), q0, g0)):
        for eta in etas(q_):
            cuts += add_cuts(n_, eta, q_, g_, None)
    best, best_n, best_q, best_nb = (
        _objective(problem, np.zeros(P), q0, tie=True),
        np.zeros(P),
        q0,
        nb0,
    )
    lower = -np.inf
    it = 0
    master_s = 0.0
    gap = np.inf
    while it < _MAX_ITER:
        it += 1
        tm = time.perf_counter()
        res = master.solve_mip()
        master_s += time.perf_counter() - tm
        if not res.status.ok:
            raise SolverError(
                f"the investment master problem did not solve (HiGHS status {res.status.value})"
            )
        lower, sol = max(lower, res.objective), res.x
        gap = (best - lower) / max(1.0, abs(best))
        if gap <= _GAP_REL:
            break
        n = sol[:P] if relax else np.round(sol[:P])
        q, g, nb = evaluate(n)
        obj = _objective(problem, n, q, tie=True)
        if obj < best:
            best, best_n, best_q, best_nb = obj, n, q, nb
        gap = (best - lower) / max(1.0, abs(best))
        if gap <= _GAP_REL:
            break
        added = add_cuts(n, float(sol[e_col]), q, g, sol[th])
        if risk:  # also at the best eta for this portfolio (no extra solve)
            added += add_cuts(n, etas(q)[0], q, g, None)
        cuts += added
        if not added:
            break
    return _solution(
        problem,
        best_n,
        best_q,
        best_nb,
        method="benders",
        master_seconds=master_s,
        iterations=it,
        cuts=cuts,
        lp_solves=rec.solves,
        seconds=time.perf_counter() - t0,
        gap=max(0.0, float(gap)),
        lower_bound_musd_per_yr=float(lower),
    )


def _extensive(
    problem: TwoStageProblem, *, relax: bool, time_limit: float | None
) -> TwoStageSolution:
    t0 = time.perf_counter()
    lp = problem.lp
    P, K = len(problem.projects), problem.n_distinct
    T, R = lp.periods.n, lp.n_routes
    risk = problem.risk if problem.risk is not None and problem.risk.weight > 0 else None
    w = risk.weight if risk else 0.0
    m_rows, m_rows_n = lp.A.shape
    n_first = 2 * P + (1 + K if risk else 0)
    xs = lp.block("x")
    # flows of routes with a project: the bound becomes a row linking them to n
    routes = np.unique(problem.route_of)
    big = problem.capacity_mt(problem.modules_max.astype(float))
    blocks_c, blocks_lo, blocks_hi = [], [], []
    link_r, link_c, link_v, link_lo, link_hi = [], [], [], [], []
    n_link = 0
    for k in range(K):
        phi = problem.factors[k]  # [R, T]
        hi = lp.col_upper.copy()
        hi[xs] = (problem.x_upper * phi.T).ravel()
        off = n_first + k * m_rows_n
        for r in routes.tolist():
            for t in range(T):
                col = xs.start + t * R + r
                hi[col] = big[t, r] * phi[r, t]
                link_r.append(n_link)
                link_c.append(off + col)
                link_v.append(1.0)
                for p in np.flatnonzero(problem.route_of == r).tolist():
                    if problem.adds_mt[p, t]:
                        link_r.append(n_link)
                        link_c.append(p)
                        link_v.append(-phi[r, t] * problem.adds_mt[p, t])
                link_lo.append(-np.inf)
                link_hi.append(phi[r, t] * problem.x_upper[t, r])
                n_link += 1
        blocks_c.append((1 - w) * problem.weight[k] * lp.c)
        blocks_lo.append(lp.col_lower)
        blocks_hi.append(hi)
    n_col = n_first + K * m_rows_n
    first_c = np.concatenate(
        [
            problem.cost_musd_per_yr + TIE_BREAK_MUSD_PER_YR,
            np.zeros(P),
            *([np.full(1, w), w * problem.weight / (1 - risk.alpha)] if risk else []),
        ]
    )
    c = np.concatenate([first_c, *blocks_c])
    first_lo = np.concatenate(
        [np.zeros(2 * P), *([np.full(1, -np.inf), np.zeros(K)] if risk else [])]
    )
    first_hi = np.concatenate(
        [problem.modules_max.astype(float), np.ones(P), *([np.full(1 + K, np.inf)] if risk else [])]
    )
    lo = np.concatenate([first_lo, *blocks_lo])
    hi = np.concatenate([first_hi, *blocks_hi])
    mats = [
        sp.hstack(
            [sp.csr_array((K * m_rows, n_first)), sp.block_diag([lp.A] * K, format="csr")],
            format="csr",
        )
    ]
    node_p = np.flatnonzero(problem.node_row >= 0)
    if node_p.size:  # node projects: -adds_p f_t n_p in each draw's loading-limit rows
        nr, nc, nv = [], [], []
        for k in range(K):
            for p in node_p.tolist():
                for t in range(T):
                    nr.append(k * m_rows + int(problem.node_row[p]) + t)
                    nc.append(p)
                    nv.append(-float(problem.node_adds_mt[p, t]))
        extra = sp.csr_array((nv, (nr, nc)), shape=mats[0].shape)
        mats[0] = sp.csr_array(mats[0] + extra)
    rlo = [np.tile(lp.row_lower, K)]
    rhi = [np.tile(lp.row_upper, K)]
    mats.append(sp.csr_array((link_v, (link_r, link_c)), shape=(n_link, n_col)))
    rlo.append(np.array(link_lo))
    rhi.append(np.array(link_hi))
    mr, mlo, mhi = _master_rows(problem)
    if mr.shape[0]:
        mats.append(sp.hstack([mr, sp.csr_array((mr.shape[0], n_col - 2 * P))], format="csr"))
        rlo.append(mlo)
        rhi.append(mhi)
    if risk:
        # a[k] - c.x[k] + eta >= 0
        ri, ci, vi = [], [], []
        nz = np.flatnonzero(lp.c)
        for k in range(K):
            ri += [k, k]
            ci += [2 * P, 2 * P + 1 + k]
            vi += [1.0, 1.0]
            off = n_first + k * m_rows_n
            ri += [k] * nz.size
            ci += (off + nz).tolist()
            vi += (-lp.c[nz]).tolist()
        mats.append(sp.csr_array((vi, (ri, ci)), shape=(K, n_col)))
        rlo.append(np.zeros(K))
        rhi.append(np.full(K, np.inf))
    A = sp.vstack(mats, format="csc")
    s = HighsSession(c, A, lo, hi, np.concatenate(rlo), np.concatenate(rhi), time_limit=time_limit)
    s.set_option("mip_rel_gap", 0.0)
    s.set_option("mip_abs_gap", 1e-9)
    if not relax and P:
        s.set_integer(np.arange(2 * P))
    res = s.solve_mip()
    status, obj, x, gap = res.status, res.objective, res.x, res.gap
    if not res.has_solution:
        raise SolverError(f"the extensive form did not solve (HiGHS status {status.value})")
    n = x[:P]
    if not relax:
        n = np.round(n)
    q = np.empty(K)
    nb = np.empty(K)
    price, tariff = lp.price_usd_per_t.ravel(), lp.tariff_usd_per_t.ravel()
    for k in range(K):
        xk = x[n_first + k * m_rows_n : n_first + (k + 1) * m_rows_n]
        q[k] = float(lp.c @ xk)
        nb[k] = float(xk[lp.block("d")] @ price - xk[xs] @ tariff)
    return _solution(
        problem,
        n,
        q,
        nb,
        method="extensive",
        iterations=1,
        cuts=0,
        lp_solves=1,
        seconds=time.perf_counter() - t0,
        gap=float(gap),
        lower_bound_musd_per_yr=float(obj) if status.ok else float("nan"),
    )


# -- out-of-sample evaluation and the value of the stochastic solution -----------------------
@dataclass(frozen=True)
class DrawOutcomes:
    """A portfolio's figures on each draw of a sample (per draw, one a year)."""

    modules: dict[str, int | float]
    annualised_cost_musd_per_yr: float
    recourse_musd: FloatArray
    """Q[k]: minus netback plus requirement penalties and the storage tie-breaker."""
    netback_musd: FloatArray
    exported_mt: FloatArray
    shortfall_mt: FloatArray
    reference_netback_musd: float = float("nan")
    """Netback of the same portfolio in the year without events (the derates alone)."""
    reference_exported_mt: float = float("nan")

    @property
    def lost_netback_musd(self) -> FloatArray:
        """Per draw: the no-outage year's netback minus the draw's."""
        return self.reference_netback_musd - self.netback_musd

    @property
    def total_musd(self) -> FloatArray:
        """Annualised cost + Q per draw (what the risk-neutral objective averages)."""
        return self.annualised_cost_musd_per_yr + self.recourse_musd


def evaluate_portfolio(
    problem: TwoStageProblem,
    modules: Mapping[str, int | float],
    *,
    progress: Progress | None = None,
) -> DrawOutcomes:
    """Solve every draw of ``problem`` with ``modules`` built (per draw, in sample order)."""
    n = np.array([float(modules.get(p.id, 0)) for p in problem.projects])
    rec = _Recourse(problem)
    cap = problem.capacity_mt(n)
    rec.use_modules(n)
    K = problem.n_distinct
    lp = problem.lp
    q, nb, ex, sh = (np.empty(K) for _ in range(4))
    u = lp.block("u")
    for k in range(K):
        q[k], x, _ = rec.solve(k, cap)
        nb[k] = rec.netback(x)
        ex[k] = float(lp.exported_by_period_mt(x).sum())
        sh[k] = float(x[u].sum())
        if progress is not None:
            progress(1, 0)
    i = problem.draw_index
    phi0 = problem.reference_factors
    if phi0 is None:
        phi0 = np.ones_like(problem.factors[0])
    _, x0, _ = rec.solve_with(phi0, cap)
    return DrawOutcomes(
        modules=dict(modules),
        annualised_cost_musd_per_yr=float(problem.cost_musd_per_yr @ n),
        recourse_musd=q[i],
        netback_musd=nb[i],
        exported_mt=ex[i],
        shortfall_mt=sh[i],
        reference_netback_musd=rec.netback(x0),
        reference_exported_mt=float(lp.exported_by_period_mt(x0).sum()),
    )


@dataclass(frozen=True)
class PairedDifference:
    """Mean of ``a - b`` over paired draws with its 95% confidence interval (normal)."""

    mean: float
    low: float
    high: float
    n: int


def paired_difference(a: FloatArray, b: FloatArray) -> PairedDifference:
    """The mean difference ``a - b`` on the same draws, +- 1.96 standard errors.

    >>> d = paired_difference(np.array([3.0, 4.0, 5.0]), np.array([1.0, 2.0, 3.0]))
    >>> d.mean, d.low, d.high
    (2.0, 2.0, 2.0)
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    m = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else float("inf")
    return PairedDifference(m, m - 1.959963984540054 * se, m + 1.959963984540054 * se, int(d.size))


# -- the risk-aware portfolio with its comparison (what the invest command reports) ----------
@dataclass(frozen=True)
class PortfolioOutcome:
    """One portfolio on the fresh evaluation draws (USD m a year; Mt a year: one year)."""

    label: str
    modules: dict[str, int | float]
    annualised_cost_musd_per_yr: float
    expected_exports_mtpa: float
    expected_netback_musd_per_yr: float
    p95_lost_netback_musd_per_yr: float
    """95th percentile of the draws' lost netback against the same portfolio's no-outage year."""
    expected_objective_musd_per_yr: float
    """Annualised cost + mean Q (minus netback plus requirement penalties): what is minimised."""
    expected_shortfall_mtpa: float

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _outcome(label: str, out: DrawOutcomes) -> PortfolioOutcome:
    return PortfolioOutcome(
        label=label,
        modules={k: v for k, v in out.modules.items() if v},
        annualised_cost_musd_per_yr=out.annualised_cost_musd_per_yr,
        expected_exports_mtpa=float(out.exported_mt.mean()),
        expected_netback_musd_per_yr=float(out.netback_musd.mean()),
        p95_lost_netback_musd_per_yr=float(np.quantile(out.lost_netback_musd, 0.95)),
        expected_objective_musd_per_yr=float(out.total_musd.mean()),
        expected_shortfall_mtpa=float(out.shortfall_mt.mean()),
    )


@dataclass(frozen=True)
class RiskAwareResult:
    """The risk-aware portfolio, and three portfolios compared on the same fresh draws.

    ``outcomes``: no projects, the deterministic (cheapest-to-target) portfolio, the
    risk-aware one, each evaluated on draws ``0 ... eval_draws - 1`` of seed
    ``eval_seed`` (= ``seed + EVAL_SEED_OFFSET``: none of them was optimised on these).
    ``vss``: deterministic minus risk-aware expected objective on those draws, paired, with a
    95% confidence interval (positive: planning for the risk pays).
    """

    solution: TwoStageSolution
    year: int
    draws: int
    seed: int
    risk: RiskPreference | None
    eval_draws: int
    eval_seed: int
    outcomes: tuple[PortfolioOutcome, ...]
    vss: PairedDifference
    money: PairedDifference
    """Risk-aware minus deterministic netback net of annualised cost (USD m a year)."""
    shortfall: PairedDifference
    """Deterministic minus risk-aware requirement shortfall (Mt a year)."""
    project_names: dict[str, str]

    def sentences(self) -> list[str]:
        """Plain sentences quoting the comparison's figures."""
        none_, det, rsk = self.outcomes
        names = self.project_names

        def port(o: PortfolioOutcome) -> str:
            if not o.modules:
                return "nothing"
            return ", ".join(
                f"{names.get(k, k)}" + (f" ({v:g} modules)" if v != 1 else "")
                for k, v in o.modules.items()
            )

        risk = (
            f" with {self.risk.weight:g} of the weight on the worst {(1 - self.risk.alpha):.0%} "
            "of years (CVaR)"
            if self.risk is not None and self.risk.weight > 0
            else ""
        )
        out = [
            f"Planned against {self.draws:,} sampled outage years of {self.year}{risk}, the "
            f"risk-aware portfolio builds {port(rsk)} at USD "
            f"{rsk.annualised_cost_musd_per_yr:,.0f} m a year; planned for a year without "
            f"outages, the cheapest portfolio builds {port(det)} at USD "
            f"{det.annualised_cost_musd_per_yr:,.0f} m a year.",
            f"On {self.eval_draws:,} fresh outage years, expected exports are "
            f"{none_.expected_exports_mtpa:.1f} Mt/yr with no projects, "
            f"{det.expected_exports_mtpa:.1f} with the cheapest portfolio and "
            f"{rsk.expected_exports_mtpa:.1f} with the risk-aware one; in 1 year in 20 netback "
            f"falls more than USD {rsk.p95_lost_netback_musd_per_yr:,.0f} m below a quiet year "
            f"with the risk-aware portfolio (USD {det.p95_lost_netback_musd_per_yr:,.0f} m "
            "with the cheapest).",
        ]
        v, m, f = self.vss, self.money, self.shortfall
        if rsk.modules == det.modules:
            out.append(
                "Both build the same portfolio: planning for these outages changes nothing here."
            )
        elif abs(f.mean) < 1e-9 and abs(f.high - f.low) < 1e-9:
            if v.low > 0:
                out.append(
                    f"Planning for the outages is worth USD {v.mean:,.0f} m a year net of its "
                    f"cost (95% confidence interval {v.low:,.0f} to {v.high:,.0f}) over "
                    "planning for a quiet year."
                )
            else:
                out.append(
                    f"The value of planning for the outages is USD {v.mean:,.0f} m a year "
                    f"(95% confidence interval {v.low:,.0f} to {v.high:,.0f}): not "
                    "distinguishable from nothing on these years."
                    if v.high >= 0
                    else f"On these fresh years the risk-aware portfolio does worse by USD "
                    f"{-v.mean:,.0f} m a year (95% CI {-v.high:,.0f} to {-v.low:,.0f})."
                )
        else:
            out.append(
                f"On these years the risk-aware portfolio misses the requirements by "
                f"{f.mean:.2f} Mt/yr less on average (95% confidence interval {f.low:.2f} to "
                f"{f.high:.2f}) and changes netback net of its cost by USD {m.mean:,.0f} m a "
                f"year ({m.low:,.0f} to {m.high:,.0f}); the objective, which prices each tonne "
                f"short at USD 10,000, improves by USD {v.mean:,.0f} m a year "
                f"({v.low:,.0f} to {v.high:,.0f})."
            )
        return out

    def to_dict(self) -> dict[str, object]:
        s = self.solution
        return {
            "year": self.year,
            "draws": self.draws,
            "seed": self.seed,
            "risk": None
            if self.risk is None
            else {"alpha": self.risk.alpha, "weight": self.risk.weight},
            "modules": {k: v for k, v in s.modules.items() if v},
            "objective_musd_per_yr": s.objective_musd_per_yr,
            "annualised_cost_musd_per_yr": s.annualised_cost_musd_per_yr,
            "expected_netback_musd_per_yr": s.expected_netback_musd_per_yr,
            "cvar_recourse_musd_per_yr": s.cvar_recourse_musd_per_yr,
            "method": s.method,
            "iterations": s.iterations,
            "distinct_draws": s.n_distinct,
            "gap": s.gap,
            "eval_draws": self.eval_draws,
            "eval_seed": self.eval_seed,
            "comparison": [o.to_dict() for o in self.outcomes],
            "value_of_stochastic_solution_musd_per_yr": _ci(self.vss),
            "netback_net_of_cost_gain_musd_per_yr": _ci(self.money),
            "shortfall_reduction_mtpa": _ci(self.shortfall),
            "timings_s": {"solve": s.seconds},
            "sentences": self.sentences(),
        }


def _ci(d: PairedDifference) -> dict[str, float]:
    return {"mean": d.mean, "ci95_low": d.low, "ci95_high": d.high}


def risk_aware_portfolio(
    network: Network,
    *,
    deterministic_modules: Mapping[str, int],
    scenario: object | None = None,
    requirements: Sequence[str | Requirement] = (),
    year: int | None = None,
    discount_rate: float = 0.08,
    in_service_by: int | None = None,
    draws: int = 1000,
    seed: int = 0,
    risk: RiskPreference | None = None,
    eval_draws: int | None = None,
    groups: int | None = DEFAULT_CUT_GROUPS,
    progress: Progress | None = None,
) -> RiskAwareResult:
    """The risk-aware portfolio on ``draws`` outage draws of ``seed``, compared with no
    projects and ``deterministic_modules`` on ``eval_draws`` fresh draws (default: as many).

    ``scenario`` (a :class:`crudeflow.scenario.Scenario`) gives changes and requirements; its
    year (or ``year``, or the dataset's base year) is planned month by month, as a risk run
    does. ``progress(done, total)`` is called after each LP solved.
    """
    from crudeflow.invest.deterministic import scenario_availability
    from crudeflow.requirements import parse_requirements
    from crudeflow.scenario import Scenario, apply_scenario

    overrides: PeriodOverrides | None = None
    avail: FloatArray | None = None
    reqs: list[str | Requirement] = list(requirements)
    if isinstance(scenario, Scenario):
        y = scenario.horizon.years[0]
        sc = replace(scenario, horizon=Periods.monthly(y))
        inputs = apply_scenario(sc, network)
        overrides = inputs.overrides
        reqs = [*inputs.requirements, *reqs]
        avail = scenario_availability(
            sc, network, {p.route for p in network.projects if p.on_route}
        )
    else:
        y = year if year is not None else network.meta.base_year
    parsed = parse_requirements(reqs, network=network)
    pool = [
        p for p in network.projects if in_service_by is None or p.earliest_year <= in_service_by
    ]
    while True:  # a project requiring one that is left out cannot be built either
        ids = {p.id for p in pool}
        keep = [p for p in pool if all(q in ids for q in p.requires)]
        if len(keep) == len(pool):
            break
        pool = keep
    prob = build_problem(
        network,
        pool,
        year=y,
        draws=draws,
        seed=seed,
        discount_rate=discount_rate,
        requirements=parsed,
        overrides=overrides,
        risk=risk,
        availability=avail,
    )
    n_eval = draws if eval_draws is None else eval_draws
    eval_seed = seed + EVAL_SEED_OFFSET
    fresh = build_problem(
        network,
        pool,
        year=y,
        draws=n_eval,
        seed=eval_seed,
        discount_rate=discount_rate,
        requirements=parsed,
        overrides=overrides,
        availability=avail,
    )
    total = [0, 0]

    def tick(done: int, _total: int) -> None:
        total[0] += done
        if progress is not None:
            progress(total[0], total[1])

    # the total is an estimate: Benders' iterations are not known in advance
    total[1] = prob.n_distinct * 6 + 3 * fresh.n_distinct
    sol = solve_two_stage(prob, groups=groups, progress=tick)
    total[1] = total[0] + 3 * fresh.n_distinct
    det = {p.id: int(deterministic_modules.get(p.id, 0)) for p in pool}
    none_ = evaluate_portfolio(fresh, {}, progress=tick)
    det_out = evaluate_portfolio(fresh, det, progress=tick)
    rsk_out = evaluate_portfolio(fresh, sol.modules, progress=tick)
    return RiskAwareResult(
        solution=sol,
        year=y,
        draws=draws,
        seed=seed,
        risk=risk,
        eval_draws=n_eval,
        eval_seed=eval_seed,
        outcomes=(
            _outcome("no projects", none_),
            _outcome("cheapest-to-target", det_out),
            _outcome("risk-aware", rsk_out),
        ),
        vss=paired_difference(det_out.total_musd, rsk_out.total_musd),
        money=paired_difference(
            rsk_out.netback_musd - rsk_out.annualised_cost_musd_per_yr,
            det_out.netback_musd - det_out.annualised_cost_musd_per_yr,
        ),
        shortfall=paired_difference(det_out.shortfall_mt, rsk_out.shortfall_mt),
        project_names={p.id: p.name for p in pool},
    )
