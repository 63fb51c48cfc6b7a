"""The deterministic investment MILP: which projects meet a scenario's requirements at least cost.

The planning LP (:func:`crudeflow.solve.lp.build_lp`) is taken as it is and extended with one
integer column per project, a capacity row per (period, route) that a project extends, the
project's term in the loading-limit rows of a node it raises, and the
``requires`` / ``excludes`` links; the objective adds each module's annualised cost over the
horizon. The model is in ``docs/dataset-format.md`` ("Investment planning").

:func:`plan_portfolio` is the library entry point of ``crudeflow invest`` (the CLI, the report
and the web call it); :func:`build_investment_model` gives the model itself, for the
stochastic model and the independent checks.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> import dataclasses
>>> from crudeflow.invest.projects import Project
>>> net = toy_network()
>>> more = Project(id="B_M_LOOP", name="Loop on B-M", route="B_M", adds_mtpa=4.0,
...                modules_max=1, capex_musd=100.0, opex_musd_per_yr=0.0, lifetime_years=20,
...                earliest_year=2026)
>>> p = plan_portfolio(dataclasses.replace(net, projects=(more,)),
...                    requirements=["via B >= 11 Mt/yr"], discount_rate=0.0)
>>> [(b.project, b.modules) for b in p.builds], p.annualised_cost_musd_per_yr
([('B_M_LOOP', 1)], 5.0)
>>> p.shortfalls
()
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from crudeflow.errors import ScenarioError, SolverError
from crudeflow.invest._rows import row_adds
from crudeflow.invest.projects import Project
from crudeflow.invest.results import Build, NextProject, Portfolio
from crudeflow.network.model import Network
from crudeflow.requirements import Requirement, parse_requirements
from crudeflow.solve.highs import HighsSession, SolveStatus, solve_mip
from crudeflow.solve.lp import (
    DEFAULT_PENALTY_USD_PER_T,
    InitialState,
    LinearProgram,
    PeriodOverrides,
    Periods,
    _flow_bounds,
    build_lp,
)
from crudeflow.solve.plan import _netback, opening_state, plan

if TYPE_CHECKING:
    from crudeflow.scenario import Scenario

__all__ = [
    "DEFAULT_DISCOUNT_RATE",
    "TIE_BREAK_MUSD_PER_YR",
    "InvestmentModel",
    "build_investment_model",
    "built_inputs",
    "plan_portfolio",
    "scenario_availability",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_DISCOUNT_RATE = 0.08
TIE_BREAK_MUSD_PER_YR = 1e-4
"""Added to each module's annualised cost (USD 100 a year): a project that costs nothing and
changes nothing (a restart needing no investment) is then left out, not built at random."""
MIP_REL_GAP = 1e-6


@dataclass(frozen=True)
class InvestmentModel:
    """The MILP in array form and where its parts sit.

    Columns: the planning LP's (``lp``), then ``n_p`` for each project of ``projects`` (from
    ``n_start``), then a binary ``b_p`` for each project of an ``excludes`` pair (from
    ``b_start``, in ``b_projects`` order). Rows: the LP's, then the capacity rows (one per
    period and extended route, ``capacity_rows`` maps (t, route index) to the row), then the
    links.
    """

    lp: LinearProgram
    projects: tuple[Project, ...]
    c: FloatArray
    A: sp.csc_array
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    integrality: npt.NDArray[np.int32]
    n_start: int
    b_start: int
    b_projects: tuple[str, ...]
    capacity_rows: dict[tuple[int, int], int]
    annualised_musd_per_yr: FloatArray
    """[P] annualised cost of one module at the run's discount rate (no tie-break)."""

    @property
    def n_cols(self) -> slice:
        return slice(self.n_start, self.n_start + len(self.projects))

    def modules(self, x: FloatArray) -> IntArray:
        """The integer ``n_p`` of a solution (rounded)."""
        return np.rint(x[self.n_cols]).astype(np.int64)


def _pair_excludes(projects: Sequence[Project]) -> list[tuple[str, str]]:
    ids = {p.id for p in projects}
    pairs: set[tuple[str, str]] = set()
    for p in projects:
        for q in p.excludes:
            if q in ids:
                a, b = sorted((p.id, q))
                pairs.add((a, b))
    return sorted(pairs)


