"""Fleet projects: buying vessels of a tanker class (``projects.csv`` ``fleet``;
docs/dataset-format.md "Fleet projects"), in the deterministic and two-stage models, and the
scenario ``fleet`` change."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest

from crudeflow import load_dataset
from crudeflow.errors import ScenarioError
from crudeflow.invest import Project, plan_portfolio
from crudeflow.invest.stochastic import evaluate_portfolio, problem_from_factors, solve_two_stage
from crudeflow.network.model import Fleet, Network, toy_network
from crudeflow.scenario import apply_scenario, parse_scenario
from crudeflow.solve.lp import Periods, build_lp
from tests.dataset_rows import copy_mini
from tests.invest.test_projects_csv import COLUMNS, ROW, row_problems
from tests.invest.test_projects_csv import write as write_projects
from tests.network.test_fleet import ROW as FLEET_ROW
from tests.network.test_fleet import write as write_fleet

FLEET_COLUMNS = [*COLUMNS[:3], "fleet", *COLUMNS[3:]]
SHIPS = dict(ROW, id="SHIPS", name="More ships", route="", fleet="SHUTTLE", adds_mtpa="")


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    dst = copy_mini(tmp_path)
    write_fleet(dst, FLEET_ROW)
    return dst


def test_fleet_project_loads_with_one_vessels_rate(mini: Path) -> None:
    write_projects(mini, SHIPS, ROW, columns=FLEET_COLUMNS)
    net = load_dataset(mini)
    ships, tankers = net.projects
    assert (ships.fleet, ships.route, ships.node, ships.on_fleet, ships.target) == (
        "SHUTTLE",
        "",
        "",
        True,
        "fleet SHUTTLE",
    )
    assert ships.adds_mtpa == pytest.approx(net.fleet[0].mtpa_per_vessel)
    assert (tankers.fleet, tankers.on_route) == ("", True)


BAD = [
    (
        dict(SHIPS, route="PORT_MED"),
        "projects.csv:2: route = 'PORT_MED': expected exactly one of route (a route id), node "
        "(a node id) and fleet (a class id), the others empty; fleet is 'SHUTTLE'",
    ),
    (
        dict(SHIPS, fleet="SHUTLE"),
        "projects.csv:2: fleet = 'SHUTLE': expected a class id from fleet.csv (did you mean "
        "SHUTTLE",
    ),
    (
        dict(SHIPS, adds_mtpa="0.5"),
        "projects.csv:2: adds_mtpa = '0.5': expected empty for a fleet project",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD, ids=["both", "unknown", "adds"])
def test_malformed_fleet_project_rows_name_file_line_and_field(
    mini: Path, row: dict[str, str], message: str
) -> None:
    found = row_problems(mini, message, row, columns=FLEET_COLUMNS)
    assert len(found) == 1, found


def one_mt_ships(vessels: int) -> Fleet:
    """``vessels`` tankers on B_M carrying exactly 1 Mt/yr each: 10,000 t every 3.65 days
    (1 day sailing, 2.65 in port), i.e. ``days / 365`` Mt a month (``f_t``)."""
    return Fleet("SHIPS", "", ("B_M",), vessels, 10_000.0, 10.0, 120.0, 2.65)


def ship(capex_musd: float, modules: int = 1) -> Project:
    # 20-year life at 0%: capex / 20 a year per vessel
    return Project("SHIP", "Tanker", "", 1.0, modules, capex_musd, 0.0, 20, 2025, fleet="SHIPS")


def fleet_toy(vessels: int = 6) -> Network:
    """The toy network (A_B 11, B_M 10, A_M 4; 12 Mt at A) with 6 one-Mt tankers on B_M: the
    same limit as tests/invest/test_stochastic_nodes.py's loading limit of 6 at B."""
    return dataclasses.replace(toy_network(), fleet=(one_mt_ships(vessels),))


def rail_out() -> np.ndarray:
    """Draw 0: no outage; draw 1: A_M (route 2) closed all year."""
    f = np.ones((2, 3, 12))
    f[1, 2, :] = 0.0
    return f


def test_the_pool_row_is_f_t_per_vessel() -> None:
    lp = build_lp(fleet_toy(), Periods.monthly(2025))
    (fr,) = lp.fleet_rows
    np.testing.assert_allclose(fr.capacity_mt, 6 * Periods.monthly(2025).fraction, rtol=1e-12)
    np.testing.assert_allclose(fr.per_vessel_mt[0], Periods.monthly(2025).fraction, rtol=1e-12)


@pytest.mark.parametrize(("cost", "built", "objective"), [(400.0, 2, 800.0 - 5896.0),
                                                          (250.0, 4, 1000.0 - 6500.0)])  # fmt: skip
