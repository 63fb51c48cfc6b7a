"""The runs store: one transaction per batch, resume, crash safety, locking, export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import crudeflow
from crudeflow.errors import CrudeflowError, StoreError
from crudeflow.montecarlo.results import DRAW_COLUMNS, EVENT_COLUMNS, BatchResult
from crudeflow.store import SCHEMA_VERSION, RunsStore
from tests.montecarlo.store_helpers import SCENARIOS, full_run, make_batch, spec

REPO = Path(__file__).resolve().parents[2]
SRC = Path(crudeflow.__file__).resolve().parents[1]


def _concat(batches: list[BatchResult], attr: str) -> pd.DataFrame:
    return pd.concat([getattr(b, attr) for b in batches], ignore_index=True)


def _child(code: str) -> subprocess.Popen[str]:
    """A Python child process running ``code`` with this checkout's crudeflow and tests."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO)])}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the child (no cleanup of any kind runs in it) and close its pipes."""
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def _wait_for(proc: subprocess.Popen[str], word: str) -> list[str]:
    """Read the child's stdout lines until one equals ``word``; return the lines before it."""
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        if line.strip() == word:
            return seen
        seen.append(line.strip())
    _, err = proc.communicate()
    raise AssertionError(f"child ended before {word!r}: {seen} {err}")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "runs.duckdb"


# -- runs and batches ------------------------------------------------------------------------
def test_create_run_stores_spec_and_counts(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        info = store.get_run(run_id)
    assert info.spec == spec()
    assert (info.seed, info.draws, info.batch_size, info.dataset_hash) == (42, 10, 4, "sha256:feed")
    assert info.status == "running"
    assert (info.n_batches_done, info.n_batches_total, info.n_draws_stored) == (0, 6, 0)
    assert info.summary is None
    assert info.created_at.endswith("Z")


def test_create_run_rejects_spec_without_seed(store_path: Path) -> None:
    incomplete = {k: v for k, v in spec().items() if k != "seed"}
    with RunsStore(store_path) as store, pytest.raises(ValueError, match="seed"):
        store.create_run(incomplete)


def test_load_draws_equals_batches_whatever_commit_order(store_path: Path) -> None:
    batches = full_run()
    shuffled = [batches[i] for i in np.random.default_rng(3).permutation(len(batches))]
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        for batch in shuffled:
            assert store.append_batch(run_id, batch) is True
        draws = store.load_draws(run_id)
        events = store.load_events(run_id)
    pd.testing.assert_frame_equal(draws, _concat(batches, "draws"))
    pd.testing.assert_frame_equal(events, _concat(batches, "events"), check_dtype=False)
    assert list(draws.columns[: len(DRAW_COLUMNS)]) == list(DRAW_COLUMNS)
    assert list(events.columns) == list(EVENT_COLUMNS)


def test_iter_draws_pieces_concatenate_to_load_draws(store_path: Path) -> None:
    kw = {"draws": 5000, "batch_size": 1000, "scenarios": SCENARIOS}
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec(**kw))  # type: ignore[arg-type]
        for batch in full_run(**kw):  # type: ignore[arg-type]
            store.append_batch(run_id, batch)
        pieces = list(store.iter_draws(run_id, chunk_rows=3000))
        whole = store.load_draws(run_id)
    assert len(pieces) == 3  # 10,000 rows in pieces of 2 x 2,048 rows
    assert max(len(p) for p in pieces) == 4096
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)
    pd.testing.assert_frame_equal(whole, _concat(full_run(**kw), "draws"))  # type: ignore[arg-type]


def test_floats_round_trip_bit_for_bit(store_path: Path) -> None:
    batch = make_batch(0, 0)
    tricky = batch.draws.copy()
    tricky["exported_mt"] = [0.1 + 0.2, 1e-300, -0.0, 2.0**53 + 1.0]
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, BatchResult(tricky, batch.events, 0, 0))
        back = store.load_draws(run_id)["exported_mt"].to_numpy()
    assert back.tobytes() == tricky["exported_mt"].to_numpy(dtype=np.float64).tobytes()


