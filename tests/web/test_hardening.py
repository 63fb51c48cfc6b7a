"""Issue 8 (web): figures named by kind, Host allow-list, HEAD, ::1, presets' horizons,
duplicate requirements, downloads, the plan cache and server workers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

import crudeflow.web.service as service
from crudeflow.network.model import toy_network
from crudeflow.web.app import create_app
from crudeflow.web.cache import PlanCache

pytestmark = pytest.mark.anyio

MINI = Path(__file__).parents[1] / "fixtures" / "mini"
MakeClient = Callable[..., httpx.AsyncClient]

HORIZON_TOTALS = ("available_mt", "exported_mt", "shut_in_mt", "delivered_mt", "netback_musd")
ANNUAL_RATES = (
    "available_mtpa",
    "exported_mtpa",
    "shut_in_mtpa",
    "delivered_mtpa",
    "netback_musd_per_yr",
)
HORIZON = ("horizon_start", "horizon_end", "horizon_months", "horizon_years")


@pytest.fixture(scope="module")
def kz_app() -> FastAPI:
    """The app on the built-in Kazakhstan dataset (it ships the presets)."""
    return create_app()


def cli_json(*args: str) -> dict[str, Any]:
    """``crudeflow ARGS --json`` in a subprocess (the CLI a user runs)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    out = subprocess.run(
        [sys.executable, "-c", "from crudeflow.cli import main; main()", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return dict(json.loads(out.stdout))


# -- item 1: the figures ----------------------------------------------------------------------
async def test_plan_answer_names_every_figure_by_kind(client: httpx.AsyncClient) -> None:
    body = (await client.post("/api/plan", json={})).json()
    for key in (*HORIZON_TOTALS, *ANNUAL_RATES, *HORIZON):
        assert key in body, key
    assert (body["horizon_start"], body["horizon_end"], body["horizon_months"]) == (
        "2025-01",
        "2025-12",
        12,
    )
    assert body["horizon_years"] == pytest.approx(1.0)
    # a one-year horizon: totals and annual rates agree
    assert body["exported_mt"] == pytest.approx(body["exported_mtpa"])


async def test_spm2_netback_matches_the_cli(make_client: MakeClient, kz_app: FastAPI) -> None:
    """A 3-month preset: the API's horizon total and annual rate are the CLI's figures."""
    cli = cli_json("scenario", "run", "spm2-loss-2025")
    async with make_client(kz_app) as c:
        body = (await c.post("/api/plan", json={"preset": "spm2-loss-2025"})).json()
    assert body["netback_musd"] == pytest.approx(cli["netback_musd"], rel=1e-9)
    assert (body["horizon_start"], body["horizon_end"], body["horizon_months"]) == (
        "2025-10",
        "2025-12",
        3,
    )
    assert body["netback_musd_per_yr"] == pytest.approx(cli["netback_musd_per_yr"], rel=1e-9)
    # the annual rate is the horizon total over the horizon's length (92 of 365 days)
    assert body["netback_musd_per_yr"] == pytest.approx(body["netback_musd"] * 365 / 92)
    assert body["exported_mtpa"] == pytest.approx(cli["exported_mtpa"], rel=1e-9)
    assert body["shut_in_mt"] == pytest.approx(body["shut_in_mtpa"] * 92 / 365)


async def test_presets_carry_their_horizon(make_client: MakeClient, kz_app: FastAPI) -> None:
    async with make_client(kz_app) as c:
        presets = {p["id"]: p for p in (await c.get("/api/presets")).json()}
    spm2 = presets["spm2-loss-2025"]
    assert (spm2["year"], spm2["monthly"]) == (2025, True)
    assert (spm2["horizon_start"], spm2["horizon_end"], spm2["horizon_months"]) == (
        "2025-10",
        "2025-12",
        3,
    )


# -- item 19 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "10.0.0.1"]
)
async def test_foreign_host_header_is_rejected_against_dns_rebinding(
    client: httpx.AsyncClient, host: str
) -> None:
    for path in ("/api/health", "/"):
        r = await client.get(path, headers={"Host": host})
        assert r.status_code == 400, (host, r.text)
        assert r.json()["error"]["type"] == "host_not_allowed"
    r = await client.post("/api/plan", json={}, headers={"Host": host})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "[::1]"]
)
async def test_loopback_host_headers_including_ipv6_are_served(
    client: httpx.AsyncClient, host: str
) -> None:
    r = await client.get("/api/health", headers={"Host": host})
    assert r.status_code == 200, r.text


