"""Export a two-stage investment problem to a stochastic PyPSA network (the cross-check).

Each distinct draw becomes a PyPSA scenario (``n.set_scenarios`` with the draws' weights), the
twelve months are snapshots weighted by their share of the year, a route is a ``Link`` (flow
``p0`` in Mt/yr, ``efficiency`` = 1 - loss, ``marginal_cost`` = tariff), its capacity factor
in a draw is the link's ``p_max_pu`` in that scenario, and each project is one more,
extendable ``Link`` in parallel with its route (``capital_cost`` = annualised cost per Mt/yr
of capacity, ``p_nom_max`` = every module, ``p_nom_mod`` = one module for an integer
portfolio). Supply is a generator, a market a generator running backwards at its price, a
node's working storage the two stores of ``bench/plan_bench.py`` (the stock above and below
its opening level). A risk preference becomes ``n.set_risk_preference(alpha, weight)``:
PyPSA 1.4 minimises ``capex + (1 - omega) E[opex] + omega CVaR_alpha(opex)``, the same
objective as :mod:`crudeflow.invest.stochastic`.

Only what both models share is exported: monthly plans of a steady year without transit
lags, requirements, avoided routes or project links (requires / excludes); anything else is
refused with a ValueError. PyPSA is imported only here (a dev dependency).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crudeflow.invest.deterministic import TIE_BREAK_MUSD_PER_YR
from crudeflow.invest.stochastic import TwoStageProblem
from crudeflow.network.model import Network
from crudeflow.solve.lp import STORAGE_COST_USD_PER_T, STORAGE_START_FILL

__all__ = ["pypsa_network", "pypsa_portfolio"]


def _check(problem: TwoStageProblem, network: Network) -> None:
    lp = problem.lp
    if lp.requirement_rows or lp.closed_by:
        raise ValueError("PyPSA export: requirements are not exported")
    if np.any(lp.lag > 0):
        raise ValueError("PyPSA export: routes with transit lags are not exported")
    if not lp.steady or lp.periods.is_annual:
        raise ValueError("PyPSA export: only the twelve months of one year")
    if lp.throughput_rows:  # hence node projects, which raise them, are not exported either
        raise ValueError("PyPSA export: node loading limits (and node projects) are not exported")
    if lp.fleet_rows:  # hence fleet projects, which add vessels to them, are not exported either
        raise ValueError("PyPSA export: tanker fleets (and fleet projects) are not exported")
    if lp.refinery_nodes:
        raise ValueError("PyPSA export: refinery demand (refineries.csv) is not exported")
    for p in problem.projects:
        if p.requires or p.excludes:
            raise ValueError(f"PyPSA export: project {p.id} has requires/excludes")
    del network


def pypsa_network(problem: TwoStageProblem, network: Network, *, integer: bool = False) -> Any:
    """The stochastic PyPSA network of ``problem`` (``network`` is the one it was built on).

    ``integer``: each project link is built in whole modules (``p_nom_mod``); otherwise its
    capacity is continuous (the relaxation).
    """
    import pypsa

    _check(problem, network)
    # string columns kept as pandas' str dtype, as PyPSA 2.0 will (and no FutureWarning)
    with pypsa.option_context("api.legacy_string_dtype", False):
        return _build(problem, network, integer=integer)


def _build(problem: TwoStageProblem, network: Network, *, integer: bool) -> Any:
    import pandas as pd
    import pypsa

    lp = problem.lp
    T, R, K = lp.periods.n, lp.n_routes, problem.n_distinct
    frac = lp.periods.fraction
    arr = network.arrays
    n = pypsa.Network()
    snaps = pd.Index(list(lp.periods.labels), name="snapshot")
    n.set_snapshots(list(snaps))
    for col in n.snapshot_weightings.columns:
        n.snapshot_weightings[col] = frac
    n.add("Bus", list(arr.node_ids))
    rate = lp.capacity_mtpa  # [T, R] Mt/yr, zero where a route is not open
    p_nom = rate.max(axis=0)
    routes = [r for r in range(R) if p_nom[r] > 0]
    names = [lp.route_ids[r] for r in routes]
    tariff = lp.tariff_usd_per_t  # [T, R]
    n.add(
        "Link",
        names,
        bus0=[arr.node_ids[arr.frm[r]] for r in routes],
        bus1=[arr.node_ids[arr.to[r]] for r in routes],
        p_nom=p_nom[routes],
        efficiency=arr.keep[routes],
        marginal_cost=pd.DataFrame(tariff[:, routes], index=snaps, columns=names),
        p_max_pu=pd.DataFrame(rate[:, routes] / p_nom[routes], index=snaps, columns=names),
    )
    proj = [f"project {p.id}" for p in problem.projects]
    for i, p in enumerate(problem.projects):
        r = int(problem.route_of[i])
        kw: dict[str, Any] = {}
        if integer:
            kw["p_nom_mod"] = p.adds_mtpa
        n.add(
            "Link",
            proj[i],
            bus0=arr.node_ids[arr.frm[r]],
            bus1=arr.node_ids[arr.to[r]],
            p_nom_extendable=True,
            p_nom_max=p.adds_mtpa * p.modules_max,
            capital_cost=(problem.cost_musd_per_yr[i] + TIE_BREAK_MUSD_PER_YR) / p.adds_mtpa,
            efficiency=arr.keep[r],
            marginal_cost=pd.Series(tariff[:, r], index=snaps),
            p_max_pu=pd.Series(problem.adds_mt[i] / (frac * p.adds_mtpa), index=snaps),
            **kw,
        )
    supply = lp.supply_mt / frac[:, None]  # [T, S] Mt/yr
    s_nom = np.maximum(supply.max(axis=0), 1e-12)
    s_names = [f"supply {s}" for s in lp.supply_nodes]
    n.add(
        "Generator",
        s_names,
        bus=list(lp.supply_nodes),
        p_nom=s_nom,
        marginal_cost=0.0,
        p_max_pu=pd.DataFrame(supply / s_nom, index=snaps, columns=s_names),
    )
    m_names = [f"market {m}" for m in lp.market_nodes]
    d_upper = lp.col_upper[lp.block("d")].reshape(T, -1) / frac[:, None]
    inflow = rate.sum(axis=1).max() + sum(p.adds_mtpa * p.modules_max for p in problem.projects)
    storage_all = float(arr.storage_mt.sum()) / float(frac.min())
    m_nom = np.where(np.isfinite(d_upper.max(axis=0)), d_upper.max(axis=0), inflow + storage_all)
    n.add(
        "Generator",
        m_names,
        bus=list(lp.market_nodes),
        p_nom=m_nom,
        p_min_pu=pd.DataFrame(-np.minimum(d_upper / m_nom, 1.0), index=snaps, columns=m_names),
        p_max_pu=0.0,
        marginal_cost=pd.DataFrame(lp.price_usd_per_t, index=snaps, columns=m_names),
    )
    if lp.storage_nodes:
        cap = np.array([float(arr.storage_mt[arr.node_ids.index(k)]) for k in lp.storage_nodes])
        opening = cap * STORAGE_START_FILL
        w = frac[:, None]
        above = [f"above {k}" for k in lp.storage_nodes]
        below = [f"below {k}" for k in lp.storage_nodes]
        H = len(lp.storage_nodes)
        e_min_below = np.full((T, H), -1.0)
        e_min_below[-1] = 0.0
        n.add(
            "Store",
            above,
            bus=list(lp.storage_nodes),
            e_nom=cap - opening,
            marginal_cost_storage=pd.DataFrame(
                np.broadcast_to(STORAGE_COST_USD_PER_T / w, (T, H)), index=snaps, columns=above
            ),
        )
        n.add(
            "Store",
            below,
            bus=list(lp.storage_nodes),
            e_nom=opening,
            e_min_pu=pd.DataFrame(e_min_below, index=snaps, columns=below),
            e_max_pu=0.0,
            marginal_cost_storage=pd.DataFrame(
                np.broadcast_to(-STORAGE_COST_USD_PER_T / w, (T, H)), index=snaps, columns=below
            ),
        )
    scen = [f"draw{k}" for k in range(K)]
    n.set_scenarios(dict(zip(scen, problem.weight.tolist(), strict=True)))
    # per scenario: each link's availability times the draw's capacity factor
    pmax = n.links_t.p_max_pu
    for k, s in enumerate(scen):
        phi = problem.factors[k]  # [R, T]
        for r, name in zip(routes, names, strict=True):
            pmax[(s, name)] = rate[:, r] / p_nom[r] * phi[r]
        for i, name in enumerate(proj):
            r = int(problem.route_of[i])
            pmax[(s, name)] = problem.adds_mt[i] / (frac * problem.projects[i].adds_mtpa) * phi[r]
    n.links_t.p_max_pu = pmax
    if problem.risk is not None and problem.risk.weight > 0:
        n.set_risk_preference(alpha=problem.risk.alpha, omega=problem.risk.weight)
    return n


def pypsa_portfolio(n: Any, problem: TwoStageProblem) -> tuple[dict[str, float], float]:
    """Optimise ``n`` with HiGHS: (modules per project, objective USD m a year).

    The objective leaves out the tie-break both models add to each module's cost.
    """
    import logging

    for name in ("pypsa", "linopy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    status, condition = n.optimize(
        solver_name="highs",
        include_objective_constant=False,
        solver_options={"output_flag": False, "mip_rel_gap": 0.0, "mip_abs_gap": 1e-9},
    )
    if status != "ok":
        raise RuntimeError(f"PyPSA/HiGHS: {status} {condition}")
    opt = n.links["p_nom_opt"]
    modules: dict[str, float] = {}
    for p in problem.projects:
        key = f"project {p.id}"
        val = opt.xs(key, level=-1) if opt.index.nlevels > 1 else opt[key]
        v = float(np.asarray(val).ravel()[0])
        modules[p.id] = v / p.adds_mtpa
    obj = float(n.objective) + float(getattr(n, "objective_constant", 0.0) or 0.0)
    return modules, obj - TIE_BREAK_MUSD_PER_YR * sum(modules.values())