def test_reappending_a_committed_batch_is_a_noop(store_path: Path) -> None:
    batch = make_batch(1, 2)
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        assert store.append_batch(run_id, batch) is True
        assert store.append_batch(run_id, batch) is False
        assert store.append_batch(run_id, make_batch(1, 2)) is False
        info = store.get_run(run_id)
        assert store.done_batches(run_id) == {(1, 2)}
    assert (info.n_batches_done, info.n_draws_stored) == (1, len(batch.draws))
    assert info.n_events_stored == len(batch.events)


def test_resume_after_partial_run_gives_the_uninterrupted_frames(tmp_path: Path) -> None:
    batches = full_run()
    with RunsStore(tmp_path / "whole.duckdb") as store:
        whole_id = store.create_run(spec())
        for batch in batches:
            store.append_batch(whole_id, batch)
        whole = store.load_draws(whole_id), store.load_events(whole_id)

    partial = tmp_path / "partial.duckdb"
    with RunsStore(partial) as store:  # the first session stores 4 of 6 batches, then stops
        run_id = store.create_run(spec())
        for batch in batches[:2] + batches[3:5]:
            store.append_batch(run_id, batch)
    with RunsStore(partial) as store:  # the resume offers only what is missing
        done = store.done_batches(run_id)
        assert done == {(0, 0), (0, 1), (1, 0), (1, 1)}
        todo = [b for b in batches if (b.scenario_index, b.batch_index) not in done]
        assert [(b.scenario_index, b.batch_index) for b in todo] == [(0, 2), (1, 2)]
        for batch in todo:
            store.append_batch(run_id, batch)
        store.finish_run(run_id, "done", '{"mean_lost_mt": 1.0}', 12.5)
        resumed = store.load_draws(run_id), store.load_events(run_id)
        info = store.get_run(run_id)
    pd.testing.assert_frame_equal(resumed[0], whole[0])
    pd.testing.assert_frame_equal(resumed[1], whole[1])
    assert (info.status, info.n_batches_done, info.elapsed_s) == ("done", 6, 12.5)
    assert info.summary == {"mean_lost_mt": 1.0}


def test_batch_without_events_or_groups_is_stored(store_path: Path) -> None:
    batch = make_batch(0, 0)
    plain = batch.draws.loc[:, list(DRAW_COLUMNS)]
    no_events = pd.DataFrame(columns=list(EVENT_COLUMNS))
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, BatchResult(plain, no_events, 0, 0))
        draws = store.load_draws(run_id)
        assert store.load_events(run_id).empty
    pd.testing.assert_frame_equal(draws, plain)


def test_failure_inside_append_rolls_back_the_whole_batch(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = make_batch(0, 0)
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, make_batch(0, 1))

        def boom(self: RunsStore, run_id: str, batch: BatchResult) -> None:
            self._db().execute("INSERT INTO draws SELECT * FROM draws")  # half a batch's work
            raise KeyboardInterrupt

        with monkeypatch.context() as m:
            m.setattr(RunsStore, "_insert_rows", boom)
            with pytest.raises(KeyboardInterrupt):
                store.append_batch(run_id, batch)
        assert store.done_batches(run_id) == {(0, 1)}
        assert store.get_run(run_id).n_draws_stored == len(make_batch(0, 1).draws)
        assert store.append_batch(run_id, batch) is True
        assert store.get_run(run_id).n_batches_done == 2


def test_batch_missing_a_column_is_refused(store_path: Path) -> None:
    batch = make_batch(0, 0)
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        with pytest.raises(ValueError, match="n_events"):
            store.append_batch(
                run_id, BatchResult(batch.draws.drop(columns="n_events"), batch.events, 0, 0)
            )


