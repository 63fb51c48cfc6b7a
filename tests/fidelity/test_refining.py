"""Domestic refining (refineries.csv): refineries are demand nodes fed over the network before
anything is exported; imported crude feeds them and is never an export (issue 11 item 1)."""

from __future__ import annotations

import dataclasses

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.explanation import explain
from crudeflow.network.model import Network, Node, Refinery, Route, Supply, toy_network
from crudeflow.solve.check import plan_violations
from crudeflow.solve.lp import Periods
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import plan


def refining_toy(demand: float, *, imports: float = 0.0) -> Network:
    """The toy (A offers 12 Mt; A_B 11 -> B_M 10 to market M through RU; A_M 4) with a
    refinery R fed from A demanding ``demand`` Mt/yr, and an import node I (RU) feeding R with
    ``imports``."""
    net = toy_network()
    nodes = (
        *net.nodes,
        Node("R", "Refinery R", "refinery", "KZ", 41.0, 49.0),
        Node("I", "Import point I", "border", "RU", 44.0, 49.0),
    )
    routes = (
        *net.routes,
        Route("A_R", "A", "R", "pipeline", 20.0, 1.0, ("KZ",)),
        Route("I_R", "I", "R", "pipeline", 20.0, 0.0, ("KZ",)),
    )
    supply = (*net.supply, Supply("I", 2025, imports)) if imports else net.supply
    return dataclasses.replace(
        net,
        nodes=nodes,
        routes=routes,
        supply=supply,
        refineries=(Refinery("R", 2025, demand),),
    )


@pytest.mark.parametrize("monthly", [False, True])
def test_refinery_demand_is_met_before_exports_when_supply_is_short(monthly: bool) -> None:
    # 12 Mt at A; the refinery wants 10: it gets them, exports get the 2 left
    p = plan(refining_toy(10.0), monthly=monthly)
    [r] = p.refinery_status
    assert r.met and r.delivered_mtpa == pytest.approx(10.0)
    assert p.exported_mtpa == pytest.approx(2.0)
    assert p.available_mtpa == pytest.approx(2.0)
    assert p.refinery_delivered_mtpa == pytest.approx(10.0)
    assert plan_violations(refining_toy(10.0), p) == []


def test_a_refinery_that_cannot_be_fed_reports_a_shortfall_not_infeasible() -> None:
    # it wants 14 of A's 12: it gets all 12, 2 short, nothing is exported
    net = refining_toy(14.0)
    p = plan(net)
    assert p.status.ok
    [r] = p.refinery_status
    assert (r.delivered_mtpa, r.shortfall_mtpa) == (pytest.approx(12.0), pytest.approx(2.0))
    assert p.exported_mtpa == pytest.approx(0.0, abs=1e-9)
    assert p.refinery_shortfall_mt == pytest.approx(2.0)
    assert plan_violations(net, p) == []
    entry = p.to_dict()["refineries"][0]
    assert (entry["node"], entry["met"]) == ("R", False)
    assert entry["shortfall_mtpa"] == pytest.approx(2.0)
    assert "refinery R (14 Mt/yr in 2025) cannot be fed in full" in " ".join(explain(p))


def test_a_refinery_comes_before_a_requirement() -> None:
    # "via M >= 10" would need A's crude that the refinery takes first: the requirement is short
    p = plan(refining_toy(10.0), requirements=["via M >= 10 Mt/yr"])
    [r] = p.refinery_status
    assert r.met
    [req] = p.requirement_status
    assert req.shortfall == pytest.approx(8.0)


def test_imports_feed_the_refinery_and_are_not_exports() -> None:
    # 6 Mt imported at I cover part of the refinery: A exports 12 - 4 = 8
    net = refining_toy(10.0, imports=6.0)
    p = plan(net)
    assert p.exported_mtpa == pytest.approx(8.0)
    assert p.available_mtpa == pytest.approx(8.0)  # 18 supply - 10 demand
    assert p.routes.loc["I_R", "flow_mtpa"] == pytest.approx(6.0)
    assert plan_violations(net, p) == []
    b = bypass(net, year=2025)
    assert (b.max_mtpa, b.refinery_mtpa) == (pytest.approx(8.0), pytest.approx(10.0))


def test_share_requirements_compare_with_exports_not_refinery_feed() -> None:
    # exports are 2; the cheap way (A_B, B_M) crosses RU: share RU <= 50% caps it at 1
    p = plan(refining_toy(10.0), requirements=["share RU <= 50%"])
    [req] = p.requirement_status
    assert req.met and req.achieved == pytest.approx(0.5)
    assert p.routes.loc["A_B", "flow_mtpa"] == pytest.approx(1.0)
    assert p.exported_mtpa == pytest.approx(2.0)


def test_bypass_feeds_refineries_first_and_matches_the_volume_lp() -> None:
    net = refining_toy(14.0)
    b = bypass(net, year=2025)
    assert b.refinery_mtpa == pytest.approx(12.0) and b.refinery_shortfall_mtpa == pytest.approx(2)
    p = plan(net, objective="volume", baseline=False)
    assert p.exported_mtpa == pytest.approx(b.max_mtpa)


