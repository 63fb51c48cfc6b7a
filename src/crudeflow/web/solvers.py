"""Solver processes: one queue of solves shared by every core, each process warm.

``crudeflow serve`` on several cores runs one front process (HTTP, checks, the plan cache)
and a pool of solver processes (:class:`SolverPool`). Each solver process loads the dataset
once and then takes the next solve from one queue, so no process idles while
another has a backlog: requests are balanced one by one, not connection by connection (the
kernel spreads keep-alive connections unevenly over processes that each accept their own,
and the busier process then sets the slowest answers). A solver process solves one plan at
a time, so it keeps the LPs it built and their HiGHS sessions for the next plans that differ
from the dataset only in route capacities (:mod:`crudeflow.solve.warm`: the same answers,
without building the LP again).

A task is a module-level function ``fn(network, *args) -> bytes`` (picklable by name).
:func:`run_task` runs it on the process's network and returns ``("ok", bytes)``, or the
HTTP error the library error maps to as plain values (library exceptions do not all survive
pickling); :func:`unwrap` turns that back into the bytes or the :class:`ApiError` in the
front process.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> _init(toy_network(), None)
>>> def echo(network, text):
...     return f"{network.meta.name}: {text}".encode()
>>> unwrap(run_task(echo, "hi"))
b'toy: hi'
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from crudeflow.errors import CrudeflowError
from crudeflow.network.model import Network
from crudeflow.web.errors import ApiError, from_library_error

__all__ = ["Outcome", "SolverPool", "run_task", "unwrap"]

Outcome = tuple[Any, ...]
"""``("ok", bytes)`` or ``("error", status, type, message, headers, extra)``."""

_network: Network | None = None


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in a solver process
    """End this solver process once the front process is gone (killed, not shut down)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _init(network: Network | str | None, parent: int | None) -> None:
    """Solver process initializer: load the network once and solve its base plan (imports
    the solver, fills the network's caches); Ctrl-C is the front's to handle.

    ``network`` is a loaded network, a dataset folder, or ``""`` for the built-in dataset.
    """
    global _network
    if isinstance(network, Network):
        _network = network
    else:
        from crudeflow.network.load import load_dataset

        _network = load_dataset(Path(network) if network else None)
    if parent is not None:  # in a solver process (not a doctest)
        from crudeflow.solve.plan import plan
        from crudeflow.web.service import keep_models_warm

        keep_models_warm(_network)  # one solve at a time here: built LPs are reused
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front shuts the pool down
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
        plan(_network)


def run_task(fn: Callable[..., bytes], *args: Any) -> Outcome:
    """``fn(network, *args)`` on this process's network, with errors as plain values."""
    if _network is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("solver process without a network")
    try:
        return ("ok", fn(_network, *args))
    except CrudeflowError as exc:
        err = from_library_error(exc)
    except ApiError as exc:
        err = exc
    return ("error", err.status, err.type, err.message, err.headers, err.extra)


def unwrap(outcome: Outcome) -> bytes:
    """The answer's bytes, or raise the :class:`ApiError` the solver process reported."""
    if outcome[0] == "ok":
        return bytes(outcome[1])
    _, status, type_, message, headers, extra = outcome
    raise ApiError(status, type_, message, headers=headers, **extra)


def _serve_tasks(conn: Connection, network: Network | str, parent: int) -> None:
    """A solver process: get ready, say so, then answer tasks until the front closes the pipe."""
    _init(network, parent)  # pragma: no cover - runs in a solver process
    conn.send_bytes(b"ready")  # pragma: no cover
    while True:  # pragma: no cover
        try:
            fn, args = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            outcome = fn(*args)  # run_task(task, ...): errors as values
        except Exception:  # a bug, not bad input: the server log gets the traceback
            traceback.print_exc()
            outcome = ("error", 500, "internal_error", "unexpected server error; see the log")
            outcome += (None, {})
        conn.send_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))


class _Solver:
    """One solver process and the front's end of its pipe."""

    def __init__(self, proc: BaseProcess, conn: Connection) -> None:
        self.proc = proc
        self.conn = conn