def test_finish_run_rejects_unknown_status(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        with pytest.raises(ValueError, match="interrupted"):
            store.finish_run(run_id, "paused", None, 1.0)


def test_list_runs_oldest_first(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        ids = [store.create_run(spec(draws=n)) for n in (5, 6, 7)]
        listed = store.list_runs()
    assert {r.run_id for r in listed} == set(ids)
    assert [r.draws for r in listed] == [5, 6, 7]


# -- unknown ids and bad files ---------------------------------------------------------------
def test_unknown_run_id_suggests_close_ids(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        with pytest.raises(StoreError, match=f"did you mean {run_id}"):
            store.get_run(run_id[:-1] + "z")
        with pytest.raises(StoreError, match="no run 'zzz'"):
            store.done_batches("zzz")
        with pytest.raises(StoreError, match="no run"):
            store.append_batch("zzz", make_batch(0, 0))


def test_store_error_is_a_crudeflow_error() -> None:
    assert issubclass(StoreError, CrudeflowError)


def test_missing_store_read_only_is_a_clear_error(store_path: Path) -> None:
    with pytest.raises(StoreError, match="no runs store at"):
        RunsStore(store_path, read_only=True)
    assert not store_path.exists()


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 100, b"DUCK" * 3000])
def test_non_duckdb_file_is_a_clear_error(store_path: Path, content: bytes) -> None:
    store_path.write_bytes(content)
    for read_only in (True, False):
        with pytest.raises(StoreError, match="not a crudeflow runs store"):
            RunsStore(store_path, read_only=read_only)
    assert store_path.read_bytes() == content  # never "repaired" into something else


def test_truncated_store_is_a_clear_error(store_path: Path, tmp_path: Path) -> None:
    with RunsStore(store_path) as store:
        store.create_run(spec())
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(store_path.read_bytes()[:5000])
    with pytest.raises(StoreError, match=r"cut\.duckdb"):
        RunsStore(cut, read_only=True)


def test_other_duckdb_database_is_not_taken_for_a_store(store_path: Path) -> None:
    con = duckdb.connect(str(store_path))
    con.execute("CREATE TABLE prices (day DATE, usd DOUBLE)")
    con.close()
    with pytest.raises(StoreError, match="not a crudeflow runs store"):
        RunsStore(store_path)


def test_newer_schema_version_is_refused(store_path: Path) -> None:
    RunsStore(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer"):
        RunsStore(store_path, read_only=True)


def test_schema_version_is_recorded(store_path: Path) -> None:
    RunsStore(store_path).close()
    con = duckdb.connect(str(store_path), read_only=True)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    con.close()


def test_closed_store_raises_store_error(store_path: Path) -> None:
    store = RunsStore(store_path)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_runs()


# -- export ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trip(store_path: Path, tmp_path: Path, fmt: str) -> None:
    batches = full_run()
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        for batch in batches:
            store.append_batch(run_id, batch)
    out = tmp_path / f"draws.{fmt}"
    events_out = tmp_path / f"events.{fmt}"
    with RunsStore(store_path, read_only=True) as store:
        assert store.export(run_id, fmt, out) == out  # type: ignore[arg-type]
        store.export(run_id, fmt, events_out, table="events")  # type: ignore[arg-type]
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    con = duckdb.connect()
    back = con.execute(f"SELECT * FROM {reader}(?)", [str(out)]).df()
    events = con.execute(f"SELECT * FROM {reader}(?)", [str(events_out)]).df()
    con.close()
    expected = _concat(batches, "draws")
    assert list(back.columns) == list(expected.columns)
    numeric = expected.select_dtypes("number").columns
    np.testing.assert_array_equal(back[numeric].to_numpy(), expected[numeric].to_numpy())
    assert list(back["scenario"]) == list(expected["scenario"])
    assert len(events) == len(_concat(batches, "events"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_refuses_existing_file_unless_forced(store_path: Path, tmp_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, make_batch(0, 0))
        out = tmp_path / "mine.csv"
        out.write_text("precious\n")
        with pytest.raises(StoreError, match="exists"):
            store.export(run_id, "csv", out)
        assert out.read_text() == "precious\n"
        store.export(run_id, "csv", out, force=True)
    assert out.read_text().startswith("scenario,draw,")


@pytest.mark.parametrize("suffix", ["", ".wal"])
def test_export_never_overwrites_the_store_itself(store_path: Path, suffix: str) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, make_batch(0, 0))
        with pytest.raises(StoreError, match="runs store itself"):
            store.export(run_id, "parquet", Path(f"{store_path}{suffix}"), force=True)
        assert store.done_batches(run_id) == {(0, 0)}
    with RunsStore(store_path, read_only=True) as store:
        assert store.done_batches(run_id) == {(0, 0)}


def test_export_to_missing_folder_is_a_clear_error(store_path: Path, tmp_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
        with pytest.raises(StoreError, match="does not exist"):
            store.export(run_id, "parquet", tmp_path / "nope" / "x.parquet")


# -- crash safety: kill -9 -------------------------------------------------------------------
def _check_consistent(
    path: Path, run_id: str, committed: set[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Every committed batch is whole, nothing else is stored; returns the stored batches."""
    with RunsStore(path, read_only=True) as store:
        done = store.done_batches(run_id)
        draws = store.load_draws(run_id)
        events = store.load_events(run_id)
        info = store.get_run(run_id)
    assert committed <= done
    expected = [make_batch(s, b, draws=200_000, batch_size=20_000) for s, b in sorted(done)]
    if expected:
        want_draws = _concat(expected, "draws")
        pd.testing.assert_frame_equal(draws, want_draws)
        pd.testing.assert_frame_equal(events, _concat(expected, "events"), check_dtype=False)
    else:
        assert draws.empty and events.empty
    assert info.n_batches_done == len(done)
    return done


_APPEND_LOOP = """
    import sys
    from crudeflow.store import RunsStore
    from tests.montecarlo.store_helpers import make_batch
    path, run_id, hang = sys.argv[1], sys.argv[2], sys.argv[3] == "hang"
    with RunsStore(path) as store:
        if hang:  # stop for good in the middle of the transaction of batch 3
            original = RunsStore._insert_rows
            def slow(self, run_id, batch):
                original(self, run_id, batch)
                if batch.batch_index == 3:
                    print("mid", flush=True)
                    import time; time.sleep(600)
            RunsStore._insert_rows = slow
        for b in range(10):
            store.append_batch(run_id, make_batch(0, b, draws=200_000, batch_size=20_000))
            print(f"committed {b}", flush=True)
    print("end", flush=True)
"""


def _start_loop(path: Path, run_id: str, mode: str) -> subprocess.Popen[str]:
    code = _APPEND_LOOP.replace(
        'sys.argv[1], sys.argv[2], sys.argv[3] == "hang"',
        repr(str(path)) + ", " + repr(run_id) + ", " + repr(mode == "hang"),
    )
    return _child(code)


def test_kill_9_in_the_middle_of_a_batch_keeps_every_committed_batch(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec(draws=200_000, batch_size=20_000, scenarios=SCENARIOS[:1]))
    proc = _start_loop(store_path, run_id, "hang")
    lines = _wait_for(proc, "mid")  # batch 3's rows are inserted, its commit has not happened
    _kill_9(proc)
    assert lines == [f"committed {b}" for b in range(3)]
    done = _check_consistent(store_path, run_id, {(0, 0), (0, 1), (0, 2)})
    assert done == {(0, 0), (0, 1), (0, 2)}
    with RunsStore(store_path) as store:  # and the run resumes where it stopped
        for b in range(10):
            store.append_batch(run_id, make_batch(0, b, draws=200_000, batch_size=20_000))
    assert len(_check_consistent(store_path, run_id, set())) == 10


@pytest.mark.parametrize("delay_s", [0.0, 0.013, 0.037])
def test_kill_9_at_any_moment_of_an_append_loop_leaves_a_readable_store(
    store_path: Path, delay_s: float
) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec(draws=200_000, batch_size=20_000, scenarios=SCENARIOS[:1]))
    proc = _start_loop(store_path, run_id, "loop")
    lines = _wait_for(proc, "committed 2")
    time.sleep(delay_s)
    _kill_9(proc)
    committed = {(0, int(line.split()[1])) for line in [*lines, "committed 2"]}
    _check_consistent(store_path, run_id, committed)


# -- two processes ---------------------------------------------------------------------------
_HOLDER = """
    import sys, time
    from crudeflow.store import RunsStore
    from tests.montecarlo.store_helpers import make_batch, spec
    with RunsStore({path!r}) as store:
        run_id = store.create_run(spec())
        store.append_batch(run_id, make_batch(0, 0))
        print(run_id, flush=True)
        print("held", flush=True)
        time.sleep({hold_s})
    print("released", flush=True)
"""


def test_second_writer_gets_a_clear_error_after_a_bounded_wait(store_path: Path) -> None:
    holder = _child(_HOLDER.format(path=str(store_path), hold_s=600))
    try:
        run_id = _wait_for(holder, "held")[0]
        for read_only in (False, True):
            start = time.monotonic()
            with pytest.raises(StoreError) as caught:
                RunsStore(store_path, read_only=read_only, wait_s=0.5)
            assert time.monotonic() - start >= 0.5
            message = str(caught.value)
            assert str(store_path) in message
            assert f"in use by process {holder.pid}" in message
            assert "waited 0.5 s" in message
    finally:
        _kill_9(holder)
    _check_consistent_small(store_path, run_id)


def _check_consistent_small(path: Path, run_id: str) -> None:
    with RunsStore(path) as store:
        assert store.done_batches(run_id) == {(0, 0)}
        pd.testing.assert_frame_equal(store.load_draws(run_id), make_batch(0, 0).draws)
        assert store.append_batch(run_id, make_batch(0, 1)) is True


def test_second_writer_waits_for_the_first_to_finish(store_path: Path) -> None:
    holder = _child(_HOLDER.format(path=str(store_path), hold_s=1.0))
    run_id = _wait_for(holder, "held")[0]
    with RunsStore(store_path, wait_s=120) as store:  # returns once the holder lets go
        assert store.done_batches(run_id) == {(0, 0)}
        store.append_batch(run_id, make_batch(0, 1))
    holder.communicate(timeout=120)
    assert holder.returncode == 0
    _check_consistent_small_after(store_path, run_id)


def _check_consistent_small_after(path: Path, run_id: str) -> None:
    with RunsStore(path, read_only=True) as store:
        assert store.done_batches(run_id) == {(0, 0), (0, 1)}
        assert json.loads(store.get_run(run_id).spec_json)["seed"] == 42


# -- memory ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_million_draws_keep_file_and_memory_small(store_path: Path) -> None:
    """1,000 batches of 1,000 draws: the file stays ~100 bytes a draw, RSS well under 1 GiB."""
    code = f"""
        import os, resource
        from crudeflow.store import RunsStore
        from tests.montecarlo.store_helpers import make_batch, spec
        n = 1000
        with RunsStore({str(store_path)!r}) as store:
            run_id = store.create_run(spec(draws=n * 1000, batch_size=1000, scenarios=("base",)))
            for b in range(n):
                store.append_batch(run_id, make_batch(0, b, draws=n * 1000, batch_size=1000,
                                                      scenarios=("base",)))
            print(store.get_run(run_id).n_draws_stored)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    """
    proc = _child(code)
    out, err = proc.communicate(timeout=3600)
    assert proc.returncode == 0, err
    n_draws, rss = (int(v) for v in out.split())  # nothing else on stdout: no progress bar
    assert n_draws == 1_000_000
    assert rss < 1024 * 2**20, f"peak RSS {rss / 2**20:.0f} MiB"  # issue 9: under 1 GiB
    size = store_path.stat().st_size
    assert size < 200 * 2**20, f"file {size / 2**20:.0f} MiB"  # ~95 MB before monthly rows


# -- one process, several handles ------------------------------------------------------------
def test_reader_in_the_writing_process_shares_the_writer(store_path: Path) -> None:
    """A runs page in the process that runs a simulation can read the store it writes."""
    with RunsStore(store_path) as writer:
        run_id = writer.create_run(spec())
        writer.append_batch(run_id, make_batch(0, 0))
        with RunsStore(store_path, read_only=True, wait_s=0) as reader:
            assert reader.done_batches(run_id) == {(0, 0)}
            with pytest.raises(StoreError, match="read-only"):
                reader.append_batch(run_id, make_batch(0, 1))
        writer.append_batch(run_id, make_batch(0, 1))
        assert writer.done_batches(run_id) == {(0, 0), (0, 1)}


def test_writer_while_this_process_reads_is_a_clear_error(store_path: Path) -> None:
    RunsStore(store_path).close()
    with RunsStore(store_path, read_only=True), pytest.raises(StoreError, match="read-only"):
        RunsStore(store_path, wait_s=0)


def test_read_only_store_refuses_writes(store_path: Path) -> None:
    with RunsStore(store_path) as store:
        run_id = store.create_run(spec())
    with RunsStore(store_path, read_only=True) as store:
        for write in (
            lambda: store.create_run(spec()),
            lambda: store.finish_run(run_id, "done", None, 1.0),
            lambda: store.append_batch(run_id, make_batch(0, 0)),
        ):
            with pytest.raises(StoreError, match="read-only"):
                write()