def build_investment_model(
    network: Network,
    periods: Periods,
    requirements: tuple[Requirement, ...] = (),
    *,
    projects: Sequence[Project] | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    overrides: PeriodOverrides | None = None,
    capacity_factor: FloatArray | None = None,
    initial_state: InitialState | None = None,
    penalty_usd_per_t: float = DEFAULT_PENALTY_USD_PER_T,
    project_availability: FloatArray | None = None,
) -> InvestmentModel:
    """The planning LP of ``network`` plus the projects' integer columns, capacity rows and links.

    ``projects`` defaults to ``network.projects``; a project whose route is not in the network,
    or whose node has no loading limit in it, is an error. A node project adds
    ``-adds_p * f_t`` times ``n_p`` to the node's loading-limit rows (capacity factor 1). ``capacity_factor`` ([R] or [T, R]) multiplies existing and project capacity
    alike (an outage draw). ``project_availability`` ([T, R], default 1) is the share of each
    period in which project capacity may be used: a scenario's ``ban`` closes it too
    (:func:`scenario_availability`).
    """
    projects = tuple(network.projects if projects is None else projects)
    lp = build_lp(
        network,
        periods,
        requirements,
        overrides=overrides,
        capacity_factor=capacity_factor,
        penalty_usd_per_t=penalty_usd_per_t,
        initial_state=initial_state,
    )
    T, R = periods.n, lp.n_routes
    frac = periods.fraction
    route_pos = {rid: i for i, rid in enumerate(lp.route_ids)}
    in_rows = [row_adds(lp, p) for p in projects]  # node and fleet projects: their LP rows
    for p in projects:
        if p.on_route and p.route not in route_pos:
            raise ScenarioError(f"project {p.id}: no route {p.route!r} in the network")
    factor = np.ones((T, R))
    if capacity_factor is not None:
        factor = np.broadcast_to(np.asarray(capacity_factor, dtype=float), (T, R)).copy()
    if project_availability is not None:
        factor = factor * np.asarray(project_availability, dtype=float).reshape(T, R)
    P = len(projects)
    pairs = _pair_excludes(projects)
    b_ids = tuple(dict.fromkeys(x for pair in pairs for x in pair))
    n_lp = len(lp.c)
    n_start, b_start = n_lp, n_lp + P
    n_total = b_start + len(b_ids)
    pid_pos = {p.id: k for k, p in enumerate(projects)}
    annual = np.array([p.annualised_cost_musd_per_yr(discount_rate) for p in projects])
    Y = periods.horizon_years

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    next_row = lp.A.shape[0]
    capacity_rows: dict[tuple[int, int], int] = {}
    col_upper = np.concatenate([lp.col_upper, np.zeros(n_total - n_lp)])
    closed = {route_pos[r] for r in lp.closed_by}
    xs = lp.block("x")
    by_route: dict[int, list[int]] = {}
    for k, p in enumerate(projects):
        at = in_rows[k]
        if at is not None:  # a node's loading limit or a tanker pool: -adds[t] n_p in its rows
            rows.extend(at[0] + t for t in range(T))
            cols.extend([n_start + k] * T)
            vals.extend((-at[1]).tolist())
        else:
            by_route.setdefault(route_pos[p.route], []).append(k)
    for r, ks in sorted(by_route.items()):
        for t in range(T):
            xcol = xs.start + t * R + r
            scale = float(factor[t, r] * frac[t])
            rows.append(next_row)
            cols.append(xcol)
            vals.append(1.0)
            for k in ks:
                rows.append(next_row)
                cols.append(n_start + k)
                vals.append(-projects[k].adds_mtpa * scale)
            row_lo.append(-np.inf)
            row_hi.append(float(lp.capacity_mt[t, r]))
            capacity_rows[(t, r)] = next_row
            next_row += 1
            extra = sum(projects[k].adds_mtpa * projects[k].modules_max for k in ks) * scale
            col_upper[xcol] = 0.0 if r in closed else float(lp.capacity_mt[t, r]) + extra
    for k, p in enumerate(projects):
        col_upper[n_start + k] = float(p.modules_max)
        for q in p.requires:
            if q not in pid_pos:
                continue
            rows.extend([next_row, next_row])
            cols.extend([n_start + k, n_start + pid_pos[q]])
            vals.extend([1.0, -float(p.modules_max)])
            row_lo.append(-np.inf)
            row_hi.append(0.0)
            next_row += 1
    for j, pid in enumerate(b_ids):
        k = pid_pos[pid]
        col_upper[b_start + j] = 1.0
        rows.extend([next_row, next_row])
        cols.extend([n_start + k, b_start + j])
        vals.extend([1.0, -float(projects[k].modules_max)])
        row_lo.append(-np.inf)
        row_hi.append(0.0)
        next_row += 1
    for a, b in pairs:
        rows.extend([next_row, next_row])
        cols.extend([b_start + b_ids.index(a), b_start + b_ids.index(b)])
        vals.extend([1.0, 1.0])
        row_lo.append(-np.inf)
        row_hi.append(1.0)
        next_row += 1
    old = sp.coo_array(lp.A)
    A = sp.csc_array(
        (
            np.concatenate([old.data, np.array(vals)]),
            (
                np.concatenate([old.row, np.array(rows, dtype=np.int64)]),
                np.concatenate([old.col, np.array(cols, dtype=np.int64)]),
            ),
        ),
        shape=(next_row, n_total),
    )
    c = np.concatenate([lp.c, (annual + TIE_BREAK_MUSD_PER_YR) * Y, np.zeros(len(b_ids))])
    integrality = np.zeros(n_total, dtype=np.int32)
    integrality[n_start:] = 1
    return InvestmentModel(
        lp=lp,
        projects=projects,
        c=c,
        A=A,
        col_lower=np.zeros(n_total),
        col_upper=col_upper,
        row_lower=np.concatenate([lp.row_lower, np.array(row_lo)]),
        row_upper=np.concatenate([lp.row_upper, np.array(row_hi)]),
        integrality=integrality,
        n_start=n_start,
        b_start=b_start,
        b_projects=b_ids,
        capacity_rows=capacity_rows,
        annualised_musd_per_yr=annual,
    )


