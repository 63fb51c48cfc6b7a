"""Issue 8 item 20: solves in solver processes (one queue for all) answer exactly as solves
in threads do, errors included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from crudeflow.web.app import create_app
from crudeflow.web.errors import ApiError
from crudeflow.web.solvers import run_task, unwrap

pytestmark = pytest.mark.anyio

MINI = Path(__file__).parents[1] / "fixtures" / "mini"


def _client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=120)


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    if a.headers["content-type"].startswith("application/json"):
        ja, jb = a.json(), b.json()
        if isinstance(ja, dict):  # solve times differ from run to run
            ja.pop("timings_s", None)
            jb.pop("timings_s", None)
        assert ja == jb
    else:
        assert a.content == b.content


async def test_solver_processes_answer_as_threads_do(tmp_path: Path) -> None:
    threads = create_app(dataset=MINI, store=tmp_path / "a.duckdb")
    procs = create_app(dataset=MINI, store=tmp_path / "b.duckdb", solver_processes=1)
    net = threads.state.network
    rid = net.routes[0].id
    requests: list[tuple[str, dict[str, Any]]] = [
        ("/api/plan", {}),
        ("/api/plan", {"avoid": ["RU"], "capacity_overrides": {rid: 2.5}}),
        ("/api/plan", {"monthly": True}),
        ("/api/plan/export?format=csv", {"avoid": ["RU"]}),
        ("/api/plan", {"requirements": ["via NOWHERE >= 1 Mt/yr"]}),  # solver-side 422
        ("/api/plan", {"requirements": [f"route {rid} >= 900 Mt/yr"], "strict": True}),  # 409
        ("/api/bypass", {"avoid": ["RU"]}),
        ("/api/invest", {"requirements": []}),
    ]
    try:
        statuses = []
        async with _client(threads) as a, _client(procs) as b:
            for path, body in requests:
                ra = await a.post(path, json=body)
                rb = await b.post(path, json=body)
                _same(ra, rb)
                statuses.append(ra.status_code)
        assert statuses == [200, 200, 200, 200, 422, 409, 200, 200]
        assert procs.state.solver_pool.started  # the solver processes did the solving
    finally:
        procs.state.solver_pool.close()
        threads.state.gate.close()


async def test_solver_errors_cross_the_process_boundary_as_api_errors() -> None:
    from crudeflow.errors import InfeasiblePlanError
    from crudeflow.network.model import toy_network
    from crudeflow.web import solvers

    solvers._init(toy_network(), None)

    def infeasible(network: Any) -> bytes:
        raise InfeasiblePlanError("cannot meet x", ("x",))

    outcome = run_task(infeasible)
    json.dumps(outcome)  # plain values: they pickle and survive any exception class
    with pytest.raises(ApiError) as err:
        unwrap(outcome)
    assert (err.value.status, err.value.type, err.value.extra) == (
        409,
        "infeasible",
        {"shortfalls": ["x"]},
    )


async def test_a_solver_process_that_dies_is_replaced() -> None:
    """Its caller gets 503 solver_error; the next solve runs in a fresh process."""
    from crudeflow.web.solvers import SolverPool

    pool = SolverPool(1, MINI)
    try:
        await pool.start()
        first = pool._solvers[0].proc
        outcome = await pool.run(run_task, _die)
        assert outcome[:3] == ("error", 503, "solver_error")
        again = await pool.run(run_task, _name)
        assert unwrap(again) == b"mini" and pool._solvers[0].proc is not first
    finally:
        pool.close()
    assert not first.is_alive()


def _die(network: Any) -> bytes:
    import os

    os._exit(3)


def _name(network: Any) -> bytes:
    return str(network.meta.name).encode()


def _big(network: Any, n: int) -> bytes:
    return bytes([n % 251]) * 1_000_003


@pytest.mark.parametrize("anyio_backend", [pytest.param(("asyncio", {"use_uvloop": True}))])
async def test_solver_pool_answers_whole_on_uvloop(anyio_backend: Any) -> None:
    """uvicorn runs on uvloop when it is installed, and uvloop's ``add_reader`` leaves the
    pipe non-blocking: an answer larger than the pipe's buffer used to be read in part, the
    process counted as dead and its caller answered 503 (every avoid request under load)."""
    pytest.importorskip("uvloop")
    import asyncio

    from crudeflow.web.solvers import SolverPool

    pool = SolverPool(1, MINI)
    try:
        outcomes = await asyncio.gather(*(pool.run(run_task, _big, n) for n in range(6)))
        assert [unwrap(o) for o in outcomes] == [_big(None, n) for n in range(6)]
        assert len(pool._solvers) == 1  # never replaced
    finally:
        pool.close()