def test_a_short_horizon_pro_rates_the_demand() -> None:
    p = plan(refining_toy(10.0), periods=Periods.monthly(2025, start_month=10, months=3))
    [r] = p.refinery_status
    assert r.met and r.delivered_mtpa == pytest.approx(10.0, rel=1e-6)


# -- the default dataset -------------------------------------------------------------------
def test_default_dataset_export_total_stays_the_reported_exports() -> None:
    """Supply became production (exports + refinery feed) and imports: supply less refinery
    demand is still the reported export total, and the plans export what they did before."""
    net = load_dataset()
    assert {r.node for r in net.refineries} == {"ATYRAU_REF", "PAVLODAR_REF", "SHYMKENT_REF"}
    reported = {o.year: o.mt for o in net.observed if o.group == "exports"}
    assert set(reported) >= {2022, 2023, 2025}
    for year, mt in reported.items():
        available = sum(net.supply_in(year).values()) - sum(net.refinery_demand_in(year).values())
        assert available == pytest.approx(mt, abs=1e-9)
        p = plan(net, year=year)
        assert p.available_mtpa == pytest.approx(mt, abs=1e-6)
        assert all(r.met for r in p.refinery_status)
        assert plan_violations(net, p) == []


def test_default_dataset_imports_only_reach_refineries() -> None:
    net = load_dataset()
    omsk = net.node("OMSK_ENTRY")
    assert omsk.country != net.meta.producer
    p = plan(net)
    assert p.routes.loc["OMSK_PAVLODAR", "flow_mtpa"] == pytest.approx(
        net.supply_in(2025)["OMSK_ENTRY"]
    )


# -- malformed refineries.csv --------------------------------------------------------------
HEADER = "node,year,demand_mtpa,source,note\n"
REFINERY_NODE = "REF_Z,Z test refinery,refinery,KZ,46.00,52.00,src_geo,,,src_geo,\n"
REFINERY_ROUTE = (
    "HUB_REF,Test refinery feed,HUB_X,REF_Z,pipeline,,10,src_cap,,,1,src_tariff,,,,,KZ,"
    "operating,,src_cap,\n"
)


def with_refinery(copy):  # type: ignore[no-untyped-def]
    """The mini dataset with a refinery node REF_Z fed from HUB_X."""
    nodes = (copy.path / "nodes.csv").read_text(encoding="utf-8")
    routes = (copy.path / "routes.csv").read_text(encoding="utf-8")
    copy.write("nodes.csv", nodes + REFINERY_NODE)
    return copy.write("routes.csv", routes + REFINERY_ROUTE)


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("REF_ZZ,2025,1,src_cap,", "node", "did you mean"),
        ("HUB_X,2025,1,src_cap,", "node", "a node of kind 'refinery'"),
        ("REF_Z,20x5,1,src_cap,", "year", "a whole year"),
        ("REF_Z,2024,-1,src_cap,", "demand_mtpa", "a crude demand in Mt/yr"),
        ("REF_Z,2024,lots,src_cap,", "demand_mtpa", "a crude demand in Mt/yr"),
        ("REF_Z,2024,,src_cap,", "demand_mtpa", "the cell is empty"),
        ("REF_Z,2024,10001,src_cap,", "demand_mtpa", "a crude demand in Mt/yr"),
        ("REF_Z,2025,2,src_cap,", "year", "one row per node and year"),
        ("REF_Z,2024,1,,", "source", "a source"),
    ],
)
def test_malformed_refinery_cells_are_file_line_errors(
    broken_dataset,  # type: ignore[no-untyped-def]
    row: str,
    field: str,
    expected: str,
) -> None:
    copy = with_refinery(broken_dataset())
    copy.write("refineries.csv", HEADER + "REF_Z,2025,1,src_cap,\n" + row + "\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    hits = [p for p in err.value.problems if p.field == field]
    assert hits and (hits[0].file, hits[0].line) == ("refineries.csv", 3)
    assert expected in hits[0].expected


def test_a_valid_refineries_file_loads_and_feeds(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = with_refinery(broken_dataset())
    copy.write("refineries.csv", HEADER + "REF_Z,2025,5,src_cap,\n")
    net = load_dataset(copy.path)
    assert net.refinery_demand_in(2025) == {"REF_Z": 5.0}
    p = plan(net)
    assert [r.met for r in p.refinery_status] == [True]
    assert p.available_mtpa == pytest.approx(22 + 9 - 5)


def test_an_import_node_that_reaches_a_market_is_an_error(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    # PORT_Y is in RU (not the producer KZ) and ships to markets: its supply would be exported
    copy = with_refinery(broken_dataset())
    copy.write("refineries.csv", HEADER + "REF_Z,2025,5,src_cap,\n")
    supply = (copy.path / "supply.csv").read_text(encoding="utf-8")
    copy.write("supply.csv", supply + "PORT_Y,2025,1,src_supply,\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    hits = [p for p in err.value.problems if p.file == "supply.csv" and p.field == "node"]
    assert hits and hits[0].line == 6 and "an import node" in hits[0].expected
