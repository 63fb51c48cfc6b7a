"""A node's loading limit that binds is named as such in the report, not as a route."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from crudeflow.network.model import toy_network
from crudeflow.report import ReportCase, build_report
from crudeflow.solve.plan import plan


def test_report_names_a_binding_node_limit_as_a_loading_limit(tmp_path: Path) -> None:
    net = toy_network()
    nodes = tuple(
        dataclasses.replace(n, throughput_mtpa=8.0) if n.id == "A" else n for n in net.nodes
    )
    net = dataclasses.replace(net, nodes=nodes)
    p = plan(net)
    assert p.bottlenecks[0].kind == "node"
    cases = [ReportCase("Limited", net, p), ReportCase("Again", net, p)]  # 2: a comparison
    html = build_report(cases, title="T", out=tmp_path / "t.html")
    text = html.read_text(encoding="utf-8")
    label = f"{p.bottlenecks[0].name}: loading limit of all routes leaving it"
    assert label == p.bottlenecks[0].label
    assert f"{label} (A)" in text  # the bottleneck table
    assert f">{label}<" in text  # the comparison's binding row