def built_inputs(
    network: Network,
    periods: Periods,
    projects: Sequence[Project],
    modules: Sequence[int] | IntArray,
    overrides: PeriodOverrides | None = None,
    project_availability: FloatArray | None = None,
) -> tuple[Network, PeriodOverrides]:
    """The network and per-period capacities with ``modules[k]`` of ``projects[k]`` built.

    Each extended route's capacity becomes ``cap[t, r] + sum(adds_p * n_p)`` in every period
    (``cap`` as the planning model has it: 0 for a planned, idle or not yet opened route);
    a route built from nothing is marked ``operating``. ``project_availability`` scales what
    the projects add per period (a scenario's ban). A node project raises the node's
    ``throughput_mtpa`` by ``adds_p * n_p``; a fleet project adds ``n_p`` vessels to its class
    (``PeriodOverrides.fleet_vessels``).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> net = toy_network()
    >>> p = Project(id="X", name="X", route="B_M", adds_mtpa=2.0, modules_max=3,
    ...             capex_musd=1.0, opex_musd_per_yr=0.0, lifetime_years=10, earliest_year=2025)
    >>> _, ov = built_inputs(net, Periods.annual(2025), [p], [2])
    >>> ov.capacity_mtpa.tolist()
    [[11.0, 14.0, 4.0]]
    >>> lim = dataclasses.replace(net, nodes=tuple(
    ...     dataclasses.replace(n, throughput_mtpa=5.0) if n.id == "B" else n
    ...     for n in net.nodes))
    >>> q = Project(id="Q", name="Q", route="", node="B", adds_mtpa=1.5, modules_max=2,
    ...             capex_musd=1.0, opex_musd_per_yr=0.0, lifetime_years=10, earliest_year=2025)
    >>> built, _ = built_inputs(lim, Periods.annual(2025), [q], [2])
    >>> built.node("B").throughput_mtpa
    8.0
    """
    ov = overrides or PeriodOverrides()
    base = _flow_bounds(network, periods, (), None, ov).cap_mtpa.copy()
    route_pos = {r.id: i for i, r in enumerate(network.routes)}
    added = np.zeros(len(network.routes))
    node_added: dict[str, float] = {}
    vessels_added: dict[str, int] = {}
    for p, n in zip(projects, modules, strict=True):
        if p.on_node:
            node_added[p.node] = node_added.get(p.node, 0.0) + p.adds_mtpa * int(n)
        elif p.on_fleet:
            vessels_added[p.fleet] = vessels_added.get(p.fleet, 0) + int(n)
        else:
            added[route_pos[p.route]] += p.adds_mtpa * int(n)
    avail = np.ones_like(base) if project_availability is None else project_availability
    cap = base + added[None, :] * avail
    changed = []
    for i in np.flatnonzero(added > 0):
        r = network.routes[int(i)]
        if not all(r.open_in(y) for y in periods.years):
            changed.append(
                dataclasses.replace(
                    r,
                    status="operating",
                    since_year=None,
                    capacity_mtpa=float(np.max(cap[:, i])),
                )
            )
    net = network.replace_routes(changed) if changed else network
    if any(v > 0 for v in node_added.values()):
        net = dataclasses.replace(
            net,
            nodes=tuple(
                dataclasses.replace(
                    nd, throughput_mtpa=(nd.throughput_mtpa or 0.0) + node_added[nd.id]
                )
                if node_added.get(nd.id, 0.0) > 0
                else nd
                for nd in net.nodes
            ),
        )
    vessels = dict(ov.fleet_vessels)  # a scenario's fleet changes, plus the vessels built
    for f in net.fleet:
        if vessels_added.get(f.id, 0):
            vessels[f.id] = vessels.get(f.id, f.vessels) + vessels_added[f.id]
    return net, dataclasses.replace(ov, capacity_mtpa=cap, fleet_vessels=vessels)


