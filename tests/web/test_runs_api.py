"""The runs API: stored runs, one run's charts (the library's figures, nothing recomputed),
and a small run started from the web (bounded, one at a time, with progress)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from crudeflow.montecarlo.view import load_run_view
from crudeflow.network.model import toy_network
from crudeflow.report.risk import figure_titles, risk_figures
from crudeflow.store import RunsStore
from crudeflow.web.app import create_app
from crudeflow.web.models import MAX_RUN_DRAWS
from crudeflow.web.service import encode_json
from tests.montecarlo.risk_helpers import store_run

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("runs") / "runs.duckdb"
    run_id, _ = store_run(path, scenarios=("base-2025",), draws=100, batch_size=50)
    return path, run_id


async def _wait_done(c: httpx.AsyncClient, timeout_s: float = 300) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    seen: list[str] = []
    while time.monotonic() < deadline:
        job = (await c.get("/api/runs/active")).json()
        seen.append(job["state"])
        if job["state"] in ("done", "failed"):
            job["_seen"] = seen
            return dict(job)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the run did not finish: {seen[-5:]}")


async def test_runs_lists_the_stored_runs_newest_first(
    stored: tuple[Path, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    path, run_id = stored
    async with make_client(create_app(store=path)) as c:
        r = await c.get("/api/runs")
    assert r.status_code == 200
    (row,) = r.json()
    assert row["id"] == run_id and row["status"] == "done"
    assert row["scenarios"] == ["base-2025"] and row["draws"] == row["draws_stored"] == 100
    assert row["progress"] == 1.0 and row["seed"] == 3


async def test_a_missing_store_lists_no_runs_and_is_not_created(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(store=tmp_path / "none.duckdb")) as c:
        assert (await c.get("/api/runs")).json() == []
        r = await c.get("/api/runs/20261202-000000-abcd")
    assert r.status_code == 404 and r.json()["error"]["type"] == "run_not_found"
    assert not (tmp_path / "none.duckdb").exists()


async def test_run_view_sends_the_library_figures_and_sentences(
    stored: tuple[Path, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    """The page computes nothing: the API's figures are risk_figures(load_run_view(...))."""
    path, run_id = stored
    async with make_client(create_app(store=path)) as c:
        r = await c.get(f"/api/runs/{run_id}")
    assert r.status_code == 200
    body = r.json()
    with RunsStore(path, read_only=True) as store:
        view = load_run_view(store, run_id)
    expected = json.loads(encode_json(risk_figures(view)))
    assert body["figures"] == expected
    assert body["figure_titles"] == figure_titles(view)
    assert body["sentences"] == list(view.sentences)
    assert body["labels"]["exports_lost"] == view.exports_lost_label
    assert set(body["figures"]) >= {"risk-exceed-exports", "risk-fan-0", "risk-hazards"}


async def test_unknown_run_is_404_with_did_you_mean(
    stored: tuple[Path, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    path, run_id = stored
    async with make_client(create_app(store=path)) as c:
        r = await c.get(f"/api/runs/{run_id[:-1]}x")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["type"] == "run_not_found" and run_id in err["message"]


async def test_start_a_small_run_then_see_progress_and_its_charts(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    store = tmp_path / "web.duckdb"
    async with make_client(create_app(store=store)) as c:
        r = await c.post("/api/runs", json={"scenarios": ["base-2025"], "draws": 200, "seed": 7})
        assert r.status_code == 202
        job = r.json()
        assert job["state"] == "running" and job["draws_total"] == 200
        # one run at a time per server
        again = await c.post("/api/runs", json={"draws": 10})
        assert again.status_code == 409
        assert again.json()["error"]["type"] == "run_in_progress"
        done = await _wait_done(c)
        assert done["state"] == "done", done
        assert done["draws_done"] == 200 and done["job_id"] == job["job_id"]
        assert "running" in done["_seen"]  # type: ignore[operator]
        listed = (await c.get("/api/runs")).json()
        assert [r["id"] for r in listed] == [done["run_id"]]
        view = (await c.get(f"/api/runs/{done['run_id']}")).json()
        assert view["run"]["spec"]["draws"] == 200 and view["run"]["spec"]["seed"] == 7
        assert "risk-fan-0" in view["figures"]
        # the server is free again
        r2 = await c.post("/api/runs", json={"draws": 20, "seed": 1})
        assert r2.status_code == 202
        assert (await _wait_done(c))["state"] == "done"
        assert len((await c.get("/api/runs")).json()) == 2


@pytest.mark.parametrize(
    ("body", "type_"),
    [
        ({"draws": MAX_RUN_DRAWS + 1}, "validation_error"),
        ({"draws": 0}, "validation_error"),
        ({"scenarios": ["a", "b", "c", "d"]}, "validation_error"),
        ({"scenarios": ["base-2026"]}, "scenario_error"),
        ({"seed": -1}, "validation_error"),
        ({"draws": 10, "workers": 8}, "validation_error"),
    ],
)
async def test_bad_run_requests_are_refused_before_any_work(
    tmp_path: Path,
    make_client: Callable[..., httpx.AsyncClient],
    body: dict[str, object],
    type_: str,
) -> None:
    store = tmp_path / "s.duckdb"
    async with make_client(create_app(store=store)) as c:
        r = await c.post("/api/runs", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["type"] == type_
        assert (await c.get("/api/runs/active")).json()["state"] == "idle"
    assert not store.exists()


async def test_unknown_preset_gets_did_you_mean(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(store=tmp_path / "s.duckdb")) as c:
        r = await c.post("/api/runs", json={"scenarios": ["base-2026"]})
    assert "did you mean base-2025?" in r.json()["error"]["message"]


async def test_a_network_without_a_folder_cannot_start_runs(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(network=toy_network(), store=tmp_path / "s.duckdb")) as c:
        r = await c.post("/api/runs", json={"draws": 10})
    assert r.status_code == 422 and r.json()["error"]["type"] == "runs_unavailable"


async def test_a_run_whose_server_died_reads_as_failed(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    """The status file says running but no process holds the run lock: it is not running."""
    store = tmp_path / "s.duckdb"
    (tmp_path / ".s.duckdb.web-run.json").write_text(
        json.dumps({"state": "running", "draws_done": 100, "draws_total": 500}), encoding="utf-8"
    )
    async with make_client(create_app(store=store)) as c:
        job = (await c.get("/api/runs/active")).json()
        assert job["state"] == "failed" and "stopped" in job["error"]
        r = await c.post("/api/runs", json={"draws": 10})  # and a new run may start
        assert r.status_code == 202
        assert (await _wait_done(c))["state"] == "done"


async def test_runs_api_keeps_the_host_allow_list(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(store=tmp_path / "s.duckdb")) as c:
        for method, path in (("GET", "/api/runs"), ("POST", "/api/runs"), ("GET", "/runs")):
            r = await c.request(method, path, headers={"Host": "evil.example"}, json={})
            assert r.status_code == 400, path
            assert r.json()["error"]["type"] == "host_not_allowed"
        head = await c.head("/runs")
        assert head.status_code == 200 and head.content == b""


async def test_the_runs_page_lists_no_placeholder(
    tmp_path: Path, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(store=tmp_path / "s.duckdb")) as c:
        html = (await c.get("/runs")).text
        index = (await c.get("/")).text
    assert 'id="start-form"' in html and "/static/plotly.min.js" in html
    assert f'max="{MAX_RUN_DRAWS}"' in html
    assert '<a href="/runs" id="nav-runs">' in index  # the link is no longer hidden
