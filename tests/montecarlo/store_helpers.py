"""Synthetic Monte Carlo batches for the runs-store tests (no solver involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crudeflow.montecarlo.results import EVENT_COLUMNS, BatchResult

GROUPS = ("CPC", "BTC", "KAZ_RU")
SCENARIOS = ("base-2025", "trans-caspian-buildout")


def spec(
    draws: int = 10, batch_size: int = 4, scenarios: tuple[str, ...] = SCENARIOS
) -> dict[str, object]:
    """A RunSpec.to_dict()-shaped spec."""
    return {
        "scenarios": list(scenarios),
        "dataset": "",
        "dataset_hash": "sha256:feed",
        "year": 2026,
        "seed": 42,
        "draws": draws,
        "batch_size": batch_size,
        "foresight": "none",
        "code_version": "0.1.0",
    }


def batches_of(draws: int, batch_size: int) -> list[tuple[int, int]]:
    """(first draw, n draws) of each batch of a scenario."""
    return [(b, min(batch_size, draws - b)) for b in range(0, draws, batch_size)]


def make_batch(
    scenario_index: int,
    batch_index: int,
    *,
    draws: int = 10,
    batch_size: int = 4,
    scenarios: tuple[str, ...] = SCENARIOS,
    groups: tuple[str, ...] = GROUPS,
) -> BatchResult:
    """A deterministic batch: its numbers depend only on (scenario_index, batch_index)."""
    rng = np.random.default_rng([scenario_index, batch_index])
    first = batch_index * batch_size
    n = min(batch_size, draws - first)
    draw = np.arange(first, first + n, dtype=np.int64)
    n_events = rng.integers(0, 3, n).astype(np.int64)
    lost = rng.random(n) * 5.0
    frame = pd.DataFrame(
        {
            "scenario": [scenarios[scenario_index]] * n,
            "draw": draw,
            "exported_mt": 80.0 - lost,
            "shut_in_mt": lost * 0.9,
            "netback_musd": 9_000.0 - lost * 300.0,
            "lost_exports_mt": lost,
            "lost_netback_musd": lost * 300.0,
            "n_events": n_events,
            "binding_months": ['{"CPC_NOVO": [0, 1]}' if k else "" for k in n_events],
        }
    )
    for g in groups:
        frame[f"flow_mt__{g}"] = rng.random(n) * 60.0
    rows = [
        (scenarios[scenario_index], int(d), f"hazard_{j % 2}", float(rng.random() * 365), 3.5, 0.5)
        for d, k in zip(draw, n_events, strict=True)
        for j in range(int(k))
    ]
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    events = events.astype(
        {
            "draw": np.int64,
            "start_day": np.float64,
            "duration_days": np.float64,
            "fraction_lost": np.float64,
        }
    )
    return BatchResult(frame, events, batch_index, scenario_index)


def full_run(
    draws: int = 10, batch_size: int = 4, scenarios: tuple[str, ...] = SCENARIOS
) -> list[BatchResult]:
    """Every batch of a run, in scenario then batch order."""
    return [
        make_batch(s, b, draws=draws, batch_size=batch_size, scenarios=scenarios)
        for s in range(len(scenarios))
        for b in range(len(batches_of(draws, batch_size)))
    ]
