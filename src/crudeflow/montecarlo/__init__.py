"""Disruption risk: the outage model of a dataset and seeded sampling of outage draws.

:mod:`crudeflow.montecarlo.outages` holds the model (hazards from ``outages.csv``);
:mod:`crudeflow.montecarlo.sampling` turns it into per-route, per-period capacity factors.
"""

from __future__ import annotations

from crudeflow.montecarlo.outages import Hazard, OutageModel
from crudeflow.montecarlo.sampling import OutageEvents, OutageSample, sample_capacity_factors

__all__ = ["Hazard", "OutageEvents", "OutageModel", "OutageSample", "sample_capacity_factors"]
