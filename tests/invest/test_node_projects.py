"""Node projects: a project that raises a node's loading limit (``projects.csv`` ``node``;
docs/dataset-format.md "Node projects"). Loading, malformed rows, a hand-computed portfolio,
and the CLI/JSON showing the node."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest

from crudeflow import load_dataset
from crudeflow.errors import ScenarioError
from crudeflow.invest import Project, plan_portfolio
from crudeflow.invest.deterministic import build_investment_model
from crudeflow.network.model import Network, toy_network
from crudeflow.solve.lp import Periods
from tests.dataset_rows import copy_mini
from tests.invest.test_projects_csv import COLUMNS, ROW, row_problems, write

NODE_COLUMNS = [*COLUMNS[:3], "node", *COLUMNS[3:]]
BERTHS = dict(ROW, id="BERTHS", name="Port berths", route="", node="PORT_Y", modules_max="1")


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    """tests/fixtures/mini with a loading limit of 3 Mt/yr at PORT_Y (none at HUB_X)."""
    dst = copy_mini(tmp_path)
    path = dst / "nodes.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    cols = [*rows[0].keys(), "throughput_mtpa"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**r, "throughput_mtpa": "3" if r["id"] == "PORT_Y" else ""})
    path.write_text(buf.getvalue(), encoding="utf-8")
    return dst


def test_node_project_loads_with_node_set_and_route_empty(mini: Path) -> None:
    write(mini, BERTHS, ROW, columns=NODE_COLUMNS)
    berths, tankers = load_dataset(mini).projects
    assert (berths.node, berths.route, berths.on_node, berths.target) == (
        "PORT_Y",
        "",
        True,
        "node PORT_Y",
    )
    assert (tankers.node, tankers.route, tankers.on_node) == ("", "PORT_MED", False)


def test_a_file_with_only_a_node_column_loads(mini: Path) -> None:
    cols = [c for c in NODE_COLUMNS if c != "route"]
    write(mini, BERTHS, columns=cols)
    assert [p.node for p in load_dataset(mini).projects] == ["PORT_Y"]


NODE_BAD = [
    (
        dict(BERTHS, route="PORT_MED"),
        "projects.csv:2: route = 'PORT_MED': expected exactly one of route (a route id), node "
        "(a node id) and fleet (a class id), the others empty; node is 'PORT_Y'",
    ),
    (
        dict(BERTHS, node=""),
        "projects.csv:2: route = '': expected exactly one of route (a route id), node",
    ),
    (
        dict(BERTHS, node="PORT_Z"),
        "projects.csv:2: node = 'PORT_Z': expected a node id from nodes.csv (did you mean PORT_Y",
    ),
    (
        dict(BERTHS, node="HUB_X"),
        "projects.csv:2: node = 'HUB_X': expected a node with a loading limit (throughput_mtpa",
    ),
]


@pytest.mark.parametrize(
    ("row", "message"), NODE_BAD, ids=["both", "neither", "unknown", "nolimit"]
)
def test_malformed_node_project_rows_name_file_line_and_field(
    mini: Path, row: dict[str, str], message: str
) -> None:
    found = row_problems(mini, message, row, columns=NODE_COLUMNS)
    assert len(found) == 1, found  # reported once, as the one field at fault


def limited_toy(*projects: Project) -> Network:
    """The toy network with a loading limit of 6 Mt/yr at hub B (B_M 10, A_B 11, A_M 4)."""
    net = toy_network()
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=6.0) if n.id == "B" else n for n in net.nodes
    )
    return dataclasses.replace(net, nodes=nodes, projects=projects)


# rate 0, 20 years: 20 USD m of capex is 1 USD m a year per module
BERTHS_B = Project("BERTHS_B", "Berths at B", "", 2.0, 3, 20.0, 0.0, 20, 2025, node="B")
LOOP_BM = Project("LOOP_BM", "Loop on B-M", "B_M", 4.0, 1, 20.0, 0.0, 20, 2025)


def test_node_project_alone_raises_the_limit_to_the_route_capacity() -> None:
    # B's limit 6 caps B_M at 6: 6 x 592 + 4 x 580 (A_M) = 5,872 and 2 Mt shut in. Each 2 Mt/yr
    # module moves 2 Mt onto B (12 x 2 = 24 a year for 1): the 1st takes shut-in oil, the 2nd
    # moves 2 Mt off A_M; the 3rd would need B_M above its 10 Mt/yr, so 2 modules:
    # 10 x 592 + 2 x 580 = 7,080; objective 2 - 7,080 = -7,078.
    p = plan_portfolio(limited_toy(BERTHS_B), requirements=["via B >= 9 Mt/yr"], discount_rate=0.0)
    assert [(b.project, b.node, b.route, b.modules) for b in p.builds] == [("BERTHS_B", "B", "", 2)]
    assert p.objective_musd == pytest.approx(2.0 - 7080.0, abs=1e-6)
    assert p.shortfalls == ()
    assert p.built_network is not None and p.built_network.node("B").throughput_mtpa == 10.0
    assert p.capacity_added_by_route == {} and p.capacity_added_mtpa == 4.0


def test_node_project_with_a_route_project_fills_the_pipeline() -> None:
    # with the loop B_M can take 14, so the 3rd module pays: A_B's 11 Mt/yr then binds:
    # 11 x 592 + 1 x 580 = 7,092; cost 3 + 1; objective 4 - 7,092 = -7,088
    p = plan_portfolio(limited_toy(BERTHS_B, LOOP_BM), discount_rate=0.0)
    assert {b.project: b.modules for b in p.builds} == {"BERTHS_B": 3, "LOOP_BM": 1}
    assert p.objective_musd == pytest.approx(4.0 - 7092.0, abs=1e-6)
    assert p.capacity_added_by_route == {"B_M": 4.0}


def test_without_the_node_project_the_limit_binds_and_a_route_project_cannot_help() -> None:
    p = plan_portfolio(limited_toy(LOOP_BM), requirements=["via B >= 9 Mt/yr"], discount_rate=0.0)
    assert p.builds == ()
    (short,) = p.shortfalls
    assert short.achieved == pytest.approx(6.0)
    assert p.next_project is not None and p.next_project.project == "LOOP_BM"
    assert p.next_project.shortfall_reduction_mtpa == pytest.approx(0.0, abs=1e-9)


def test_node_project_on_a_node_without_limit_is_an_error() -> None:
    free = Project("BERTHS_A", "Berths at A", "", 1.0, 1, 1.0, 0.0, 20, 2025, node="A")
    net = limited_toy(free)
    with pytest.raises(ScenarioError, match="no loading limit at node 'A'"):
        build_investment_model(net, Periods.annual(2025))


def test_next_project_may_be_a_node_project() -> None:
    # 4 modules of 1 Mt/yr take B to B_M's 10 Mt/yr; the 5th is the only step left
    small = dataclasses.replace(BERTHS_B, adds_mtpa=1.0, modules_max=5)
    p = plan_portfolio(limited_toy(small), requirements=["via B >= 30 Mt/yr"], discount_rate=0.0)
    assert {b.project: b.modules for b in p.builds} == {"BERTHS_B": 4}
    assert p.next_project is not None and p.next_project.project == "BERTHS_B"


def test_portfolio_json_carries_the_node() -> None:
    d = plan_portfolio(limited_toy(BERTHS_B), discount_rate=0.0).to_dict()
    (b,) = d["builds"]
    assert (b["node"], b["route"]) == ("B", "")
