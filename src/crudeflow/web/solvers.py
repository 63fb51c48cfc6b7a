"""Solver processes: one queue of solves shared by every core, each process warm.

``crudeflow serve`` on several cores runs one front process (HTTP, checks, the plan cache)
and a pool of solver processes. Each solver process loads the dataset once (its
initializer) and then takes the next solve from one queue, so no process idles while
another has a backlog: requests are balanced one by one, not connection by connection (the
kernel spreads keep-alive connections unevenly over processes that each accept their own,
and the busier process then sets the slowest answers).

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

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from crudeflow.errors import CrudeflowError
from crudeflow.network.model import Network
from crudeflow.web.errors import ApiError, from_library_error

__all__ = ["Outcome", "run_task", "solver_pool", "unwrap", "warm"]

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


def _pid(network: Network, hold_s: float) -> bytes:
    time.sleep(hold_s)  # long enough that the other tasks of a round go to other processes
    return str(os.getpid()).encode()


def solver_pool(processes: int, network: Network | Path | None) -> ProcessPoolExecutor:
    """A pool of ``processes`` spawned solver processes, each loading ``network`` once.

    ``network``: a loaded network (pickled to each process), a dataset folder, or None for
    the built-in dataset.
    """
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
    source: Network | str = network if isinstance(network, Network) else str(network or "")
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=ctx, initializer=_init, initargs=(source, os.getpid())
    )


def warm(pool: Executor, processes: int, timeout_s: float = 120.0) -> set[bytes]:
    """Start the solver processes and wait until each is ready (its initializer ran).

    Rounds of ``processes`` small tasks until that many processes have answered (or
    ``timeout_s``); returns the ids of the processes that answered.
    """
    seen: set[bytes] = set()
    deadline = time.monotonic() + timeout_s
    while len(seen) < processes and time.monotonic() < deadline:
        futures = [pool.submit(run_task, _pid, 0.05) for _ in range(processes)]
        seen |= {unwrap(f.result(timeout=timeout_s)) for f in futures}
    return seen