def scenario_availability(
    scenario: Scenario, network: Network, routes: Iterable[str]
) -> FloatArray | None:
    """[T, R] share of each period in which the scenario's bans leave ``routes`` open (1
    elsewhere); None when the scenario bans nothing.

    The scenario's ``ban`` changes alone are applied to a copy of the network in which those
    routes are operating at 1 Mt/yr: the capacity each period gets is the open share.
    """
    from crudeflow.scenario import apply_scenario

    bans = tuple(ch for ch in scenario.changes if ch.kind == "ban")
    if not bans:
        return None
    wanted = set(routes)
    unit = network.replace_routes(
        dataclasses.replace(r, capacity_mtpa=1.0, status="operating", since_year=None)
        for r in network.routes
        if r.id in wanted
    )
    only_bans = dataclasses.replace(scenario, changes=bans, requirements=())
    cap = apply_scenario(only_bans, unit).overrides.capacity_mtpa
    assert cap is not None
    out = np.ones_like(cap)
    for i, r in enumerate(network.routes):
        if r.id in wanted:
            out[:, i] = cap[:, i]
    return out


def _inputs(
    network: Network,
    scenario: Scenario | None,
    requirements: Iterable[str | Requirement],
    year: int | None,
    projects: Sequence[Project],
) -> tuple[Periods, PeriodOverrides | None, tuple[Requirement, ...], str, FloatArray | None]:
    if scenario is not None:
        from crudeflow.scenario import apply_scenario

        inputs = apply_scenario(scenario, network)
        reqs = parse_requirements([*inputs.requirements, *requirements], network=network)
        avail = scenario_availability(scenario, network, {p.route for p in projects if p.on_route})
        return inputs.periods, inputs.overrides, reqs, scenario.name, avail
    y = year if year is not None else network.meta.base_year
    return Periods.annual(y), None, parse_requirements(requirements, network=network), "", None


