"""``crudeflow serve``: the web app (planner page, runs page, JSON API) on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from crudeflow.cli._common import EXIT_DATA, EXIT_USAGE, DatasetOpt, app, console_err

_LOOPBACK = ("127.0.0.1", "localhost")


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

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
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
        int, typer.Option("--max-solves", min=1, max=64, help="Solves that run at once.")
    ] = 2,
    solve_time_limit: Annotated[
        float,
        typer.Option("--time-limit", min=0.1, max=600, help="Seconds a solve may take (503)."),
    ] = 10.0,
) -> None:
    """Serve the planner page and JSON API (OpenAPI at /openapi.json, docs at /docs)."""
    import signal

    import uvicorn

    if hasattr(signal, "SIGPIPE"):  # main() lets SIGPIPE end a CLI run; a server ignores it
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

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
    problem = port_problem("127.0.0.1", port)
    if problem is not None:
        console_err.print(f"error: cannot serve on 127.0.0.1:{port}: {problem}", markup=False)
        raise typer.Exit(EXIT_DATA)
    console_err.print(f"crudeflow: serving {title} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="info", access_log=False)
