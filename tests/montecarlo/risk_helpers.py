"""A small real risk run written to a runs store, as ``crudeflow risk`` writes it."""

from __future__ import annotations

import json
from pathlib import Path

from crudeflow.montecarlo.engine import RunSpec
from crudeflow.montecarlo.run import RiskRun, run_risk
from crudeflow.store import RunsStore


def store_run(
    path: Path,
    *,
    scenarios: tuple[str, ...] = ("",),
    draws: int = 120,
    batch_size: int = 60,
    seed: int = 3,
) -> tuple[str, RiskRun]:
    """Run ``draws`` draws of ``scenarios`` (default dataset, 2025) and store them."""
    spec = RunSpec(
        scenarios=scenarios,
        seed=seed,
        draws=draws,
        batch_size=batch_size,
        year=2025,
        attribution=True,
        attribution_draws=0,
    ).resolved()
    with RunsStore(path) as store:
        run_id = store.create_run({**spec.to_dict(), "shut_in_threshold_mt": 5.0})
        run = run_risk(spec, on_batch=lambda b: store.append_batch(run_id, b))
        store.finish_run(run_id, "done", json.dumps(run.to_dict()), run.elapsed_s)
    return run_id, run
