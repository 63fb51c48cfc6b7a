"""Fixtures for CLI tests."""

from __future__ import annotations

import pytest

from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network


@pytest.fixture(scope="session")
def kz() -> Network:
    return load_dataset()