def test_two_stage_buys_vessels_like_node_modules(
    cost: float, built: int, objective: float
) -> None:
    # the node-module case of test_stochastic_nodes with 1 Mt/yr vessels instead of berths
    prob = problem_from_factors(fleet_toy(), (ship(cost * 20, 6),), rail_out(), year=2025,
                                discount_rate=0.0)  # fmt: skip
    for method in ("benders", "extensive"):
        sol = solve_two_stage(prob, method=method)  # type: ignore[arg-type]
        assert sol.modules == {"SHIP": built}, method
        assert sol.objective_musd_per_yr == pytest.approx(objective, abs=1e-6), method


def test_evaluating_a_portfolio_raises_the_pool_per_draw() -> None:
    prob = problem_from_factors(fleet_toy(), (ship(0.0, 4),), rail_out(), year=2025,
                                discount_rate=0.0)  # fmt: skip
    out = evaluate_portfolio(prob, {"SHIP": 4})
    assert out.netback_musd.tolist() == pytest.approx([7080.0, 5920.0])
    none = evaluate_portfolio(prob, {"SHIP": 0})
    assert none.netback_musd.tolist() == pytest.approx([5872.0, 3552.0])


def test_deterministic_portfolio_and_its_built_plan() -> None:
    # B_M carries 6 with six vessels, A_M 4, 2 Mt shut in. A vessel (1 USD m a year) takes
    # 1 Mt of shut-in oil (592 USD/t) or moves 1 Mt off A_M (+12): 4 more fill B_M's 10 Mt/yr
    net = dataclasses.replace(fleet_toy(), projects=(ship(20.0, 6),))
    p = plan_portfolio(net, requirements=["via B >= 9 Mt/yr"], discount_rate=0.0)
    assert [(b.project, b.fleet, b.route, b.modules) for b in p.builds] == [
        ("SHIP", "SHIPS", "", 4)
    ]
    assert p.builds[0].target == "fleet SHIPS"
    assert p.capacity_added_by_route == {}
    assert p.capacity_added_mtpa == pytest.approx(4.0)
    flows = p.plan.flows
    assert float(flows[flows["route"] == "B_M"]["flow_mt"].sum()) == pytest.approx(10.0)


def test_pypsa_export_refuses_a_fleet() -> None:
    from crudeflow.invest.pypsa_export import pypsa_network

    net = fleet_toy()
    prob = problem_from_factors(net, (ship(20.0),), rail_out(), year=2025, discount_rate=0.0)
    with pytest.raises(ValueError, match="tanker fleets"):
        pypsa_network(prob, net)


def test_scenario_fleet_change_sets_the_vessels() -> None:
    net = fleet_toy()
    sc = parse_scenario(
        "name: t\nhorizon: {year: 2025}\nchanges:\n  - fleet: SHIPS\n    vessels: 9\n"
        "    source: 'estimate: a test'\n"
    )
    inputs = apply_scenario(sc, net)
    assert inputs.overrides.fleet_vessels == {"SHIPS": 9.0}
    lp = build_lp(net, inputs.periods, overrides=inputs.overrides)
    assert lp.fleet_rows[0].capacity_mt[0] == pytest.approx(9.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  - fleet: SHIP\n    vessels: 9\n", "no tanker class 'SHIP'"),
        ("  - fleet: SHIPS\n    vessels: 2.5\n", "vessels 2.5: expected a whole number"),
        ("  - fleet: SHIPS\n    vessels: 9\n    from: 2025-03\n", "from is not allowed"),
        ("  - fleet: SHIPS\n    vessels: 2000\n", "vessels"),
    ],
)
def test_malformed_fleet_changes_are_errors(change: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        sc = parse_scenario("name: t\nhorizon: {year: 2025}\nchanges:\n" + change)
        apply_scenario(sc, fleet_toy())


def test_default_dataset_projects_buy_vessels() -> None:
    net = load_dataset()
    by_id = {p.id: p for p in net.projects}
    for pid, fleet in (("CASPIAN_TANKERS_8KT", "CIMS_8KT"), ("KURYK_TANKERS", "KURYK_8KT")):
        assert by_id[pid].fleet == fleet
        (cls,) = [f for f in net.fleet if f.id == fleet]
        assert by_id[pid].adds_mtpa == pytest.approx(cls.mtpa_per_vessel)
    # the csv carries no number in adds_mtpa for them: one vessel's rate comes from fleet.csv
    rows = list(csv.DictReader(io.StringIO((Path(net.path) / "projects.csv").read_text())))
    assert all(r["adds_mtpa"] == "" for r in rows if r["fleet"])
