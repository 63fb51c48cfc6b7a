"""An LP written from docs/dataset-format.md ("The planning model") alone, loop by loop,
reproduces the planner's optimum for steady and open horizons (issue 8 item 6)."""

from __future__ import annotations

import calendar
import dataclasses

import numpy as np
import pytest
from scipy.optimize import linprog

from crudeflow.network._passages import shared_passages
from crudeflow.network.model import Network, toy_network
from crudeflow.requirements import parse_requirements
from crudeflow.solve.highs import solve_lp
from crudeflow.solve.lp import InitialState, Periods, build_lp


def rich_toy() -> Network:
    net = toy_network()
    routes = [
        dataclasses.replace(net.route("B_M"), transit_days=12.0),
        dataclasses.replace(net.route("A_B"), transit_days=40.0, loss_pct=0.5),
    ]
    net = net.replace_routes(routes)
    nodes = tuple(dataclasses.replace(n, storage_mt=1.0) if n.id == "B" else n for n in net.nodes)
    return dataclasses.replace(net, nodes=nodes)


def doc_lp(
    net: Network,
    months: list[tuple[int, int]],
    opening: InitialState | None,
    *,
    avoid_passages: tuple[str, ...] = (),
    share_passage: tuple[str, float] | None = None,
) -> float:
    """Minimised objective of the doc's model (-netback + storage tie-breaker), USD m.

    ``avoid_passages``: "avoid PASSAGE" (routes listing one get x = 0); ``share_passage``:
    (PASSAGE, P) for "share PASSAGE <= P" (Σ x over listing routes − P · Σ s <= 0), both as
    docs/dataset-format.md ("Passages") states them.
    """
    T = len(months)
    steady = opening is None
    days = [calendar.monthrange(y, m)[1] for y, m in months]
    f = [d / (366 if calendar.isleap(y) else 365) for d, (y, _) in zip(days, months, strict=True)]
    var: dict[tuple[str, int, str], int] = {}
    cost: list[float] = []
    upper: list[float] = []

    def new(kind: str, t: int, key: str, c: float, ub: float) -> None:
        var[(kind, t, key)] = len(cost)
        cost.append(c)
        upper.append(ub)

    stores = [n for n in net.nodes if n.storage_mt]
    open_stock = {
        n.id: (0.5 * n.storage_mt if steady else opening.stock_mt.get(n.id, 0.0))  # type: ignore[union-attr, operator]
        for n in stores
    }
    for t, (y, _) in enumerate(months):
        for r in net.routes:
            # "Values by year": C(r, y) and S(r, y) from route_years, else routes.csv
            row = {(ry.route, ry.year): ry for ry in net.route_years}.get((r.id, y))
            c_ry = row.capacity_mtpa if row and row.capacity_mtpa is not None else None
            s_ry = row.status if row and row.status is not None else r.status
            live = r.since_year is None or r.since_year <= y
            cap = (
                (r.capacity_mtpa if c_ry is None else c_ry) if s_ry == "operating" and live else 0.0
            )
            if set(avoid_passages) & set(r.passages):
                cap = 0.0
            new("x", t, r.id, r.tariff_usd_per_t, cap * f[t])
        for node, mt in net.supply_in(y).items():
            new("s", t, node, 0.0, mt * f[t])
        for mk in net.markets:
            ub = np.inf if mk.max_mtpa is None else mk.max_mtpa * f[t]
            new("d", t, mk.node, -net.price_usd_per_t(mk.node, y), ub)
        # "Domestic refining": v[t,k] <= D[t,k], priced at 2 x 10,000 USD/t
        for node, demand in net.refinery_demand_in(y).items():
            new("v", t, node, 20_000.0, demand * f[t])
        for n in stores:
            new("h", t, n.id, 0.01, n.storage_mt - open_stock[n.id])  # type: ignore[operator]
            new("g", t, n.id, 0.01, 0.0 if t == T - 1 else open_stock[n.id])
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    for t in range(T):
        for n in net.nodes:
            row: dict[int, float] = {}

            def add(k: int, v: float, row: dict[int, float] = row) -> None:
                row[k] = row.get(k, 0.0) + v

            const = 0.0
            for key in (("s", t, n.id), ("d", t, n.id)):
                if key in var:
                    add(var[key], 1.0 if key[0] == "s" else -1.0)
            if ("v", t, n.id) in var:  # inflow - outflow + v = D[t,k]
                add(var[("v", t, n.id)], 1.0)
                const -= upper[var[("v", t, n.id)]]
            for r in net.routes:
                lam = [min((r.transit_days or 0.0) / dd, 1.0) for dd in days]
                kappa = 1 - r.loss_pct / 100
                if r.from_node == n.id:
                    add(var[("x", t, r.id)], -1.0)
                if r.to_node == n.id:
                    add(var[("x", t, r.id)], kappa * (1 - lam[t]))
                    if t > 0:
                        add(var[("x", t - 1, r.id)], kappa * lam[t - 1])
                    elif steady:
                        add(var[("x", T - 1, r.id)], kappa * lam[T - 1])
                    else:
                        const += opening.in_transit_mt.get(r.id, 0.0)  # type: ignore[union-attr]
            if n in stores:  # + stock[t-1] - stock[t], stock = open + h - g
                add(var[("h", t, n.id)], -1.0)
                add(var[("g", t, n.id)], 1.0)
                if t > 0:
                    add(var[("h", t - 1, n.id)], 1.0)
                    add(var[("g", t - 1, n.id)], -1.0)
            rows.append(row)
            rhs.append(-const)
    A = np.zeros((len(rows), len(cost)))
    for i, row in enumerate(rows):
        for k, v in row.items():
            A[i, k] = v
    # "Node loading limits": the routes leaving a node share its throughput_mtpa
    ub_rows: list[list[float]] = []
    ub_rhs: list[float] = []
    # "Passages": share PASSAGE <= P is sum of x over listing routes - P * sum of s <= 0;
    # "Domestic refining": - P * (sum of s + sum of v) <= -P * sum of D (a share of exports)
    if share_passage is not None:
        pid, frac = share_passage
        share_row = [0.0] * len(cost)
        demand_total = 0.0
        for (kind, _t, key), k in var.items():
            if kind == "x" and pid in net.route(key).passages:
                share_row[k] += 1.0
            elif kind in ("s", "v"):
                share_row[k] -= frac
            if kind == "v":
                demand_total += upper[k]
        ub_rows.append(share_row)
        ub_rhs.append(-frac * demand_total)
    for n in net.nodes:
        if n.throughput_mtpa is None:
            continue
        for t in range(T):
            ub = [0.0] * len(cost)
            for r in net.routes:
                if r.from_node == n.id:
                    ub[var[("x", t, r.id)]] = 1.0
            ub_rows.append(ub)
            ub_rhs.append(n.throughput_mtpa * f[t])
    # "Minimum commitments": per commitment and period of a year it applies in,
    # flows + m >= min * f_t, m priced at the penalty
    for cm in net.commitments:
        for t, (y, _) in enumerate(months):
            if cm.year is not None and cm.year != y:
                continue
            m_col = len(cost)
            cost.append(cm.penalty_usd_per_t)
            upper.append(np.inf)
            for row_ in ub_rows:
                row_.append(0.0)
            ub = [0.0] * len(cost)
            for rid in cm.routes:
                ub[var[("x", t, rid)]] = -1.0
            ub[m_col] = -1.0
            ub_rows.append(ub)
            ub_rhs.append(-cm.min_mtpa * f[t])
    # "The tanker fleet": per pool (rows naming the same set of routes) and period,
    # sum of x on its legs <= sum over its classes of V * payload * (days - weather) / trip / 1e6
    pools: dict[frozenset[str], list[object]] = {}
    for fl in net.fleet:
        pools.setdefault(frozenset(fl.routes), []).append(fl)
    for legs, classes in pools.items():
        for t, (y, mo) in enumerate(months):
            carried = 0.0
            for c in classes:
                back = c.ballast_speed_knots or c.speed_knots  # type: ignore[attr-defined]
                trip = (
                    c.distance_nm / (24 * c.speed_knots)  # type: ignore[attr-defined]
                    + c.distance_nm / (24 * back)  # type: ignore[attr-defined]
                    + c.port_days  # type: ignore[attr-defined]
                )
                payload = c.deadweight_t * c.cargo_fraction  # type: ignore[attr-defined]
                open_days = calendar.monthrange(y, mo)[1] - c.weather_days[mo - 1]  # type: ignore[attr-defined]
                carried += c.vessels * payload * open_days / trip / 1e6  # type: ignore[attr-defined]
            ub = [0.0] * len(cost)
            for rid in legs:
                ub[var[("x", t, rid)]] = 1.0
            ub_rows.append(ub)
            ub_rhs.append(carried)
    A = np.hstack([A, np.zeros((A.shape[0], len(cost) - A.shape[1]))])
    res = linprog(
        cost,
        A_ub=np.array(ub_rows) if ub_rows else None,
        b_ub=ub_rhs or None,
        A_eq=A,
        b_eq=rhs,
        bounds=list(zip([0.0] * len(cost), upper, strict=True)),
    )
    assert res.status == 0
    return float(res.fun)


