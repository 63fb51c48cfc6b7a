"""Run a risk spec: batches on this process, local worker processes or a Dask cluster.

Batches are collected in a fixed order (batch 0 of every scenario, then batch 1, ...), so
the numbers, the stopping point of ``until_se`` and the summaries are the same whatever
executes them. A caller that stores batches passes ``on_batch`` (called once per finished
batch, in that order) and, to resume, ``done_batches`` (skipped) with the stored draws as
``prior_draws``.

Examples
--------
>>> run = run_risk(RunSpec(seed=4, draws=60, batch_size=30, year=2025))
>>> len(run.draws), run.summaries[0].scenario, run.stopped_early
(60, 'base', False)
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from crudeflow.errors import CrudeflowError
from crudeflow.montecarlo.engine import (
    ATTRIBUTION_COLUMNS,
    EVENT_COLUMNS,
    BatchResult,
    RunSpec,
    run_batch,
    warm_up,
)
from crudeflow.montecarlo.results import GROUP_PREFIX
from crudeflow.montecarlo.summary import (
    DEFAULT_SHUT_IN_THRESHOLD_MT,
    RiskSummary,
    relative_se,
    summarise,
)

__all__ = ["RiskRun", "run_risk", "usable_cores"]

Batch = tuple[int, int]
"""(scenario_index, batch_index)"""


def usable_cores() -> int:
    """The CPUs this process may run on: its affinity mask where the OS has one, else the
    machine's CPU count (the default number of local workers of ``crudeflow risk``).

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - no affinity masks (macOS, Windows)
        return os.cpu_count() or 1


def _start_method() -> str:
    """How local workers start: forked from this process where that is safe (Linux, Python
    < 3.12, no HiGHS instance created here yet), else spawned (a fresh interpreter that
    imports crudeflow and loads the dataset again: about 2 CPU-seconds a worker).

    A forked worker inherits the imported modules and the loaded dataset and builds its own
    models. HiGHS starts a thread pool on its first solve, which a forked child would inherit
    without the threads; the parent's other threads (DuckDB's, the progress bar's) are never
    used by a worker. Python 3.12 warns when a process with threads forks (and 3.14 no longer
    forks by default): spawn there. The numbers are the same either way."""
    from crudeflow.solve.highs import highs_created

    if (
        sys.platform == "linux"
        and sys.version_info < (3, 12)
        and "fork" in multiprocessing.get_all_start_methods()
        and not highs_created()
    ):
        return "fork"
    return "spawn"


