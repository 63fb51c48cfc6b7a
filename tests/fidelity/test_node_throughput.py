"""A node's loading limit (nodes.csv throughput_mtpa) is shared by every route leaving it,
binds, and is reported as a bottleneck with the value its duals give (issue 11 item 5)."""

from __future__ import annotations

import dataclasses

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.explanation import explain
from crudeflow.network.model import Network, toy_network
from crudeflow.solve.plan import plan
from tests.fidelity.conftest import add_column


def limited(limit: float, node: str = "A") -> Network:
    net = toy_network()
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=limit) if n.id == node else n for n in net.nodes
    )
    return dataclasses.replace(net, nodes=nodes)


def test_routes_leaving_a_node_share_its_loading_limit() -> None:
    p = plan(limited(8.0))
    flows = p.routes["flow_mtpa"]
    assert flows["A_B"] + flows["A_M"] == pytest.approx(8.0)
    assert p.exported_mtpa == pytest.approx(8.0)


@pytest.mark.parametrize("monthly", [False, True])
def test_a_binding_node_limit_is_reported_as_a_bottleneck_with_its_dual(monthly: bool) -> None:
    p = plan(limited(8.0), monthly=monthly)
    [b] = [b for b in p.bottlenecks if b.kind == "node"]
    assert (b.route, b.capacity_mtpa, b.flow_mtpa) == ("A", pytest.approx(8.0), pytest.approx(8.0))
    # one more Mt/yr at A goes via A_B -> B_M: 600 - 5 - 3 USD/t
    assert b.value_usd_per_t == pytest.approx(592.0)
    # the finite difference agrees
    gain = plan(limited(8.1), monthly=monthly).netback_musd - p.netback_musd
    assert gain / 0.1 == pytest.approx(b.value_usd_per_t, rel=1e-6)
    assert {"kind": "node", "route": "A"}.items() <= p.to_dict()["bottlenecks"][0].items()


def test_explanation_names_the_binding_node_limit() -> None:
    text = " ".join(explain(plan(limited(8.0))))
    assert "loading limit of Field A" in text


def test_a_slack_node_limit_changes_nothing() -> None:
    base, loose = plan(toy_network()), plan(limited(50.0))
    assert loose.netback_musd == pytest.approx(base.netback_musd)
    assert all(b.kind == "route" for b in loose.bottlenecks)


def test_node_limit_is_read_from_nodes_csv(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = broken_dataset()
    add_column(copy.path, "nodes.csv", "throughput_mtpa", {"HUB_X": "0.5"})
    add_column(copy.path, "nodes.csv", "throughput_source", {"HUB_X": "src_cap"})
    net = load_dataset(copy.path)
    assert net.node("HUB_X").throughput_mtpa == 0.5
    leaving = [r.id for r in net.routes if r.from_node == "HUB_X"]
    p = plan(net)
    assert float(p.routes.loc[leaving, "flow_mtpa"].sum()) <= 0.5 + 1e-9


@pytest.mark.parametrize(
    ("node", "value", "expected"),
    [
        ("HUB_X", "lots", "a loading limit in Mt/yr"),
        ("HUB_X", "-1", "a loading limit in Mt/yr"),
        ("HUB_X", "1e9", "a loading limit in Mt/yr"),
        ("HUB_X", "nan", "a loading limit in Mt/yr"),
        ("MKT_EU", "3", "empty for a market"),
    ],
)
def test_malformed_throughput_is_a_file_line_error(
    broken_dataset,  # type: ignore[no-untyped-def]
    node: str,
    value: str,
    expected: str,
) -> None:
    copy = broken_dataset()
    add_column(copy.path, "nodes.csv", "throughput_mtpa", {node: value})
    line = {"HUB_X": 4, "MKT_EU": 7}[node]
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    hits = [p for p in err.value.problems if p.field == "throughput_mtpa"]
    assert hits and hits[0].file == "nodes.csv" and hits[0].line == line
    assert expected in hits[0].expected


def test_default_dataset_limits_aktau_and_sangachal() -> None:
    net = load_dataset()
    assert net.node("AKTAU").throughput_mtpa == 7.5
    assert net.node("AKTAU").throughput_source == "sea_news_aktau_2023"


def test_a_lower_aktau_limit_binds_on_the_default_data() -> None:
    """The base plan ships 1.51 Mt/yr from Aktau (all to Baku, what its tankers carry); a planted
    1 Mt/yr limit binds."""
    net = load_dataset()
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=1.0) if n.id == "AKTAU" else n for n in net.nodes
    )
    p = plan(dataclasses.replace(net, nodes=nodes))
    out = p.routes.loc[["AKTAU_SANGACHAL", "AKTAU_MAKHACHKALA"], "flow_mtpa"].sum()
    assert float(out) == pytest.approx(1.0)
    [b] = [b for b in p.bottlenecks if b.kind == "node"]
    assert b.route == "AKTAU" and b.value_usd_per_t > 0


def test_bypass_max_flow_respects_a_node_limit_and_names_it_in_the_cut() -> None:
    from crudeflow.solve.maxflow import bypass

    net = limited(3.0)
    b = bypass(net, avoid=("RU",))
    assert (b.max_mtpa, b.cut_nodes, b.cut_routes) == (3.0, ("A",), ())
    lp_max = plan(net, requirements=["avoid RU"], objective="volume").exported_mtpa
    assert lp_max == pytest.approx(b.max_mtpa)
    assert b.to_dict()["cut_nodes"] == ["A"]


def test_cli_plan_and_bypass_name_a_binding_node_limit(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from crudeflow.cli import app

    copy = broken_dataset()
    add_column(copy.path, "nodes.csv", "throughput_mtpa", {"HUB_X": "10"})
    runner = CliRunner()
    out = runner.invoke(app, ["plan", "--dataset", str(copy.path)])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "X test hub: loading limit of all routes leaving it 10.0 Mt/yr" in text
    cut = runner.invoke(app, ["bypass", "--avoid", "CN", "--dataset", str(copy.path)])
    assert cut.exit_code == 0, cut.output
    assert "X test hub: loading limit (10 Mt/yr)" in " ".join(cut.output.split())
