"""Fixtures for report tests: solved cases of the toy network, the mini and default datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.report import ReportCase, default_cases

MINI = Path(__file__).parents[1] / "fixtures" / "mini"


@pytest.fixture(scope="session")
def toy() -> Network:
    return toy_network()


@pytest.fixture(scope="session")
def toy_cases(toy: Network) -> list[ReportCase]:
    return default_cases(toy)


@pytest.fixture(scope="session")
def mini() -> Network:
    return load_dataset(MINI)


@pytest.fixture(scope="session")
def kz_cases() -> list[ReportCase]:
    """Base plan and 'avoid RU, via Caspian ports' on the default dataset."""
    return default_cases(load_dataset())


@pytest.fixture(scope="session")
def risk_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A runs store with one small risk run (two scenarios, 120 draws each)."""
    from tests.montecarlo.risk_helpers import store_run

    path = tmp_path_factory.mktemp("risk") / "runs.duckdb"
    run_id, _ = store_run(path, scenarios=("base-2025", "trans-caspian-buildout"))
    return path, run_id