def plan_portfolio(
    network: Network,
    *,
    scenario: Scenario | None = None,
    requirements: Iterable[str | Requirement] = (),
    year: int | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    in_service_by: int | None = None,
    time_limit: float | None = None,
    projects: Sequence[Project] | None = None,
    mip_rel_gap: float = MIP_REL_GAP,
    progress: Callable[[str], None] | None = None,
) -> Portfolio:
    """The projects that meet the requirements at least annualised cost net of netback gained.

    Parameters
    ----------
    network : Network
        A loaded dataset; its ``projects`` are the candidates unless ``projects`` is given.
    scenario : Scenario, optional
        Its horizon, changes and requirements (default: an annual plan of ``year``).
    requirements : iterable of str or Requirement
        More requirements (``"via AKTAU,KURYK >= 20 Mt/yr"``).
    year : int, optional
        Year of an annual plan without a scenario (default: the dataset's base year).
    discount_rate : float
        Annualises capex (0.08 = 8%).
    in_service_by : int, optional
        Leave out projects whose ``earliest_year`` is later.
    time_limit : float, optional
        Seconds for the MIP; at the limit the best portfolio found is returned with its gap.
    progress : callable, optional
        Called with a short message at each step (the CLI prints them on stderr).

    Raises
    ------
    ScenarioError
        A requirement or project names something the network lacks.
    SolverError
        HiGHS found no portfolio (time limit before any, or a solver failure).
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    if not 0.0 <= discount_rate <= 1.0:
        raise ScenarioError(f"discount rate {discount_rate:g} is outside 0 to 100%")
    pool = tuple(network.projects if projects is None else projects)
    periods, overrides, reqs, scenario_name, avail = _inputs(
        network, scenario, requirements, year, pool
    )
    left_out = tuple(
        p.id for p in pool if in_service_by is not None and p.earliest_year > in_service_by
    )
    candidates = tuple(p for p in pool if p.id not in left_out)
    # a project requiring one that is left out cannot be built either
    changed = True
    while changed:
        ids = {p.id for p in candidates}
        keep = tuple(p for p in candidates if all(q in ids for q in p.requires))
        changed = len(keep) != len(candidates)
        left_out += tuple(p.id for p in candidates if p not in keep)
        candidates = keep
    initial_state = None if periods.steady else opening_state(network, periods)
    say(f"building the model: {len(candidates)} candidate projects, {periods.n} period(s)")
    model = build_investment_model(
        network,
        periods,
        reqs,
        projects=candidates,
        discount_rate=discount_rate,
        overrides=overrides,
        initial_state=initial_state,
        project_availability=avail,
    )
    say("solving the MIP (HiGHS branch and bound)")
    res = solve_mip(
        model.c,
        model.A,
        model.col_lower,
        model.col_upper,
        model.row_lower,
        model.row_upper,
        model.integrality,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
    if not res.has_solution:
        raise SolverError(
            f"HiGHS ended with status {res.status.value} before finding any portfolio"
            + (" (raise --time-limit)" if res.status is SolveStatus.TIME_LIMIT else "")
        )
    modules = model.modules(res.x)
    say("solving the plans with and without the portfolio")
    net_built, ov_built = built_inputs(network, periods, candidates, modules, overrides, avail)
    built = plan(
        net_built,
        periods=periods,
        overrides=ov_built,
        requirements=reqs,
        baseline=False,
        initial_state=initial_state,
    )
    baseline = plan(
        network,
        periods=periods,
        overrides=overrides,
        requirements=reqs,
        baseline=False,
        initial_state=initial_state,
    )
    say("looking for the next project")
    nxt = _next_project(model, modules)
    builds = tuple(
        Build(
            project=p.id,
            name=p.name,
            route=p.route,
            node=p.node,
            fleet=p.fleet,
            modules=int(n),
            modules_max=p.modules_max,
            adds_mtpa=p.adds_mtpa,
            capex_musd=p.capex_musd * int(n),
            annualised_cost_musd_per_yr=float(model.annualised_musd_per_yr[k]) * int(n),
            in_service_year=p.earliest_year,
            hypothetical=p.hypothetical,
            source=p.source,
        )
        for k, (p, n) in enumerate(zip(candidates, modules, strict=True))
        if n > 0
    )
    Y = periods.horizon_years
    tie = TIE_BREAK_MUSD_PER_YR * Y * float(modules.sum())
    return Portfolio(
        dataset=network.meta.name,
        scenario=scenario_name,
        requirements=built.requirements,
        discount_rate=discount_rate,
        builds=builds,
        plan=built,
        baseline=baseline,
        status=res.status,
        mip_gap=0.0 if res.status.ok else res.gap,
        objective_musd=res.objective - tie,
        bound_musd=res.bound - tie if np.isfinite(res.bound) else res.bound,
        next_project=nxt,
        left_out=left_out,
        in_service_by=in_service_by,
        solver=res.solver,
        seconds=time.perf_counter() - t0,
        candidates=len(candidates),
        built_network=net_built,
        node_names={n.id: short_name(n.name or n.id) for n in network.nodes},
    )


def short_name(name: str) -> str:
    """A node's name without its qualifiers: ``Sangachal terminal / Baku (...)`` -> ``Sangachal
    terminal``.

    >>> short_name("Sangachal terminal / Baku (Caspian discharge; head of BTC)")
    'Sangachal terminal'
    >>> short_name("Port of Aktau")
    'Port of Aktau'
    """
    for sep in (" (", " / ", ", "):
        name = name.split(sep)[0]
    return name.strip()


def _next_project(model: InvestmentModel, modules: IntArray) -> NextProject | None:
    """The one-module step (with what it requires) that lowers the objective most, or raises it
    least, on top of the chosen portfolio: the LP with the integers fixed, re-solved per step."""
    projects = model.projects
    if not projects:
        return None
    lp = model.lp
    pos = {p.id: k for k, p in enumerate(projects)}
    built = {p.id for p, n in zip(projects, modules, strict=True) if n > 0}
    excluded = {q for p in projects if p.id in built for q in p.excludes} | {
        p.id for p in projects if any(q in built for q in p.excludes)
    }
    lo = model.col_lower.copy()
    hi = model.col_upper.copy()
    ncols = np.arange(model.n_cols.start, model.n_cols.stop)
    lo[ncols] = hi[ncols] = modules
    b_cols = np.arange(model.b_start, model.b_start + len(model.b_projects))
    for j, pid in enumerate(model.b_projects):
        on = 1.0 if pid in built else 0.0
        lo[b_cols[j]] = hi[b_cols[j]] = on
    session = HighsSession(model.c, model.A, lo, hi, model.row_lower, model.row_upper)
    base = session.solve()
    if not base.status.ok:
        return None
    u = lp.block("u")
    Y = lp.periods.horizon_years

    def shortfall(x: FloatArray) -> float:
        return float(x[u].sum()) / Y

    best: tuple[float, NextProject] | None = None
    for k, p in enumerate(projects):
        if modules[k] >= p.modules_max or p.id in excluded:
            continue
        step = {k: 1}
        blocked = False
        for q in p.requires:
            if q in built or q not in pos:
                continue
            if q in excluded:
                blocked = True
            step[pos[q]] = 1
        if blocked:
            continue
        new_lo, new_hi = lo.copy(), hi.copy()
        for kk, add in step.items():
            new_lo[ncols[kk]] = new_hi[ncols[kk]] = modules[kk] + add
        for j, pid in enumerate(model.b_projects):
            if pid in built or pos.get(pid) in step:
                new_lo[b_cols[j]] = new_hi[b_cols[j]] = 1.0
        session.set_col_bounds(new_lo, new_hi)
        moved = session.solve()
        if not moved.status.ok:
            continue
        delta = moved.objective - base.objective
        cost = float(sum(model.annualised_musd_per_yr[kk] * add for kk, add in step.items()))
        gain = (_netback(lp, moved.x) - _netback(lp, base.x)) / Y
        cand = NextProject(
            project=p.id,
            name=p.name,
            modules=sum(step.values()),
            capacity_added_mtpa=float(
                sum(projects[kk].adds_mtpa * add for kk, add in step.items())
            ),
            annualised_cost_musd_per_yr=cost,
            netback_gain_musd_per_yr=gain,
            shortfall_reduction_mtpa=max(shortfall(base.x) - shortfall(moved.x), 0.0),
            with_requires=tuple(projects[kk].id for kk in step if kk != k),
            with_requires_names=tuple(projects[kk].name for kk in step if kk != k),
        )
        if best is None or delta < best[0] - 1e-9:
            best = (delta, cand)
    return None if best is None else best[1]
