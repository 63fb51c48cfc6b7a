"""One "met" threshold for requirements, commitments, refineries and the bypass."""

from __future__ import annotations

import pytest

from crudeflow.solve.lp import SHORTFALL_MET_MT
from crudeflow.solve.maxflow import Bypass
from crudeflow.solve.plan import CommitmentStatus, RefineryStatus, RequirementStatus


@pytest.mark.parametrize(
    ("shortfall", "met"), [(0.0, True), (SHORTFALL_MET_MT, True), (2 * SHORTFALL_MET_MT, False)]
)
def test_every_status_is_met_up_to_the_one_threshold(shortfall: float, met: bool) -> None:
    statuses = (
        RequirementStatus("via X >= 1 Mt/yr", "via", ">=", 1.0, 1.0, shortfall, 0.0).met,
        CommitmentStatus("c1", "route:R", 2025, 1.0, 1.0, shortfall, 24.0, 0.0).met,
        RefineryStatus("REF", 2025, 1.0, 1.0, shortfall).met,
        Bypass(
            2025, (), 0.0, 0.0, (), (), (), {}, (), refinery_shortfall_mtpa=shortfall
        ).refinery_met,
    )
    assert statuses == (met, met, met, met)
