"""Proportional flow tracing: the Sankey's paths add up to the plan's flows."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from crudeflow.network.model import (
    Benchmark,
    DatasetMeta,
    Grade,
    Market,
    Network,
    Node,
    Route,
    Supply,
)
from crudeflow.report import ReportCase
from crudeflow.report.flows import (
    DOMESTIC,
    _cancel_cycles,
    border_routes,
    exit_group_names,
    pretty_group,
    trace,
)
from crudeflow.solve.plan import plan


def test_toy_paths_match_route_flows(toy: Network) -> None:
    p = plan(toy)
    tr = trace(toy, p)
    by = {(x.field, x.group, x.market): x.amount for x in tr.paths}
    assert by == pytest.approx({("A", "A_B", "M"): 10.0, ("A", "A_M", "M"): 2.0})
    assert [x.crosses_watch for x in tr.paths] == [True, False]
    assert tr.lost == pytest.approx(0.0, abs=1e-9)
    assert tr.by_group() == pytest.approx({"A_B": 10.0, "A_M": 2.0})
    assert tr.watch_share_of_group() == {"A_B": 1.0, "A_M": 0.0}


def test_avoid_russia_shuts_in_what_the_bypass_cannot_take(toy: Network) -> None:
    p = plan(toy, requirements=["avoid RU"])
    tr = trace(toy, p)
    assert sum(x.amount for x in tr.paths) == pytest.approx(4.0)
    assert tr.shut_in == pytest.approx({"A": 8.0})
    assert not any(x.crosses_watch for x in tr.paths)


@pytest.mark.parametrize("monthly", [False, True])
def test_mini_paths_add_up_to_deliveries_and_supply(mini: Network, monthly: bool) -> None:
    p = plan(mini, monthly=monthly)
    tr = trace(mini, p)
    years = p.horizon_years
    delivered: dict[str, float] = defaultdict(float)
    fields: dict[str, float] = defaultdict(float)
    for x in tr.paths:
        delivered[x.market] += x.amount
        fields[x.field] += x.amount
    expected = p.deliveries.groupby("market")["delivered_mt"].sum() / years
    for market, v in expected.items():
        assert delivered.get(str(market), 0.0) == pytest.approx(float(v), rel=1e-6, abs=1e-6)
    # each field's share of the deliveries is its share of the exports (one shared trunk)
    exported = p.supply["exported_mt"] / years
    total = float(exported.sum())
    for node, v in exported.items():
        assert fields[str(node)] / sum(fields.values()) == pytest.approx(float(v) / total)
    assert tr.lost == pytest.approx(total - sum(fields.values()), abs=1e-9)
    assert tr.lost > 0  # the trunk line loses 0.1 %


def test_every_kz_tonne_is_traced_to_the_group_it_leaves_by(kz_cases: list[ReportCase]) -> None:
    for case in kz_cases:
        net, p = case.network, case.plan
        tr = trace(net, p)
        groups = exit_group_names(net)
        # tonnes leaving by each border route = tonnes traced to its group (before losses)
        border = border_routes(net)
        per_group: dict[str, float] = defaultdict(float)
        for rid in border:
            per_group[groups[rid]] += float(p.routes.loc[rid, "flow_mtpa"])
        traced = tr.by_group()
        for g, v in per_group.items():
            assert traced.get(g, 0.0) == pytest.approx(v, rel=0.02, abs=0.02), g
        assert DOMESTIC not in traced
        delivered = p.delivered_mt / p.horizon_years
        assert sum(traced.values()) == pytest.approx(delivered, rel=1e-6)
        assert sum(tr.shut_in.values()) == pytest.approx(p.shut_in_mtpa, abs=1e-6)


def test_kz_groups_use_the_dataset_names(kz_cases: list[ReportCase]) -> None:
    names = exit_group_names(kz_cases[0].network)
    assert names["CPC_ATYRAU_TERMINAL"] == "CPC"
    assert names["AKTAU_SANGACHAL"] == "Trans-Caspian"


def test_cycles_are_cancelled() -> None:
    frm = {"ab": "A", "bc": "B", "ca": "C", "cd": "C"}
    to = {"ab": "B", "bc": "C", "ca": "A", "cd": "D"}
    flow = {"ab": 5.0, "bc": 5.0, "ca": 2.0, "cd": 3.0}
    assert _cancel_cycles(flow, frm, to) == {"ab": 3.0, "bc": 3.0, "cd": 3.0}


def _branching_network() -> Network:
    """Two fields, a shared hub, a domestic refinery market and two export markets."""
    meta = DatasetMeta(
        name="branch",
        title="Branching test",
        producer="KZ",
        base_year=2025,
        default_grade="G",
        groups={"north": ("H_N",), "all": ("H_N", "H_S")},
    )
    nodes = (
        Node("F1", "Field one", "field", "KZ", 45, 50),
        Node("F2", "Field two", "field", "KZ", 44, 52),
        Node("H", "Hub", "hub", "KZ", 46, 51),
        Node("N", "North market", "market", "RU", 55, 40),
        Node("S", "South market", "market", "AZ", 40, 49),
        Node("D", "Domestic refinery", "market", "KZ", 43, 53),
    )
    routes = (
        Route("F1_H", "F1", "H", "pipeline", 20, 1, ("KZ",)),
        Route("F2_H", "F2", "H", "pipeline", 20, 1, ("KZ",)),
        Route("H_N", "H", "N", "pipeline", 6, 5, ("KZ", "RU")),
        Route("H_S", "H", "S", "pipeline", 4, 5, ("KZ", "AZ"), loss_pct=10.0),
        Route("F2_D", "F2", "D", "pipeline", 3, 1, ("KZ",)),
    )
    return Network(
        meta=meta,
        grades={"G": Grade("G", "g", 7.5, "estimate: test")},
        nodes=nodes,
        routes=routes,
        supply=(Supply("F1", 2025, 6.0), Supply("F2", 2025, 7.0)),
        markets=(Market("N", "G", 0.0), Market("S", "G", 0.0), Market("D", "G", -20.0)),
        benchmarks=(Benchmark(2025, 80.0),),
    )


def test_mixing_losses_and_domestic_markets() -> None:
    net = _branching_network()
    p = plan(net)
    tr = trace(net, p)
    flows = p.routes["flow_mtpa"]
    assert pretty_group("north") == "North"
    assert exit_group_names(net) == {"H_N": "North", "H_S": "ALL"}  # smallest group wins
    got = {(x.field, x.group, x.market): x.amount for x in tr.paths}
    into_hub = float(flows["F1_H"] + flows["F2_H"])
    for field, route in (("F1", "F1_H"), ("F2", "F2_H")):
        share = float(flows[route]) / into_hub
        assert got[(field, "North", "N")] == pytest.approx(float(flows["H_N"]) * share)
        assert got[(field, "ALL", "S")] == pytest.approx(float(flows["H_S"]) * 0.9 * share)
    if float(flows["F2_D"]) > 0:
        assert got[("F2", DOMESTIC, "D")] == pytest.approx(float(flows["F2_D"]))
    assert tr.lost == pytest.approx(float(flows["H_S"]) * 0.1)
    assert math.isclose(sum(got.values()) + tr.lost + sum(tr.shut_in.values()), 13.0)
