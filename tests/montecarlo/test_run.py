"""Risk runs: identical numbers on 1 process, 2 processes and a real Dask cluster; the
stopping rule; resuming from stored batches; the hazard attribution."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crudeflow.montecarlo.engine import BatchResult, RunSpec
from crudeflow.montecarlo.run import RiskRun, run_risk, usable_cores

SPEC = RunSpec(scenarios=("", "btc-allocation-raised"), seed=9, draws=120, batch_size=40,
               year=2025, attribution=True)  # fmt: skip


@pytest.fixture(scope="module")
def local_run() -> RiskRun:
    return run_risk(SPEC)


@pytest.fixture(scope="module")
def local(local_run: RiskRun) -> pd.DataFrame:
    return local_run.draws


def test_one_and_two_processes_give_bit_identical_draws(local_run: RiskRun) -> None:
    two = run_risk(SPEC, workers=2)
    pd.testing.assert_frame_equal(local_run.draws, two.draws, check_exact=True)
    pd.testing.assert_frame_equal(local_run.attribution, two.attribution, check_exact=True)
    assert local_run.summaries == two.summaries


def test_forked_workers_give_the_local_numbers(local_run: RiskRun, tmp_path: Path) -> None:
    # this process has run HiGHS (its workers are spawned); a fresh one forks its workers
    # where it can (the default of `crudeflow risk`): the same numbers either way
    from crudeflow.montecarlo.run import _start_method

    assert _start_method() == "spawn"
    out = tmp_path / "two.pkl"
    code = (
        "import pickle, sys\n"
        "from crudeflow.montecarlo.engine import RunSpec\n"
        "from crudeflow.montecarlo.run import _start_method, run_risk\n"
        f"spec = RunSpec.from_dict({SPEC.to_dict()!r})\n"
        "method = _start_method()\n"
        "run = run_risk(spec, workers=2)\n"
        "pickle.dump((method, run.draws, run.attribution, run.summaries), open(sys.argv[1], 'wb'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with out.open("rb") as f:
        method, draws, attribution, summaries = pickle.load(f)
    if sys.platform == "linux" and sys.version_info < (3, 12):
        assert method == "fork"
    pd.testing.assert_frame_equal(local_run.draws, draws, check_exact=True)
    pd.testing.assert_frame_equal(local_run.attribution, attribution, check_exact=True)
    assert local_run.summaries == summaries


def test_workers_never_outnumber_the_batches() -> None:
    # one batch: it runs in this process, whatever the workers asked (None: one per core)
    import multiprocessing

    spec = RunSpec(seed=3, draws=30, batch_size=30, year=2025)
    children: list[int] = []
    for workers in (None, 4):
        run_risk(spec, workers=workers,
                 on_batch=lambda _: children.extend(multiprocessing.active_children()))  # fmt: skip
    assert children == []
    assert usable_cores() >= 1


@pytest.mark.parametrize("foresight", ["none", "perfect"])
def test_attribution_from_the_draws_own_solves_is_exact(
    foresight: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a re-plan without a hazard that would repeat the draw's own solves takes their plans
    # (ScenarioModel._replay): bit for bit the numbers of solving it again
    from crudeflow.montecarlo import engine

    spec = RunSpec(seed=1, draws=200, batch_size=200, year=2025, foresight=foresight,
                   attribution=True, attribution_draws=0)  # fmt: skip
    replay = engine.ScenarioModel._replay
    taken: list[bool] = []

    def counted(self: engine.ScenarioModel, *args: Any) -> Any:
        x = replay(self, *args)
        taken.append(x is not None)
        return x

    monkeypatch.setattr(engine.ScenarioModel, "_replay", counted)
    fast = engine.run_batch(spec, 0, 0)
    assert any(taken) and not all(taken)
    monkeypatch.setattr(engine.ScenarioModel, "_replay", lambda *_: None)
    slow = engine.run_batch(spec, 0, 0)
    assert len(fast.attribution) > 50
    pd.testing.assert_frame_equal(fast.attribution, slow.attribution, check_exact=True)
    pd.testing.assert_frame_equal(fast.draws, slow.draws, check_exact=True)


@pytest.mark.slow
def test_a_real_dask_cluster_gives_the_local_numbers_bit_for_bit(local: pd.DataFrame) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        remote = run_risk(SPEC, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local, remote.draws, check_exact=True)


def test_resume_from_stored_batches_ends_with_the_uninterrupted_numbers() -> None:
    spec = RunSpec(seed=4, draws=90, batch_size=30, year=2025, attribution=True)
    stored: list[BatchResult] = []
    full = run_risk(spec, on_batch=stored.append)
    assert [(b.scenario_index, b.batch_index) for b in stored] == [(0, 0), (0, 1), (0, 2)]
    first = stored[:1]  # "interrupted" after one committed batch
    resumed = run_risk(
        spec,
        done_batches={(b.scenario_index, b.batch_index) for b in first},
        prior_draws=pd.concat([b.draws for b in first]),
        prior_attribution=pd.concat([b.attribution for b in first]),
    )
    pd.testing.assert_frame_equal(full.draws, resumed.draws, check_exact=True)
    assert full.summaries == resumed.summaries


def test_until_se_stops_at_a_batch_boundary_whatever_the_workers() -> None:
    spec = RunSpec(seed=1, draws=400, batch_size=50, year=2025)
    one = run_risk(spec, until_se=0.2)
    assert one.stopped_early and one.draws_done % 50 == 0 and one.draws_done < 400
    two = run_risk(spec, until_se=0.2, workers=2)
    assert two.draws_done == one.draws_done
    pd.testing.assert_frame_equal(one.draws, two.draws, check_exact=True)


def test_attribution_removes_one_hazard_on_the_same_draws(local: pd.DataFrame) -> None:
    run = run_risk(SPEC)
    s = run.summaries[0]
    assert s.hazards, "the default dataset's CPC hazards cost exports"
    # removing a hazard never makes the mean loss larger (here: every part >= 0) and no part
    # exceeds the total
    for h in s.hazards:
        assert -1e-9 <= h.lost_exports_mt <= s.lost_exports_mt.mean + 1e-9
    # the draws re-solved without a hazard are exactly the draws in which it struck
    att, ev = run.attribution, run.events
    for scen in att["scenario"].unique():
        a = att[att["scenario"] == scen]
        e = ev[ev["scenario"] == scen]
        assert set(zip(a["draw"], a["hazard"], strict=True)) == set(
            zip(e["draw"], e["hazard"], strict=True)
        )


def test_threads_of_one_process_each_get_their_own_model(local: pd.DataFrame) -> None:
    # A Dask worker with several threads runs batches concurrently: no HiGHS session is
    # shared between threads, and the numbers stay those of the local run.
    from concurrent.futures import ThreadPoolExecutor

    from crudeflow.montecarlo.engine import run_batch

    jobs = [(si, bi) for bi in range(SPEC.n_batches) for si in range(len(SPEC.scenarios))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda j: run_batch(SPEC, *j), jobs))
    threaded = pd.concat([p.draws for p in parts], ignore_index=True)
    threaded = threaded.sort_values(
        ["scenario", "draw"],
        key=lambda c: c.map({"base": 0, "btc-allocation-raised": 1}) if c.name == "scenario" else c,
    )
    local_sorted = local.sort_values(
        ["scenario", "draw"],
        key=lambda c: c.map({"base": 0, "btc-allocation-raised": 1}) if c.name == "scenario" else c,
    )
    pd.testing.assert_frame_equal(
        threaded.reset_index(drop=True), local_sorted.reset_index(drop=True), check_exact=True
    )


def test_attribution_covers_only_the_first_attribution_draws() -> None:
    spec = RunSpec(seed=9, draws=60, batch_size=30, year=2025, attribution=True,
                   attribution_draws=20)  # fmt: skip
    run = run_risk(spec)
    assert len(run.attribution) and (run.attribution["draw"] < 20).all()
    full = run_risk(dataclasses.replace(spec, attribution_draws=0))
    assert (full.attribution["draw"] >= 20).any()
    # the first 20 draws' rows are the same either way
    pd.testing.assert_frame_equal(
        run.attribution.reset_index(drop=True),
        full.attribution[full.attribution["draw"] < 20].reset_index(drop=True),
        check_exact=True,
    )


def test_a_worker_killed_mid_run_gives_a_clear_error() -> None:
    import multiprocessing

    from crudeflow.errors import CrudeflowError

    def kill_workers(_: BatchResult) -> None:
        for p in multiprocessing.active_children():
            p.kill()

    spec = RunSpec(seed=2, draws=200, batch_size=20, year=2025)
    with pytest.raises(CrudeflowError, match="a worker process died"):
        run_risk(spec, workers=2, on_batch=kill_workers)


def test_a_run_without_flows_keeps_compact_copies_with_shared_texts() -> None:
    # issue 9, memory: a kept batch must not pin the batch's whole frame (pandas selections
    # may share its blocks), and batches from worker processes (pickled) must share one
    # string per binding-month pattern
    import pickle

    import numpy as np

    from crudeflow.montecarlo.engine import run_batch
    from crudeflow.montecarlo.run import _summary_columns

    spec = RunSpec(seed=3, draws=80, batch_size=40, year=2025).resolved()
    batches = [pickle.loads(pickle.dumps(run_batch(spec, 0, i))) for i in range(2)]
    kept = [_summary_columns(b.draws) for b in batches]
    for b, k in zip(batches, kept, strict=True):
        assert not any(c.startswith("flow_mt__") for c in k.columns)
        for c in k.columns:
            assert not np.shares_memory(k[c].to_numpy(), b.draws[c].to_numpy()), c
        pd.testing.assert_frame_equal(k, b.draws[list(k.columns)], check_exact=True)
    texts: dict[str, str] = {}
    for k in kept:
        for t in k["binding_months"]:
            assert texts.setdefault(t, t) is t  # equal texts are one object
    run = run_risk(spec, keep_flows=False)
    full = run_risk(spec).draws
    pd.testing.assert_frame_equal(run.draws, full[list(run.draws.columns)], check_exact=True)
