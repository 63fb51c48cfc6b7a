"""A plan keeps its tables as columns and builds DataFrames on first read (speed, issue 8
item 20): the JSON from the columns must be exactly what the DataFrames give."""

from __future__ import annotations

import pytest

from crudeflow.explanation import explain
from crudeflow.network.model import Network
from crudeflow.output import records
from crudeflow.solve.plan import Plan, plan

TABLES = ("routes", "flows", "deliveries", "supply", "exposure", "by_period", "node_balance")
CASES = {
    "annual": {},
    "monthly": {"monthly": True},
    "avoid RU": {"requirements": ["avoid RU"]},
    "shortfall": {"requirements": ["via AKTAU,KURYK >= 20 Mt/yr"]},
    "monthly share": {"monthly": True, "requirements": ["share RU <= 10%"]},
}


@pytest.fixture(scope="module", params=list(CASES))
def solved(request: pytest.FixtureRequest, kz: Network) -> Plan:
    return plan(kz, **CASES[request.param])


def test_plan_json_tables_from_columns_equal_the_dataframe_records(solved: Plan) -> None:
    # to_dict first (from the columns, no DataFrame built yet), then the DataFrames' records
    out = solved.to_dict()
    for name in TABLES:
        assert out[name] == records(getattr(solved, name)), name


def test_plan_tables_are_dataframes_with_their_named_index(solved: Plan) -> None:
    assert solved.routes.index.name == "route"
    assert solved.supply.index.name == "node"
    assert solved.exposure.index.name == "country"
    assert solved.by_period.index.name == "period"
    assert solved.flows.index.name is None and "route" in solved.flows.columns
    assert solved.routes is solved.routes  # built once


def test_exposure_ranked_is_the_pandas_descending_sort(solved: Plan) -> None:
    ranked = solved.exposure_ranked()
    frame = solved.exposure.sort_values("entering_mtpa", ascending=False)
    assert [c for c, _, _ in ranked] == list(frame.index)
    assert [m for _, m, _ in ranked] == frame["entering_mtpa"].tolist()
    assert [s for _, _, s in ranked] == frame["share_of_exports"].tolist()


def test_explain_does_not_need_the_exposure_dataframe(kz: Network) -> None:
    p = plan(kz, requirements=["avoid RU"])
    sentences = explain(p)
    assert "exposure" not in p.__dict__  # no DataFrame was built for the sentences
    assert "No exported tonne crosses Russia." in sentences


@pytest.mark.parametrize("case", ["annual", "monthly", "avoid RU"])
def test_watch_mtpa_does_not_build_the_routes_dataframe(kz: Network, case: str) -> None:
    solved = plan(kz, **CASES[case])  # a fresh plan: the module's may have built its frames
    assert solved.watch_routes  # the Kazakhstan dataset watches Russia
    via = solved.watch_mtpa
    assert "routes" not in solved.__dict__  # read from the columns
    expected = solved.routes.loc[list(solved.watch_routes), "flow_mtpa"].sum()
    assert via == float(expected)
