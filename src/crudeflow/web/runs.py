"""The web app's runs: read the server's runs store, and run one small risk run at a time.

* Reading (:meth:`WebRuns.list_runs`, :meth:`WebRuns.view`) opens the store read-only for each
  request and closes it at once; within a server process every store access holds one lock,
  so a page's read never meets the process's own writer half-open. Another process writing
  the file (a ``crudeflow risk`` run) makes a read wait up to :data:`READ_WAIT_S`, then 503.
* A run started from the page (:meth:`WebRuns.start`) computes in a background thread of the
  process that received it and writes the store only when it has finished (all its batches
  in one short write), so the file is locked for a moment, not for the whole run. At most one
  run goes at a time per server: the run holds an exclusive ``flock`` on a lock file next to
  the store, which every worker process of ``crudeflow serve`` sees. Its progress is a small
  JSON file next to the store, written atomically, so any worker process answers the polls.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crudeflow.errors import CrudeflowError, StoreError
from crudeflow.web.errors import ApiError

__all__ = ["READ_WAIT_S", "WEB_BATCH_SIZE", "WebRuns"]

READ_WAIT_S = 5.0
"""Seconds a read waits for a store another process is writing, before 503 ``store_busy``."""
WEB_BATCH_SIZE = 100
"""Draws per batch of a run started from the page (part of the seed; small for progress)."""

_STORE_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _store_lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _STORE_LOCKS.setdefault(path, threading.Lock())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _store_error(exc: StoreError) -> ApiError:
    message = str(exc)
    if "in use by" in message:
        return ApiError(503, "store_busy", message)
    if message.startswith("no run "):
        return ApiError(404, "run_not_found", message)
    return ApiError(500, "store_error", message)


class WebRuns:
    """The runs of one server: its store file, and the run it may be computing.

    Parameters
    ----------
    store : Path
        The runs store file (it need not exist yet: a finished run creates it).
    dataset : str
        The server's dataset folder for runs (``""``: the built-in dataset), or None when the
        server's network has no folder (runs cannot be started then).
    """

    def __init__(self, store: Path, dataset: str | None) -> None:
        self.store = store.resolve() if store.parent.exists() else store.absolute()
        self.dataset = dataset
        base = self.store.parent / f".{self.store.name}"
        self.lock_path = Path(f"{base}.web-run.lock")
        self.status_path = Path(f"{base}.web-run.json")
        self._pool: ThreadPoolExecutor | None = None
        self._lock_file: IO[bytes] | None = None

    # -- reading ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        from crudeflow.store import RunsStore

        with _store_lock(self.store):
            try:
                store = RunsStore(self.store, read_only=True, wait_s=READ_WAIT_S)
            except StoreError as exc:
                raise _store_error(exc) from None
            try:
                yield store
            except StoreError as exc:
                raise _store_error(exc) from None
            finally:
                store.close()

    def list_runs(self) -> list[dict[str, Any]]:
        """Every stored run, newest first (``[]`` when the store does not exist yet)."""
        if not self.store.is_file():
            return []
        with self._open() as store:
            infos = store.list_runs()
        out = []
        for info in reversed(infos):
            d = info.to_dict()
            total = max(int(d["n_batches_total"]), 1)
            out.append(
                {
                    "id": info.run_id,
                    "title": ", ".join(_label(s) for s in info.scenarios) or "base",
                    "created_at": info.created_at,
                    # a run no process writes (we could read the file) was interrupted
                    "status": "interrupted" if info.status == "running" else info.status,
                    "scenarios": [_label(s) for s in info.scenarios],
                    "draws": info.draws,
                    "draws_stored": info.n_draws_stored // max(len(info.scenarios), 1),
                    "seed": info.seed,
                    "progress": min(info.n_batches_done / total, 1.0),
                    "elapsed_s": info.elapsed_s,
                }
            )
        return out

    def view(self, run_id: str) -> dict[str, Any]:
        """A stored run's view and figures (what ``crudeflow report --run`` draws)."""
        from crudeflow.montecarlo.view import load_run_view
        from crudeflow.report.risk import figure_titles, risk_figures

        if not self.store.is_file():
            raise ApiError(404, "run_not_found", f"no run {run_id!r}: no runs store yet")
        with self._open() as store:
            view = load_run_view(store, run_id)
        out = view.to_dict()
        out["figures"] = risk_figures(view)
        out["figure_titles"] = figure_titles(view)
        return out

    # -- one run at a time ------------------------------------------------------------------
    def _try_lock(self) -> IO[bytes] | None:
        f = open(self.lock_path, "ab")  # noqa: SIM115 - held for the run's duration
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return None
        return f

    def _write_status(self, status: dict[str, Any]) -> None:
        tmp = self.status_path.with_name(f"{self.status_path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        os.replace(tmp, self.status_path)

    def status(self) -> dict[str, Any]:
        """The server's latest page-started run: ``idle``, ``running``, ``done`` or ``failed``."""
        try:
            status: dict[str, Any] = json.loads(self.status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"state": "idle"}
        if status.get("state") in ("running", "saving") and self._lock_file is None:
            probe = self._try_lock()
            if probe is not None:  # nobody holds it: the process running it has gone
                fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
                probe.close()
                status = {
                    **status,
                    "state": "failed",
                    "error": "the server stopped while this run was computing; start it again",
                }
        return status

    def start(
        self, scenarios: list[str], draws: int, seed: int, *, check: Callable[[], None]
    ) -> dict[str, Any]:
        """Start a run in the background; 409 ``run_in_progress`` while another one goes."""
        from crudeflow.montecarlo.engine import RunSpec

        if self.dataset is None:
            raise ApiError(
                422, "runs_unavailable", "this server's network has no dataset folder to run"
            )
        if not self.store.parent.is_dir():
            raise ApiError(
                500, "store_error", f"cannot create runs store {self.store}: no such folder"
            )
        check()
        lock = self._try_lock()
        if lock is None:
            current = self.status()
            raise ApiError(
                409,
                "run_in_progress",
                "a run is already computing on this server "
                f"({current.get('draws_done', 0)} of {current.get('draws_total', '?')} draws); "
                "wait for it to finish",
            )
        try:
            spec = RunSpec(
                scenarios=tuple(scenarios) if scenarios else ("",),
                dataset=self.dataset,
                seed=seed,
                draws=draws,
                batch_size=WEB_BATCH_SIZE,
                attribution=True,
                attribution_draws=0,
            ).resolved()
        except (CrudeflowError, ValueError) as exc:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
            lock.close()
            raise ApiError(422, "scenario_error", str(exc)) from None
        status: dict[str, Any] = {
            "state": "running",
            "job_id": secrets.token_hex(4),
            "started_at": _now(),
            "scenarios": [_label(s) for s in spec.scenarios],
            "draws": draws,
            "seed": seed,
            "draws_done": 0,
            "draws_total": draws * len(spec.scenarios),
            "run_id": None,
            "error": None,
        }
        self._lock_file = lock
        try:
            self._write_status(status)
            if self._pool is None:  # one thread: the engine's models stay built between runs
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crudeflow-run")
            self._pool.submit(self._run, spec, status)
        except BaseException:
            self._lock_file = None
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
            lock.close()
            raise
        return status

    def _run(self, spec: Any, status: dict[str, Any]) -> None:
        from crudeflow.montecarlo.results import BatchResult
        from crudeflow.montecarlo.run import run_risk
        from crudeflow.store import RunsStore

        batches: list[BatchResult] = []
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.2 or done >= total:
                last[0] = now
                self._write_status({**status, "draws_done": done, "draws_total": total})

        try:
            run = run_risk(spec, on_batch=batches.append, progress=progress, keep_events=False)
            self._write_status({**status, "draws_done": status["draws_total"], "state": "saving"})
            extras = {"until_se": None, "shut_in_threshold_mt": 5.0, "source": "web"}
            with _store_lock(self.store), RunsStore(self.store) as store:
                run_id = store.create_run({**spec.to_dict(), **extras})
                for b in batches:
                    store.append_batch(run_id, b)
                store.finish_run(run_id, "done", json.dumps(run.to_dict()), run.elapsed_s)
            final = {**status, "state": "done", "run_id": run_id}
            final["draws_done"] = final["draws_total"]
            self._write_status(final)
        except Exception as exc:  # reported to the page; the server goes on
            self._write_status({**status, "state": "failed", "error": str(exc)})
        finally:
            lock, self._lock_file = self._lock_file, None
            if lock is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
                lock.close()

    def wait(self, timeout_s: float = 600.0) -> dict[str, Any]:
        """Block until the run this process started has ended (tests, shutdown)."""
        deadline = time.monotonic() + timeout_s
        while self._lock_file is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.status()

    def close(self) -> None:
        """Wait for a run in progress to be stored, and end the run thread."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def _label(ref: str) -> str:
    from crudeflow.montecarlo.engine import scenario_label

    return scenario_label(ref)
