"""Fixtures for planner tests."""

from __future__ import annotations

import pytest

from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network


@pytest.fixture(scope="session")
def kz() -> Network:
    """The default Kazakhstan dataset."""
    return load_dataset()