def ours(
    net: Network, periods: Periods, opening: InitialState | None, requirements: tuple[str, ...] = ()
) -> float:
    reqs = parse_requirements(requirements, network=net)
    lp = build_lp(net, periods, reqs, initial_state=opening)
    return solve_lp(lp.c, lp.A, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper).objective


def assert_doc_matches_year(net: Network, year: int) -> None:
    """The doc's LP gives our optimum on the steady calendar ``year``, month by month."""
    months = [(year, m) for m in range(1, 13)]
    assert ours(net, Periods.monthly(year), None) == pytest.approx(
        doc_lp(net, months, None), rel=1e-9
    )


def assert_doc_matches_year_and_open_quarter(net: Network) -> None:
    """The doc's LP gives our optimum on the steady 2025 and on an open October-December 2025
    (opening stock at B, crude in transit on A_B)."""
    assert_doc_matches_year(net, 2025)
    opening = InitialState({"B": 0.5}, {"A_B": 0.3})
    months = [(2025, 10), (2025, 11), (2025, 12)]
    periods = Periods.monthly(2025, start_month=10, months=3)
    assert ours(net, periods, opening) == pytest.approx(doc_lp(net, months, opening), rel=1e-9)


def test_doc_model_reproduces_a_steady_calendar_year() -> None:
    net = rich_toy()
    assert_doc_matches_year(net, 2025)


