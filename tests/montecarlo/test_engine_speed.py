"""The risk engine's speed-ups keep its numbers (issue 9, performance): the binding-month
text is cached by pattern, and the lean re-solve reads HiGHS's columns with ``fromiter``."""

from __future__ import annotations

import numpy as np

from crudeflow.montecarlo import engine
from crudeflow.montecarlo.engine import RunSpec, scenario_model


def test_binding_text_from_the_cache_equals_the_text_built_afresh() -> None:
    spec = RunSpec(scenarios=("",), seed=5, draws=60, batch_size=60).resolved()
    model = scenario_model(spec, 0)
    model._binding_text.clear()
    fresh = engine.run_batch(spec, 0, 0).draws["binding_months"].tolist()
    cached = engine.run_batch(spec, 0, 0).draws["binding_months"].tolist()  # all from the cache
    assert fresh == cached
    assert len(set(fresh)) > 1  # outages change which routes bind


def test_binding_text_cache_stays_bounded() -> None:
    spec = RunSpec(scenarios=("",), seed=6, draws=40, batch_size=40).resolved()
    model = scenario_model(spec, 0)
    model._binding_text.clear()
    rng = np.random.default_rng(0)
    for _ in range(engine._BINDING_CACHE + 10):  # more patterns than the cache keeps
        x = model.ref_x.copy()
        x[model.x_slice] *= rng.random(model.T * model.R) < 0.5
        model._measures(x, model.ref_factors)
    assert len(model._binding_text) <= engine._BINDING_CACHE


def test_lean_re_solve_returns_the_columns_of_a_full_solve() -> None:
    spec = RunSpec(scenarios=("",), seed=7, draws=10, batch_size=10).resolved()
    model = scenario_model(spec, 0)
    status, x = model.session.solve_primal()
    full = model.session.solve()
    assert status.ok and x.dtype == np.float64
    assert np.array_equal(x, full.x)


def test_binding_months_cost_a_shared_pointer_per_draw_not_a_copy_of_the_text() -> None:
    # pandas 3 stores a str column's text per row (~260 bytes a draw on the default dataset):
    # 1,000,000 draws would not fit the 1 GiB of issue 9; an object column of shared strings
    # costs 8 bytes a draw
    from crudeflow.montecarlo.run import run_risk

    run = run_risk(RunSpec(scenarios=("",), seed=8, draws=400, batch_size=200).resolved())
    col = run.draws["binding_months"]
    assert col.dtype == object
    assert col.memory_usage(deep=False, index=False) <= 8 * len(col)
    same = col[col == col.iloc[0]]
    assert len(same) > 1 and all(v is same.iloc[0] for v in same)  # one string, shared
