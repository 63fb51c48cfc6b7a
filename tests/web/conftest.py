"""Fixtures for the web app: apps on the mini dataset, in-process clients, a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from crudeflow.web.app import create_app

MINI = Path(__file__).parents[1] / "fixtures" / "mini"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def mini_app(tmp_path: Path) -> FastAPI:
    """The app on the mini test dataset with default limits (and an empty runs store)."""
    return create_app(dataset=MINI, store=tmp_path / "runs.duckdb")


def client_for(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    """An in-process client (no socket) for ``app``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=30)


@pytest.fixture
def make_client() -> Callable[..., httpx.AsyncClient]:
    """Factory of in-process clients: ``make_client(app, raise_app_exceptions=True)``."""
    return client_for


@pytest.fixture
async def client(mini_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(mini_app) as c:
        yield c


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on the default dataset, served on 127.0.0.1 with a free port (and an empty
    runs store)."""
    store = tmp_path_factory.mktemp("store") / "runs.duckdb"
    with LiveServer(create_app(store=store)) as server:
        yield server
