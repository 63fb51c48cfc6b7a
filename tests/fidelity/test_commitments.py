"""Minimum commitments (commitments.csv): a priced lower bound per year; one that cannot be
met is reported as a shortfall with its cost, never infeasible (issue 11 item 2)."""

from __future__ import annotations

import dataclasses

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.explanation import explain
from crudeflow.network.model import Commitment, Network, toy_network
from crudeflow.solve.check import plan_violations
from crudeflow.solve.plan import plan


def committed(minimum: float, penalty: float = 50.0, year: int | None = 2025) -> Network:
    c = Commitment("c1", ("A_M",), "route:A_M", year, minimum, penalty)
    return dataclasses.replace(toy_network(), commitments=(c,))


def test_a_commitment_worth_its_penalty_moves_flow_onto_its_route() -> None:
    # A_M earns 12 USD/t less than A_B -> B_M; a 50 USD/t penalty makes 3 Mt/yr worth it
    p = plan(committed(3.0))
    assert p.routes.loc["A_M", "flow_mtpa"] == pytest.approx(3.0)
    [c] = p.commitment_status
    assert c.met and c.achieved_mtpa == pytest.approx(3.0) and c.penalty_musd == 0.0


def test_a_cheap_penalty_is_paid_rather_than_met() -> None:
    p = plan(committed(3.0, penalty=5.0))
    [c] = p.commitment_status
    assert not c.met and c.shortfall_mtpa == pytest.approx(1.0)  # 2 on A_M anyway
    assert c.penalty_musd == pytest.approx(5.0)


@pytest.mark.parametrize("monthly", [False, True])
def test_a_commitment_that_cannot_be_met_is_a_priced_shortfall(monthly: bool) -> None:
    p = plan(committed(6.0), monthly=monthly)  # A_M carries at most 4 Mt/yr
    [c] = p.commitment_status
    assert (c.achieved_mtpa, c.shortfall_mtpa) == (pytest.approx(4.0), pytest.approx(2.0))
    assert c.penalty_musd == pytest.approx(100.0)
    assert p.commitment_cost_musd == pytest.approx(100.0)
    assert p.exported_mtpa == pytest.approx(12.0)
    assert plan_violations(toy_network(), p) == []
    entry = p.to_dict()["commitments"][0]
    assert (entry["id"], entry["met"], entry["shortfall_mtpa"]) == ("c1", False, 2.0)
    assert "commitment c1 (route:A_M >= 6 Mt/yr in 2025) cannot be met" in " ".join(explain(p))


def test_a_commitment_of_another_year_does_nothing() -> None:
    p = plan(committed(3.0, year=2024))
    assert p.commitment_status == ()
    assert p.routes.loc["A_M", "flow_mtpa"] == pytest.approx(2.0)


def test_a_commitment_on_a_short_horizon_is_pro_rata() -> None:
    from crudeflow.solve.lp import Periods

    p = plan(committed(3.0), periods=Periods.monthly(2025, start_month=10, months=3))
    [c] = p.commitment_status
    assert c.met and c.achieved_mtpa == pytest.approx(3.0, rel=1e-6)


def test_a_commitment_blocked_by_a_requirement_is_reported_not_infeasible() -> None:
    p = plan(committed(3.0), requirements=["avoid AZ"])
    [c] = p.commitment_status
    assert c.shortfall_mtpa == pytest.approx(3.0)
    assert p.status.ok


def test_default_dataset_commitments() -> None:
    net = load_dataset()
    ids = {c.id for c in net.commitments}
    assert {"KMG_SOCAR_TRANSIT_2025", "KASHAGAN_BTC_2025"} <= ids
    p = plan(net)
    status = {c.id: c for c in p.commitment_status}
    assert status["KASHAGAN_BTC_2025"].met and status["KMG_SOCAR_TRANSIT_2025"].met
    # the KMG-SOCAR 1.5 Mt/yr sits on BTC: the Aktau-Baku shuttle (1.56) feeds it
    assert p.routes.loc["BTC", "flow_mtpa"] == pytest.approx(1.5)


HEADER = "id,target,year,min_mtpa,penalty_usd_per_t,source,note\n"


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("c2,route:NOPE,2025,1,10,src_cap,", "target", "route:ID"),
        ("c2,group:nope,2025,1,10,src_cap,", "target", "group:NAME"),
        ("c2,A_HUB,2025,1,10,src_cap,", "target", "route:ID"),
        ("c2,route:A_HUB,20x5,1,10,src_cap,", "year", "a whole year"),
        ("c2,route:A_HUB,2025,0,10,src_cap,", "min_mtpa", "a minimum in Mt/yr"),
        ("c2,route:A_HUB,2025,lots,10,src_cap,", "min_mtpa", "a minimum in Mt/yr"),
        ("c2,route:A_HUB,2025,1,-3,src_cap,", "penalty_usd_per_t", "a cost per tonne short"),
        ("c1,route:A_HUB,2025,1,10,src_cap,", "id", "a unique id"),
        ("c2,route:A_HUB,2025,1,10,,", "min_source", "a source for min_mtpa"),
    ],
)
def test_malformed_commitment_cells_are_file_line_errors(
    broken_dataset,  # type: ignore[no-untyped-def]
    row: str,
    field: str,
    expected: str,
) -> None:
    copy = broken_dataset().write(
        "commitments.csv", HEADER + "c1,group:black_sea,,1,10,src_cap,\n" + row + "\n"
    )
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    hits = [p for p in err.value.problems if p.field == field]
    assert hits and (hits[0].file, hits[0].line) == ("commitments.csv", 3)
    assert expected in hits[0].expected


def test_a_valid_commitments_file_loads(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = broken_dataset().write("commitments.csv", HEADER + "c1,group:black_sea,,1,10,src_cap,\n")
    net = load_dataset(copy.path)
    [c] = net.commitments
    assert c.year is None and c.routes == net.group("black_sea")
