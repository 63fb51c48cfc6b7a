"""Limits that keep the server responsive: request body size and bounded, timed solves.

* :class:`BodySizeLimit` — ASGI middleware: 413 when ``Content-Length`` or the streamed body
  exceeds the limit. The body (at most the limit) is buffered before the app sees it.
* :class:`HostAllowList` — ASGI middleware: 400 ``host_not_allowed`` unless the ``Host``
  header names a loopback address (``127.0.0.1``, ``localhost``, ``::1``) or a configured
  name, so a page on another site cannot reach the API through DNS rebinding.
* :class:`SolveGate` — at most ``max_concurrent`` solves run at once, each in a worker thread
  so the event loop stays free; callers wait for a slot at most ``queue_timeout_s`` (then 503
  ``busy``) and for the answer at most ``time_limit_s`` (then 503 ``solve_time_limit``). A
  solve that outlives its caller keeps its slot until it ends, so the bound holds; HiGHS gets
  the same time limit, so it ends.
"""

from __future__ import annotations

import asyncio
import json
import math
import weakref
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crudeflow.web.errors import ApiError

__all__ = ["LOOPBACK_HOSTS", "BodySizeLimit", "HostAllowList", "SolveGate", "host_name"]

T = TypeVar("T")


async def _send_error(send: Send, status: int, type_: str, message: str) -> None:
    body = json.dumps({"error": {"type": type_, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Host names always accepted: the loopback addresses the server may listen on."""


def host_name(header: str) -> str:
    """The host of a ``Host`` header, lower-case, without port or IPv6 brackets.

    Examples
    --------
    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("::1"), host_name("a.b")
    ('localhost', '::1', '::1', 'a.b')
    """
    h = header.strip().lower()
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    if h.count(":") == 1:
        return h.split(":", 1)[0]
    return h  # a bare IPv6 address or a name without port


class HostAllowList:
    """ASGI middleware answering 400 ``host_not_allowed`` to a ``Host`` not in the list.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    allowed : iterable of str
        Accepted host names (without port), besides :data:`LOOPBACK_HOSTS`.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = frozenset(LOOPBACK_HOSTS) | {host_name(a) for a in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan; the app has no websockets
            await self.app(scope, receive, send)
            return
        hosts = [v for k, v in scope.get("headers", ()) if k == b"host"]
        name = host_name(hosts[0].decode("latin-1")) if len(hosts) == 1 else ""
        if name not in self.allowed:
            shown = name or "(none)"
            await _send_error(
                send,
                400,
                "host_not_allowed",
                f"Host {shown!r} is not served here; allowed: {', '.join(sorted(self.allowed))} "
                "(add names with `crudeflow serve --allow-host NAME`)",
            )
            return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """ASGI middleware rejecting request bodies larger than ``max_bytes`` with a JSON 413.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    max_bytes : int
        Largest accepted body, in bytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"request body exceeds {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_error(send, 400, "bad_request", "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await _send_error(send, 413, "body_too_large", too_large)
                    return
        chunks: list[bytes] = []
        size = 0
        disconnected: Message | None = None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = message
                break
            if message["type"] != "http.request":  # pragma: no cover - not in the ASGI spec
                continue
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, "body_too_large", too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if disconnected is not None:
                    return disconnected
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _consume(fut: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned future's exception so asyncio does not log it as lost."""
    if not fut.cancelled():
        fut.exception()


class SolveGate:
    """Run blocking solves in worker threads, at most ``max_concurrent`` at a time.

    Parameters
    ----------
    max_concurrent : int
        Solves that may run at once (worker threads).
    time_limit_s : float
        Seconds a caller waits for its solve once it runs.
    queue_timeout_s : float
        Seconds a caller waits for a free slot.
    max_waiting : int
        Callers that may wait for a slot; more are turned away (503 ``busy``).
    reject_delay_s : float
        Seconds a caller turned away for ``max_waiting`` waits for its 503 (no slot, no CPU:
        an idle wait). Clients that ignore ``Retry-After`` and ask again at once would
        otherwise keep the front busy turning them away, and the solves of the callers that
        do wait would crawl (400 such clients: 45,000 answers 503 in 20 s and 19 plans a
        second instead of ~250).
    runner : async callable, optional
        ``await runner(fn, *args)`` runs a solve elsewhere (e.g. in the solver processes of
        :class:`~crudeflow.web.solvers.SolverPool`); default: ``fn(*args)`` in one of
        ``max_concurrent`` worker threads of this process.
    """

    def __init__(
        self,
        max_concurrent: int,
        time_limit_s: float,
        *,
        queue_timeout_s: float,
        max_waiting: int,
        reject_delay_s: float = 1.0,
        runner: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if not (time_limit_s > 0 and math.isfinite(time_limit_s)):
            raise ValueError("time_limit_s must be a positive number of seconds")
        self.max_concurrent = max_concurrent
        self.time_limit_s = time_limit_s
        self.queue_timeout_s = queue_timeout_s
        self.max_waiting = max_waiting
        self.reject_delay_s = reject_delay_s
        self.running = 0
        self.waiting = 0
        self.peak_running = 0
        self._executor: ThreadPoolExecutor | None = None
        self._runner = runner
        # one semaphore per event loop (tests may drive one app from several loops)
        self._sems: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _semaphore(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        sem = self._sems.get(loop)
        if sem is None:
            sem = self._sems[loop] = asyncio.Semaphore(self.max_concurrent)
        return sem

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.max_concurrent, thread_name_prefix="crudeflow-solve"
            )
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker thread (or through the runner) once a slot is free;
        return its result.

        Raises
        ------
        ApiError
            503 ``busy`` when no slot frees up in time or too many callers wait, 503
            ``solve_time_limit`` when the solve takes longer than ``time_limit_s``.
        """
        loop = asyncio.get_running_loop()
        sem = self._semaphore(loop)
        retry = {"Retry-After": "1"}
        if sem.locked() and self.waiting >= self.max_waiting:
            await asyncio.sleep(self.reject_delay_s)  # a client asking again at once waits too
            raise ApiError(503, "busy", "too many plans are waiting; try again", headers=retry)
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_timeout_s):
                await sem.acquire()
        except TimeoutError:
            raise ApiError(
                503,
                "busy",
                f"no solve slot came free within {self.queue_timeout_s:g} s; try again",
                headers=retry,
            ) from None
        finally:
            self.waiting -= 1
        self.running += 1
        self.peak_running = max(self.peak_running, self.running)

        def release(_fut: asyncio.Future[T]) -> None:
            self.running -= 1
            sem.release()

        try:
            fut: asyncio.Future[T] = (
                loop.run_in_executor(self._pool(), fn, *args)
                if self._runner is None
                else asyncio.ensure_future(self._runner(fn, *args))
            )
        except BaseException:
            self.running -= 1
            sem.release()
            raise
        fut.add_done_callback(release)
        try:
            async with asyncio.timeout(self.time_limit_s):
                return await asyncio.shield(fut)
        except TimeoutError:
            fut.add_done_callback(_consume)
            raise ApiError(
                503,
                "solve_time_limit",
                f"the plan took longer than the {self.time_limit_s:g} s time limit",
                headers=retry,
            ) from None
        except asyncio.CancelledError:
            fut.add_done_callback(_consume)
            raise

    def close(self) -> None:
        """Stop the worker threads (running solves finish; queued ones are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
