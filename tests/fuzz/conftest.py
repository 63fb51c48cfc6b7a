"""Shared settings of the fuzz suite.

CI runs every fuzz target with a fixed seed and a small count (``CRUDEFLOW_FUZZ_EXAMPLES``,
default 200); ``make fuzz`` runs the full 10,000 examples per target. A target passes when no
example raises anything but a :class:`crudeflow.errors.CrudeflowError` (which the CLI turns into
one line and an exit code from 1 to 4) and none takes longer than 10 s.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("CRUDEFLOW_FUZZ_EXAMPLES", "200"))

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,  # a fixed seed: CI sees the same examples every run
    deadline=10_000,  # ms: an example that takes longer than 10 s is a hang
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