def _worker_init(spec: RunSpec) -> None:
    """A local worker's initializer: build the models, and exit when the parent process
    dies (killed with -9, say: its workers would otherwise wait for batches for ever)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    warm_up(spec)


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent process has ended
    os._exit(1)


class _Handle(Protocol):
    def result(self) -> BatchResult: ...

    def cancel(self) -> bool: ...


@dataclass(frozen=True)
class RiskRun:
    """A finished run: the spec, every draw, the events, the attribution rows, summaries."""

    spec: RunSpec
    draws: pd.DataFrame
    events: pd.DataFrame
    attribution: pd.DataFrame
    summaries: tuple[RiskSummary, ...]
    draws_done: int
    """Draws per scenario in the summaries (fewer than ``spec.draws`` when ``until_se``
    stopped the run)."""
    stopped_early: bool
    elapsed_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "draws_done": self.draws_done,
            "stopped_early": self.stopped_early,
            "elapsed_s": self.elapsed_s,
            "summaries": [s.to_dict() for s in self.summaries],
        }


class _Done:
    def __init__(self, value: BatchResult) -> None:
        self._value = value

    def result(self) -> BatchResult:
        return self._value

    def cancel(self) -> bool:
        return False


class _Executor:
    """Submits ``run_batch`` calls: in this process, a process pool or a Dask client."""

    def __init__(self, spec: RunSpec, workers: int, scheduler: str | None, n_todo: int) -> None:
        self.spec = spec
        self.pool: ProcessPoolExecutor | None = None
        self.client: Any = None
        self.width = 1
        if scheduler:
            try:
                from distributed import Client
            except ImportError as exc:  # pragma: no cover - installed with crudeflow
                raise CrudeflowError("--scheduler needs dask.distributed") from exc
            try:
                self.client = Client(  # type: ignore[no-untyped-call]
                    scheduler, timeout=10, set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise CrudeflowError(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from exc
            self.width = max(1, sum(self.client.nthreads().values()))
        elif min(workers, n_todo) > 1:  # one batch to run (or none): in this process
            workers = min(workers, n_todo)
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context(_start_method()),
                initializer=_worker_init,
                initargs=(spec,),
            )
            self.width = workers

    def submit(self, b: Batch) -> _Handle:
        si, bi = b
        if self.client is not None:
            fut: _Handle = self.client.submit(
                run_batch, self.spec, si, bi, key=f"crudeflow-risk-{id(self)}-{si}-{bi}"
            )
            return fut
        if self.pool is not None:
            f: Future[BatchResult] = self.pool.submit(run_batch, self.spec, si, bi)
            return f
        return _Done(run_batch(self.spec, si, bi))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()


def run_risk(
    spec: RunSpec,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    until_se: float | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
    done_batches: Iterable[Batch] = (),
    prior_draws: pd.DataFrame | None = None,
    prior_attribution: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    shut_in_threshold_mt: float = DEFAULT_SHUT_IN_THRESHOLD_MT,
    keep_events: bool = True,
    keep_flows: bool = True,
) -> RiskRun:
    """Run every batch of ``spec`` (or until the stopping rule holds) and summarise.

    Parameters
    ----------
    spec : RunSpec
        The run (see :meth:`RunSpec.resolved` to fill in year and dataset hash).
    workers : int, optional
        Local worker processes (each builds its models once, in its initializer); None: one
        per usable core (:func:`usable_cores`). Never more than the batches to run: a run of
        one batch runs in this process. The numbers do not depend on it.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a Dask scheduler: run the batches on its workers.
    until_se : float, optional
        Stop after the first batch round at which the relative standard error of mean lost
        exports (:func:`~crudeflow.montecarlo.summary.relative_se`) is at most this (e.g.
        0.005); ``spec.draws`` is then the most draws run.
    on_batch : callable, optional
        Called with each new :class:`BatchResult`, in batch order (e.g. to store it).
    done_batches, prior_draws, prior_attribution
        Resume: batches already stored are not run again; their draws (and attribution rows)
        join the summary.
    progress : callable, optional
        ``progress(draws_done, draws_total)`` after each batch (draws of all scenarios).
    keep_events : bool
        Keep the events that struck in ``RiskRun.events`` (``on_batch`` sees them anyway);
        without them a run's memory is its per-draw table only.
    keep_flows : bool
        Keep the ``flow_mt__<group>`` columns in ``RiskRun.draws`` (``on_batch`` sees them
        anyway); without them a draw costs about 80 bytes, the columns the summaries need.
    """
    if workers is None:
        workers = usable_cores()
    if workers < 1:
        raise ValueError(f"workers: expected an integer >= 1, not {workers}")
    if until_se is not None and not until_se > 0:
        raise ValueError(f"until_se: expected a number > 0, not {until_se}")
    t0 = time.perf_counter()
    done = set(done_batches)
    n_sc = len(spec.scenarios)
    order = [(si, bi) for bi in range(spec.n_batches) for si in range(n_sc)]
    total = spec.draws * n_sc
    draws_parts: list[pd.DataFrame] = [] if prior_draws is None else [prior_draws]
    event_parts: list[pd.DataFrame] = []
    att_parts: list[pd.DataFrame] = [] if prior_attribution is None else [prior_attribution]
    count = sum(len(spec.batch_draws(bi)) for _, bi in done if bi < spec.n_batches)
    stopped_at: int | None = None
    executor = _Executor(spec, workers, scheduler, sum(b not in done for b in order))
    pending: collections.deque[tuple[Batch, _Handle | None]] = collections.deque()
    todo = iter(order)
    ahead = max(2 * executor.width, n_sc)

    def fill() -> None:
        while sum(h is not None for _, h in pending) < ahead:
            b = next(todo, None)
            if b is None:
                return
            pending.append((b, None if b in done else executor.submit(b)))

    try:
        fill()
        while pending:
            (si, bi), handle = pending.popleft()
            if handle is not None:
                try:
                    res = handle.result()
                except BrokenProcessPool as exc:
                    raise CrudeflowError(
                        f"a worker process died while running batch {bi} of scenario "
                        f"{si + 1} (out of memory or killed?): {exc}"
                    ) from exc
                draws_parts.append(res.draws if keep_flows else _summary_columns(res.draws))
                if keep_events:
                    event_parts.append(res.events)
                if len(res.attribution):
                    att_parts.append(res.attribution)
                if on_batch is not None:
                    on_batch(res)
                count += len(res.draws)
                if progress is not None:
                    progress(count, total)
            fill()
            last_of_round = si == n_sc - 1
            if until_se is not None and last_of_round and bi < spec.n_batches - 1:
                current = pd.concat(draws_parts, ignore_index=True)
                current = current[current["draw"] < spec.batch_draws(bi).stop]
                if relative_se(current) <= until_se:
                    stopped_at = bi
                    for _, h in pending:
                        if h is not None:
                            h.cancel()
                    break
    finally:
        executor.close()
    draws = pd.concat(draws_parts, ignore_index=True)
    draws_parts.clear()  # the batches' frames are in ``draws`` now: free them
    events = (
        pd.concat(event_parts, ignore_index=True)
        if event_parts
        else pd.DataFrame({c: [] for c in EVENT_COLUMNS})
    )
    attribution = (
        pd.concat(att_parts, ignore_index=True)
        if att_parts
        else pd.DataFrame({c: [] for c in ATTRIBUTION_COLUMNS})
    )
    n_draws = spec.draws if stopped_at is None else spec.batch_draws(stopped_at).stop
    keep = (draws["draw"] < n_draws).to_numpy()
    if not keep.all():  # (a copy of every draw only when some are dropped)
        draws = draws[keep]
    draws = _ordered(draws, spec)
    events = events[events["draw"] < n_draws] if len(events) else events
    attribution = attribution[attribution["draw"] < n_draws] if len(attribution) else attribution
    return RiskRun(
        spec=spec,
        draws=draws,
        events=events.reset_index(drop=True),
        attribution=attribution.reset_index(drop=True),
        summaries=tuple(
            summarise(
                draws,
                attribution,
                shut_in_threshold_mt=shut_in_threshold_mt,
                attribution_draws=spec.attribution_draws,
            )
        ),
        draws_done=n_draws,
        stopped_early=stopped_at is not None,
        elapsed_s=time.perf_counter() - t0,
    )


def _summary_columns(draws: pd.DataFrame) -> pd.DataFrame:
    """A batch's draws without the route-group flows (a copy: the batch's frame can go).

    The explicit copy matters: with copy-on-write, pandas hands back a frame that still
    holds the batch's whole blocks (~165 bytes a draw kept instead of ~70). A batch from a
    worker process brings its own copy of each binding-month text; they are interned, so
    every batch shares one string per pattern."""
    out = draws[[c for c in draws.columns if not str(c).startswith(GROUP_PREFIX)]].copy()
    if "binding_months" in out.columns:
        codes, texts = pd.factorize(out["binding_months"].astype(object), sort=False)
        shared = np.array([sys.intern(str(t)) for t in texts] + [""], dtype=object)
        out["binding_months"] = pd.Series(shared[codes], index=out.index, dtype=object)
    return out


def _ordered(draws: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    """Draws sorted by scenario (spec order) then draw, whatever order batches arrived in."""
    from crudeflow.montecarlo.engine import scenario_label

    rank = {scenario_label(s): i for i, s in enumerate(spec.scenarios)}
    key = draws["scenario"].map(rank).astype("int64") * (spec.draws + 1) + draws["draw"]
    order = key.argsort(kind="stable").to_numpy()
    if (order == np.arange(order.size)).all():  # in order already (one scenario): no copy
        return draws.reset_index(drop=True)
    return draws.iloc[order].reset_index(drop=True)
