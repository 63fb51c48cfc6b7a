"""The web API in-process (httpx.ASGITransport): every endpoint, error path and limit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

import crudeflow.web.service as service
from crudeflow.errors import RequirementError, SolverError
from crudeflow.explanation import explain
from crudeflow.network.load import load_dataset
from crudeflow.network.model import toy_network
from crudeflow.requirements import parse_requirement
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import plan
from crudeflow.units import mtpa_to_kbd
from crudeflow.web.app import create_app

pytestmark = pytest.mark.anyio

MINI = Path(__file__).parents[1] / "fixtures" / "mini"
MakeClient = Callable[..., httpx.AsyncClient]


def error_of(r: httpx.Response, status: int, type_: str) -> dict[str, Any]:
    """Assert ``r`` is the JSON error ``type_`` with ``status``; return its ``error`` object."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["type"] == type_, err
    assert isinstance(err["message"], str) and err["message"]
    return dict(err)


# -- meta, network, presets, runs ------------------------------------------------------------
async def test_health(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["dataset"] == "mini"
    assert body["max_concurrent_solves"] == 2
    assert body["solve_time_limit_s"] == 10
    assert body["max_body_bytes"] == 64_000


async def test_network_is_geojson(client: httpx.AsyncClient) -> None:
    net = load_dataset(MINI)
    r = await client.get("/api/network")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    nodes = [f for f in fc["features"] if f["properties"]["feature"] == "node"]
    routes = [f for f in fc["features"] if f["properties"]["feature"] == "route"]
    assert len(nodes) == len(net.nodes) and len(routes) == len(net.routes)
    assert all(f["geometry"]["type"] == "Point" for f in nodes)
    trunk = next(f for f in routes if f["properties"]["id"] == "HUB_PORT")
    assert trunk["geometry"] == {
        "type": "LineString",
        "coordinates": [[51.9, 47.1], [37.8, 44.7]],
    }
    props = trunk["properties"]
    assert props["capacity_mtpa"] == 40
    assert props["countries"] == ["KZ", "RU"]
    assert props["corridor"] == "bypass"  # the mini dataset names no watch: cross-border
    assert props["status"] == "operating"
    rail = next(f for f in routes if f["properties"]["id"] == "B_EU_RAIL")["properties"]
    assert rail["status"] == "planned"
    meta = fc["metadata"]
    assert meta["producer"] == "KZ"
    assert "KZ" not in meta["countries"] and "RU" in meta["countries"]
    assert meta["years"] == [2024, 2025]
    assert meta["topojson"] is True


async def test_presets_and_runs_are_empty_lists(client: httpx.AsyncClient) -> None:
    for path in ("/api/presets", "/api/runs"):
        r = await client.get(path)
        assert r.status_code == 200
        assert r.json() == []


async def test_openapi_lists_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert set(spec["paths"]) == {
        "/api/health",
        "/api/network",
        "/api/plan",
        "/api/plan/export",
        "/api/bypass",
        "/api/invest",
        "/api/presets",
        "/api/runs",
        "/api/runs/active",
        "/api/runs/{run_id}",
    }
    plan_op = spec["paths"]["/api/plan"]["post"]
    assert {"200", "400", "409", "413", "422", "503"} <= set(plan_op["responses"])
    preset = spec["components"]["schemas"]["Preset"]
    assert set(preset["properties"]) == {
        "id",
        "title",
        "description",
        "horizon",
        "tags",
        "year",
        "monthly",
        "horizon_start",
        "horizon_end",
        "horizon_months",
        "horizon_years",
    }


# -- plan --------------------------------------------------------------------------------------
async def test_plan_matches_the_library(client: httpx.AsyncClient) -> None:
    expected = plan(load_dataset(MINI))
    r = await client.post("/api/plan", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["exported_mtpa"] == pytest.approx(expected.exported_mtpa)
    assert body["netback_usd_per_t"] == pytest.approx(expected.netback_usd_per_t)
    assert body["shut_in_mtpa"] == pytest.approx(expected.shut_in_mtpa)
    assert [b["route"] for b in body["bottlenecks"]] == [b.route for b in expected.bottlenecks]
    assert body["explanations"] == explain(expected)
    assert "31 Mt/yr" in body["explanations"][0]
    assert body["capacity_overrides"] == {}
    assert body["periods"] == ["2025"]


async def test_avoid_ru_changes_the_headline(client: httpx.AsyncClient) -> None:
    base = (await client.post("/api/plan", json={})).json()
    r = await client.post("/api/plan", json={"avoid": ["ru"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["requirements"] == ["avoid RU"]
    assert body["exported_mtpa"] < base["exported_mtpa"]
    assert body["shut_in_mtpa"] > base["shut_in_mtpa"]
    closed = {row["route"] for row in body["routes"] if row["closed_by"]}
    assert {"HUB_PORT", "PORT_MED", "PORT_EU"} <= closed


async def test_plan_with_requirements_year_and_months(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/plan",
        json={"year": 2024, "monthly": True, "requirements": ["route PORT_EU <= 5 Mt/yr"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["periods"]) == 12
    (status,) = body["requirement_status"]
    assert status["requirement"] == "route PORT_EU <= 5 Mt/yr" and status["met"]
    eu = next(row for row in body["routes"] if row["route"] == "PORT_EU")
    assert eu["flow_mtpa"] <= 5 + 1e-6


async def test_capacity_overrides_change_the_plan(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/plan", json={"capacity_overrides": {"HUB_PORT": 0}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["exported_mtpa"] == pytest.approx(0.0, abs=1e-9)
    assert body["capacity_overrides"] == {"HUB_PORT": 0.0}
    trunk = next(row for row in body["routes"] if row["route"] == "HUB_PORT")
    assert trunk["capacity_mtpa"] == 0


async def test_bad_requirement_is_422_with_position(client: httpx.AsyncClient) -> None:
    text = "via HUB_X >= 20 Mt"
    with pytest.raises(RequirementError) as info:
        parse_requirement(text)
    r = await client.post("/api/plan", json={"requirements": ["avoid RU", text]})
    err = error_of(r, 422, "requirement_error")
    assert err["position"] == info.value.position == 16
    assert err["requirement"] == text
    assert err["index"] == 1
    assert "column 17" in err["message"]


@pytest.mark.parametrize(
    ("body", "status", "type_"),
    [
        ({"requirements": ["via NOPE >= 1 Mt/yr"]}, 422, "requirement_error"),
        ({"requirements": ["avoid KZ"]}, 422, "scenario_error"),
        ({"capacity_overrides": {"NOPE": 3}}, 422, "unknown_route"),
        ({"avoid": ["XX"]}, 422, "unknown_country"),
        ({"avoid": ["KZ"]}, 422, "scenario_error"),
        ({"year": 1999}, 422, "scenario_error"),
        ({"year": 1800}, 422, "validation_error"),
        ({"capacity_overrides": {"HUB_PORT": -1}}, 422, "validation_error"),
        ({"capacity_overrides": {"HUB_PORT": 1001}}, 422, "validation_error"),
        ({"capacity_overrides": {"x" * 65: 1}}, 422, "validation_error"),
        ({"avoid": ["RUS"]}, 422, "validation_error"),
        ({"requirements": ["avoid RU"] * 21}, 422, "validation_error"),
        ({"requirements": ["x" * 201]}, 422, "validation_error"),
        ({"requirements": [""]}, 422, "validation_error"),
        ({"requirements": "avoid RU"}, 422, "validation_error"),
        ({"monthly": "sometimes"}, 422, "validation_error"),
        ({"surprise": 1}, 422, "validation_error"),
        ([1, 2], 422, "validation_error"),
        (
            {"requirements": ["route PORT_MED >= 100 Mt/yr"], "strict": True},
            409,
            "infeasible",
        ),
    ],
)
async def test_plan_errors(client: httpx.AsyncClient, body: Any, status: int, type_: str) -> None:
    error_of(await client.post("/api/plan", json=body), status, type_)


async def test_infeasible_names_the_shortfall(client: httpx.AsyncClient) -> None:
    body = {"requirements": ["route PORT_MED >= 100 Mt/yr"], "strict": True}
    err = error_of(await client.post("/api/plan", json=body), 409, "infeasible")
    assert err["shortfalls"] == ["route PORT_MED >= 100 Mt/yr"]


@pytest.mark.parametrize(
    ("content", "status", "type_"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"capacity_overrides": {"HUB_PORT": NaN}}', 422, "validation_error"),
        (b'{"capacity_overrides": {"HUB_PORT": Infinity}}', 422, "validation_error"),
        (b"", 422, "validation_error"),
    ],
)
async def test_malformed_bodies(
    client: httpx.AsyncClient, content: bytes, status: int, type_: str
) -> None:
    r = await client.post(
        "/api/plan", content=content, headers={"content-type": "application/json"}
    )
    error_of(r, status, type_)


# -- bypass ------------------------------------------------------------------------------------
async def test_bypass_matches_the_library() -> None:
    app = create_app(network=toy_network())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        r = await c.post("/api/bypass", json={"avoid": ["RU"]})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = bypass(toy_network(), avoid=["RU"])
    assert body["max_mtpa"] == expected.max_mtpa == 4.0
    assert body["cut_routes"] == ["A_M"]
    assert body["max_kbd"] == pytest.approx(mtpa_to_kbd(4.0, bbl_per_t=8.0))
    assert body["year"] == 2025


async def test_bypass_with_overrides(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/bypass", json={"avoid": [], "capacity_overrides": {"HUB_PORT": 10}})
    assert r.status_code == 200, r.text
    assert r.json()["max_mtpa"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("body", "status", "type_"),
    [
        ({"avoid": ["XX"]}, 422, "unknown_country"),
        ({"avoid": ["KZ"]}, 422, "scenario_error"),
        ({"avoid": ["RU"], "year": 2030}, 422, "scenario_error"),
        ({"avoid": ["RU"], "capacity_overrides": {"NOPE": 1}}, 422, "unknown_route"),
        ({"avoid": ["R"]}, 422, "validation_error"),
        ({"avoid": ["RU"] * 31}, 422, "validation_error"),
    ],
)
async def test_bypass_errors(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, type_: str
) -> None:
    error_of(await client.post("/api/bypass", json=body), status, type_)


# -- HTTP-level errors -------------------------------------------------------------------------
async def test_unknown_path_and_method_are_json(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/api/nothing"), 404, "not_found")
    error_of(await client.get("/api/plan"), 405, "method_not_allowed")


async def test_body_too_large_by_content_length(client: httpx.AsyncClient) -> None:
    big = b'{"requirements": ["' + b"x" * 70_000 + b'"]}'
    r = await client.post("/api/plan", content=big, headers={"content-type": "application/json"})
    error_of(r, 413, "body_too_large")


async def test_body_too_large_when_streamed(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"requirements": ["'
        for _ in range(20):
            yield b"x" * 4_000
        yield b'"]}'

    r = await client.post(
        "/api/plan", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in r.request.headers
    error_of(r, 413, "body_too_large")


async def test_small_streamed_body_passes(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"avoid": '
        yield b'["RU"]}'

    r = await client.post(
        "/api/plan", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text


async def test_body_limit_is_configurable(make_client: MakeClient) -> None:
    app = create_app(network=toy_network(), max_body_bytes=20)
    async with make_client(app) as c:
        error_of(
            await c.post("/api/plan", json={"avoid": ["RU", "BY", "PL"]}), 413, "body_too_large"
        )
        assert (await c.post("/api/plan", json={})).status_code == 200


async def test_bad_content_length_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/plan", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 200
    req = client.build_request(
        "POST", "/api/plan", content=b"{}", headers={"content-length": "lots"}
    )
    error_of(await client.send(req), 400, "bad_request")


# -- solve limits ------------------------------------------------------------------------------
def slow_plan(delay: float, tracker: dict[str, int] | None = None) -> Callable[..., Any]:
    """A stand-in for :func:`crudeflow.solve.plan.plan` that sleeps and counts overlap."""
    lock = threading.Lock()

    def run(*args: Any, **kwargs: Any) -> Any:
        if tracker is not None:
            with lock:
                tracker["now"] += 1
                tracker["peak"] = max(tracker["peak"], tracker["now"])
        try:
            time.sleep(delay)
            return plan(*args, **kwargs)
        finally:
            if tracker is not None:
                with lock:
                    tracker["now"] -= 1

    return run


async def test_solve_time_limit_is_503(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.setattr(service, "plan", slow_plan(0.5))
    app = create_app(network=toy_network(), solve_time_limit_s=0.05, cache_entries=0)
    async with make_client(app) as c:
        t0 = time.perf_counter()
        r = await c.post("/api/plan", json={})
        assert time.perf_counter() - t0 < 0.45
    err = error_of(r, 503, "solve_time_limit")
    assert "0.05 s" in err["message"]
    assert r.headers["retry-after"] == "1"


async def test_highs_time_limit_is_503(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    def timed_out(*_a: Any, **_k: Any) -> Any:
        raise SolverError("HiGHS ended with status time_limit; no plan is reported")

    monkeypatch.setattr(service, "plan", timed_out)
    async with make_client(create_app(network=toy_network())) as c:
        error_of(await c.post("/api/plan", json={}), 503, "solve_time_limit")


async def test_solver_failure_is_503(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    def failed(*_a: Any, **_k: Any) -> Any:
        raise SolverError("HiGHS ended with status solver_error; no plan is reported")

    monkeypatch.setattr(service, "plan", failed)
    async with make_client(create_app(network=toy_network())) as c:
        error_of(await c.post("/api/plan", json={}), 503, "solver_error")


async def test_unexpected_error_is_json_500(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(service, "plan", broken)
    async with make_client(create_app(network=toy_network()), raise_app_exceptions=False) as c:
        error_of(await c.post("/api/plan", json={}), 500, "internal_error")
    assert "unexpected error" in caplog.text


@pytest.mark.parametrize("slots", [1, 2])
async def test_concurrency_is_bounded_without_deadlock(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient, slots: int
) -> None:
    tracker = {"now": 0, "peak": 0}
    monkeypatch.setattr(service, "plan", slow_plan(0.05, tracker))
    app = create_app(network=toy_network(), max_concurrent_solves=slots, cache_entries=0)
    async with make_client(app) as c:
        bodies = [{"avoid": ["RU"]} if i % 2 else {} for i in range(10)]
        async with asyncio.timeout(20):
            responses = await asyncio.gather(*(c.post("/api/plan", json=b) for b in bodies))
        # the app still answers afterwards: no slot leaked
        after = await c.post("/api/plan", json={})
    assert [r.status_code for r in responses] == [200] * 10
    assert after.status_code == 200
    assert tracker["peak"] == slots
    assert app.state.gate.peak_running == slots
    assert app.state.gate.running == 0


async def test_waiting_too_long_for_a_slot_is_503_busy(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.setattr(service, "plan", slow_plan(0.4))
    app = create_app(
        network=toy_network(), max_concurrent_solves=1, queue_timeout_s=0.05, cache_entries=0
    )
    async with make_client(app) as c:
        first, second = await asyncio.gather(
            c.post("/api/plan", json={}), delayed(0.05, c.post("/api/plan", json={}))
        )
    assert first.status_code == 200
    error_of(second, 503, "busy")


async def test_too_many_waiting_is_503_busy(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.setattr(service, "plan", slow_plan(0.3))
    app = create_app(network=toy_network(), max_concurrent_solves=1, max_waiting=1, cache_entries=0)
    async with make_client(app) as c:
        rs = await asyncio.gather(
            c.post("/api/plan", json={}),
            delayed(0.05, c.post("/api/plan", json={})),
            delayed(0.1, c.post("/api/plan", json={})),
        )
    assert [r.status_code for r in rs] == [200, 200, 503]
    error_of(rs[2], 503, "busy")


async def test_a_turned_away_request_waits_before_its_503(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    """A client that ignores Retry-After and asks again at once must not keep the server busy
    turning it away (400 such clients cut the plans served from ~250 to 19 a second)."""
    monkeypatch.setattr(service, "plan", slow_plan(0.6))
    app = create_app(
        network=toy_network(),
        max_concurrent_solves=1,
        max_waiting=1,
        reject_delay_s=0.3,
        cache_entries=0,
    )
    async with make_client(app) as c:

        async def timed_third() -> tuple[httpx.Response, float]:
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            r = await c.post("/api/plan", json={})
            return r, time.perf_counter() - t0

        first, second, (third, waited) = await asyncio.gather(
            c.post("/api/plan", json={}), delayed(0.05, c.post("/api/plan", json={})), timed_third()
        )
    assert (first.status_code, second.status_code) == (200, 200)
    error_of(third, 503, "busy")
    assert third.headers["retry-after"] == "1"
    assert waited >= 0.3


async def test_timed_out_solve_keeps_its_slot_until_it_ends(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    tracker = {"now": 0, "peak": 0}
    monkeypatch.setattr(service, "plan", slow_plan(0.3, tracker))
    app = create_app(
        network=toy_network(), max_concurrent_solves=1, solve_time_limit_s=0.1, cache_entries=0
    )
    async with make_client(app) as c:
        first = await c.post("/api/plan", json={})
        error_of(first, 503, "solve_time_limit")
        assert app.state.gate.running == 1  # the abandoned solve still holds the slot
        await asyncio.sleep(0.4)
        assert app.state.gate.running == 0
    assert tracker["peak"] == 1


async def delayed(seconds: float, coro: Any) -> Any:
    await asyncio.sleep(seconds)
    return await coro


# -- pages and assets --------------------------------------------------------------------------
async def test_pages_are_served_with_a_strict_csp(client: httpx.AsyncClient) -> None:
    for path, marker in (("/", 'id="map"'), ("/runs", 'id="runs"'), ("/docs", 'id="operations"')):
        r = await client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert marker in r.text
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "connect-src 'self'" in csp
        assert "http" not in r.text.replace("http-equiv", "")  # no absolute URLs at all


async def test_static_assets_come_from_the_packages(client: httpx.AsyncClient) -> None:
    js = await client.get("/static/plotly.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert b"plotly.js v" in js.content[:200]
    for name in ("app.js", "common.js", "invest.js", "runs.js", "docs.js", "style.css"):
        assert (await client.get(f"/static/{name}")).status_code == 200
    topo = await client.get("/static/topojson/world_50m.json")
    assert topo.status_code == 200
    assert topo.json()["type"] == "Topology"
    assert "countries" in topo.json()["objects"]
    error_of(await client.get("/static/missing.js"), 404, "not_found")


async def test_without_outlines_the_map_metadata_says_so(make_client: MakeClient) -> None:
    app = create_app(network=toy_network(), topojson=None)
    async with make_client(app) as c:
        assert (await c.get("/api/network")).json()["metadata"]["topojson"] is False
        error_of(await c.get("/static/topojson/world_50m.json"), 404, "not_found")


async def test_docs_are_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert "/openapi.json" in page.text
    assert "cdn" not in page.text.lower()
    assert (await client.get("/redoc")).status_code == 404


# -- create_app and the CLI --------------------------------------------------------------------
def test_bad_dataset_fails_at_creation(tmp_path: Path) -> None:
    from crudeflow.errors import DatasetError

    with pytest.raises(DatasetError):
        create_app(dataset=tmp_path / "missing")


def test_serve_command_runs_uvicorn_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from crudeflow.cli import app as cli

    calls: list[dict[str, Any]] = []

    def fake_run(app: FastAPI, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = CliRunner().invoke(
        cli, ["serve", "--dataset", str(MINI), "--port", "8123", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["host"] == "127.0.0.1" and call["port"] == 8123
    assert call["app"].state.network.meta.name == "mini"


def test_serve_refuses_other_hosts() -> None:
    from crudeflow.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "loopback only" in result.output


def test_serve_help_lists_the_options() -> None:
    from crudeflow.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--dataset"):
        assert option in result.output


async def test_presets_of_the_default_dataset_apply(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    app = create_app()  # the built-in Kazakhstan dataset, which ships presets
    async with make_client(app) as c:
        presets = (await c.get("/api/presets")).json()
        ids = {p["id"] for p in presets}
        assert {"spm2-loss-2025", "russia-transit-ban", "trans-caspian-20mt"} <= ids
        spm2 = next(p for p in presets if p["id"] == "spm2-loss-2025")
        assert spm2["horizon"] == "2025-10 to 2025-12" and "history" in spm2["tags"]
        r = await c.post("/api/plan", json={"preset": "spm2-loss-2025"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["periods"] == ["2025-10", "2025-11", "2025-12"]
        assert body["preset"] == "spm2-loss-2025"
        r = await c.post("/api/plan", json={"preset": "trans-caspian-20mt", "avoid": ["RU"]})
        assert r.status_code == 200
        assert any(s["shortfall"] > 0 for s in r.json()["requirement_status"])
        r = await c.post("/api/plan", json={"preset": "no-such-preset"})
        assert r.status_code == 422
        assert r.json()["error"]["type"] == "scenario_error"


async def test_plan_response_carries_totals_rates_and_horizon(client: httpx.AsyncClient) -> None:
    """Issue 8 item 1: the page never guesses years; the API names every figure's kind."""
    r = await client.post("/api/plan", json={"monthly": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["horizon_start"], body["horizon_end"], body["horizon_months"]) == (
        "2025-01",
        "2025-12",
        12,
    )
    for kind in ("available", "exported", "shut_in", "delivered"):
        assert body[f"{kind}_mtpa"] == pytest.approx(
            body[f"{kind}_mt"] / body["horizon_years"], abs=1e-5
        )
    assert body["netback_musd_per_yr"] == pytest.approx(
        body["netback_musd"] / body["horizon_years"], abs=1e-3
    )
    spec = (await client.get("/openapi.json")).json()
    props = spec["components"]["schemas"]["PlanResponse"]["properties"]
    assert "over the horizon" in props["exported_mt"]["description"]
    assert "annual rate" in props["netback_musd_per_yr"]["description"]
