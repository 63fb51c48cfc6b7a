"""POST /api/invest: the portfolio the CLI prints, as JSON; bad input is a JSON error."""

from __future__ import annotations

import pytest

from crudeflow.invest import plan_portfolio
from crudeflow.web.app import create_app
from tests.invest.test_deterministic import BIG, MOD, toy
from tests.web.conftest import client_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_api_invest_answers_the_libraries_portfolio() -> None:
    net = toy(BIG, MOD)
    async with client_for(create_app(network=net, topojson=None)) as c:
        r = await c.post(
            "/api/invest", json={"requirements": ["via B >= 11 Mt/yr"], "discount_rate": 0}
        )
    assert r.status_code == 200, r.text
    d = r.json()
    want = plan_portfolio(net, requirements=["via B >= 11 Mt/yr"], discount_rate=0).to_dict()
    assert d["builds"] == want["builds"] and d["sentences"] == want["sentences"]
    assert d["annualised_cost_musd_per_yr"] == 0.4


async def test_api_invest_bad_requirement_is_a_json_error() -> None:
    async with client_for(create_app(network=toy(BIG), topojson=None)) as c:
        r = await c.post("/api/invest", json={"requirements": ["via B >="]})
        assert r.status_code == 422 and "error" in r.json()
        r = await c.post("/api/invest", json={"discount_rate": 2})
        assert r.status_code == 422
