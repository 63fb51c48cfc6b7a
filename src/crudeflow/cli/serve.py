"""``crudeflow serve``: the web app (planner page, runs page, JSON API) on loopback."""

from __future__ import annotations

import json
import os
import socket
from typing import Annotated

import typer

from crudeflow.cli._common import EXIT_DATA, EXIT_USAGE, DatasetOpt, app, console_err
from crudeflow.cli.runs import StoreOpt

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _cores() -> int:
    """CPU cores this process may use (the default number of server workers)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


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
    import socket

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
            help="Server processes (each with its own solves and plan cache); "
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

    import uvicorn

    if hasattr(signal, "SIGPIPE"):  # main() lets SIGPIPE end a CLI run; a server ignores it
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    from crudeflow.web.app import CONFIG_ENV, create_app

    if host not in _LOOPBACK:
        console_err.print(
            f"error: --host {host}: crudeflow serve listens on loopback only "
            "(127.0.0.1, localhost or ::1)"
        )
        raise typer.Exit(EXIT_USAGE)
    bind = "127.0.0.1" if host == "localhost" else host
    n_workers = workers if workers is not None else _cores()
    options = {
        "dataset": None if dataset is None else str(dataset.resolve()),
        "max_concurrent_solves": max_concurrent_solves,
        "solve_time_limit_s": solve_time_limit,
        "allowed_hosts": list(allow_host or []),
        "store": None if store is None else str(store.resolve()),
    }
    # built here too: a bad dataset fails now, once, with its message
    web = create_app(
        dataset=dataset,
        max_concurrent_solves=max_concurrent_solves,
        solve_time_limit_s=solve_time_limit,
        allowed_hosts=list(allow_host or []),
        store=None if store is None else store.resolve(),
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
    if n_workers == 1:
        uvicorn.run(web, host=bind, port=port, log_level="info", access_log=False)
        return
    os.environ[CONFIG_ENV] = json.dumps(options)  # read by each worker's app_from_env
    if hasattr(socket, "SO_REUSEPORT"):
        run_workers(bind, port, n_workers)
        return
    uvicorn.run(
        "crudeflow.web.app:app_from_env",
        factory=True,
        workers=n_workers,
        host=bind,
        port=port,
        log_level="info",
        access_log=False,
    )


def _listening_socket(bind: str, port: int) -> socket.socket:
    """A socket of its own for one worker, sharing the port with the others (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((bind, port))
    sock.listen(2048)
    return sock


def _worker(bind: str, port: int) -> None:  # pragma: no cover - runs in a child process
    import uvicorn

    config = uvicorn.Config(
        "crudeflow.web.app:app_from_env",
        factory=True,
        log_level="info",
        access_log=False,
    )
    uvicorn.Server(config).run(sockets=[_listening_socket(bind, port)])


def run_workers(bind: str, port: int, n_workers: int) -> None:
    """Serve with ``n_workers`` processes, each listening on its own SO_REUSEPORT socket.

    Why not uvicorn's ``workers=``: its processes share one listening socket, and a burst of
    keep-alive connections is mostly accepted by one of them, so the other cores idle (measured:
    two workers served 85 requests/s where one served 78). With a socket each, the kernel
    spreads new connections over the processes. Ctrl-C stops every worker (each shuts down
    gracefully) and then the command.
    """
    import multiprocessing
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (kill, a supervisor) stops the workers as Ctrl-C does

    ctx = multiprocessing.get_context("spawn")  # the settings travel in $CRUDEFLOW_WEB_CONFIG
    procs = [ctx.Process(target=_worker, args=(bind, port)) for _ in range(n_workers)]
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            if proc.pid is not None:
                proc.join(timeout=30)
        signal.signal(signal.SIGTERM, previous)