@pytest.mark.parametrize(
    "opening",
    [
        InitialState({"B": 0.5}, {"A_B": 0.3, "B_M": 0.12}),
        InitialState({"B": 0.0}, {}),
        InitialState({"B": 1.0}, {"B_M": 0.4}),
    ],
)
def test_doc_model_reproduces_an_open_horizon(opening: InitialState) -> None:
    net = rich_toy()
    months = [(2025, 10), (2025, 11), (2025, 12)]
    periods = Periods.monthly(2025, start_month=10, months=3)
    assert ours(net, periods, opening) == pytest.approx(doc_lp(net, months, opening), rel=1e-9)


def passage_toy() -> Network:
    """rich_toy with the tanker B -> M through the Turkish Straits and a second market leg."""
    net = rich_toy()
    net = net.replace_routes([dataclasses.replace(net.route("B_M"), passages=("BOSPORUS",))])
    return dataclasses.replace(net, passages=shared_passages())


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5, 0.9])
def test_doc_model_reproduces_share_of_a_passage(share: float) -> None:
    net = passage_toy()
    months = [(2025, m) for m in range(1, 13)]
    got = ours(net, Periods.monthly(2025), None, (f"share BOSPORUS <= {share * 100:g}%",))
    want = doc_lp(net, months, None, share_passage=("BOSPORUS", share))
    assert got == pytest.approx(want, rel=1e-9)


def test_doc_model_reproduces_share_of_a_passage_on_an_open_horizon() -> None:
    net = passage_toy()
    opening = InitialState({"B": 0.5}, {"A_B": 0.3, "B_M": 0.12})
    months = [(2025, 10), (2025, 11), (2025, 12)]
    periods = Periods.monthly(2025, start_month=10, months=3)
    got = ours(net, periods, opening, ("share bosporus <= 40%",))
    assert got == pytest.approx(
        doc_lp(net, months, opening, share_passage=("BOSPORUS", 0.4)), rel=1e-9
    )


def test_doc_model_reproduces_avoid_of_a_passage() -> None:
    net = passage_toy()
    months = [(2025, m) for m in range(1, 13)]
    got = ours(net, Periods.monthly(2025), None, ("avoid BOSPORUS",))
    assert got == pytest.approx(doc_lp(net, months, None, avoid_passages=("BOSPORUS",)), rel=1e-9)


def with_loading_limit(net: Network, node: str, limit: float) -> Network:
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=limit) if n.id == node else n for n in net.nodes
    )
    return dataclasses.replace(net, nodes=nodes)


@pytest.mark.parametrize(("node", "limit"), [("A", 9.0), ("B", 7.5), ("A", 0.0)])
def test_doc_model_reproduces_node_loading_limits(node: str, limit: float) -> None:
    net = with_loading_limit(rich_toy(), node, limit)
    assert_doc_matches_year_and_open_quarter(net)


