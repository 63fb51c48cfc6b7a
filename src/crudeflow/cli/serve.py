"""``crudeflow serve``: the web app (planner page, runs page, JSON API) on loopback."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Annotated

import typer

from crudeflow.cli._common import EXIT_DATA, EXIT_USAGE, DatasetOpt, app, console_err
from crudeflow.cli.runs import StoreOpt

if TYPE_CHECKING:
    from fastapi import FastAPI

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _cores() -> int:
    """CPU cores this process may use (the default number of server workers, as of risk
    workers)."""
    from crudeflow.montecarlo.run import usable_cores

    return usable_cores()


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served on (e.g. another program holds it), or None.

    Binds a socket the way uvicorn does (``SO_REUSEADDR``) and closes it again, so the
    message comes before the banner rather than as a log line after it.

    >>> import socket
    >>> with socket.socket() as busy:
    ...     busy.bind(("127.0.0.1", 0))
    ...     busy.listen()
    ...     print(port_problem("127.0.0.1", busy.getsockname()[1]))
    address already in use (another program is listening on it; choose another --port)
    """
    import errno

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "address already in use (another program is listening on it; choose another --port)"
            if exc.errno == errno.EACCES:
                return "permission denied (ports below 1024 need privileges; choose another --port)"
            return exc.strerror or str(exc)
    return None


@app.command("serve")
def serve_cmd(
    dataset: DatasetOpt = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="TCP port.")] = 8000,
    max_concurrent_solves: Annotated[
        int,
        typer.Option(
            "--max-solves",
            min=1,
            max=64,
            help="Solves that run at once in each worker process (a process computes on one "
            "core: more only interleave and stretch the slowest answers).",
        ),
    ] = 1,
    solve_time_limit: Annotated[
        float,
        typer.Option("--time-limit", min=0.1, max=600, help="Seconds a solve may take (503)."),
    ] = 10.0,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Solver processes: one front process answers HTTP and keeps the plan "
            "cache, and the solves queue for these (with 1: solved in the front process); "
            "default: one per CPU core.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Also accept this name in the Host header (repeatable); requests for "
            "other names get 400 (DNS rebinding). Loopback names are always accepted.",
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Serve the planner page and JSON API (OpenAPI at /openapi.json, docs at /docs).

    The runs page (/runs) lists the Monte Carlo runs of the runs store (--store, default
    ./crudeflow-runs.duckdb as for `crudeflow risk`), shows their charts, and starts small
    runs (at most 2,000 draws, one at a time) that it stores there.
    """
    import signal

    if hasattr(signal, "SIGPIPE"):  # main() lets SIGPIPE end a CLI run; a server ignores it
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    from crudeflow.web.app import create_app

    if host not in _LOOPBACK:
        console_err.print(
            f"error: --host {host}: crudeflow serve listens on loopback only "
            "(127.0.0.1, localhost or ::1)"
        )
        raise typer.Exit(EXIT_USAGE)
    bind = "127.0.0.1" if host == "localhost" else host
    n_workers = workers if workers is not None else _cores()
    # built now: a bad dataset fails here, once, with its message; the solver processes
    # start with the server (after the port check), each loading the dataset once
    web = create_app(
        dataset=dataset,
        max_concurrent_solves=max_concurrent_solves,
        solve_time_limit_s=solve_time_limit,
        allowed_hosts=list(allow_host or []),
        store=None if store is None else store.resolve(),
        solver_processes=n_workers if n_workers > 1 else 0,
    )
    title = web.state.network.meta.title
    problem = port_problem(bind, port)
    if problem is not None:
        console_err.print(f"error: cannot serve on {bind}:{port}: {problem}", markup=False)
        raise typer.Exit(EXIT_DATA)
    shown = f"[{bind}]" if ":" in bind else bind
    console_err.print(
        f"crudeflow: serving {title} on http://{shown}:{port}/ with {n_workers} "
        f"worker{'s' if n_workers > 1 else ''} (Ctrl-C stops)"
    )
    run_server(web, bind, port)


def run_server(web: FastAPI, bind: str, port: int) -> None:
    """uvicorn on ``bind:port`` until Ctrl-C or SIGTERM, then a graceful shutdown (the solver
    processes are shut down with the app) and a normal end: exit code 0.

    uvicorn re-raises the stop signal once it has shut down; the handlers set here take it
    as the normal end it is.
    """
    import signal

    import uvicorn

    def stopped(signum: int, frame: object) -> None:
        """The stop signal, re-raised by uvicorn after its graceful shutdown: nothing to do."""

    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, stopped) for sig in stops}
    try:
        uvicorn.run(web, host=bind, port=port, log_level="info", access_log=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
