"""Fuzz the runs store with damaged files: only a StoreError, never a crash or a rewrite."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crudeflow.errors import StoreError
from crudeflow.store import RunsStore
from tests.fuzz.conftest import fuzz_settings
from tests.montecarlo.store_helpers import full_run, spec

_counter = itertools.count()


@pytest.fixture(scope="module")
def valid_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The bytes of a small valid store (checkpointed, no .wal) and its run id."""
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    with RunsStore(path) as store:
        run_id = store.create_run(spec())
        for batch in full_run():
            store.append_batch(run_id, batch)
    assert not Path(f"{path}.wal").exists()
    return path.read_bytes(), run_id


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example (hypothesis reuses fixtures across examples)."""
    return tmp_path_factory.mktemp("fuzz")


def _read_everything(path: Path, run_id: str) -> None:
    with RunsStore(path, read_only=True, wait_s=0) as store:
        store.list_runs()
        store.load_draws(run_id)
        store.load_events(run_id)


@fuzz_settings
@given(content=st.binary(max_size=20_000))
def test_arbitrary_bytes_as_a_store_give_a_store_error(folder: Path, content: bytes) -> None:
    path = folder / f"f{next(_counter)}.duckdb"
    path.write_bytes(content)
    for read_only in (True, False):
        with pytest.raises(StoreError):
            RunsStore(path, read_only=read_only, wait_s=0).close()
    assert path.read_bytes() == content
    path.unlink()


@fuzz_settings
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8
    )
)
def test_damaged_store_reads_or_gives_a_store_error(
    folder: Path, valid_store: tuple[bytes, str], flips: list[tuple[float, int]]
) -> None:
    data, run_id = valid_store
    damaged = bytearray(data)
    for where, value in flips:
        damaged[int(where * len(damaged))] = value
    path = folder / f"d{next(_counter)}.duckdb"
    path.write_bytes(bytes(damaged))
    with contextlib.suppress(StoreError):
        _read_everything(path, run_id)
    assert path.read_bytes() == bytes(damaged)  # reading never rewrites the file
    path.unlink()
