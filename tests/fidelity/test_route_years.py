"""A route's capacity and status by year (route_years.csv): plans, scenarios, the backtest
and bypass use each year's own values (issue 11 item 3)."""

from __future__ import annotations

import dataclasses

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.backtest import backtest
from crudeflow.network.model import Benchmark, Network, RouteYear, Supply, toy_network
from crudeflow.scenario import apply_scenario, parse_scenario
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import plan


def two_years(*rows: RouteYear) -> Network:
    net = toy_network()
    return dataclasses.replace(
        net,
        supply=(*net.supply, Supply("A", 2024, 12.0)),
        benchmarks=(*net.benchmarks, Benchmark(2024, 80.0)),
        route_years=rows,
    )


def test_a_year_row_replaces_the_capacity_in_that_year_only() -> None:
    net = two_years(RouteYear("A_M", 2024, 1.5))
    assert plan(net, year=2024).routes.loc["A_M", "capacity_mtpa"] == pytest.approx(1.5)
    assert plan(net, year=2025).routes.loc["A_M", "capacity_mtpa"] == pytest.approx(4.0)


def test_a_year_row_can_close_a_route_by_status() -> None:
    net = two_years(RouteYear("B_M", 2024, None, "idle"))
    p = plan(net, year=2024)
    assert p.routes.loc["B_M", "flow_mtpa"] == 0.0
    assert p.exported_mtpa == pytest.approx(4.0)
    assert bypass(net, year=2024).max_mtpa == pytest.approx(4.0)
    assert bypass(net, year=2025).max_mtpa == pytest.approx(12.0)


def test_a_planned_route_opens_in_its_year() -> None:
    net = two_years(RouteYear("A_M", 2025, 6.0, "operating"))
    net = net.replace_routes([dataclasses.replace(net.route("A_M"), status="planned")])
    assert plan(net, year=2024).routes.loc["A_M", "capacity_mtpa"] == 0.0
    assert plan(net, year=2025).routes.loc["A_M", "capacity_mtpa"] == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("capacity_factor: 0.5", 0.75),  # multiplies the year's 1.5
        ("capacity_mtpa: 3", 3.0),  # replaces it
        ("status: operating", 1.5),  # the year's capacity
        ("status: idle", 0.0),
    ],
)
def test_a_scenario_change_acts_on_the_years_own_value(change: str, expected: float) -> None:
    net = two_years(RouteYear("A_M", 2024, 1.5))
    sc = parse_scenario(
        f"name: t\nhorizon: {{year: 2024, monthly: true}}\nchanges:\n  - route: A_M\n    {change}\n",
        source="t.yaml",
    )
    cap = apply_scenario(sc, net).overrides.capacity_mtpa
    assert cap is not None
    assert cap[:, 2] == pytest.approx(expected)


def test_physical_capacities_override_a_years_allocation() -> None:
    net = two_years(RouteYear("A_M", 2024, 1.5))
    net = net.replace_routes([dataclasses.replace(net.route("A_M"), physical_capacity_mtpa=6.0)])
    assert net.with_physical_capacities().route_capacity_in("A_M", 2024) == 6.0


def test_backtest_uses_the_2023_germany_quota() -> None:
    net = load_dataset()
    assert net.route_capacity_in("DRUZHBA_SCHWEDT", 2023) == 1.2
    assert net.route_capacity_in("DRUZHBA_SCHWEDT", 2024) == 1.2  # the agreed 2024 volume
    assert net.route_capacity_in("DRUZHBA_SCHWEDT", 2025) == 2.5  # no 2025 quota found
    t = backtest(net, years=[2023]).set_index("group")
    assert t.loc["druzhba_germany", "model_mt"] == pytest.approx(1.2)


ROWS = "route,year,capacity_mtpa,status,source,note\n"


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("NOPE,2024,1,,src_cap,", "route", "a route id from routes.csv"),
        ("A_HUB,20x4,1,,src_cap,", "year", "a whole year"),
        ("A_HUB,2024,lots,,src_cap,", "capacity_mtpa", "a capacity in Mt/yr"),
        ("A_HUB,2024,-1,,src_cap,", "capacity_mtpa", "a capacity in Mt/yr"),
        ("A_HUB,2024,1,shut,src_cap,", "status", "one of operating, planned, idle"),
        ("A_HUB,2024,,,src_cap,", "capacity_mtpa", "a capacity_mtpa or a status"),
        ("A_HUB,2024,1,,,", "source", "a source"),
        ("A_HUB,2024,,idle,nosuch,", "source", "a source id from sources.csv"),
    ],
)
def test_malformed_route_years_cells_are_file_line_errors(
    broken_dataset,  # type: ignore[no-untyped-def]
    row: str,
    field: str,
    expected: str,
) -> None:
    copy = broken_dataset().write("route_years.csv", ROWS + "A_HUB,2025,1,,src_cap,\n" + row + "\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    [hit] = [p for p in err.value.problems if p.field == field]
    assert (hit.file, hit.line) == ("route_years.csv", 3)
    assert expected in hit.expected


def test_a_route_and_year_twice_is_an_error(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = broken_dataset().write(
        "route_years.csv", ROWS + "A_HUB,2025,1,,src_cap,\nA_HUB,2025,2,,src_cap,\n"
    )
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    assert any(p.line == 3 and "also on line 2" in p.expected for p in err.value.problems)


def test_a_capacity_above_the_physical_limit_is_an_error(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = broken_dataset()
    copy.set_cell("routes.csv", "A_HUB", "physical_capacity_mtpa", "50")
    copy.set_cell("routes.csv", "A_HUB", "physical_capacity_source", "src_cap")
    copy.write("route_years.csv", ROWS + "A_HUB,2025,60,,src_cap,\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    assert any("physical_capacity_mtpa (50)" in p.expected for p in err.value.problems)