def test_doc_model_reproduces_values_by_year() -> None:
    from crudeflow.network.model import Benchmark, RouteYear, Supply

    net = rich_toy()
    net = dataclasses.replace(
        net,
        supply=(*net.supply, Supply("A", 2026, 9.0)),
        benchmarks=(*net.benchmarks, Benchmark(2026, 70.0)),
        route_years=(
            RouteYear("A_M", 2025, 1.0),
            RouteYear("B_M", 2026, 6.0),
            RouteYear("A_B", 2026, None, "idle"),
        ),
    )
    opening = InitialState({"B": 0.5}, {"A_B": 0.3})
    months = [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    periods = Periods.monthly(2025, start_month=11, months=4)
    assert ours(net, periods, opening) == pytest.approx(doc_lp(net, months, opening), rel=1e-9)


@pytest.mark.parametrize("minimum", [1.0, 6.0])  # met; cannot be met (A_M carries 4 at most)
def test_doc_model_reproduces_minimum_commitments(minimum: float) -> None:
    from crudeflow.network.model import Commitment

    net = dataclasses.replace(
        rich_toy(),
        commitments=(
            Commitment("c", ("A_M",), "route:A_M", 2025, minimum, 50.0),
            Commitment("g", ("A_B", "A_M"), "group:g", None, 11.5, 7.0),
        ),
    )
    assert_doc_matches_year_and_open_quarter(net)


def with_fleet(net: Network) -> Network:
    """rich_toy with a pool of two tanker classes on B_M (one idle class of 0 vessels) and a
    winter-bound class alone on A_M."""
    from crudeflow.network.model import Fleet

    winter = (10.0, 8.0) + (0.0,) * 9 + (15.0,)
    return dataclasses.replace(
        net,
        fleet=(
            Fleet("small", "", ("B_M",), 40, 8000.0, 10.0, 220.0, 5.4, weather_days=winter),
            Fleet("big", "", ("B_M",), 0, 12000.0, 11.0, 220.0, 5.4, cargo_fraction=0.8),
            Fleet(
                "a",
                "",
                ("A_M",),
                5,
                10000.0,
                12.0,
                300.0,
                2.0,
                ballast_speed_knots=14.0,
                weather_days=winter,
            ),
        ),
    )


@pytest.mark.parametrize("vessels", [0, 10, 40])  # closes B_M; binds; binds in winter only
def test_doc_model_reproduces_a_tanker_fleet(vessels: int) -> None:
    net = with_fleet(rich_toy())
    small = dataclasses.replace(net.fleet[0], vessels=vessels)
    net = dataclasses.replace(
        net,
        fleet=(small, *net.fleet[1:]),
        supply=tuple(
            dataclasses.replace(s, year=y) for s in net.supply for y in (2024, 2025, 2026)
        ),
        benchmarks=tuple(
            dataclasses.replace(b, year=y) for b in net.benchmarks for y in (2024, 2025, 2026)
        ),
    )
    assert_doc_matches_year(net, 2024)  # a leap year: February has 29 days
    opening = InitialState({"B": 0.5}, {"A_B": 0.3})
    months = [(2025, 11), (2025, 12), (2026, 1)]
    periods = Periods.monthly(2025, start_month=11, months=3)
    assert ours(net, periods, opening) == pytest.approx(doc_lp(net, months, opening), rel=1e-9)


@pytest.mark.parametrize(
    ("dataset", "requirements", "doc_kwargs"),
    [
        ("kazakhstan", (), {}),
        ("kazakhstan", ("share BOSPORUS <= 30%",), {"share_passage": ("BOSPORUS", 0.3)}),
        ("iraq", (), {}),
        ("iraq", ("avoid HORMUZ",), {"avoid_passages": ("HORMUZ",)}),
    ],
)
def test_doc_model_reproduces_both_builtin_datasets(
    dataset: str, requirements: tuple[str, ...], doc_kwargs: dict[str, object]
) -> None:
    """The whole of each shipped dataset (storage, lags, node limits, values by year,
    commitments, passages, the tanker fleet, domestic refining), not only the toys: the doc's LP
    gives our monthly 2025 optimum."""
    from crudeflow import load_dataset

    net = load_dataset(dataset)
    months = [(2025, m) for m in range(1, 13)]
    got = ours(net, Periods.monthly(2025), None, requirements)
    want = doc_lp(net, months, None, **doc_kwargs)  # type: ignore[arg-type]
    assert got == pytest.approx(want, rel=1e-9)


def with_refinery(net: Network, demand_mtpa: float) -> Network:
    """The rich toy with a refinery R on hub B (fed over A_B) demanding ``demand_mtpa``."""
    from crudeflow.network.model import Node, Refinery, Route

    r_node = Node("R", "Refinery R", "refinery", "KZ", 0.0, 1.0)
    feed = Route("B_R", "B", "R", "pipeline", 20.0, 1.0, ("KZ",))
    return dataclasses.replace(
        net,
        routes=(*net.routes, feed),
        nodes=(*net.nodes, r_node),
        refineries=(Refinery("R", 2025, demand_mtpa),),
    )


@pytest.mark.parametrize("demand", [3.0, 14.0])  # fed; more than A can supply (short)
def test_doc_model_reproduces_domestic_refining(demand: float) -> None:
    net = with_refinery(rich_toy(), demand)
    assert_doc_matches_year_and_open_quarter(net)
