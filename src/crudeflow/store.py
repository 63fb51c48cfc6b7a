"""The runs store: Monte Carlo runs and their per-draw results in one embedded DuckDB file.

This is the only module that imports :mod:`duckdb`. The tables, their columns and units, the
resume semantics and the locking rules are documented in ``docs/runs-store.md``.

- Every batch is written in **one transaction** (its draws, route-group flows and events, the
  ``batches`` row and the run's ``n_batches_done``), so a process killed at any moment, even
  with ``kill -9``, leaves every batch either wholly stored or wholly absent.
- Appending a batch already stored is a no-op, so a resumed run can simply re-offer batches.
- DuckDB lets one process at a time open a file for writing (and no reader while it does).
  A second process waits up to ``wait_s`` seconds (default :data:`DEFAULT_WAIT_S`), retrying,
  then gets a :class:`~crudeflow.errors.StoreError` naming the file and the process holding it.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from crudeflow.montecarlo.results import EVENT_COLUMNS, BatchResult
>>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb"
>>> spec = {"scenarios": ["base-2025"], "dataset": "", "dataset_hash": "abc", "year": 2026,
...         "seed": 7, "draws": 2, "batch_size": 2, "foresight": "none", "code_version": "0.1.0"}
>>> draws = pd.DataFrame({"scenario": ["base-2025"] * 2, "draw": [0, 1],
...     "exported_mt": [80.0, 78.5], "shut_in_mt": [0.0, 1.5], "netback_musd": [9.0, 8.8],
...     "lost_exports_mt": [0.0, 1.5], "lost_netback_musd": [0.0, 0.2], "n_events": [0, 1],
...     "binding_months": ["", ""], "flow_mt__CPC": [60.0, 58.5]})
>>> with RunsStore(path) as store:
...     run_id = store.create_run(spec)
...     store.append_batch(run_id, BatchResult(draws, pd.DataFrame(columns=list(EVENT_COLUMNS)), 0, 0))
...     store.append_batch(run_id, BatchResult(draws, pd.DataFrame(columns=list(EVENT_COLUMNS)), 0, 0))
...     sorted(store.done_batches(run_id))
True
False
[(0, 0)]
>>> with RunsStore(path, read_only=True) as store:
...     list(store.load_draws(run_id)["flow_mt__CPC"])
[60.0, 58.5]
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from crudeflow.errors import StoreError
from crudeflow.montecarlo.results import (
    ATTRIBUTION_COLUMNS,
    DRAW_COLUMNS,
    EVENT_COLUMNS,
    GROUP_PREFIX,
    BatchResult,
)

__all__ = [
    "DEFAULT_STORE",
    "DEFAULT_WAIT_S",
    "SCHEMA_VERSION",
    "STATUSES",
    "WRITER_MEMORY_LIMIT",
    "WRITER_THREADS",
    "RunInfo",
    "RunsStore",
]

#: The store a CLI command uses without ``--store``: a file in the working folder.
DEFAULT_STORE = Path("crudeflow-runs.duckdb")
#: Seconds a second process waits for the store's lock before giving up with a StoreError.
DEFAULT_WAIT_S = 10.0
#: DuckDB's memory cap in a process that writes the store (its cache of table blocks would
#: otherwise grow towards 80% of the machine's RAM over a long run; big queries spill to disk).
WRITER_MEMORY_LIMIT = "128MB"
#: DuckDB's threads in a process that writes the store: a batch's inserts are a few thousand
#: rows, which a second thread only slows (and a run's solver processes want the cores).
WRITER_THREADS = 1
#: Version of the table layout written by this code (``schema_version`` table).
SCHEMA_VERSION = 1
#: The statuses a run can have.
STATUSES: tuple[str, ...] = ("running", "done", "failed", "interrupted")

# DuckDB's words for a file that is not, or no longer, a readable database.
_DAMAGED = ("not a valid DuckDB database", "Could not read enough bytes", "Corrupt database")
_SPEC_KEYS = ("dataset_hash", "seed", "draws", "batch_size", "code_version")
_FLOAT_DRAW_COLUMNS = (
    "exported_mt",
    "shut_in_mt",
    "netback_musd",
    "lost_exports_mt",
    "lost_netback_musd",
)

# The leading columns of the events and attribution tables: a row per (batch row, hazard).
_BY_HAZARD = """run_id VARCHAR NOT NULL,
    scenario_index INTEGER NOT NULL,
    batch_index INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    draw BIGINT NOT NULL,
    hazard VARCHAR NOT NULL"""
# Added to schema version 1 later (see _OPTIONAL_TABLES), hence IF NOT EXISTS.
_DRAW_MONTHS = """CREATE TABLE IF NOT EXISTS draw_months (
    run_id VARCHAR NOT NULL,
    scenario_index INTEGER NOT NULL,
    draw BIGINT NOT NULL,
    month INTEGER NOT NULL,
    exported_mt DOUBLE
)"""

_SCHEMA = f"""
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    written_at TIMESTAMP NOT NULL
);
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    spec_json VARCHAR NOT NULL,
    dataset_hash VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    draws BIGINT NOT NULL,
    batch_size BIGINT NOT NULL,
    code_version VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ({", ".join(f"'{s}'" for s in STATUSES)})),
    n_batches_done BIGINT NOT NULL,
    elapsed_s DOUBLE NOT NULL,
    summary_json VARCHAR
);
CREATE TABLE batches (
    run_id VARCHAR NOT NULL,
    scenario_index INTEGER NOT NULL,
    batch_index INTEGER NOT NULL,
    n_draws INTEGER NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, scenario_index, batch_index)
);
CREATE TABLE draws (
    run_id VARCHAR NOT NULL,
    scenario_index INTEGER NOT NULL,
    batch_index INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    draw BIGINT NOT NULL,
    exported_mt DOUBLE,
    shut_in_mt DOUBLE,
    netback_musd DOUBLE,
    lost_exports_mt DOUBLE,
    lost_netback_musd DOUBLE,
    n_events BIGINT,
    binding_months VARCHAR
);
CREATE TABLE draw_groups (
    run_id VARCHAR NOT NULL,
    scenario_index INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    draw BIGINT NOT NULL,
    grp VARCHAR NOT NULL,
    grp_index INTEGER NOT NULL,
    flow_mt DOUBLE
);
CREATE TABLE events (
    {_BY_HAZARD},
    start_day DOUBLE,
    duration_days DOUBLE,
    fraction_lost DOUBLE
);
{_DRAW_MONTHS};
CREATE TABLE attribution (
    {_BY_HAZARD},
    lost_exports_mt DOUBLE,
    lost_netback_musd DOUBLE
);
"""
_TABLES = frozenset(
    {"schema_version", "runs", "batches", "draws", "draw_groups", "events", "attribution"}
)
# Added to schema version 1 later (stores written before lack it; a writer adds it, a reader
# treats it as empty). Older crudeflows ignore it, so it needs no new version number.
_OPTIONAL_TABLES = {"draw_months": _DRAW_MONTHS}


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    """A SQL quoted identifier."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One row of the ``runs`` table, with the counts of what is stored for it.

    ``created_at`` is ISO 8601 UTC; ``elapsed_s`` is the wall time the run has spent
    computing so far (summed over resumes); ``spec_json`` is the run's ``RunSpec.to_dict()``
    and ``summary_json`` the stored summary (None until the run finishes).

    Examples
    --------
    >>> info = RunInfo("r1", "2026-01-01T00:00:00Z", '{"scenarios": ["a", "b"], "draws": 5}',
    ...     "h", 1, 5, 2, "0.1.0", "done", 6, 1.5, None, 10, 3)
    >>> info.n_batches_total, info.spec["scenarios"], info.summary
    (6, ['a', 'b'], None)
    """

    run_id: str
    created_at: str
    spec_json: str
    dataset_hash: str
    seed: int
    draws: int
    batch_size: int
    code_version: str
    status: str
    n_batches_done: int
    elapsed_s: float
    summary_json: str | None
    n_draws_stored: int
    n_events_stored: int

    @property
    def spec(self) -> dict[str, Any]:
        """The run's spec, parsed."""
        value: dict[str, Any] = json.loads(self.spec_json)
        return value

    @property
    def summary(self) -> dict[str, Any] | None:
        """The stored summary, parsed (None when the run has none yet)."""
        if self.summary_json is None:
            return None
        value: dict[str, Any] = json.loads(self.summary_json)
        return value

    @property
    def scenarios(self) -> tuple[str, ...]:
        """The run's scenarios as named in its spec."""
        return tuple(str(s) for s in self.spec.get("scenarios", ()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the columns, with ``spec`` and ``summary`` parsed and the batch total.

        Examples
        --------
        >>> RunInfo("r1", "2026-01-01T00:00:00Z", '{"draws": 5}', "h", 1, 5, 5, "0.1.0",
        ...     "running", 0, 0.0, None, 0, 0).to_dict()["spec"]
        {'draws': 5}
        """
        return {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "status": self.status,
            "scenarios": list(self.scenarios),
            "seed": self.seed,
            "draws": self.draws,
            "batch_size": self.batch_size,
            "n_batches_done": self.n_batches_done,
            "n_batches_total": self.n_batches_total,
            "n_draws_stored": self.n_draws_stored,
            "n_events_stored": self.n_events_stored,
            "elapsed_s": self.elapsed_s,
            "dataset_hash": self.dataset_hash,
            "code_version": self.code_version,
            "spec": self.spec,
            "summary": self.summary,
        }

    @property
    def n_batches_total(self) -> int:
        """Batches a complete run has: scenarios x ceil(draws / batch_size)."""
        per_scenario = -(-self.draws // self.batch_size) if self.batch_size > 0 else 0
        return max(len(self.scenarios), 1) * per_scenario


_RUN_COLUMNS = (
    "run_id, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'), spec_json, dataset_hash, seed, draws, "
    "batch_size, code_version, status, n_batches_done, elapsed_s, summary_json"
)


class RunsStore:
    """A runs store file, opened for writing (the default) or reading.

    Parameters
    ----------
    path : path-like
        The DuckDB file (default :data:`DEFAULT_STORE` in the working folder). Opened for
        writing, it is created with the current schema when it does not exist.
    read_only : bool
        Open for reading only; the file must then exist.
    wait_s : float
        How long to wait, retrying with a growing pause (0.05 s doubling to 1 s), while another
        process holds the file, before raising :class:`~crudeflow.errors.StoreError`.

    Raises
    ------
    StoreError
        The file is missing (read-only), not a DuckDB file, not a crudeflow runs store,
        written by a newer crudeflow, or locked by another process for longer than ``wait_s``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_STORE,
        *,
        read_only: bool = False,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._optional: set[str] = set()
        self._con: duckdb.DuckDBPyConnection | None = self._connect(wait_s)
        try:
            self._check_schema()
        except BaseException:
            self.close()
            raise

    # -- opening ----------------------------------------------------------------------------
    def _connect(self, wait_s: float) -> duckdb.DuckDBPyConnection:
        path = self.path
        if path.is_dir():
            raise StoreError(f"runs store {path} is a folder, not a file")
        if not path.exists():
            if self.read_only:
                raise StoreError(
                    f"no runs store at {path} (a `crudeflow risk` run creates it; "
                    "or point --store at an existing one)"
                )
            if not path.parent.is_dir():
                raise StoreError(
                    f"cannot create runs store {path}: folder {path.parent} does not exist"
                )
        deadline = time.monotonic() + max(wait_s, 0.0)
        pause = 0.05
        read_only = self.read_only
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only)
                con.execute("SET enable_progress_bar = false")  # keep stdout clean (--json)
                if not self.read_only:  # a long run's process: cap DuckDB's block cache
                    con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")
                    con.execute(f"SET threads = {int(WRITER_THREADS)}")
                return con
            except duckdb.Error as exc:
                message = str(exc)
                if "different configuration" in message:
                    if read_only:  # this process already writes the file: share its connection
                        read_only = False
                        continue
                    raise StoreError(
                        f"runs store {path} is open read-only elsewhere in this process; "
                        "close that RunsStore before writing"
                    ) from None
                if "could not set lock" not in message.lower():
                    raise self._open_error(exc) from None
                if time.monotonic() >= deadline:
                    pid = re.search(r"PID (\d+)", message)
                    holder = f"process {pid.group(1)}" if pid else "another process"
                    raise StoreError(
                        f"runs store {path} is in use by {holder} (a run is being written?); "
                        f"waited {wait_s:g} s. Try again when it finishes, or use another --store"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def _open_error(self, exc: duckdb.Error) -> StoreError:
        message = str(exc)
        if "Corrupt database" in message:
            return StoreError(
                f"{self.path} is not a crudeflow runs store or is damaged (DuckDB: {message})"
            )
        if any(text in message for text in _DAMAGED):
            return StoreError(
                f"{self.path} is not a crudeflow runs store (not a DuckDB database file)"
            )
        return StoreError(f"cannot open runs store {self.path}: {message}")

    def _check_schema(self) -> None:
        con = self._db()
        try:
            tables = {
                str(r[0])
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'main' AND table_catalog = current_database()"
                ).fetchall()
            }
        except duckdb.Error as exc:
            raise self._open_error(exc) from None
        if not tables:
            if self.read_only:
                raise StoreError(f"{self.path} is an empty DuckDB file, not a crudeflow runs store")
            with self._errors("create the tables"):
                con.begin()
                con.execute(_SCHEMA)
                con.execute("INSERT INTO schema_version VALUES (?, ?)", [SCHEMA_VERSION, _utcnow()])
                con.commit()
            self._optional = set(_OPTIONAL_TABLES)
            return
        if "schema_version" not in tables or not _TABLES.issubset(tables):
            raise StoreError(
                f"{self.path} is a DuckDB file but not a crudeflow runs store "
                f"(it has tables {', '.join(sorted(tables))})"
            )
        try:
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        except duckdb.Error as exc:
            raise self._open_error(exc) from None
        version = int(row[0]) if row and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"runs store {self.path} has schema version {version}, newer than this "
                f"crudeflow understands ({SCHEMA_VERSION}); upgrade crudeflow"
            )
        if version < SCHEMA_VERSION:  # pragma: no cover - no older schema exists yet
            raise StoreError(f"runs store {self.path} has schema version {version}: no migration")
        self._optional = {t for t in _OPTIONAL_TABLES if t in tables}
        missing = [t for t in _OPTIONAL_TABLES if t not in tables]
        if missing and not self.read_only:
            with self._errors("add the tables of this crudeflow"):
                con.begin()
                for t in missing:
                    con.execute(_OPTIONAL_TABLES[t])
                con.commit()
            self._optional |= set(missing)

    # -- context manager --------------------------------------------------------------------
    def __enter__(self) -> RunsStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (releases the lock). Safe to call twice."""
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"RunsStore({str(self.path)!r}, {mode})"

    def _db(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError(f"runs store {self.path} is closed")
        return self._con

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Run a block as one transaction step: DuckDB failures become StoreError."""
        try:
            yield
        except duckdb.Error as exc:
            self._rollback()
            if any(text in str(exc) for text in _DAMAGED):
                raise StoreError(
                    f"runs store {self.path} is damaged (cannot {action}): {exc}"
                ) from None
            raise StoreError(f"runs store {self.path}: cannot {action}: {exc}") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.rollback()

    # -- runs -------------------------------------------------------------------------------
    def create_run(self, spec: Mapping[str, Any]) -> str:
        """Record a new run (status 'running') from its spec dict; return its run id.

        The spec must carry ``dataset_hash``, ``seed``, ``draws``, ``batch_size`` and
        ``code_version`` (``RunSpec.to_dict()`` does); it is stored whole as ``spec_json``.
        """
        missing = [k for k in _SPEC_KEYS if k not in spec]
        if missing:
            raise ValueError(f"run spec lacks {', '.join(missing)}")
        con = self._writable()
        spec_json = json.dumps(dict(spec), sort_keys=True)
        with self._errors("create a run"):
            con.begin()
            now = _utcnow()
            while True:
                run_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
                if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
                    break
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', 0, 0.0, NULL)",
                [
                    run_id,
                    now,
                    spec_json,
                    str(spec["dataset_hash"]),
                    int(spec["seed"]),
                    int(spec["draws"]),
                    int(spec["batch_size"]),
                    str(spec["code_version"]),
                ],
            )
            con.commit()
        return run_id

    def _writable(self) -> duckdb.DuckDBPyConnection:
        if self.read_only:
            raise StoreError(f"runs store {self.path} is open read-only")
        return self._db()

    def _require_run(self, run_id: str) -> None:
        con = self._db()
        with self._errors("look up the run"):
            if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
                return
            rows = con.execute("SELECT run_id FROM runs ORDER BY created_at").fetchall()
        known = [str(r[0]) for r in rows]
        close = difflib.get_close_matches(run_id, known, n=3, cutoff=0.5)
        if close:
            hint = f"; did you mean {' or '.join(close)}?"
        elif known:
            shown = ", ".join(known[-5:])
            hint = f"; its runs: {shown}" + (
                " (and more: `crudeflow runs list`)" if len(known) > 5 else ""
            )
        else:
            hint = "; it has no runs yet"
        raise StoreError(f"no run {run_id!r} in runs store {self.path}{hint}")

    def finish_run(
        self, run_id: str, status: str, summary_json: str | None, elapsed_s: float
    ) -> None:
        """Set a run's status, stored summary (JSON text or None) and total elapsed seconds."""
        if status not in STATUSES:
            raise ValueError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
        con = self._writable()
        self._require_run(run_id)
        with self._errors("update the run"):
            con.begin()
            con.execute(
                "UPDATE runs SET status = ?, summary_json = ?, elapsed_s = ? WHERE run_id = ?",
                [status, summary_json, float(elapsed_s), run_id],
            )
            con.commit()

    def _infos(self, where: str, params: list[Any]) -> list[RunInfo]:
        con = self._db()
        rows = con.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY created_at, run_id", params
        ).fetchall()
        if not rows:
            return []
        ids = [str(r[0]) for r in rows]
        draws = dict(
            con.execute(
                "SELECT run_id, count(*) FROM draws WHERE list_contains(?, run_id) GROUP BY run_id",
                [ids],
            ).fetchall()
        )
        events = dict(
            con.execute(
                "SELECT run_id, count(*) FROM events WHERE list_contains(?, run_id) GROUP BY run_id",
                [ids],
            ).fetchall()
        )
        return [
            RunInfo(
                run_id=str(r[0]),
                created_at=str(r[1]),
                spec_json=str(r[2]),
                dataset_hash=str(r[3]),
                seed=int(r[4]),
                draws=int(r[5]),
                batch_size=int(r[6]),
                code_version=str(r[7]),
                status=str(r[8]),
                n_batches_done=int(r[9]),
                elapsed_s=float(r[10]),
                summary_json=None if r[11] is None else str(r[11]),
                n_draws_stored=int(draws.get(r[0], 0)),
                n_events_stored=int(events.get(r[0], 0)),
            )
            for r in rows
        ]

    def list_runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        with self._errors("list the runs"):
            return self._infos("", [])

    def get_run(self, run_id: str) -> RunInfo:
        """One run; a StoreError with 'did you mean' when the id is unknown."""
        self._require_run(run_id)
        with self._errors("read the run"):
            return self._infos("WHERE run_id = ?", [run_id])[0]

    # -- batches ----------------------------------------------------------------------------
    def done_batches(self, run_id: str) -> set[tuple[int, int]]:
        """The (scenario_index, batch_index) pairs committed for a run: what a resume skips."""
        self._require_run(run_id)
        with self._errors("read the committed batches"):
            rows = (
                self._db()
                .execute(
                    "SELECT scenario_index, batch_index FROM batches WHERE run_id = ?", [run_id]
                )
                .fetchall()
            )
        return {(int(s), int(b)) for s, b in rows}

    def append_batch(self, run_id: str, batch: BatchResult) -> bool:
        """Store one batch in one transaction; False (and nothing written) if already stored.

        The ``batches`` row, the draws, their route-group flows, the events and the run's
        ``n_batches_done`` are committed together or not at all.
        """
        _check_batch(batch)
        con = self._writable()
        scenario_index, batch_index = int(batch.scenario_index), int(batch.batch_index)
        with self._errors(f"store batch {batch_index} of scenario {scenario_index}"):
            con.begin()
            claimed = con.execute(
                "INSERT INTO batches SELECT ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM runs WHERE run_id = ?) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                [run_id, scenario_index, batch_index, len(batch.draws), _utcnow(), run_id],
            ).fetchone()
            if claimed is None:  # already stored, or no such run
                con.rollback()
                self._require_run(run_id)
                return False
            self._insert_rows(run_id, batch)
            con.commit()
        return True

    def _insert_rows(self, run_id: str, batch: BatchResult) -> None:
        """Insert a batch's draws, group flows and events; update the run's batch count."""
        con = self._db()
        key = f"{_lit(run_id)}, {int(batch.scenario_index)}"
        bkey = f"{key}, {int(batch.batch_index)}"
        floats = ", ".join(f"CAST({c} AS DOUBLE)" for c in _FLOAT_DRAW_COLUMNS)
        sql = [
            f"INSERT INTO draws SELECT {bkey}, CAST(scenario AS VARCHAR), CAST(draw AS BIGINT), "
            f"{floats}, CAST(n_events AS BIGINT), CAST(binding_months AS VARCHAR) FROM _cf_draws"
        ]
        long = _groups_frame(batch)
        if long is not None:
            _, scenarios, groups = long
            sql.append(
                f"INSERT INTO draw_groups SELECT {key}, {_list(scenarios)}[_cf_scenario + 1], "
                f"draw, {_list(groups)}[grp_index + 1], grp_index, flow_mt FROM _cf_groups"
            )
        events = batch.events
        if not events.empty:
            events = events.assign(_cf_seq=np.arange(len(events), dtype=np.int32))
            sql.append(
                f"INSERT INTO events SELECT {bkey}, CAST(_cf_seq AS INTEGER), "
                "CAST(scenario AS VARCHAR), CAST(draw AS BIGINT), CAST(hazard AS VARCHAR), "
                "CAST(start_day AS DOUBLE), CAST(duration_days AS DOUBLE), "
                "CAST(fraction_lost AS DOUBLE) FROM _cf_events"
            )
        attribution = batch.attribution
        if not attribution.empty:
            attribution = attribution.assign(_cf_seq=np.arange(len(attribution), dtype=np.int32))
            sql.append(
                f"INSERT INTO attribution SELECT {bkey}, CAST(_cf_seq AS INTEGER), "
                "CAST(scenario AS VARCHAR), "
                "CAST(draw AS BIGINT), CAST(hazard AS VARCHAR), "
                "CAST(lost_exports_mt AS DOUBLE), CAST(lost_netback_musd AS DOUBLE) "
                "FROM _cf_attribution"
            )
        months = _months_frame(batch)
        if months is not None:
            sql.append(
                f"INSERT INTO draw_months SELECT {key}, CAST(draw AS BIGINT), "
                "CAST(month AS INTEGER), CAST(exported_mt AS DOUBLE) FROM _cf_months"
            )
        sql.append(
            f"UPDATE runs SET n_batches_done = n_batches_done + 1 WHERE run_id = {_lit(run_id)}"
        )
        if months is not None:
            con.register("_cf_months", months)
        if long is not None:
            con.register("_cf_groups", long[0])
        con.register("_cf_draws", batch.draws)
        con.register("_cf_events", events)
        con.register("_cf_attribution", attribution)
        try:
            con.execute(";\n".join(sql))
        finally:
            con.unregister("_cf_draws")
            con.unregister("_cf_events")
            con.unregister("_cf_attribution")
            if months is not None:
                con.unregister("_cf_months")
            if long is not None:
                con.unregister("_cf_groups")

    # -- reading back -----------------------------------------------------------------------
    def _groups(self, run_id: str) -> list[str]:
        rows = (
            self._db()
            .execute(
                "SELECT grp FROM draw_groups WHERE run_id = ? GROUP BY grp "
                "ORDER BY min(grp_index), grp",
                [run_id],
            )
            .fetchall()
        )
        return [str(r[0]) for r in rows]

    def _draws_sql(self, run_id: str) -> str:
        rid = _lit(run_id)
        base = ", ".join(f"d.{c}" for c in DRAW_COLUMNS)
        groups = self._groups(run_id)
        if not groups:
            return f"SELECT {base} FROM draws d WHERE d.run_id = {rid} ORDER BY d.scenario_index, d.draw"
        pivot = ", ".join(
            f"first(flow_mt) FILTER (WHERE grp = {_lit(g)}) AS {_ident(GROUP_PREFIX + g)}"
            for g in groups
        )
        picked = ", ".join(f"g.{_ident(GROUP_PREFIX + g)}" for g in groups)
        return (
            f"SELECT {base}, {picked} FROM draws d LEFT JOIN ("
            f"SELECT scenario_index, draw, {pivot} FROM draw_groups WHERE run_id = {rid} "
            "GROUP BY scenario_index, draw) g "
            "ON d.scenario_index = g.scenario_index AND d.draw = g.draw "
            f"WHERE d.run_id = {rid} ORDER BY d.scenario_index, d.draw"
        )

    def _events_sql(self, run_id: str) -> str:
        cols = ", ".join(EVENT_COLUMNS)
        return (
            f"SELECT {cols} FROM events WHERE run_id = {_lit(run_id)} "
            "ORDER BY scenario_index, batch_index, seq"
        )

    def load_draws(self, run_id: str) -> pd.DataFrame:
        """Every stored draw of a run, wide (one ``flow_mt__<group>`` column per group).

        Rows are ordered by scenario (spec order) then draw, so the frame equals the
        concatenation of the run's ``BatchResult.draws`` in that order, whatever order the
        batches were committed in.
        """
        self._require_run(run_id)
        with self._errors("read the draws"):
            frame = self._db().execute(self._draws_sql(run_id)).df()
        return _tidy(frame)

    def iter_draws(self, run_id: str, *, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """The frame of :meth:`load_draws` in pieces of about ``chunk_rows`` rows, in order.

        For runs too big to hold whole in memory (a million draws is ~1 GB as one frame with
        DuckDB's working copies): summarise piece by piece. ``pd.concat`` of the pieces
        equals :meth:`load_draws`.
        """
        self._require_run(run_id)
        vectors = max(1, -(-chunk_rows // 2048))  # DuckDB hands results over 2,048 rows at a time
        con = self._db()
        with self._errors("read the draws"):
            cursor = con.execute(self._draws_sql(run_id))
            while True:
                frame = cursor.fetch_df_chunk(vectors)
                if frame.empty:
                    break
                yield _tidy(frame)

    def load_attribution(self, run_id: str) -> pd.DataFrame:
        """Every stored attribution row of a run (a draw's losses without one hazard), in the
        order the batches made them (scenario, batch, position in the batch)."""
        self._require_run(run_id)
        cols = ", ".join(ATTRIBUTION_COLUMNS)
        with self._errors("read the attribution"):
            frame = (
                self._db()
                .execute(
                    f"SELECT {cols} FROM attribution WHERE run_id = ? "
                    "ORDER BY scenario_index, batch_index, seq",
                    [run_id],
                )
                .df()
            )
        return _tidy(frame)

    def load_events(self, run_id: str) -> pd.DataFrame:
        """Every stored event of a run, ordered by scenario, batch and position in the batch."""
        self._require_run(run_id)
        with self._errors("read the events"):
            frame = self._db().execute(self._events_sql(run_id)).df()
        return _tidy(frame)

    def monthly_exports(self, run_id: str) -> pd.DataFrame | None:
        """Per scenario and month, the distribution of the run's exports in that month.

        Columns: ``scenario_index``, ``scenario``, ``month`` (0 = the horizon's first month),
        ``draws``, ``p5_mt``, ``p50_mt``, ``p95_mt`` (quantiles with linear interpolation,
        the rule of the run's summaries), ``mean_mt``, and ``no_outage_mt``: that month in
        the first draw without events (the no-outage plan exactly; NaN when every draw had
        events). All in Mt in the month. None when some stored draw has no monthly exports
        (a run stored before ``draw_months`` existed, or resumed across that change).
        """
        self._require_run(run_id)
        if "draw_months" not in self._optional:
            return None
        sql = """
            WITH n AS (
                SELECT scenario_index, min(scenario) AS scenario, count(*) AS draws
                FROM draws WHERE run_id = $1 GROUP BY scenario_index
            ), q AS (
                SELECT scenario_index, month, count(*) AS draws,
                       quantile_cont(exported_mt, 0.05) AS p5_mt,
                       quantile_cont(exported_mt, 0.5) AS p50_mt,
                       quantile_cont(exported_mt, 0.95) AS p95_mt,
                       avg(exported_mt) AS mean_mt
                FROM draw_months WHERE run_id = $1 GROUP BY scenario_index, month
            ), calm AS (
                SELECT scenario_index, min(draw) AS draw FROM draws
                WHERE run_id = $1 AND n_events = 0 GROUP BY scenario_index
            ), ref AS (
                SELECT m.scenario_index, m.month, m.exported_mt AS no_outage_mt
                FROM draw_months m JOIN calm c
                  ON m.scenario_index = c.scenario_index AND m.draw = c.draw
                WHERE m.run_id = $1
            )
            SELECT q.scenario_index, n.scenario, q.month, q.draws, q.p5_mt, q.p50_mt,
                   q.p95_mt, q.mean_mt, ref.no_outage_mt, n.draws AS stored
            FROM q JOIN n ON q.scenario_index = n.scenario_index
            LEFT JOIN ref ON q.scenario_index = ref.scenario_index AND q.month = ref.month
            ORDER BY q.scenario_index, q.month
        """
        with self._errors("read the monthly exports"):
            frame = self._db().execute(sql, [run_id]).df()
            n_scenarios = (
                self._db()
                .execute(
                    "SELECT count(DISTINCT scenario_index) FROM draws WHERE run_id = ?", [run_id]
                )
                .fetchone()
            )
        if frame.empty or (frame["draws"] != frame["stored"]).any():
            return None
        if frame["scenario_index"].nunique() != (int(n_scenarios[0]) if n_scenarios else 0):
            return None
        frame["no_outage_mt"] = frame["no_outage_mt"].astype("float64")
        frame["draws"] = frame["draws"].astype("int64")
        return _tidy(frame.drop(columns=["stored"]))

    def export(
        self,
        run_id: str,
        fmt: Literal["csv", "parquet"],
        out: str | os.PathLike[str],
        *,
        table: Literal["draws", "events"] = "draws",
        force: bool = False,
    ) -> Path:
        """Write a run's draws (wide, as :meth:`load_draws`) or events to a CSV or Parquet file.

        The file is written to a temporary name next to ``out`` and renamed into place, so a
        crash never leaves a half-written ``out``. An existing ``out`` is refused unless
        ``force``. Returns the path written.
        """
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"format {fmt!r}: expected csv or parquet")
        if table not in ("draws", "events"):
            raise ValueError(f"table {table!r}: expected draws or events")
        self._require_run(run_id)
        target = Path(out)
        store_files = {self.path.resolve(), Path(f"{self.path}.wal").resolve()}
        if target.resolve() in store_files:
            raise StoreError(f"cannot export to {target}: it is the runs store itself")
        if target.is_dir():
            raise StoreError(f"cannot export to {target}: it is a folder")
        if target.exists() and not force:
            raise StoreError(
                f"{target} exists; refusing to overwrite it (use --force to replace it)"
            )
        if not target.parent.is_dir():
            raise StoreError(f"cannot export to {target}: folder {target.parent} does not exist")
        query = self._draws_sql(run_id) if table == "draws" else self._events_sql(run_id)
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
        try:
            with self._errors(f"export run {run_id}"):
                self._db().execute(f"COPY ({query}) TO {_lit(str(tmp))} ({options})")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return target


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Give text columns the dtype pandas gives Python strings (``str`` in pandas 3)."""
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_string_dtype(series.dtype) and not series.isna().any():
            frame[column] = series.astype(str)
    return frame.reset_index(drop=True)


def _list(texts: list[str]) -> str:
    """A SQL list literal of strings."""
    return "[" + ", ".join(_lit(t) for t in texts) + "]"


def _groups_frame(batch: BatchResult) -> tuple[pd.DataFrame, list[str], list[str]] | None:
    """The batch's route-group flows, long and numbers only (group by group, draws in order):
    ``_cf_scenario`` and ``grp_index`` index the returned scenario and group names. DuckDB
    reads numeric columns of a frame far faster than text, and one scan replaces one per
    group."""
    groups = list(batch.groups)
    if not groups:
        return None
    draws = batch.draws
    codes, names = pd.factorize(draws["scenario"].astype(object), sort=False)
    n, g = len(draws), len(groups)
    frame = pd.DataFrame(
        {
            "_cf_scenario": np.tile(codes.astype(np.int32), g),
            "draw": np.tile(draws["draw"].to_numpy(dtype=np.int64), g),
            "grp_index": np.repeat(np.arange(g, dtype=np.int32), n),
            "flow_mt": np.concatenate(
                [draws[GROUP_PREFIX + name].to_numpy(dtype=np.float64) for name in groups]
            ),
        }
    )
    return frame, [str(v) for v in names], groups


def _months_frame(batch: BatchResult) -> pd.DataFrame | None:
    """The batch's exports per month, long: draw, month (0 = first), exported_mt."""
    m = batch.monthly_exported_mt
    if m is None:
        return None
    values = np.asarray(m, dtype=np.float64)
    n = len(batch.draws)
    if values.ndim != 2 or values.shape[0] != n:
        raise ValueError(
            f"monthly_exported_mt: expected one row per draw ({n}), not shape {values.shape}"
        )
    t = values.shape[1]
    return pd.DataFrame(
        {
            "draw": np.repeat(batch.draws["draw"].to_numpy(dtype=np.int64), t),
            "month": np.tile(np.arange(t, dtype=np.int32), n),
            "exported_mt": values.ravel(),
        }
    )


def _check_batch(batch: BatchResult) -> None:
    missing = [c for c in DRAW_COLUMNS if c not in batch.draws.columns]
    missing += [f"events.{c}" for c in EVENT_COLUMNS if c not in batch.events.columns]
    if missing:
        raise ValueError(f"batch result lacks columns {', '.join(missing)}")
