"""``crudeflow serve``: the web app (planner page, runs page, JSON API) on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from crudeflow.cli._common import EXIT_USAGE, DatasetOpt, app, console_err

_LOOPBACK = ("127.0.0.1", "localhost")


@app.command("serve")
def serve_cmd(
    dataset: DatasetOpt = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="TCP port.")] = 8000,
    max_concurrent_solves: Annotated[
        int, typer.Option("--max-solves", min=1, max=64, help="Solves that run at once.")
    ] = 2,
    solve_time_limit: Annotated[
        float,
        typer.Option("--time-limit", min=0.1, max=600, help="Seconds a solve may take (503)."),
    ] = 10.0,
) -> None:
    """Serve the planner page and JSON API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from crudeflow.web.app import create_app

    if host not in _LOOPBACK:
        console_err.print(
            f"error: --host {host}: crudeflow serve listens on loopback only (127.0.0.1)"
        )
        raise typer.Exit(EXIT_USAGE)
    web = create_app(
        dataset=dataset,
        max_concurrent_solves=max_concurrent_solves,
        solve_time_limit_s=solve_time_limit,
    )
    title = web.state.network.meta.title
    console_err.print(f"crudeflow: serving {title} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="info", access_log=False)
