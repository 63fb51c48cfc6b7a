"""``plan --monthly --csv`` and ``scenario run --csv/--json`` give per-route, per-month flows,
arrivals, losses, crude in transit and stocks: enough to check conservation from the output
alone (issue 8, item 8). These tests read only the CSV text: no crudeflow import."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from crudeflow.cli import app

runner = CliRunner()
TOL = 5e-6  # the output is rounded to 6 decimals (1 t)


def _output(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _num(row: dict[str, str], key: str) -> float:
    return float(row[key]) if row[key] != "" else 0.0


def check_conservation(rows: list[dict[str, str]]) -> dict[str, int]:
    """Every route and node balances in every period, and stocks and transit carry over."""
    periods: list[str] = list(dict.fromkeys(r["period"] for r in rows))
    routes = [r for r in rows if r["kind"] == "route"]
    nodes = [r for r in rows if r["kind"] == "node"]
    assert routes and nodes
    into: dict[tuple[str, str], float] = defaultdict(float)
    out_of: dict[tuple[str, str], float] = defaultdict(float)
    transit: dict[tuple[str, str], tuple[float, float]] = {}
    for r in routes:
        start, end = _num(r, "in_transit_start_mt"), _num(r, "in_transit_end_mt")
        flow, arrived, lost = _num(r, "flow_mt"), _num(r, "arrived_mt"), _num(r, "lost_mt")
        assert flow >= -TOL and arrived >= -TOL and start >= -TOL and end >= -TOL
        assert start + flow == pytest.approx(arrived + lost + end, abs=TOL), r
        into[(r["period"], r["to"])] += arrived
        out_of[(r["period"], r["from"])] += flow
        transit[(r["period"], r["id"])] = (start, end)
    stock: dict[tuple[str, str], tuple[float, float]] = {}
    for n in nodes:
        key = (n["period"], n["id"])
        start, end = _num(n, "stock_start_mt"), _num(n, "stock_end_mt")
        taken, delivered = _num(n, "taken_mt"), _num(n, "delivered_mt")
        assert _num(n, "arrived_mt") == pytest.approx(into[key], abs=TOL * 10)
        assert _num(n, "departed_mt") == pytest.approx(out_of[key], abs=TOL * 10)
        lhs = start + taken + into[key]
        rhs = out_of[key] + delivered + end
        assert lhs == pytest.approx(rhs, abs=TOL * 10), n
        stock[key] = (start, end)
    for prev, nxt in itertools.pairwise(periods):
        for (p, rid), (_, end) in list(transit.items()):
            if p == prev:
                assert transit[(nxt, rid)][0] == pytest.approx(end, abs=TOL)
        for (p, nid), (_, end) in list(stock.items()):
            if p == prev:
                assert stock[(nxt, nid)][0] == pytest.approx(end, abs=TOL)
    return {"periods": len(periods), "routes": len(routes), "nodes": len(nodes)}


def test_monthly_plan_csv_lets_a_user_check_conservation() -> None:
    text = _output("plan", "--monthly", "--csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:3] == ["period", "kind", "id"]
    counts = check_conservation(rows)
    assert counts["periods"] == 12
    # storage and transit are there, not all zero
    assert any(float(r["stock_end_mt"] or 0) > 0 for r in rows if r["kind"] == "node")
    assert any(float(r["in_transit_end_mt"] or 0) > 0 for r in rows if r["kind"] == "route")


def test_scenario_run_csv_lets_a_user_check_conservation() -> None:
    text = _output("scenario", "run", "spm2-loss-2025", "--csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert check_conservation(rows)["periods"] == 3
    assert next(r["period"] for r in rows) == "2025-10"


def test_monthly_json_carries_flows_transit_and_stocks() -> None:
    for args in (("plan", "--monthly", "--json"), ("scenario", "run", "spm2-loss-2025", "--json")):
        data = json.loads(_output(*args))
        flows, nodes = data["flows"], data["node_balance"]
        assert {"in_transit_start_mt", "arrived_mt", "lost_mt", "in_transit_end_mt"} <= set(
            flows[0]
        )
        assert {"stock_start_mt", "stock_end_mt", "taken_mt", "delivered_mt"} <= set(nodes[0])
        assert len(flows) == len(data["periods"]) * len(data["routes"])
        rows = [
            {"kind": "route", "id": f["route"], **{k: _s(v) for k, v in f.items()}} for f in flows
        ] + [{"kind": "node", "id": n["node"], **{k: _s(v) for k, v in n.items()}} for n in nodes]
        check_conservation(rows)


def _s(v: object) -> str:
    return "" if v is None else str(v)