async def test_allowed_host_names_are_configurable(make_client: MakeClient) -> None:
    app = create_app(network=toy_network(), allowed_hosts=["planner.lan"])
    async with make_client(app) as c:
        assert (await c.get("/", headers={"Host": "planner.lan:8000"})).status_code == 200
        assert (await c.get("/", headers={"Host": "other.lan"})).status_code == 400


@pytest.mark.parametrize("path", ["/", "/runs", "/docs", "/static/app.js", "/static/plotly.min.js"])
async def test_head_on_pages_and_assets(client: httpx.AsyncClient, path: str) -> None:
    get = await client.get(path)
    head = await client.head(path)
    assert head.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_duplicate_requirements_are_rejected(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/plan", json={"requirements": ["share RU <= 90%", "share  RU <= 90%"]}
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["type"] == "duplicate_requirement" and err["index"] == 1


async def test_plan_downloads_come_from_the_api(client: httpx.AsyncClient) -> None:
    body = {"avoid": ["RU"]}
    r = await client.post("/api/plan/export?format=csv", json=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="crudeflow-mini-plan.csv"'
    lines = r.text.splitlines()
    assert lines[0].startswith("route,name,from,to,")
    plan = (await client.post("/api/plan", json=body)).json()
    assert len(lines) == 1 + len(plan["routes"])
    j = await client.post("/api/plan/export?format=json", json=body)
    assert j.headers["content-disposition"].endswith('.json"')
    assert j.json() == plan
    bad = await client.post("/api/plan/export?format=xlsx", json=body)
    assert bad.status_code == 422


# -- item 20: the cache ------------------------------------------------------------------------
async def test_equal_requests_are_solved_once(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    calls: list[int] = []
    real = service.plan

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "plan", counting)
    app = create_app(network=toy_network())
    async with make_client(app) as c:
        a = await c.post("/api/plan", json={"avoid": ["ru", "TR"], "capacity_overrides": {}})
        b = await c.post("/api/plan", json={"avoid": ["TR", "RU"]})  # the same, canonically
        rs = await asyncio.gather(*(c.post("/api/plan", json={"year": 2025}) for _ in range(5)))
        other = await c.post("/api/plan", json={"capacity_overrides": {"A_M": 1.0}})
    assert a.content == b.content
    assert all(r.status_code == 200 for r in rs) and len({r.content for r in rs}) == 1
    assert other.json()["capacity_overrides"] == {"A_M": 1.0}
    assert len(calls) == 3  # avoid TR,RU; year 2025 (five at once); the capacity change
    assert app.state.cache.hits == 5


async def test_failed_solves_are_not_cached(client: httpx.AsyncClient, mini_app: FastAPI) -> None:
    bad = {"requirements": ["route PORT_MED >= 100 Mt/yr"], "strict": True}
    for _ in range(2):
        assert (await client.post("/api/plan", json=bad)).status_code == 409
    assert len(mini_app.state.cache) == 0


def test_plan_cache_is_bounded_lru() -> None:
    cache = PlanCache(max_entries=2, max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"1234")  # drops b (least recently used)
    assert cache.get("b") is None and len(cache) == 2
    cache.put("d", b"123456789")  # over max_bytes with the others: drops a and c
    assert len(cache) == 1 and cache.size_bytes == 9
    cache.put("huge", b"x" * 11)  # larger than the cache: not kept
    assert cache.get("huge") is None


# -- serve -------------------------------------------------------------------------------------
def test_serve_solves_in_one_process_per_core_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from crudeflow.cli import app as cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.setattr("crudeflow.cli.serve._cores", lambda: 3)
    args = ["serve", "--dataset", str(MINI), "--allow-host", "planner.lan"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (call,) = calls  # one front process (HTTP, plan cache); the solves queue for 3 processes
    web = call["app"]
    assert (call["host"], call["port"]) == ("127.0.0.1", 8000)
    assert web.state.solver_processes == 3 and web.state.gate.max_concurrent == 3
    assert web.state.network.meta.name == "mini"
    assert not web.state.solver_pool.started  # the processes start with the server, not here
    assert "with 3 workers" in result.output


def test_serve_accepts_ipv6_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from crudeflow.cli import app as cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    args = ["serve", "--dataset", str(MINI), "--host", "::1", "--workers", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert calls[0]["host"] == "::1"
    assert "http://[::1]:8000/" in result.output


async def test_equal_bypass_requests_are_solved_once(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    calls: list[int] = []
    real = service.bypass

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "bypass", counting)
    app = create_app(network=toy_network())
    async with make_client(app) as c:
        a = await c.post("/api/bypass", json={"avoid": ["RU", "AZ"]})
        b = await c.post("/api/bypass", json={"avoid": ["az", "RU"]})
    assert a.status_code == 200 and a.content == b.content
    assert len(calls) == 1


async def test_repeated_request_bytes_are_answered_from_the_raw_cache(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    calls: list[int] = []
    real = service.plan

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "plan", counting)
    app = create_app(network=toy_network())
    body = b'{"avoid": ["RU"]}'
    headers = {"Content-Type": "application/json"}
    async with make_client(app) as c:
        first = await c.post("/api/plan", content=body, headers=headers)
        again = await c.post("/api/plan", content=body, headers=headers)
        bad = b'{"avoid": ["XX"]}'
        errors = [await c.post("/api/plan", content=bad, headers=headers) for _ in range(2)]
        foreign = await c.post(
            "/api/plan", content=body, headers={**headers, "Host": "evil.example"}
        )
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert app.state.raw_cache.hits == 1 and len(calls) == 1
    assert [r.status_code for r in errors] == [422, 422]  # errors are never kept
    assert len(app.state.raw_cache) == 1
    assert foreign.status_code == 400  # the Host check comes before any cached answer


@pytest.mark.slow  # starts `crudeflow serve` with solver processes
def test_serve_workers_solve_and_stop_together(tmp_path: Path) -> None:
    """A real server with 2 solver processes: plans are solved (each different), the other
    endpoints answer, SIGTERM stops the front and its solver processes."""
    import signal
    import socket as socket_
    import subprocess
    import sys
    import time

    import httpx

    with socket_.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crudeflow.cli import main; main()",
            "serve",
            "--dataset",
            str(MINI),
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                assert httpx.get(url + "/api/health", timeout=10).status_code == 200
                break
            except httpx.TransportError:
                time.sleep(0.2)
        children = _children(proc.pid)
        assert len(children) >= 2  # the solver processes (and multiprocessing's helper)
        route = httpx.get(url + "/api/network", timeout=10).json()["features"]
        rid = next(f["properties"]["id"] for f in route if f["properties"]["feature"] == "route")
        for i in range(4):
            body = {"capacity_overrides": {rid: 1.0 + i}}
            r = httpx.post(url + "/api/plan", json=body, timeout=60)
            assert r.status_code == 200 and r.json()["capacity_overrides"] == {rid: 1.0 + i}
        bad = {"requirements": ["via NOWHERE >= 1 Mt/yr"]}
        assert httpx.post(url + "/api/plan", json=bad, timeout=60).status_code == 422
    finally:
        proc.send_signal(signal.SIGTERM)  # graceful: the front shuts its solver pool down
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    gone_by = time.monotonic() + 15  # multiprocessing's resource tracker ends on its own
    while time.monotonic() < gone_by and [p for p in children if Path(f"/proc/{p}").exists()]:
        time.sleep(0.2)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out