class SolverPool:
    """``processes`` spawned solver processes behind one queue, driven from the event loop.

    The front writes a task to an idle process's pipe and reads the answer when the pipe
    turns readable (``loop.add_reader``): no helper threads in the front process, the least
    work per solve there. A task whose caller went away (time limit, disconnect) keeps its
    process until it ends, then the process takes the next task. A process that dies is
    replaced; its caller gets 503 ``solver_error``.

    Parameters
    ----------
    processes : int
        Solver processes (one solve at a time each).
    network : Network, Path or None
        A loaded network (pickled to each process), a dataset folder, or None for the
        built-in dataset.
    """

    def __init__(self, processes: int, network: Network | Path | None) -> None:
        self.processes = processes
        self._source: Network | str = (
            network if isinstance(network, Network) else str(network or "")
        )
        self._solvers: list[_Solver] = []
        self._idle: asyncio.Queue[_Solver] | None = None
        self._started: asyncio.Future[None] | None = None
        self._closed = False

    @property
    def started(self) -> bool:
        """Whether the processes were started (they start on the first :meth:`start`)."""
        return self._started is not None

    async def start(self) -> None:
        """Start the processes and wait until each is ready (its dataset loaded, its base plan
        solved); later calls return once that is done."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        self._idle = asyncio.Queue()
        await asyncio.gather(*(self._spawn() for _ in range(self.processes)))

    def _spawn(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        front, back = ctx.Pipe()
        proc = ctx.Process(target=_serve_tasks, args=(back, self._source, os.getpid()), daemon=True)
        proc.start()
        back.close()
        solver = _Solver(proc, front)
        self._solvers.append(solver)
        ready: asyncio.Future[None] = loop.create_future()

        def on_ready() -> None:
            loop.remove_reader(front.fileno())
            os.set_blocking(front.fileno(), True)  # uvloop's add_reader made it non-blocking
            try:
                front.recv_bytes()
            except (EOFError, OSError):
                ready.set_exception(RuntimeError("a solver process could not start"))
                return
            assert self._idle is not None
            self._idle.put_nowait(solver)
            ready.set_result(None)

        loop.add_reader(front.fileno(), on_ready)
        return ready

    async def run(self, fn: Callable[..., Outcome], *args: Any) -> Outcome:
        """``fn(*args)`` in the next free solver process; ``fn`` is :func:`run_task` (its
        first argument the task), so errors come back as values."""
        await self.start()
        assert self._idle is not None
        solver = await self._idle.get()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Outcome] = loop.create_future()

        def on_answer() -> None:
            loop.remove_reader(solver.conn.fileno())
            # uvloop's add_reader leaves the pipe non-blocking: a whole answer is read, the
            # rest of it may still be on its way
            os.set_blocking(solver.conn.fileno(), True)
            try:
                outcome = pickle.loads(solver.conn.recv_bytes())
            except (EOFError, OSError):
                outcome = ("error", 503, "solver_error", "a solver process ended; try again")
                outcome += ({"Retry-After": "1"}, {})
                self._replace(solver)
            else:
                assert self._idle is not None
                self._idle.put_nowait(solver)
            if not answer.done():  # the caller may have gone (time limit, disconnect)
                answer.set_result(outcome)

        try:
            solver.conn.send_bytes(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            self._idle.put_nowait(solver)
            raise
        loop.add_reader(solver.conn.fileno(), on_answer)
        return await answer

    def _replace(self, solver: _Solver) -> None:
        solver.conn.close()
        self._solvers.remove(solver)
        if not self._closed:
            self._spawn().add_done_callback(_consume)

    def close(self, timeout_s: float = 10.0) -> None:
        """End the processes: each ends once its pipe is closed (after the solve it is in)."""
        self._closed = True
        for solver in self._solvers:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(solver.conn.fileno())
            solver.conn.close()
        deadline = time.monotonic() + timeout_s
        for solver in self._solvers:
            solver.proc.join(max(deadline - time.monotonic(), 0.0))
            if solver.proc.is_alive():
                solver.proc.terminate()
                solver.proc.join(1.0)
        self._solvers.clear()


def _consume(fut: asyncio.Future[None]) -> None:
    """Retrieve a replacement's failure to start (the next caller waits for another)."""
    if not fut.cancelled():
        fut.exception()
